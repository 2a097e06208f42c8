"""What replicas on one database share beyond the queues: periodic jobs and rate buckets.

- `take_turn`: a periodic job (the retention sweep every 24 hours, the morning digest) runs in
  whichever replica first moves the job's `next_at` past now; one conditional UPDATE, so two
  replicas trying at the same moment get one winner (PostgreSQL re-reads the row it waited for
  and finds the condition false). On SQLite it is the same statement, with one process.
- `reserve`: a token bucket in a row (Telegram's rate per bot, the broadcast pace), so the rate
  holds for the whole deployment and not per replica. It returns how long to wait: the token is
  taken at once (a deficit is paid for by waiting), so callers never retry in a loop.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.clock import epoch
from bot.storage.repository import Repository


async def take_turn(
    repo: Repository, job: str, runner: str, now: datetime, every: timedelta
) -> bool:
    """Whether this runner runs `job` now (and so the others not before `now + every`)."""
    stamp = epoch(now)
    async with repo.transaction(serial=False) as conn:  # one row, one conditional update
        await conn.execute(
            "INSERT OR IGNORE INTO job_runs (job, next_at) VALUES (?, ?)", (job, stamp)
        )
        cur = await conn.execute(
            "UPDATE job_runs SET next_at = ?, runner = ?, started_at = ? "
            "WHERE job = ? AND next_at <= ?",
            (epoch(now + every), runner, stamp, job, stamp),
        )
        return cur.rowcount == 1


async def give_back(repo: Repository, job: str, runner: str, now: datetime) -> None:
    """The run failed (disk full): let the next try of any replica run it."""
    async with repo.transaction(serial=False) as conn:
        await conn.execute(
            "UPDATE job_runs SET next_at = ? WHERE job = ? AND runner = ?",
            (epoch(now), job, runner),
        )


async def reserve(repo: Repository, name: str, rate: float, burst: float, now: float) -> float:
    """Take one token from bucket `name` (refilled at `rate` per second, holding at most
    `burst`); seconds to wait before acting on it. `now`: epoch seconds (replicas' clocks)."""
    cur = await repo.db.execute_one(  # one statement: the row is locked only while it runs
        "INSERT INTO rate_buckets (name, tokens, stamp) VALUES (?, ?, ?) "
        "ON CONFLICT (name) DO UPDATE SET "
        "tokens = CASE WHEN rate_buckets.tokens + (excluded.stamp - rate_buckets.stamp) * ? > ? "
        "THEN ? ELSE rate_buckets.tokens + (CASE WHEN excluded.stamp > rate_buckets.stamp "
        "THEN excluded.stamp - rate_buckets.stamp ELSE 0 END) * ? END - 1, "
        "stamp = CASE WHEN excluded.stamp > rate_buckets.stamp THEN excluded.stamp "
        "ELSE rate_buckets.stamp END RETURNING tokens",
        (name, burst - 1, now, rate, burst, burst, rate),
    )
    tokens = float(cur.rows[0][0])
    return max(0.0, -tokens / rate)
