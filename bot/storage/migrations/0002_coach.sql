-- Coaching: requests for a peer educator and saved action plans.
-- Both hold only ids and codes chosen with buttons, never free text, so they are safe to show
-- in /mijndata and are removed by /vergeetmij through the cascade on users.

-- A young person asked for a peer educator (from the safety branch or after strong feelings).
-- The staff side turns open requests into cases; `reason` is a code such as 'danger:doxing'.
CREATE TABLE help_requests (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason      TEXT    NOT NULL,
    urgent      INTEGER NOT NULL DEFAULT 0,
    status      TEXT    NOT NULL DEFAULT 'open',
    created_at  INTEGER NOT NULL
);
CREATE INDEX help_requests_open ON help_requests (status, urgent, created_at);
CREATE INDEX help_requests_user ON help_requests (user_id, status);

-- The action plan that ends the coaching flow; `data` is JSON of answer ids only.
CREATE TABLE plans (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    data        TEXT    NOT NULL
);
CREATE INDEX plans_user ON plans (user_id, created_at);
