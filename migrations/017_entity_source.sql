-- Which platform an entity came from (connectors.Platform: "officernd",
-- "nexudus") and the platform object behind it (explain names it); null
-- for an entity written through the API. A PUT keeps an entity's source
-- (internal/write): the platform still has the object, and its sync still
-- owns it.
alter table entities add column source text, add column source_id text;
-- The sweep of a full sync: the ids of org X, kind K, source S.
create index entities_source_idx on entities (org_id, source, kind, id) where source is not null;

---- create above / drop below ----

drop index entities_source_idx;
alter table entities drop column source_id, drop column source;
