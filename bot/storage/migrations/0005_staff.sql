-- Staff: roles from one-time invites, cases with relay, an audit log (bot/staff, bot/storage/staff.py).
-- Admins are not stored: they come from STERK_ADMIN_IDS at every check.

-- `cases` comes first: PostgreSQL, unlike SQLite, checks that a referenced table exists.
-- A request for a peer educator. `user_id` is the person helped (a young person, or the moderator
-- who escalated); the whole case, its texts and its timers go when that person uses /vergeetmij.
-- `summary` is JSON of answer ids only; `description` (a moderator's /escaleer text) and
-- `outcome_note` are the only free texts, emptied by the retention sweep.
CREATE TABLE cases (
    id                   INTEGER PRIMARY KEY,
    user_id              INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    source               TEXT    NOT NULL
                         CHECK (source IN ('request', 'escalation', 'wellbeing')),
    reason               TEXT    NOT NULL,
    request_id           INTEGER,
    urgent               INTEGER NOT NULL DEFAULT 0,
    status               TEXT    NOT NULL DEFAULT 'open'
                         CHECK (status IN ('open', 'claimed', 'closed')),
    summary              TEXT    NOT NULL DEFAULT '{}',
    description          TEXT,
    created_at           INTEGER NOT NULL,
    card_message_id      INTEGER,
    announced_at         INTEGER,
    reannounced_at       INTEGER,
    escalated_at         INTEGER,
    claimed_by           INTEGER REFERENCES users (id) ON DELETE SET NULL,
    claimed_at           INTEGER,
    waiting_since        INTEGER,
    reminded_at          INTEGER,
    reply_escalated_at   INTEGER,
    closed_at            INTEGER,
    outcome              TEXT,
    outcome_note         TEXT,
    rating               INTEGER CHECK (rating BETWEEN 1 AND 5)
);
CREATE INDEX cases_status ON cases (status, urgent, created_at);
CREATE INDEX cases_claimed_by ON cases (claimed_by, status);
-- At most one case per person that is not closed, even when two requests race.
CREATE UNIQUE INDEX cases_one_active ON cases (user_id) WHERE status <> 'closed';

-- A staff member's own data: the first name young people see, the case their typed replies go
-- to, and wellbeing scores (moderators). Deleted with the person, like everything personal.
CREATE TABLE staff_members (
    user_id         INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    first_name      TEXT    NOT NULL,
    active_case_id  INTEGER REFERENCES cases (id) ON DELETE SET NULL,
    joined_at       INTEGER NOT NULL
);

CREATE TABLE staff_roles (
    user_id     INTEGER NOT NULL REFERENCES staff_members (user_id) ON DELETE CASCADE,
    role        TEXT    NOT NULL CHECK (role IN ('peer_educator', 'moderator', 'coordinator')),
    granted_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, role)
);
CREATE INDEX staff_roles_role ON staff_roles (role);

-- Only a hash of the code is kept, so a copy of the database cannot be used to join the team.
CREATE TABLE staff_invites (
    id          INTEGER PRIMARY KEY,
    code_hash   TEXT    NOT NULL UNIQUE,
    role        TEXT    NOT NULL CHECK (role IN ('peer_educator', 'moderator', 'coordinator')),
    created_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_by     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    used_at     INTEGER
);

-- Messages a person sent before anyone claimed their case: only Telegram message ids (the text
-- stays in Telegram), copied to the peer educator after the claim and then deleted.
CREATE TABLE case_backlog (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    message_id  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX case_backlog_case ON case_backlog (case_id);

-- Every staff action: who (a staff member), what, when, which case. No young person's identity:
-- the case link is cleared when the case is deleted, and `detail` never holds names or texts.
CREATE TABLE staff_audit (
    id        INTEGER PRIMARY KEY,
    actor_id  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    action    TEXT    NOT NULL,
    case_id   INTEGER REFERENCES cases (id) ON DELETE SET NULL,
    detail    TEXT,
    at        INTEGER NOT NULL
);
CREATE INDEX staff_audit_at ON staff_audit (at);

CREATE TABLE wellbeing_scores (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    score       INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    created_at  INTEGER NOT NULL
);
CREATE INDEX wellbeing_scores_user ON wellbeing_scores (user_id);

-- Requests written before this migration.
INSERT INTO scheduled (kind, user_id, due_at, payload, proactive, created_at)
SELECT 'help_request', user_id, created_at, json_object('request_id', id), 0, created_at
FROM help_requests WHERE status = 'open';
