"""What replicas on one database share beyond the queues: periodic jobs, rate buckets, keyboards.

- `take_turn`: a periodic job (the retention sweep every 24 hours, the morning digest) runs in
  whichever replica first moves the job's `next_at` past now; one conditional UPDATE, so two
  replicas trying at the same moment get one winner (PostgreSQL re-reads the row it waited for
  and finds the condition false). On SQLite it is the same statement, with one process.
- `reserve`: a token bucket in a row (Telegram's rate per bot, the broadcast pace), so the rate
  holds for the whole deployment and not per replica. It returns how long to wait: the token is
  taken at once (a deficit is paid for by waiting), so callers never retry in a loop.
- `flood`: each person's message limit (bot/core/flood.py) as a bucket in the same table, so
  a flood spread over the replicas gets one slow-down line, not one per replica.
- `swap_live`: the one live keyboard of each private chat, so whichever replica sends the next
  question takes the buttons off the last one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.clock import epoch
from bot.storage.repository import Repository

FLOOD = "flood:"  # bucket names of the per-person flood limit (`flood`), then channel:user
KEEP_LIVE = timedelta(days=7)  # a keyboard older than this is no longer worth an edit
KEEP_BUCKET = timedelta(days=1)  # an idle person's flood bucket is full again long before


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


def _refilled() -> str:
    """The bucket's tokens after refilling up to `burst` and taking one (params: rate, burst,
    burst, rate). Time never runs backwards for a bucket: a replica whose clock is behind
    refills nothing (`stamp` keeps the latest)."""
    return (
        "(CASE WHEN rate_buckets.tokens + (excluded.stamp - rate_buckets.stamp) * ? > ? "
        "THEN ? ELSE rate_buckets.tokens + (CASE WHEN excluded.stamp > rate_buckets.stamp "
        "THEN excluded.stamp - rate_buckets.stamp ELSE 0 END) * ? END - 1)"
    )


async def _take(
    repo: Repository, name: str, rate: float, burst: float, now: float, floor: float | None
) -> float:
    """Take one token from bucket `name`; the tokens left (negative: a deficit), never stored
    below `floor` when one is given. One statement: the row is locked only while it runs."""
    level, params = _refilled(), (rate, burst, burst, rate)
    tokens: str = level
    args: tuple[float, ...] = params
    if floor is not None:
        tokens = f"CASE WHEN {level} < ? THEN ? ELSE {level} END"
        args = (*params, floor, floor, *params)
    cur = await repo.db.execute_one(
        "INSERT INTO rate_buckets (name, tokens, stamp) VALUES (?, ?, ?) "
        f"ON CONFLICT (name) DO UPDATE SET tokens = {tokens}, "
        "stamp = CASE WHEN excluded.stamp > rate_buckets.stamp THEN excluded.stamp "
        "ELSE rate_buckets.stamp END RETURNING tokens",
        (name, burst - 1, now, *args),
    )
    return float(cur.rows[0][0])


async def reserve(repo: Repository, name: str, rate: float, burst: float, now: float) -> float:
    """Take one token from bucket `name` (refilled at `rate` per second, holding at most
    `burst`); seconds to wait before acting on it. `now`: epoch seconds (replicas' clocks)."""
    return max(0.0, -(await _take(repo, name, rate, burst, now, None)) / rate)


async def flood(repo: Repository, who: str, limit: int, seconds: float, now: float) -> float:
    """Count one message of `who` (channel:user) against the person's limit of `limit`
    messages per `seconds`, shared by every replica; the tokens left (below 0: over it).

    A bucket, not the in-memory sliding window (`FloodGate`): it refills at `limit / seconds`
    a second, so a burst of `limit` is answered and then one message per refill. Every message
    counts, also those not answered, down to `limit` below empty: someone who keeps flooding
    stays limited, and about one window after they stop they are answered again, as with the
    in-memory count."""
    return await _take(repo, FLOOD + who, limit / seconds, limit, now, float(-limit))


async def swap_live(repo: Repository, chat: str, message_id: int, now: datetime) -> int | None:
    """Make `message_id` the one live keyboard of `chat`; the message it replaces, if any.

    Best effort between replicas: one chat's updates are handled one at a time, so two
    keyboards for one chat are rarely sent at the same moment; if they are, one old keyboard
    keeps its buttons, and a tap on it is answered with the current question."""
    gone, _ = await repo.db.batch(
        [
            ("DELETE FROM live_keyboards WHERE chat = ? RETURNING message_id", (chat,)),
            (
                "INSERT INTO live_keyboards (chat, message_id, sent_at) VALUES (?, ?, ?) "
                "ON CONFLICT (chat) DO UPDATE SET message_id = excluded.message_id, "
                "sent_at = excluded.sent_at",
                (chat, message_id, epoch(now)),
            ),
        ]
    )
    return int(gone.rows[0][0]) if gone.rows else None


async def live(repo: Repository, chat: str) -> int | None:
    """The message with `chat`'s live keyboard, whichever replica sent it."""
    row = await repo.fetch_one("SELECT message_id FROM live_keyboards WHERE chat = ?", (chat,))
    return int(row[0]) if row else None


async def forget(repo: Repository, who: str, chat: str) -> None:
    """`/vergeetmij`: the person's flood bucket (`who`: channel:user) and live keyboard."""
    await repo.db.batch(
        [
            ("DELETE FROM rate_buckets WHERE name = ?", (FLOOD + who,)),
            ("DELETE FROM live_keyboards WHERE chat = ?", (chat,)),
        ]
    )


async def purge(repo: Repository, now: datetime) -> int:
    """The retention sweep: keyboards over a week old and flood buckets idle for a day."""
    keyboards, buckets = await repo.db.batch(
        [
            ("DELETE FROM live_keyboards WHERE sent_at < ?", (epoch(now - KEEP_LIVE),)),
            (
                "DELETE FROM rate_buckets WHERE name LIKE ? AND stamp < ?",
                (FLOOD + "%", now.timestamp() - KEEP_BUCKET.total_seconds()),
            ),
        ]
    )
    return keyboards.rowcount + buckets.rowcount
