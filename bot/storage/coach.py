"""SQL for the coaching journey: peer-educator requests, action plans and their check-ins.

Everything stored here is an id or a code chosen with a button, never typed text, so a plan can
be shown in `/mijndata`, summarised for a check-in or copied without leaking personal data.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.clock import epoch
from bot.storage import scheduled
from bot.storage.repository import Repository

CHECKIN_KIND = "checkin"


@dataclass(frozen=True, slots=True)
class Plan:
    """A saved action plan: answer ids such as `{"role": "bystander", "report": "yes"}`."""

    id: int
    user_id: int
    created_at: int
    data: dict[str, str]


def _plan(row: tuple[Any, ...]) -> Plan:
    raw = json.loads(row[3])
    data = {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
    return Plan(id=int(row[0]), user_id=int(row[1]), created_at=int(row[2]), data=data)


async def record_help_request(
    repo: Repository, user_id: int, reason: str, urgent: bool, now: datetime
) -> int:
    """Ask for a peer educator; a person has at most one open request (raised to urgent if
    a later one is), so staff never get two cases for one conversation."""
    async with repo.transaction() as conn:
        async with conn.execute(
            "SELECT id, urgent FROM help_requests WHERE user_id = ? AND status = 'open' "
            "ORDER BY id LIMIT 1",
            (user_id,),
        ) as cur:
            row = await cur.fetchone()
        if row is not None:
            if urgent and not row[1]:
                await conn.execute(
                    "UPDATE help_requests SET urgent = 1, reason = ? WHERE id = ?",
                    (reason, row[0]),
                )
            return int(row[0])
        async with conn.execute(
            "INSERT INTO help_requests (user_id, reason, urgent, status, created_at) "
            "VALUES (?, ?, ?, 'open', ?) RETURNING id",
            (user_id, reason, int(urgent), epoch(now)),
        ) as cur:
            inserted = await cur.fetchone()
    assert inserted is not None
    return int(inserted[0])


async def save_plan(repo: Repository, user_id: int, data: Mapping[str, str], now: datetime) -> int:
    """Store a plan and return its id."""
    cur = await repo.db.execute_one(  # one insert, one hop
        "INSERT INTO plans (user_id, created_at, data) VALUES (?, ?, ?) RETURNING id",
        (user_id, epoch(now), json.dumps(dict(data), sort_keys=True)),
    )
    return int(cur.rows[0][0])


async def recent_plans(repo: Repository, user_id: int, limit: int = 5) -> list[Plan]:
    """The newest plans first."""
    rows = await repo.fetch(
        "SELECT id, user_id, created_at, data FROM plans WHERE user_id = ? "
        "ORDER BY created_at DESC, id DESC LIMIT ?",
        (user_id, limit),
    )
    return [_plan(row) for row in rows]


async def latest_plan(repo: Repository, user_id: int) -> Plan | None:
    """The most recent plan, for a check-in that asks whether it worked out."""
    plans = await recent_plans(repo, user_id, limit=1)
    return plans[0] if plans else None


async def get_plan(repo: Repository, user_id: int, plan_id: int) -> Plan | None:
    """One plan, only if it belongs to this person."""
    rows = await repo.fetch(
        "SELECT id, user_id, created_at, data FROM plans WHERE id = ? AND user_id = ?",
        (plan_id, user_id),
    )
    return _plan(rows[0]) if rows else None


async def schedule_checkin(
    repo: Repository, user_id: int, plan_id: int, due: datetime, now: datetime
) -> int:
    """Queue a proactive check-in about a plan (delivered by the `checkin` scheduler job)."""
    return await scheduled.schedule(repo, CHECKIN_KIND, user_id, due, now, {"plan_id": plan_id})
