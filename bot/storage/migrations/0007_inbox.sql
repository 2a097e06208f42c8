-- Updates fetched from Telegram but not yet answered. Polling confirms a batch to Telegram when
-- the next one is fetched, not when it has been handled, so a killed process would lose what it
-- held. Each update is written here before its batch is confirmed and replayed at start.
-- Once answered, the message and chat are wiped at once; the bare id stays a day to skip a
-- second delivery of the same update, then the row goes.
CREATE TABLE inbox (
    update_id    INTEGER PRIMARY KEY,
    chat         TEXT,
    payload      TEXT,
    received_at  INTEGER NOT NULL,
    done_at      INTEGER
);
CREATE INDEX inbox_pending ON inbox (done_at);
