-- An API key's role: a "platform" key writes and reads space entities, day
-- passes and imports and reads explain and audit; an "operator" key may
-- also change the Salto KS connection, mappings, reconcile runs and holds.
-- Keys made before roles existed could do all of that: they are operators.
alter table api_keys add column role text not null default 'operator'
    check (role in ('platform', 'operator'));

-- Who did what an audit row records, when a person did it through the API
-- (a hold approved or rejected): the key's name, or "admin" for the admin
-- token. Empty for the changes doorsync makes on its own.
alter table audit_log add column actor text not null default '';

---- create above / drop below ----

alter table audit_log drop column actor;
alter table api_keys drop column role;
