-- API keys: only a SHA-256 of the key is kept; the key is shown once.
create table api_keys (
    id          text primary key,
    org_id      text not null references orgs(id) on delete cascade,
    name        text not null,
    key_hash    bytea not null,
    created_at  timestamptz not null default now()
);
create index api_keys_org_idx on api_keys (org_id);

-- One Salto KS connection per org. Secrets and tokens are sealed
-- (AES-256-GCM, see internal/secrets) and never leave the process in clear.
create table salto_connections (
    org_id              text primary key references orgs(id) on delete cascade,
    mode                text not null check (mode in ('password', 'authorization_code')),
    identity_url        text not null,
    api_url             text not null,
    client_id           text not null,
    client_secret_enc   text not null,
    username            text not null default '',
    password_enc        text not null default '',
    token_enc           text not null default '',
    generation          bigint not null default 1,
    last_error          text not null default '',
    last_error_at       timestamptz,
    last_success_at     timestamptz,
    created_at          timestamptz not null default now(),
    updated_at          timestamptz not null default now()
);

-- Pending authorization-code flows: single use, expiring.
create table salto_oauth_states (
    state          text primary key,
    org_id         text not null references orgs(id) on delete cascade,
    verifier_enc   text not null,
    redirect_uri   text not null,
    expires_at     timestamptz not null,
    used_at        timestamptz
);

---- create above / drop below ----

drop table salto_oauth_states;
drop table salto_connections;
drop table api_keys;
