"""The inbox of fetched-but-unanswered updates (see migrations 0007, 0009 and 0019 for why).

A row holds what replaying the update needs (the transport strips names and usernames before
it calls `keep`) and lives only until the update is answered. Unanswered rows older than
`KEEP_UNANSWERED` are purged: Telegram itself gives up on an update after a day, and a reply to
something that old would only confuse.

Replicas (PostgreSQL, webhook mode) share the inbox: every replica keeps what it is posted and
handles what it `claim`s. A claim takes only the oldest open update of each chat (so a chat is
in one replica's hands at a time and its updates go in order, whichever replica received them),
with `FOR UPDATE SKIP LOCKED` (two claimers never take the same row, and neither waits for the
other) and a lease on the database server's clock that the holder renews (`renew`); a killed
replica's lease runs out and its updates are claimed again. Why the oldest per chat and not any
open row: with plain `SKIP LOCKED` a claimer skips a chat's locked head and takes the next
update of the same chat (a probe with six workers: 47 overlapping handlings, 4 out of order).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from bot.core.clock import epoch
from bot.storage.repository import Repository

KEEP_DONE = timedelta(days=1)
KEEP_UNANSWERED = timedelta(days=1)


async def keep(
    repo: Repository, updates: Iterable[tuple[int, str | None, str]], now: datetime
) -> set[int]:
    """Write a fetched batch (update id, chat, JSON) before Telegram is told it arrived; the
    ids of the batch that were answered before (a redelivery), found in the same transaction
    so that a single process needs no read per update to skip them."""
    rows = [(update_id, chat, payload, epoch(now)) for update_id, chat, payload in updates]
    if not rows:
        return set()
    marks = ", ".join("?" for _ in rows)
    async with repo.transaction(serial=False) as conn:  # inserts keyed by update id
        seen = await conn.execute_fetchall(
            f"SELECT update_id FROM inbox_seen WHERE update_id IN ({marks})",
            [row[0] for row in rows],
        )
        await conn.executemany(
            "INSERT OR IGNORE INTO inbox (update_id, chat, payload, received_at) "
            "SELECT ?, ?, ?, ? WHERE NOT EXISTS "
            "(SELECT 1 FROM inbox_seen WHERE update_id = ?)",
            [(*row, row[0]) for row in rows],
        )
    return {int(row[0]) for row in seen}


async def answered(repo: Repository, update_id: int, now: datetime) -> None:
    """The update has been handled: delete its row, remember only the bare id for a day."""
    await repo.db.batch(  # one hop: this runs for every update
        [
            ("DELETE FROM inbox WHERE update_id = ?", (update_id,)),
            (
                "INSERT OR IGNORE INTO inbox_seen (update_id, done_at) VALUES (?, ?)",
                (update_id, epoch(now)),
            ),
        ],
        serial=False,  # one update's rows
    )


async def is_answered(repo: Repository, update_id: int) -> bool:
    """Whether this update was handled before (a second delivery is skipped)."""
    row = await repo.fetch_one("SELECT 1 FROM inbox_seen WHERE update_id = ?", (update_id,))
    return row is not None


async def unanswered(repo: Repository) -> list[str]:
    """Updates a previous process fetched but never answered, oldest first."""
    rows = await repo.fetch("SELECT payload FROM inbox ORDER BY update_id")
    return [str(payload) for (payload,) in rows]


# The database server's clock in epoch milliseconds: one clock for every replica.
_NOW_MS = "CAST(extract(epoch FROM clock_timestamp()) * 1000 AS BIGINT)"
_FREE = f"(lease_until IS NULL OR lease_until < {_NOW_MS})"


async def claim(
    repo: Repository, replica: str, limit: int, lease: float
) -> list[tuple[int, str, int]]:
    """Claim up to `limit` chats' oldest open updates for `lease` seconds (PostgreSQL only);
    (update id, JSON, received at) of each, oldest first.

    The head test (no older row of the chat) sees the rows as they were when the statement
    began: a head another replica is answering right now still counts, so its chat is skipped
    until the next claim. `FOR UPDATE` re-reads a row it had to wait for, so a lease taken
    meanwhile is seen and the row left alone.
    """
    cur = await repo.db.execute_one(
        f"UPDATE inbox SET claimed_by = ?, lease_until = {_NOW_MS} + ? "
        "WHERE update_id IN (SELECT i.update_id FROM inbox i "
        f"WHERE (i.lease_until IS NULL OR i.lease_until < {_NOW_MS}) "
        "AND NOT EXISTS (SELECT 1 FROM inbox o WHERE o.chat = i.chat "
        "AND o.update_id < i.update_id) "
        "ORDER BY i.update_id LIMIT ? FOR UPDATE OF i SKIP LOCKED) "
        f"AND {_FREE} RETURNING update_id, payload, received_at",
        (replica, int(lease * 1000), limit),
    )
    return sorted((int(row[0]), str(row[1]), int(row[2])) for row in cur.rows)


async def renew(repo: Repository, replica: str, lease: float) -> int:
    """Extend every claim this replica holds (rows answered are gone); how many."""
    cur = await repo.db.execute_one(
        f"UPDATE inbox SET lease_until = {_NOW_MS} + ? WHERE claimed_by = ?",
        (int(lease * 1000), replica),
    )
    return cur.rowcount


async def release(repo: Repository, replica: str) -> int:
    """Give back this replica's claims (stopping): another replica takes them at once."""
    cur = await repo.db.execute_one(
        "UPDATE inbox SET claimed_by = NULL, lease_until = NULL WHERE claimed_by = ?",
        (replica,),
    )
    return cur.rowcount


async def forget_chat(repo: Repository, chat: str) -> None:
    """`/vergeetmij` and under-16: drop anything still waiting from this chat."""
    async with repo.transaction() as conn:
        await conn.execute("DELETE FROM inbox WHERE chat = ?", (chat,))


async def purge(repo: Repository, now: datetime) -> int:
    """Remove the bare ids answered over a day ago and updates unanswered for over a day."""
    async with repo.transaction() as conn:
        seen = await conn.execute(
            "DELETE FROM inbox_seen WHERE done_at < ?", (epoch(now - KEEP_DONE),)
        )
        stale = await conn.execute(
            "DELETE FROM inbox WHERE received_at < ?", (epoch(now - KEEP_UNANSWERED),)
        )
        return seen.rowcount + stale.rowcount


async def depth(repo: Repository) -> int:
    """How many updates are received but not answered yet (GET /metrics)."""
    row = await repo.fetch_one("SELECT COUNT(*) FROM inbox")
    return int(row[0]) if row else 0
