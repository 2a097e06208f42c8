-- WhatsApp (bot/transports/whatsapp.py). A WhatsApp id is a phone number, so it is kept in
-- exactly one place, `wa_contacts.phone`, and only to deliver messages; `users.external_id`
-- of a WhatsApp user is a keyed hash of it (key in `wa_key`), so logs, staff views, exports
-- and every other table only ever see the hash. /vergeetmij deletes the contact by cascade.
CREATE TABLE wa_contacts (
    user_id          INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    phone            TEXT    NOT NULL,
    last_inbound_at  INTEGER NOT NULL,  -- opens Meta's 24-hour customer-service window
    template_at      INTEGER            -- last template sent while messages wait (one per wait)
);

CREATE TABLE wa_key (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    secret  BLOB    NOT NULL
);

-- WhatsApp's inbox: every webhook event (a message or a status) is kept here before Meta gets
-- its 200 and handled after it. `event` is a SHA-256 of the wamid (wamids decode to phone
-- numbers, so the raw one is never stored past its use); a second delivery of the same event
-- (Meta retries for days, sometimes concurrently) finds the row and is answered once. The
-- payload (which holds the sender's number) is wiped as soon as the event is handled.
CREATE TABLE wa_inbox (
    event        TEXT    PRIMARY KEY,
    chat         TEXT    NOT NULL,  -- users.external_id form: the keyed hash
    payload      TEXT,
    received_at  INTEGER NOT NULL,
    done_at      INTEGER
);
CREATE INDEX wa_inbox_chat ON wa_inbox (chat);
CREATE INDEX wa_inbox_done ON wa_inbox (done_at);
