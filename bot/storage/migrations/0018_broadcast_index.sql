-- The queue rows of one broadcast are found by `CAST(json_extract(payload, '$.broadcast_id')
-- AS INTEGER) = ?`, the one form SQLite and PostgreSQL both compare as a number (PostgreSQL's
-- JSON text is text); the index of 0006 is rebuilt on that expression so it still serves.
DROP INDEX scheduled_broadcast;
CREATE INDEX scheduled_broadcast
    ON scheduled ((CAST(json_extract(payload, '$.broadcast_id') AS INTEGER)), status)
    WHERE kind = 'broadcast';
