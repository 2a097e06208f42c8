-- Replies a channel could not deliver yet (Bot API 5xx, 429, network trouble): kept here and
-- retried in order per chat until delivered or the person is unreachable (bot/core/delivery.py).
-- `user_id` cascades, so /vergeetmij removes them and /mijndata shows them; replies to someone
-- who is not stored (under-16 onboarding, a deleted person) are never written here.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,  -- the order they are sent in, per chat
    channel     TEXT    NOT NULL,
    chat        TEXT    NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    urgent      INTEGER NOT NULL DEFAULT 0,         -- a crisis answer: its chat goes first
    reply       TEXT    NOT NULL,                   -- the message as JSON (media as base64)
    created_at  INTEGER NOT NULL
);
CREATE INDEX outbox_chat ON outbox (channel, chat, id);
CREATE INDEX outbox_user ON outbox (user_id);
CREATE INDEX outbox_created ON outbox (created_at);
