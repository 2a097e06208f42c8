"""Telegram file ids of staff members' photos and files (migration 0020), for relaying them to
a young person on WhatsApp: the file is downloaded and uploaded there when it is relayed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.clock import epoch
from bot.storage.repository import Repository

KEEP = timedelta(days=7)  # as long as a WhatsApp user's talk-conversation messages


@dataclass(frozen=True, slots=True)
class File:
    """What downloading and naming one file needs."""

    kind: str  # photo or document
    file_id: str
    filename: str | None


async def keep(repo: Repository, user_id: int, message_id: int, found: File, now: datetime) -> None:
    """Remember the file of one of the staff member's messages."""
    async with repo.transaction() as conn:
        await conn.execute(
            "INSERT INTO tg_files (user_id, message_id, kind, file_id, filename, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, message_id) DO UPDATE SET "
            "kind = excluded.kind, file_id = excluded.file_id, filename = excluded.filename",
            (user_id, message_id, found.kind, found.file_id, found.filename, epoch(now)),
        )


async def get(repo: Repository, user_id: int, message_id: int) -> File | None:
    """The file of that message of this staff member, if it was kept (and is not too old)."""
    row = await repo.fetch_one(
        "SELECT kind, file_id, filename FROM tg_files WHERE user_id = ? AND message_id = ?",
        (user_id, message_id),
    )
    return File(str(row[0]), str(row[1]), row[2]) if row else None


async def purge(repo: Repository, now: datetime) -> int:
    """Drop file ids older than a week."""
    async with repo.transaction() as conn:
        cur = await conn.execute("DELETE FROM tg_files WHERE created_at < ?", (epoch(now - KEEP),))
        return cur.rowcount
