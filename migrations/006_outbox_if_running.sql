-- A poke for a lifecycle workflow that should only reach it if it runs: a
-- change that schedules nothing later need not start one.
alter table outbox drop constraint outbox_kind_check;
alter table outbox add constraint outbox_kind_check
    check (kind in ('lifecycle', 'lifecycle_if_running', 'access'));

---- create above / drop below ----

delete from outbox where kind = 'lifecycle_if_running';
alter table outbox drop constraint outbox_kind_check;
alter table outbox add constraint outbox_kind_check check (kind in ('lifecycle', 'access'));
