-- The operator console's sessions (internal/console). The cookie carries a
-- random id; only its SHA-256 is kept, so a copy of this table signs no one
-- in. The key itself is never stored: the session names the key's id and
-- role, and the console checks the key still exists on every request.
create table console_sessions (
    id_hash       bytea primary key,
    csrf_token    text not null,
    role          text not null,
    key_id        text not null default '',
    actor         text not null,
    -- The key's org, or the org the admin picked (null until then); a
    -- deleted org takes its sessions with it.
    org_id        text references orgs(id) on delete cascade,
    created_at    timestamptz not null default now(),
    last_seen_at  timestamptz not null default now(),
    expires_at    timestamptz not null
);
create index console_sessions_expires_idx on console_sessions (expires_at);

---- create above / drop below ----

drop table console_sessions;
