-- Broadcasts by coordinators (bot/coordinator, SQL in bot/storage/broadcast.py): tags that young
-- people join with a deep link, the broadcasts, and the answers to their response buttons.
-- Each delivery is a row in `scheduled` (kind 'broadcast', payload {"broadcast_id": N}), written
-- when the broadcast starts; scheduler/README.md explains how they go out.

CREATE TABLE tags (
    id          INTEGER PRIMARY KEY,
    code        TEXT    NOT NULL UNIQUE,
    name        TEXT,
    created_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL
);

-- Who joined a tag (`/start tag_<code>`); goes with the person on /vergeetmij.
CREATE TABLE tag_members (
    tag_id     INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    joined_at  INTEGER NOT NULL,
    PRIMARY KEY (tag_id, user_id)
);
CREATE INDEX tag_members_user ON tag_members (user_id);

-- The text is the coordinator's own words for many people, sent as plain text. The segment is
-- resolved when the broadcast starts, so people who join a tag after it was planned get it too.
-- The four counts are frozen when it ends (the queue rows are swept after the retention period).
CREATE TABLE broadcasts (
    id              INTEGER PRIMARY KEY,
    created_by      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    text            TEXT    NOT NULL,
    link_label      TEXT,
    link_url        TEXT,
    responses       INTEGER NOT NULL DEFAULT 0,
    segment         TEXT    NOT NULL CHECK (segment IN ('all', 'tag', 'city', 'organisation')),
    segment_value   TEXT,
    quiet           INTEGER NOT NULL DEFAULT 1,
    status          TEXT    NOT NULL DEFAULT 'scheduled'
                    CHECK (status IN ('scheduled', 'sending', 'done', 'cancelled', 'expired')),
    send_at         INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    started_at      INTEGER,
    finished_at     INTEGER,
    recipients      INTEGER,
    status_message  INTEGER,
    shown           TEXT,
    sent            INTEGER,
    skipped         INTEGER,
    blocked         INTEGER,
    failed          INTEGER
);
CREATE INDEX broadcasts_status ON broadcasts (status, send_at);

-- One answer per person and broadcast ("I'm in" / "Not this time"); a later tap changes it.
CREATE TABLE broadcast_responses (
    broadcast_id  INTEGER NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    choice        TEXT    NOT NULL CHECK (choice IN ('in', 'out')),
    answered_at   INTEGER NOT NULL,
    PRIMARY KEY (broadcast_id, user_id)
);
CREATE INDEX broadcast_responses_user ON broadcast_responses (user_id);

-- Progress and the final report count one broadcast's queue rows by status.
CREATE INDEX scheduled_broadcast
    ON scheduled (json_extract(payload, '$.broadcast_id'), status) WHERE kind = 'broadcast';
