-- Which Salto KS user a connection's token belongs to (the id GET /me
-- answers). With the identity and API hosts it tells a re-connection of the
-- same account (a new password, say) from a re-point to another account,
-- which is refused while doorsync has applied access unless the operator
-- asks to replace it. Empty for connections made before this column.
alter table salto_connections add column account_id text not null default '';

-- An authorization-code flow started with replace=true may re-point the
-- org's connection to another account.
alter table salto_oauth_states add column replace_account boolean not null default false;

---- create above / drop below ----

alter table salto_oauth_states drop column replace_account;
alter table salto_connections drop column account_id;
