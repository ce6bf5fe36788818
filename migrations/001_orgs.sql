-- Orgs are the tenants of doorsync: every other row belongs to one.
create table orgs (
    id          text primary key,
    name        text not null,
    settings    jsonb not null default '{}'::jsonb,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);

---- create above / drop below ----

drop table orgs;
