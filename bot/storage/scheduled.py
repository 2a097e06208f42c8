"""SQL of the due-row queue: everything the bot sends later is a row in `scheduled`.

Life of a row: `pending` → `claimed` (by one scheduler, with a token) → `sent`, or back to
`pending` (later), or finished as `failed`, `expired` or `cancelled`. Every change of a claimed
row names the claim token, so a scheduler that lost its claim (it was declared dead and the row
reclaimed) can never overwrite what another one did.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from bot.core.clock import epoch
from bot.storage.repository import Repository

Finished = Literal["sent", "failed", "expired", "cancelled"]


@dataclass(frozen=True, slots=True)
class Item:
    """One claimed row, as the scheduler hands it to a kind's handler."""

    id: int
    kind: str
    user_id: int
    due_at: int
    payload: dict[str, Any]
    attempts: int
    proactive: bool
    created_at: int


def _item(row: Iterable[Any]) -> Item:
    id_, kind, user_id, due_at, payload, attempts, proactive, created_at = tuple(row)
    return Item(
        id=id_,
        kind=kind,
        user_id=user_id,
        due_at=due_at,
        payload=json.loads(payload) if payload else {},
        attempts=attempts,
        proactive=bool(proactive),
        created_at=created_at,
    )


_ITEM_COLUMNS = "id, kind, user_id, due_at, payload, attempts, proactive, created_at"


def _marks(values: Iterable[Any]) -> str:
    return ", ".join("?" for _ in values)


async def schedule(
    repo: Repository,
    kind: str,
    user_id: int,
    due_at: datetime,
    now: datetime,
    payload: Mapping[str, Any] | None = None,
    *,
    proactive: bool = True,
) -> int:
    """Add one item; `proactive=False` for staff duties that /stop must not cancel."""
    cur = await repo.db.execute_one(  # one insert, one hop
        "INSERT INTO scheduled (kind, user_id, due_at, payload, proactive, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        (
            kind,
            user_id,
            epoch(due_at),
            json.dumps(dict(payload or {}), ensure_ascii=False),
            int(proactive),
            epoch(now),
        ),
    )
    return int(cur.rows[0][0])


async def reclaim_stale(repo: Repository, token: str, claimed_before: datetime) -> int:
    """Put back claims of schedulers that died (not `token`'s) so their items are not lost.

    The item may have been sent just before the crash; that one message can then repeat.
    """
    async with repo.transaction() as conn:
        cur = await conn.execute(
            "UPDATE scheduled SET status='pending', claim_token=NULL, claimed_at=NULL "
            "WHERE status='claimed' AND claimed_at < ? AND claim_token <> ?",
            (epoch(claimed_before), token),
        )
        return cur.rowcount


async def renew(repo: Repository, token: str, now: datetime) -> int:
    """Mark this scheduler's claims as fresh: with replicas, a claim is a lease that its
    scheduler renews, so only a dead scheduler's claims grow stale (`reclaim_stale`)."""
    async with repo.transaction(serial=False) as conn:  # only this token's rows
        cur = await conn.execute(
            "UPDATE scheduled SET claimed_at = ? WHERE status = 'claimed' AND claim_token = ?",
            (epoch(now), token),
        )
        return cur.rowcount


async def expire_overdue(repo: Repository, grace: Mapping[str, timedelta], now: datetime) -> int:
    """Record as expired what was due too long ago to be relevant (per-kind grace window)."""
    stamp = epoch(now)
    expired = 0
    async with repo.transaction() as conn:
        for kind, window in grace.items():
            cur = await conn.execute(
                "UPDATE scheduled SET status='expired', done_at=? "
                "WHERE status='pending' AND due_at < ? AND kind=?",
                (stamp, epoch(now - window), kind),
            )
            expired += cur.rowcount
    return expired


async def claim_due(
    repo: Repository, kinds: Iterable[str], now: datetime, token: str, limit: int
) -> list[Item]:
    """Atomically take up to `limit` due items of the given kinds, oldest first.

    One statement under BEGIN IMMEDIATE: two schedulers (threads or processes) racing for the
    same rows each get a disjoint set.
    """
    names = tuple(kinds)
    if not names:
        return []
    stamp = epoch(now)
    async with repo.transaction() as conn:
        rows = await conn.execute_fetchall(
            "UPDATE scheduled SET status='claimed', claim_token=?, claimed_at=?, "
            "attempts=attempts+1 WHERE id IN (SELECT id FROM scheduled "
            f"WHERE status='pending' AND due_at <= ? AND kind IN ({_marks(names)}) "
            f"ORDER BY due_at, id LIMIT ?) RETURNING {_ITEM_COLUMNS}",
            (token, stamp, stamp, *names, limit),
        )
    return sorted((_item(row) for row in rows), key=lambda item: (item.due_at, item.id))


