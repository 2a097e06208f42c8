-- Users, their conversation state and a log of coaching activity for impact figures.
-- Every table that holds data about a person carries user_id with ON DELETE CASCADE, so
-- /vergeetmij is one DELETE on users and /mijndata can find every row by that column.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    channel       TEXT    NOT NULL,
    external_id   TEXT    NOT NULL,
    pseudonym     TEXT    NOT NULL UNIQUE,
    language      TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    onboarded     INTEGER NOT NULL DEFAULT 0,
    checkins      INTEGER NOT NULL DEFAULT 0,
    followups     INTEGER NOT NULL DEFAULT 0,
    city          TEXT,
    organisation  TEXT,
    stopped       INTEGER NOT NULL DEFAULT 0,
    unreachable   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (channel, external_id)
);

CREATE TABLE conversations (
    user_id     INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    state       TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE activity (
    id       INTEGER PRIMARY KEY,
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind     TEXT    NOT NULL,
    detail   TEXT,
    at       INTEGER NOT NULL
);
CREATE INDEX activity_user ON activity (user_id);
CREATE INDEX activity_kind ON activity (kind, at);

-- Everything due later (check-ins, reminders, broadcast deliveries) is a row here; the
-- scheduler claims due rows with a token so a restart never sends one twice or loses one.
CREATE TABLE scheduled (
    id           INTEGER PRIMARY KEY,
    kind         TEXT    NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    due_at       INTEGER NOT NULL,
    payload      TEXT    NOT NULL DEFAULT '{}',
    status       TEXT    NOT NULL DEFAULT 'pending',
    attempts     INTEGER NOT NULL DEFAULT 0,
    claim_token  TEXT,
    claimed_at   INTEGER,
    proactive    INTEGER NOT NULL DEFAULT 1,
    created_at   INTEGER NOT NULL,
    done_at      INTEGER
);
CREATE INDEX scheduled_due ON scheduled (status, due_at);
CREATE INDEX scheduled_user ON scheduled (user_id, status);
