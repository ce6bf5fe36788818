-- Signed outbound webhooks per org (docs/architecture.md, D43). A
-- webhook's secret is sealed (internal/secrets) under the context
-- store.WebhookSealContext names; seal_key is the row's one-column key for
-- `doorsync secrets reseal`.
create table webhooks (
    org_id      text not null references orgs(id) on delete cascade,
    id          text not null,
    url         text not null,
    events      text[] not null,
    secret_enc  text not null,
    seal_key    text generated always as (org_id || '/' || id) stored,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    primary key (org_id, id)
);
create unique index webhooks_seal_key_idx on webhooks (seal_key);

-- One row per event and webhook subscribed to it, queued in the same
-- transaction as what caused the event; body is the exact JSON signed
-- and sent. Kept after delivery as the delivery log.
create table webhook_deliveries (
    id               bigserial primary key,
    org_id           text not null,
    webhook_id       text not null,
    event_id         text not null,
    event_type       text not null,
    body             text not null,
    created_at       timestamptz not null default now(),
    status           text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
    attempts         integer not null default 0,
    next_attempt_at  timestamptz not null default now(),
    last_attempt_at  timestamptz,
    last_status      integer not null default 0,
    last_error       text not null default '',
    delivered_at     timestamptz,
    foreign key (org_id, webhook_id) references webhooks (org_id, id) on delete cascade
);
create index webhook_deliveries_due_idx on webhook_deliveries (next_attempt_at) where status = 'pending';
create index webhook_deliveries_log_idx on webhook_deliveries (org_id, webhook_id, id desc);

---- create above / drop below ----

drop table webhook_deliveries;
drop table webhooks;
