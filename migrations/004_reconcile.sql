-- One row per reconciliation run: its plan and what it did.
create table reconcile_runs (
    id           text primary key,
    org_id       text not null references orgs(id) on delete cascade,
    dry_run      boolean not null default false,
    trigger      text not null default 'manual',
    status       text not null default 'running' check (status in ('running', 'completed', 'failed')),
    started_at   timestamptz not null default now(),
    finished_at  timestamptz,
    plan         jsonb,
    summary      jsonb,
    error        text not null default ''
);
create index reconcile_runs_org_idx on reconcile_runs (org_id, started_at desc);

-- Removals the mass-removal guard holds until an operator decides. At most
-- one pending hold per group; an approved one lets its users' removals
-- through for a day.
create table removal_holds (
    id          text primary key,
    org_id      text not null references orgs(id) on delete cascade,
    site_id     text not null,
    group_id    text not null,
    status      text not null check (status in ('pending', 'approved', 'rejected', 'applied')),
    run_id      text not null default '',
    plan        jsonb not null default '[]'::jsonb,
    members     integer not null default 0,
    created_at  timestamptz not null default now(),
    decided_at  timestamptz
);
create unique index removal_holds_pending_idx on removal_holds (org_id, site_id, group_id) where status = 'pending';

-- Counting a group's recent removals (the real-time side of the guard).
create index audit_log_group_idx on audit_log (org_id, site_id, group_id, at) where action = 'remove';

-- Users doorsync suspended because they had no access left (no_access_policy
-- "suspend"), so it resubscribes only those.
alter table salto_identities add column suspended_by_doorsync boolean not null default false;

---- create above / drop below ----

alter table salto_identities drop column suspended_by_doorsync;
drop index audit_log_group_idx;
drop table removal_holds;
drop table reconcile_runs;
