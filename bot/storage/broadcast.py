"""SQL for broadcasts: tags, segments, the broadcasts themselves and the answers to them.

A broadcast goes `scheduled` → `sending` (its queue rows are written in the same transaction,
one per recipient: kind 'broadcast', proactive, payload {"broadcast_id": N}) → `done` (counts
frozen), or `cancelled` / `expired`. Every change of status is one guarded UPDATE, so two
schedulers, or a cancel racing the start, never both win.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from bot.core.clock import epoch
from bot.storage.repository import Repository

KIND = "broadcast"
SegmentKind = Literal["all", "tag", "city", "organisation"]
Choice = Literal["in", "out"]
CHOICES: tuple[Choice, ...] = ("in", "out")
CHOICE_OF: dict[str, Choice] = {choice: choice for choice in CHOICES}
# Who may get a broadcast at all; checked again at send time by the scheduler.
_REACHABLE = "u.onboarded = 1 AND u.followups = 1 AND u.stopped = 0 AND u.unreachable = 0"
_OF_BROADCAST = (
    "s.kind = 'broadcast' AND CAST(json_extract(s.payload, '$.broadcast_id') AS INTEGER) = ?"
)


@dataclass(frozen=True, slots=True)
class Segment:
    """Who a broadcast is for: everyone who opted in, a tag, or a town or organisation.

    Towns and organisations are what people typed in their profile; they match without regard
    to surrounding spaces or the case of ASCII letters.
    """

    kind: SegmentKind
    value: str | None = None

    def where(self) -> tuple[str, tuple[Any, ...]]:
        """The SQL condition on `users u` and its parameters."""
        if self.kind == "tag":
            return (
                f"{_REACHABLE} AND u.id IN (SELECT m.user_id FROM tag_members m "
                "JOIN tags t ON t.id = m.tag_id WHERE t.code = ?)",
                (self.value,),
            )
        if self.kind in ("city", "organisation"):
            return f"{_REACHABLE} AND lower(trim(u.{self.kind})) = lower(?)", (
                (self.value or "").strip(),
            )
        return _REACHABLE, ()


@dataclass(frozen=True, slots=True)
class Tag:
    """A group people join with `/start tag_<code>`, e.g. the participants of one event."""

    id: int
    code: str
    name: str | None
    members: int


@dataclass(frozen=True, slots=True)
class Tally:
    """A broadcast's queue rows by outcome; `waiting` are still to go (or being sent)."""

    sent: int = 0
    skipped: int = 0
    blocked: int = 0
    failed: int = 0
    waiting: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.skipped + self.blocked + self.failed + self.waiting


@dataclass(frozen=True, slots=True)
class Broadcast:
    """One broadcast as the coordinator composed it, with where it is."""

    id: int
    created_by: int | None
    text: str
    link_label: str | None
    link_url: str | None
    responses: bool
    segment: Segment
    quiet: bool
    status: str
    send_at: int
    created_at: int
    started_at: int | None
    finished_at: int | None
    recipients: int | None
    status_message: int | None
    shown: str | None
    final: Tally | None  # frozen counts once done


_COLUMNS = (
    "id, created_by, text, link_label, link_url, responses, segment, segment_value, quiet, "
    "status, send_at, created_at, started_at, finished_at, recipients, status_message, shown, "
    "sent, skipped, blocked, failed"
)


def _broadcast(row: Sequence[Any]) -> Broadcast:
    (id_, created_by, text, label, url, responses, kind, value, quiet, status, send_at) = row[:11]
    (created_at, started_at, finished_at, recipients, message, shown) = row[11:17]
    sent, skipped, blocked, failed = row[17:21]
    final = None if sent is None else Tally(sent, skipped, blocked, failed)
    return Broadcast(
        id_,
        created_by,
        text,
        label,
        url,
        bool(responses),
        Segment(kind, value),
        bool(quiet),
        status,
        send_at,
        created_at,
        started_at,
        finished_at,
        recipients,
        message,
        shown,
        final,
    )


# -- tags -------------------------------------------------------------------------------------


async def create_tag(
    repo: Repository, code: str, name: str | None, created_by: int, now: datetime
) -> bool:
    """A new tag; False when the code is taken."""
    async with repo.transaction() as conn:
        cur = await conn.execute(
            "INSERT OR IGNORE INTO tags (code, name, created_by, created_at) VALUES (?, ?, ?, ?)",
            (code, name, created_by, epoch(now)),
        )
        return cur.rowcount == 1


