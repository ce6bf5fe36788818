-- A write-ahead intent: an apply records the membership it is about to
-- add in Salto KS (confirmed = false) before asking, and confirms it with
-- the add's audit entry once Salto KS answered. A run killed in between
-- leaves the unconfirmed row for the person's next apply to settle (add it
-- again while still granted, or remove it), so no add is lost to a crash.
alter table applied_access add column confirmed boolean not null default true;

---- create above / drop below ----

alter table applied_access drop column confirmed;
