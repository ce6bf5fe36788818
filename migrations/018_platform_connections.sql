-- An org's link to its coworking platform (OfficeRnD or Nexudus, issue
-- 20), at most one per org. config_enc is the connection's whole config
-- (credentials, webhook secret, URLs) sealed with internal/secrets under
-- store.PlatformSealContext; nothing of it is readable here. generation
-- grows on every reconnection, so a process's cached client knows to
-- rebuild. The sync's state lives with the connection and goes with it:
-- last_sync_at, last_error, counts (entities written per kind by the last
-- full sync), watermarks (per stream, the modification time an
-- incremental read resumes from) and held (why a sweep's deletions are
-- held, '' when none is).
create sequence platform_connection_generations;

create table platform_connections (
    org_id        text primary key references orgs(id) on delete cascade,
    platform      text not null check (platform in ('officernd', 'nexudus')),
    config_enc    text not null,
    generation    bigint not null default nextval('platform_connection_generations'),
    connected_at  timestamptz not null default now(),
    last_sync_at  timestamptz,
    last_error    text not null default '',
    counts        jsonb not null default '{}',
    watermarks    jsonb not null default '{}',
    held          text not null default ''
);

---- create above / drop below ----

drop table platform_connections;
drop sequence platform_connection_generations;