async def finish(
    repo: Repository, item_id: int, token: str, status: Finished, now: datetime
) -> bool:
    """Close a claimed item; False when the claim was lost (someone reclaimed it).

    One hop to the database thread instead of three: every delivery ends here, and a broadcast
    marks each row before sending the next (see scheduler/README.md).
    """
    [done] = await repo.db.batch(
        [
            (
                "UPDATE scheduled SET status=?, done_at=?, claim_token=NULL "
                "WHERE id=? AND claim_token=? AND status='claimed'",
                (status, epoch(now), item_id, token),
            )
        ]
    )
    return done.rowcount == 1


async def postpone(repo: Repository, item_id: int, token: str, due_at: datetime) -> bool:
    """Hand a claimed item back to the queue for a later moment (quiet hours, 429, retry)."""
    async with repo.transaction() as conn:
        cur = await conn.execute(
            "UPDATE scheduled SET status='pending', due_at=?, claim_token=NULL, claimed_at=NULL "
            "WHERE id=? AND claim_token=? AND status='claimed'",
            (epoch(due_at), item_id, token),
        )
        return cur.rowcount == 1


async def release(repo: Repository, token: str, item_ids: Iterable[int] | None = None) -> int:
    """Give back claims that were never attempted (stopping, paused by a 429), uncounted."""
    sql = (
        "UPDATE scheduled SET status='pending', claim_token=NULL, claimed_at=NULL, "
        "attempts=CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END "
        "WHERE status='claimed' AND claim_token=?"
    )
    params: list[Any] = [token]
    if item_ids is not None:
        ids = tuple(item_ids)
        if not ids:
            return 0
        sql += f" AND id IN ({_marks(ids)})"
        params.extend(ids)
    async with repo.transaction() as conn:
        cur = await conn.execute(sql, params)
        return cur.rowcount


async def proactive_sent_since(repo: Repository, user_id: int, since: datetime) -> int:
    """How many proactive messages the person got from `since` on (the daily limit)."""
    rows = await repo.fetch(
        "SELECT COUNT(*) FROM scheduled WHERE user_id=? AND status='sent' AND proactive=1 "
        "AND done_at >= ?",
        (user_id, epoch(since)),
    )
    return int(rows[0][0])


@dataclass(frozen=True, slots=True)
class Step:
    """Where a person is: the flow, when it last changed, and the item that pushed it (if any)."""

    flow: str
    updated_at: int
    item_id: int | None


async def last_step(repo: Repository, user_id: int) -> Step | None:
    """The person's current flow, for not interrupting someone who is busy."""
    row = await repo.fetch_one(
        "SELECT state, updated_at FROM conversations WHERE user_id=?", (user_id,)
    )
    if row is None:
        return None
    state = json.loads(row[0])
    flow = state.get("flow") if isinstance(state, dict) else None
    answers = state.get("answers") if isinstance(state, dict) else None
    item_id = answers.get("item") if isinstance(answers, dict) else None
    return Step(
        str(flow or ""),
        int(row[1]),
        item_id if isinstance(item_id, int) and not isinstance(item_id, bool) else None,
    )


async def items_of(
    repo: Repository, user_id: int, kind: str | None = None, status: str | None = None
) -> list[tuple[Item, str]]:
    """A person's items with their status, oldest due first (checks and tests)."""
    sql = f"SELECT {_ITEM_COLUMNS}, status FROM scheduled WHERE user_id=?"
    params: list[Any] = [user_id]
    if kind is not None:
        sql += " AND kind=?"
        params.append(kind)
    if status is not None:
        sql += " AND status=?"
        params.append(status)
    rows = await repo.fetch(sql + " ORDER BY due_at, id", params)
    return [(_item(tuple(row)[:-1]), str(tuple(row)[-1])) for row in rows]


async def status_counts(repo: Repository) -> dict[str, int]:
    """Rows per status (benchmarks, health checks)."""
    rows = await repo.fetch("SELECT status, COUNT(*) FROM scheduled GROUP BY status")
    return {str(status): int(count) for status, count in rows}
