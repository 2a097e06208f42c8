-- The staff desk (issue 12): routing you can see, cases that change hands, names staff choose.

-- The name young people see is one the staff member chooses (/naam), never their Telegram
-- name by default. `code` is how the team names someone (/team, /intrekken, /overdragen): it is
-- not the user pseudonym, which is what a case about that person would show.
ALTER TABLE staff_members RENAME COLUMN first_name TO display_name;
ALTER TABLE staff_members ADD COLUMN code TEXT;
UPDATE staff_members SET code = 'T' || user_id;
CREATE UNIQUE INDEX staff_members_code ON staff_members (code);

-- Which case a message belongs to: every copy or notice the bot put in a staff member's chat
-- for a case (so a swipe-reply to it goes to that case), and the message ids in the young
-- person's chat (so the last messages go along when the case changes hands). Ids only; the
-- rows go when the case closes or is deleted.
CREATE TABLE case_messages (
    id                 INTEGER PRIMARY KEY,
    case_id            INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    staff_id           INTEGER REFERENCES users (id) ON DELETE CASCADE,
    staff_message_id   INTEGER,
    person_message_id  INTEGER,
    created_at         INTEGER NOT NULL
);
CREATE INDEX case_messages_staff ON case_messages (staff_id, staff_message_id);
CREATE INDEX case_messages_case ON case_messages (case_id, id);

-- A staff member's message waiting for "which case?" (several open cases, no reply target).
-- One per person, deleted when sent or dropped (the retention sweep takes forgotten ones).
CREATE TABLE staff_pending (
    user_id     INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    message_id  INTEGER NOT NULL,
    media       TEXT    NOT NULL DEFAULT '',
    text        TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);

-- People who once had a staff role: never counted as young people in /cijfers and /export.
CREATE TABLE former_staff (
    user_id  INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    left_at  INTEGER NOT NULL
);

-- Private case notes (/notitie, /teruggeven, /overdragen, /vlag): staff only, never shown to
-- the young person; deleted with the case, emptied by the retention sweep after a close.
CREATE TABLE case_notes (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    author_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('note', 'release', 'transfer', 'flag')),
    text        TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
CREATE INDEX case_notes_case ON case_notes (case_id, id);

-- A hand-over waiting for the colleague to accept, and a case flagged for a coordinator.
ALTER TABLE cases ADD COLUMN offered_to INTEGER REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE cases ADD COLUMN offered_by INTEGER REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE cases ADD COLUMN flagged_at INTEGER;
