-- An org being deleted (DELETE /v1/orgs/{org}): set once the deletion is
-- accepted; writes are refused from then on and the row goes with the rest
-- of the org's data when the deletion workflow ends.
alter table orgs add column deleting_since timestamptz;

-- A Salto KS connection's generation never repeats, not even for an org
-- deleted and created again under the same id: processes cache one client
-- per org and generation.
create sequence salto_connection_generations;
select setval('salto_connection_generations', coalesce((select max(generation) from salto_connections), 0) + 1, false);
alter table salto_connections alter column generation set default nextval('salto_connection_generations');

-- Pruning: finished reconcile runs past their retention, expired OAuth states.
create index reconcile_runs_finished_idx on reconcile_runs (org_id, finished_at) where status <> 'running';
create index salto_oauth_states_expiry_idx on salto_oauth_states (org_id, expires_at);

---- create above / drop below ----

drop index salto_oauth_states_expiry_idx;
drop index reconcile_runs_finished_idx;
alter table salto_connections alter column generation set default 1;
drop sequence salto_connection_generations;
alter table orgs drop column deleting_since;