async def tags(repo: Repository, code: str | None = None) -> list[Tag]:
    """Every tag (or the one with `code`) with its number of members, newest first."""
    where, params = ("WHERE t.code = ?", (code,)) if code is not None else ("", ())
    rows = await repo.fetch(
        "SELECT t.id, t.code, t.name, COUNT(m.user_id) FROM tags t "
        f"LEFT JOIN tag_members m ON m.tag_id = t.id {where} GROUP BY t.id ORDER BY t.id DESC",
        params,
    )
    return [Tag(*row) for row in rows]


async def join_tag(repo: Repository, tag_id: int, user_id: int, now: datetime) -> bool:
    """Add someone to a tag; False when they were in it already."""
    async with repo.transaction() as conn:
        cur = await conn.execute(
            "INSERT OR IGNORE INTO tag_members (tag_id, user_id, joined_at) VALUES (?, ?, ?)",
            (tag_id, user_id, epoch(now)),
        )
        return cur.rowcount == 1


# -- broadcasts -------------------------------------------------------------------------------


async def count_recipients(repo: Repository, segment: Segment) -> int:
    """How many people the segment reaches right now."""
    where, params = segment.where()
    row = await repo.fetch_one(f"SELECT COUNT(*) FROM users u WHERE {where}", params)
    return int(row[0]) if row else 0


async def create(
    repo: Repository,
    *,
    created_by: int,
    text: str,
    link: tuple[str | None, str] | None,
    responses: bool,
    segment: Segment,
    quiet: bool,
    send_at: datetime,
    now: datetime,
) -> int:
    """Plan a broadcast (status `scheduled`); the scheduler starts it at `send_at`."""
    label, url = link if link is not None else (None, None)
    async with repo.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO broadcasts (created_by, text, link_label, link_url, responses, segment, "
            "segment_value, quiet, send_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "RETURNING id",
            (
                created_by,
                text,
                label,
                url,
                int(responses),
                segment.kind,
                segment.value,
                int(quiet),
                epoch(send_at),
                epoch(now),
            ),
        )
        return int(cur.rows[0][0])


async def get(repo: Repository, broadcast_id: int) -> Broadcast | None:
    """One broadcast, or None."""
    row = await repo.fetch_one(f"SELECT {_COLUMNS} FROM broadcasts WHERE id = ?", (broadcast_id,))
    return _broadcast(row) if row else None


async def active(repo: Repository, now: datetime) -> list[Broadcast]:
    """Broadcasts being sent, and planned ones whose moment has come, oldest first."""
    rows = await repo.fetch(
        f"SELECT {_COLUMNS} FROM broadcasts WHERE status = 'sending' "
        "OR (status = 'scheduled' AND send_at <= ?) ORDER BY send_at, id",
        (epoch(now),),
    )
    return [_broadcast(row) for row in rows]


async def reporting(repo: Repository, since: datetime) -> list[Broadcast]:
    """Broadcasts finished since `since`: the report follows the answers (with answer buttons),
    and a report the coordinator could not be shown yet (Bot API trouble) is tried again."""
    rows = await repo.fetch(
        f"SELECT {_COLUMNS} FROM broadcasts WHERE status = 'done' AND finished_at >= ? ORDER BY id",
        (epoch(since),),
    )
    return [_broadcast(row) for row in rows]


async def listing(repo: Repository, recent: int) -> list[Broadcast]:
    """Every planned or running broadcast, plus the `recent` newest finished ones."""
    rows = await repo.fetch(
        f"SELECT {_COLUMNS} FROM broadcasts WHERE status IN ('scheduled', 'sending') "
        f"UNION ALL SELECT * FROM (SELECT {_COLUMNS} FROM broadcasts "
        "WHERE status NOT IN ('scheduled', 'sending') ORDER BY id DESC LIMIT ?) AS recent "
        "ORDER BY id",
        (recent,),
    )
    return [_broadcast(row) for row in rows]


async def start(repo: Repository, broadcast_id: int, due_at: datetime, now: datetime) -> int | None:
    """Mark as sending and queue one row per current recipient, at once; how many.

    None when it was not `scheduled` any more (cancelled, or started by another scheduler).
    """
    found = await get(repo, broadcast_id)
    if found is None:
        return None
    where, params = found.segment.where()
    async with repo.transaction() as conn:
        cur = await conn.execute(
            "UPDATE broadcasts SET status = 'sending', started_at = ? "
            "WHERE id = ? AND status = 'scheduled'",
            (epoch(now), broadcast_id),
        )
        if cur.rowcount != 1:
            return None
        cur = await conn.execute(
            "INSERT INTO scheduled (kind, user_id, due_at, payload, proactive, created_at) "
            "SELECT ?, u.id, ?, json_object('broadcast_id', ?), 1, ? FROM users u "
            f"WHERE {where} ORDER BY u.id",
            (KIND, epoch(due_at), broadcast_id, epoch(now), *params),
        )
        count = cur.rowcount
        await conn.execute(
            "UPDATE broadcasts SET recipients = ? WHERE id = ?", (count, broadcast_id)
        )
    return count


