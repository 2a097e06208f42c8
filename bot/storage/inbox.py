"""The inbox of fetched-but-unanswered updates (see migrations 0007 and 0009 for why).

A row holds what replaying the update needs (the transport strips names and usernames before
it calls `keep`) and lives only until the update is answered. Unanswered rows older than
`KEEP_UNANSWERED` are purged: Telegram itself gives up on an update after a day, and a reply to
something that old would only confuse.
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
) -> None:
    """Write a fetched batch (update id, chat, JSON) before Telegram is told it arrived."""
    rows = [(update_id, chat, payload, epoch(now)) for update_id, chat, payload in updates]
    if not rows:
        return
    async with repo.transaction() as conn:
        await conn.executemany(
            "INSERT OR IGNORE INTO inbox (update_id, chat, payload, received_at) "
            "SELECT ?, ?, ?, ? WHERE NOT EXISTS "
            "(SELECT 1 FROM inbox_seen WHERE update_id = ?)",
            [(*row, row[0]) for row in rows],
        )


async def answered(repo: Repository, update_id: int, now: datetime) -> None:
    """The update has been handled: delete its row, remember only the bare id for a day."""
    async with repo.transaction() as conn:
        await conn.execute("DELETE FROM inbox WHERE update_id = ?", (update_id,))
        await conn.execute(
            "INSERT OR IGNORE INTO inbox_seen (update_id, done_at) VALUES (?, ?)",
            (update_id, epoch(now)),
        )


async def is_answered(repo: Repository, update_id: int) -> bool:
    """Whether this update was handled before (a second delivery is skipped)."""
    row = await repo.fetch_one("SELECT 1 FROM inbox_seen WHERE update_id = ?", (update_id,))
    return row is not None


async def unanswered(repo: Repository) -> list[str]:
    """Updates a previous process fetched but never answered, oldest first."""
    rows = await repo.fetch("SELECT payload FROM inbox ORDER BY update_id")
    return [str(payload) for (payload,) in rows]


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
