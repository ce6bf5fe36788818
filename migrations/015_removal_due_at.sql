-- When a removal was due: the end of the window that closed (the latest
-- of the group's grants that ended by the apply's instant), recorded on
-- the removal's audit row so the metrics can say how late it landed. Null
-- where no window closed (a deletion, a mapping change, reconciliation).
alter table audit_log add column due_at timestamptz;
-- The latest timed removal of each org, for doorsync_revocation_lateness_seconds.
create index audit_log_due_idx on audit_log (org_id, id desc) where action = 'remove' and due_at is not null;

---- create above / drop below ----

drop index audit_log_due_idx;
alter table audit_log drop column due_at;
