-- The inbox keeps an update only until it is answered (the row then goes, its text with it);
-- `inbox_seen` keeps the bare update id of answered ones for a day, so Telegram's second
-- delivery of an update (after a crash before the confirmation) is skipped. The id is Telegram's
-- counter for this bot and says nothing about a person once the inbox row is gone.
CREATE TABLE inbox_seen (
    update_id  INTEGER PRIMARY KEY,
    done_at    INTEGER NOT NULL
);
CREATE INDEX inbox_seen_done ON inbox_seen (done_at);
INSERT INTO inbox_seen (update_id, done_at)
SELECT update_id, done_at FROM inbox WHERE done_at IS NOT NULL;

CREATE TABLE inbox_new (
    update_id    INTEGER PRIMARY KEY,
    chat         TEXT,
    payload      TEXT    NOT NULL,
    received_at  INTEGER NOT NULL
);
INSERT INTO inbox_new (update_id, chat, payload, received_at)
SELECT update_id, chat, payload, received_at FROM inbox
WHERE done_at IS NULL AND payload IS NOT NULL;
DROP TABLE inbox;
ALTER TABLE inbox_new RENAME TO inbox;
CREATE INDEX inbox_chat ON inbox (chat);
CREATE INDEX inbox_received ON inbox (received_at);
