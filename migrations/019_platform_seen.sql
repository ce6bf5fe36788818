-- The platform sync's own state (activities/platformsync.go); the
-- entities' source is migration 017's, the connection's sync state 018's.

-- Mark-and-sweep: each entity a sync run read from the platform, one row
-- per entity and run, inserted a page at a time; a full read of a stream
-- deletes what the org holds from the platform and the run did not mark.
-- A run's rows go when it finishes; rows of a run that never finished go
-- with the next run's finish once they are a day old.
create table platform_seen (
    org_id      text not null references orgs(id) on delete cascade,
    run_id      text not null,
    kind        text not null,
    id          text not null,
    created_at  timestamptz not null default now(),
    primary key (org_id, run_id, kind, id)
);
create index platform_seen_created_idx on platform_seen (org_id, created_at);

-- One sync at a time per org: a run claims the org's row and renews it
-- with each page; a claim not renewed within its lease is free to take
-- (a run killed mid-way). A scheduled run that finds the sync taken ends.
create table platform_sync_runs (
    org_id      text primary key references orgs(id) on delete cascade,
    run_id      text not null,
    beat_at     timestamptz not null default now()
);

-- Records the platform has that doorsync refused (a body that does not
-- validate): the operator's list of what to fix on the platform. A later
-- good write of the entity clears its row.
create table platform_problems (
    org_id      text not null references orgs(id) on delete cascade,
    kind        text not null,
    id          text not null,
    source_id   text not null default '',
    problem     text not null,
    run_id      text not null,
    seen_at     timestamptz not null default now(),
    primary key (org_id, kind, id)
);

---- create above / drop below ----

drop table platform_problems;
drop table platform_sync_runs;
drop table platform_seen;
