-- Messages sent to WhatsApp users, for delivery state from Meta's status callbacks. A message
-- refused after it was accepted (131047 outside the 24-hour window, 131026 undeliverable)
-- arrives as a `failed` status: the row goes back to `held` with its payload and is sent again
-- when the person writes (or opens the template that tells them something waits). The payload
-- is wiped once the message is delivered. `sent_hash` is a SHA-256 of the wamid, never the wamid.
CREATE TABLE wa_outbox (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    payload     TEXT,
    status      TEXT    NOT NULL,  -- held | sent | delivered | read | failed
    sent_hash   TEXT    UNIQUE,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX wa_outbox_user ON wa_outbox (user_id, status);

-- What a WhatsApp user writes in the talk conversation with their peer educator, so it can be
-- passed on to a peer educator on another channel (Telegram cannot copy a WhatsApp message):
-- the `id` is the message id the staff relay and its pre-claim backlog refer to. Only messages
-- typed in the talk conversation are kept (never coaching drafts), for at most a week.
CREATE TABLE wa_relay (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,  -- text, or the media kind (image, audio, document, ...)
    text        TEXT,              -- the text or the caption
    media_id    TEXT,              -- Meta's media id, to download and re-upload
    mime        TEXT,
    created_at  INTEGER NOT NULL
);
CREATE INDEX wa_relay_user ON wa_relay (user_id);
