-- Space entities as the platform sends them. body is the canonical JSON
-- the engine reads; the generated columns index the references that decide
-- which lifecycle workflows and persons a change reaches.
create table entities (
    org_id             text not null references orgs(id) on delete cascade,
    kind               text not null check (kind in ('location', 'floor', 'resource', 'plan', 'team',
                                                     'member', 'membership', 'booking', 'day_pass')),
    id                 text not null,
    body               jsonb not null,
    version            bigint,
    member_id          text generated always as (body->>'member_id') stored,
    team_id            text generated always as (body->>'team_id') stored,
    plan_id            text generated always as (body->>'plan_id') stored,
    resource_id        text generated always as (body->>'resource_id') stored,
    location_id        text generated always as (body->>'location_id') stored,
    floor_id           text generated always as (body->>'floor_id') stored,
    primary_member_id  text generated always as (body->>'primary_member_id') stored,
    -- lower-cased e-mails: a member's own; a booking's booker and guests
    emails             text[] not null default '{}',
    created_at         timestamptz not null default now(),
    updated_at         timestamptz not null default now(),
    primary key (org_id, kind, id)
);
create index entities_member_idx on entities (org_id, member_id) where member_id is not null;
create index entities_team_idx on entities (org_id, team_id) where team_id is not null;
create index entities_plan_idx on entities (org_id, plan_id) where plan_id is not null;
create index entities_resource_idx on entities (org_id, resource_id) where resource_id is not null;
create index entities_location_idx on entities (org_id, location_id) where location_id is not null;
create index entities_floor_idx on entities (org_id, floor_id) where floor_id is not null;
create index entities_primary_idx on entities (org_id, primary_member_id) where primary_member_id is not null;
create index entities_emails_idx on entities using gin (emails);

-- Day passes used, idempotent by use_id.
create table day_pass_uses (
    org_id       text not null,
    day_pass_id  text not null,
    use_id       text not null,
    used_on      text not null,
    created_at   timestamptz not null default now(),
    primary key (org_id, day_pass_id, use_id),
    foreign key (org_id) references orgs(id) on delete cascade
);

-- Operator mappings: (kind, ref) grants these groups. A group is managed
-- once any mapping names it.
create table mappings (
    org_id    text not null references orgs(id) on delete cascade,
    kind      text not null check (kind in ('plans', 'locations', 'floors', 'resources', 'day-passes')),
    ref_id    text not null,
    site_id   text not null,
    group_id  text not null,
    primary key (org_id, kind, ref_id, site_id, group_id)
);
create index mappings_group_idx on mappings (org_id, site_id, group_id);

-- Who each person is in Salto KS, per site: both ids.
create table salto_identities (
    org_id              text not null references orgs(id) on delete cascade,
    person              text not null,
    site_id             text not null,
    site_user_id        text not null,
    user_id             text not null,
    subscription_state  text not null default '',
    created_by_doorsync boolean not null default false,
    tag_id              text not null default '',
    tag_number          text not null default '',
    updated_at          timestamptz not null default now(),
    primary key (org_id, person, site_id)
);
-- not unique: a guest whose e-mail is a member's may share their Salto KS user
create index salto_identities_user_idx on salto_identities (org_id, site_id, user_id);

-- What doorsync has applied: person p is in group g on site s.
create table applied_access (
    org_id      text not null references orgs(id) on delete cascade,
    person      text not null,
    site_id     text not null,
    group_id    text not null,
    user_id     text not null,
    applied_at  timestamptz not null default now(),
    primary key (org_id, person, site_id, group_id)
);
create index applied_access_group_idx on applied_access (org_id, site_id, group_id);

-- A person's last failure that retrying cannot fix (e.g. no seats left).
create table person_status (
    org_id         text not null references orgs(id) on delete cascade,
    person         text not null,
    last_error     text not null default '',
    last_error_at  timestamptz,
    updated_at     timestamptz not null default now(),
    primary key (org_id, person)
);

-- Every change doorsync makes in Salto KS, and why. Append-only.
create table audit_log (
    id             bigserial primary key,
    org_id         text not null references orgs(id) on delete cascade,
    at             timestamptz not null default now(),
    action         text not null,
    person         text not null default '',
    site_id        text not null default '',
    group_id       text not null default '',
    salto_user_id  text not null default '',
    reason         jsonb,
    trigger        text not null,
    workflow_id    text not null default '',
    run_id         text not null default '',
    result         text not null,
    error          text not null default ''
);
create index audit_log_org_idx on audit_log (org_id, id desc);
create index audit_log_person_idx on audit_log (org_id, person, id desc);

-- Pokes to send to Temporal, written in the same transaction as the change
-- that needs them; deleted once sent.
create table outbox (
    id               bigserial primary key,
    org_id           text not null,
    kind             text not null check (kind in ('lifecycle', 'access')),
    target           text not null,
    payload          jsonb not null default '{}'::jsonb,
    created_at       timestamptz not null default now(),
    attempts         integer not null default 0,
    next_attempt_at  timestamptz not null default now(),
    last_error       text not null default ''
);
create index outbox_due_idx on outbox (next_attempt_at);

---- create above / drop below ----

drop table outbox;
drop table audit_log;
drop table person_status;
drop table applied_access;
drop table salto_identities;
drop table mappings;
drop table day_pass_uses;
drop table entities;
