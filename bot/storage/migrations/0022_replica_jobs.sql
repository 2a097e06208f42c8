-- Replicas share one scheduler's duties (issue 15, item 4).
-- `job_runs`: a periodic job (the retention sweep, the daily digest) runs in the one replica
-- that moves its `next_at` forward; the others find it in the future and skip it.
CREATE TABLE job_runs (
    job         TEXT PRIMARY KEY,
    next_at     INTEGER NOT NULL,
    runner      TEXT,
    started_at  INTEGER
);
-- `rate_buckets`: token buckets shared by every replica (the broadcast pace, Telegram's rate
-- per bot). `stamp` is epoch seconds with fractions, so not a 4-byte REAL on PostgreSQL.
CREATE TABLE rate_buckets (
    name    TEXT PRIMARY KEY,
    tokens  DOUBLE PRECISION NOT NULL,
    stamp   DOUBLE PRECISION NOT NULL
);
