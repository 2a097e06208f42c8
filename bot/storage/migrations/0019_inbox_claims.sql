-- Several replicas share one inbox (PostgreSQL, webhook mode): whichever replica received an
-- update, the one that claims it handles it. A claim names the replica and holds until
-- `lease_until` (epoch milliseconds of the database server), renewed while the replica works;
-- a killed replica's claim runs out and another takes the update over. Only the oldest open
-- update of a chat can be claimed, so one person's updates are handled one by one, in order.
ALTER TABLE inbox ADD COLUMN claimed_by TEXT;
ALTER TABLE inbox ADD COLUMN lease_until INTEGER;
CREATE INDEX inbox_chat_order ON inbox (chat, update_id);
