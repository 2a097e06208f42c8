"""The outbox: replies a channel could not deliver yet (migration 0012), until they go out.

A row is written only for a stored person (its `user_id` cascades: /vergeetmij removes it,
/mijndata shows it) and deleted as soon as the reply is delivered. Rows older than
`KEEP_UNDELIVERED` are purged by the retention sweep: an answer that late only confuses, and
the conversation state has the current question to show again.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.core.clock import epoch
from bot.core.model import Document, Reply
from bot.storage.repository import Repository

KEEP_UNDELIVERED = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Row:
    """One stored undelivered reply."""

    id: int
    chat: str
    user_id: int
    urgent: bool
    reply: Reply


def encode(reply: Reply) -> str:
    """A reply as JSON, with its image or document (a chart, a /mijndata export) as base64."""
    data: dict[str, Any] = reply.to_json()
    if reply.image is not None:
        data["image"] = base64.b64encode(reply.image).decode("ascii")
    if reply.document is not None:
        data["document"] = {
            "filename": reply.document.filename,
            "content": base64.b64encode(reply.document.content).decode("ascii"),
        }
    return json.dumps(data, ensure_ascii=False)


def decode(stored: str) -> Reply:
    """Inverse of `encode`."""
    data = json.loads(stored)
    reply = Reply.from_json(data)
    image = base64.b64decode(data["image"]) if data.get("image") else None
    document = data.get("document")
    return Reply(
        reply.text,
        reply.buttons,
        image=image,
        document=Document(document["filename"], base64.b64decode(document["content"]))
        if document
        else None,
    )


@dataclass(frozen=True, slots=True)
class Claim:
    """Whose hands a held reply is in (replicas only): a replica name, until when."""

    holder: str
    until: int  # epoch seconds


async def hold(
    repo: Repository,
    channel: str,
    chat: str,
    user_id: int,
    replies: list[Reply],
    urgent: bool,
    now: datetime,
    claim: Claim | None = None,
) -> list[int]:
    """Keep replies in this order (claimed by the replica that holds them); their row ids."""
    ids = []
    holder, until = (claim.holder, claim.until) if claim else (None, None)
    async with repo.transaction(serial=False) as conn:  # inserts only
        for reply in replies:
            cur = await conn.execute(
                "INSERT INTO outbox (channel, chat, user_id, urgent, reply, created_at, "
                "claimed_by, lease_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (channel, chat, user_id, int(urgent), encode(reply), epoch(now), holder, until),
            )
            ids.append(int(cur.rows[0][0]))
    return ids


_COLUMNS = "id, chat, user_id, urgent, reply"


def _rows(found: list[tuple[Any, ...]]) -> list[Row]:
    rows = [Row(r[0], str(r[1]), int(r[2]), bool(r[3]), decode(r[4])) for r in found]
    return sorted(rows, key=lambda row: row.id)


async def waiting(repo: Repository, channel: str) -> list[Row]:
    """Every undelivered reply of a channel, oldest first (one process alone, at start)."""
    found = await repo.fetch(
        f"SELECT {_COLUMNS} FROM outbox WHERE channel = ? ORDER BY id", (channel,)
    )
    return _rows(found)


async def claim(repo: Repository, channel: str, claim: Claim, now: datetime) -> list[Row]:
    """Take the replies of a channel nobody holds (or whose holder's lease ran out), plus
    the ones this replica holds already; oldest first. Two replicas never take one row: the
    update re-checks the lease of a row another claimer changed meanwhile."""
    cur = await repo.db.execute_one(
        "UPDATE outbox SET claimed_by = ?, lease_until = ? WHERE channel = ? AND "
        "(claimed_by IS NULL OR claimed_by = ? OR lease_until IS NULL OR lease_until < ?) "
        f"RETURNING {_COLUMNS}",
        (claim.holder, claim.until, channel, claim.holder, epoch(now)),
    )
    return _rows(cur.rows)


async def delivered(repo: Repository, ids: list[int]) -> None:
    """The replies went out (or will never go out): delete their rows."""
    if not ids:
        return
    async with repo.transaction(serial=False) as conn:  # deletes by id only
        await conn.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in ids])


async def purge(repo: Repository, now: datetime) -> int:
    """Remove replies undelivered for longer than `KEEP_UNDELIVERED` (the retention sweep)."""
    async with repo.transaction() as conn:
        cur = await conn.execute(
            "DELETE FROM outbox WHERE created_at < ?", (epoch(now - KEEP_UNDELIVERED),)
        )
        return cur.rowcount


async def depth(repo: Repository) -> int:
    """How many replies wait to be delivered (GET /metrics)."""
    row = await repo.fetch_one("SELECT COUNT(*) FROM outbox")
    return int(row[0]) if row else 0