async def close(
    repo: Repository,
    broadcast_id: int,
    status: Literal["done", "cancelled", "expired"],
    now: datetime,
) -> Tally | None:
    """End a planned or running broadcast once, freezing its counts; None if it had ended.

    Cancelling also cancels its rows that have not gone out yet. The status and the frozen
    counts change in one statement: a read between two statements (the embedded database
    shares one connection) saw a finished broadcast without its counts.
    """
    stamp = epoch(now)
    async with repo.transaction() as conn:
        rows = await conn.execute_fetchall(
            "SELECT 1 FROM broadcasts WHERE id = ? AND status IN ('scheduled', 'sending')",
            (broadcast_id,),
        )
        if not rows:
            return None
        if status == "cancelled":
            await conn.execute(
                "UPDATE scheduled AS s SET status = 'cancelled', done_at = ? "
                f"WHERE {_OF_BROADCAST} AND s.status = 'pending'",
                (stamp, broadcast_id),
            )
        counts = _tally(await conn.execute_fetchall(_TALLY, (broadcast_id,)))
        cur = await conn.execute(
            "UPDATE broadcasts SET status = ?, finished_at = ?, sent = ?, skipped = ?, "
            "blocked = ?, failed = ? WHERE id = ? AND status IN ('scheduled', 'sending')",
            (
                status,
                stamp,
                counts.sent,
                counts.skipped,
                counts.blocked,
                counts.failed,
                broadcast_id,
            ),
        )
        if cur.rowcount != 1:
            return None
    return counts


async def note_status_message(
    repo: Repository, broadcast_id: int, message_id: int | None, shown: str
) -> None:
    """Remember the coordinator's progress message and what it shows now."""
    async with repo.transaction() as conn:
        await conn.execute(
            "UPDATE broadcasts SET status_message = COALESCE(?, status_message), shown = ? "
            "WHERE id = ?",
            (message_id, shown, broadcast_id),
        )


# Blocked: the person blocked the bot (403 now, or found unreachable since the start). Skipped:
# opted out or used /stop before their turn, too late after downtime, or the broadcast stopped.
_TALLY = (
    "SELECT s.status, u.unreachable, COUNT(*) FROM scheduled s JOIN users u ON u.id = s.user_id "
    f"WHERE {_OF_BROADCAST} GROUP BY s.status, u.unreachable"
)


def _tally(rows: Iterable[Sequence[Any]]) -> Tally:
    counts = {"sent": 0, "skipped": 0, "blocked": 0, "failed": 0, "waiting": 0}
    for status, unreachable, count in rows:
        if status == "sent":
            bucket = "sent"
        elif status in ("pending", "claimed"):
            bucket = "waiting"
        elif unreachable:
            bucket = "blocked"
        else:
            bucket = "failed" if status == "failed" else "skipped"
        counts[bucket] += int(count)
    return Tally(**counts)


async def tally(repo: Repository, broadcast_id: int) -> Tally:
    """Where a broadcast's deliveries are now."""
    return _tally(await repo.fetch(_TALLY, (broadcast_id,)))


# -- responses --------------------------------------------------------------------------------


async def respond(
    repo: Repository, broadcast_id: int, user_id: int, choice: Choice, now: datetime
) -> bool:
    """Keep a recipient's answer (a later one replaces it); False if they never got it."""
    async with repo.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO broadcast_responses (broadcast_id, user_id, choice, answered_at) "
            "SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM scheduled s WHERE s.user_id = ? "
            f"AND s.status = 'sent' AND {_OF_BROADCAST}) "
            "ON CONFLICT (broadcast_id, user_id) DO UPDATE SET choice = excluded.choice, "
            "answered_at = excluded.answered_at",
            (broadcast_id, user_id, choice, epoch(now), user_id, broadcast_id),
        )
        return cur.rowcount == 1


async def responses(repo: Repository, broadcast_id: int) -> dict[Choice, int]:
    """Answers per button."""
    rows = await repo.fetch(
        "SELECT choice, COUNT(*) FROM broadcast_responses WHERE broadcast_id = ? GROUP BY choice",
        (broadcast_id,),
    )
    found = {str(choice): int(count) for choice, count in rows}
    return {choice: found.get(choice, 0) for choice in CHOICES}
