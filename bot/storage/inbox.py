"""The inbox of fetched-but-unanswered updates (see migration 0007 for why it exists)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from bot.core.clock import epoch
from bot.storage.repository import Repository

KEEP_DONE = timedelta(days=1)


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
            "VALUES (?, ?, ?, ?)",
            rows,
        )


async def answered(repo: Repository, update_id: int, now: datetime) -> None:
    """The update has been handled: wipe its message and chat, keep the id for a day."""
    async with repo.transaction() as conn:
        await conn.execute(
            "UPDATE inbox SET payload = NULL, chat = NULL, done_at = ? "
            "WHERE update_id = ? AND done_at IS NULL",
            (epoch(now), update_id),
        )


async def is_answered(repo: Repository, update_id: int) -> bool:
    """Whether this update was handled before (a second delivery is skipped)."""
    row = await repo.fetch_one(
        "SELECT 1 FROM inbox WHERE update_id = ? AND done_at IS NOT NULL", (update_id,)
    )
    return row is not None


async def unanswered(repo: Repository) -> list[str]:
    """Updates a previous process fetched but never answered, oldest first."""
    rows = await repo.fetch(
        "SELECT payload FROM inbox WHERE done_at IS NULL AND payload IS NOT NULL ORDER BY update_id"
    )
    return [str(payload) for (payload,) in rows]


async def forget_chat(repo: Repository, chat: str) -> None:
    """`/vergeetmij`: drop anything still waiting from this chat."""
    async with repo.transaction() as conn:
        await conn.execute("DELETE FROM inbox WHERE chat = ? AND done_at IS NULL", (chat,))


async def purge(repo: Repository, now: datetime) -> int:
    """Remove the bare ids of updates answered more than a day ago."""
    async with repo.transaction() as conn:
        cur = await conn.execute(
            "DELETE FROM inbox WHERE done_at IS NOT NULL AND done_at < ?",
            (epoch(now - KEEP_DONE),),
        )
        return cur.rowcount


async def depth(repo: Repository) -> int:
    """How many updates are received but not answered yet (GET /metrics)."""
    row = await repo.fetch_one("SELECT COUNT(*) FROM inbox WHERE done_at IS NULL")
    return int(row[0]) if row else 0
