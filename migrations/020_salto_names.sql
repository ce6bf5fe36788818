-- The names Salto KS gives sites and access groups, as doorsync last saw
-- them (listing sites or groups, connecting, reconciling): explain and the
-- console show them without calling Salto KS. group_id '' names the site.
create table salto_names (
    org_id    text not null references orgs(id) on delete cascade,
    site_id   text not null,
    group_id  text not null default '',
    name      text not null,
    seen_at   timestamptz not null default now(),
    primary key (org_id, site_id, group_id)
);

---- create above / drop below ----

drop table salto_names;
