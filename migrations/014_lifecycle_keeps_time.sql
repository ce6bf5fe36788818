-- The lifecycle workflow keeps a grant's time alone, and a write no
-- longer asks to poke a lifecycle workflow only if it runs: pokes queued
-- that way before the upgrade become plain lifecycle pokes (their payload
-- carries no instant, so the workflow delivers to everyone its entity
-- names; starting one for nothing is harmless).
update outbox set kind = 'lifecycle' where kind = 'lifecycle_if_running';

---- create above / drop below ----

-- Nothing to undo: plain lifecycle pokes are what the older code sent too.
