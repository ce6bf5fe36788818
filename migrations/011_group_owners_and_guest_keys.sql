-- Which org manages a Salto KS access group is looked up across orgs (a
-- group may be mapped by one org only), by site and group.
create index mappings_site_group_idx on mappings (site_id, group_id);

-- The way back from a guest's workflow key ("guest:" and an HMAC of their
-- e-mail, all Temporal ever sees of them) to their store key
-- ("guest:<e-mail>"), for the activities that need the e-mail. Written by
-- whoever first hands the workflow key to Temporal; removed with the org.
create table guest_keys (
    org_id  text not null references orgs(id) on delete cascade,
    key     text not null,
    person  text not null,
    primary key (org_id, key)
);

---- create above / drop below ----

drop table guest_keys;
drop index mappings_site_group_idx;
