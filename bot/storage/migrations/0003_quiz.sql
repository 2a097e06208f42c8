-- Quiz progress per person: one row per answer, so items answered wrong (and not answered
-- right since) come back first in a later round. Only item ids and right/wrong, no free text.

CREATE TABLE quiz_answers (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    item_id      TEXT    NOT NULL,
    correct      INTEGER NOT NULL CHECK (correct IN (0, 1)),
    answered_at  INTEGER NOT NULL
);
CREATE INDEX quiz_answers_user ON quiz_answers (user_id, item_id);
