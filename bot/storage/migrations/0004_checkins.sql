-- Check-in outcomes and Media Empowerment self-reports (impact figures), plus indexes for the
-- scheduler's retention sweep.

-- One row per answered check-in. `story` is the only free text; the retention sweep empties it
-- after STERK_RETENTION_DAYS while outcome and feeling stay for the figures.
-- plan_id has no foreign key: the plan may be deleted while its outcome still counts.
CREATE TABLE checkin_outcomes (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    plan_id     INTEGER,
    outcome     TEXT    NOT NULL
                CHECK (outcome IN ('replied', 'reported', 'supported', 'nothing', 'worse')),
    feeling     INTEGER NOT NULL CHECK (feeling BETWEEN 1 AND 5),
    story       TEXT,
    created_at  INTEGER NOT NULL
);
CREATE INDEX checkin_outcomes_user ON checkin_outcomes (user_id);
CREATE INDEX checkin_outcomes_created ON checkin_outcomes (created_at);

-- Round 1 at first use, round 2 about two weeks later; one score per factor and round.
CREATE TABLE selfreports (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    round       INTEGER NOT NULL CHECK (round IN (1, 2)),
    factor      TEXT    NOT NULL
                CHECK (factor IN ('knowledge', 'skill', 'motivation', 'opportunity')),
    score       INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    created_at  INTEGER NOT NULL,
    UNIQUE (user_id, round, factor)
);

-- The retention sweep deletes finished queue rows by age.
CREATE INDEX scheduled_done ON scheduled (done_at) WHERE done_at IS NOT NULL;
