-- The last version of each deleted entity, so that a late (re-delivered or
-- out-of-order) write of it at that version or an older one is refused
-- instead of bringing it back. A newer write recreates the entity and
-- removes its tombstone. Tombstones are kept: one small row per deleted
-- entity, read only by primary key, and removed with their org.
create table entity_tombstones (
    org_id      text not null references orgs(id) on delete cascade,
    kind        text not null,
    id          text not null,
    version     bigint not null,
    deleted_at  timestamptz not null default now(),
    primary key (org_id, kind, id)
);

---- create above / drop below ----

drop table entity_tombstones;
