-- Which org manages a Salto KS access group is looked up across orgs (a
-- group may be mapped by one org only), by site and group.
create index mappings_site_group_idx on mappings (site_id, group_id);

---- create above / drop below ----

drop index mappings_site_group_idx;
