"""SQL for check-in outcomes and self-reports: what young people tell us afterwards.

Both feed the impact figures; only the check-in story is free text, and retention empties it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Literal, get_args

from bot.core.clock import epoch
from bot.storage.repository import Repository

Outcome = Literal["replied", "reported", "supported", "nothing", "worse"]
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
Factor = Literal["knowledge", "skill", "motivation", "opportunity"]
FACTORS: tuple[Factor, ...] = get_args(Factor)  # the Media Empowerment model, in asking order


def as_outcome(value: object) -> Outcome | None:
    """A stored answer as an outcome, or None when it is not one."""
    for outcome in OUTCOMES:
        if value == outcome:
            return outcome
    return None


async def record_outcome(
    repo: Repository,
    user_id: int,
    plan_id: int | None,
    outcome: Outcome,
    feeling: int,
    now: datetime,
) -> int:
    """Store how a plan went; the story can follow with `add_story`."""
    async with repo.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO checkin_outcomes (user_id, plan_id, outcome, feeling, created_at) "
            "VALUES (?, ?, ?, ?, ?) RETURNING id",
            (user_id, plan_id, outcome, feeling, epoch(now)),
        )
        return int(cur.rows[0][0])


async def add_story(repo: Repository, outcome_id: int, user_id: int, story: str) -> None:
    """Attach the optional short story to the person's own outcome."""
    async with repo.transaction() as conn:
        await conn.execute(
            "UPDATE checkin_outcomes SET story=? WHERE id=? AND user_id=?",
            (story, outcome_id, user_id),
        )


async def outcomes_of(repo: Repository, user_id: int) -> list[tuple[str, int, str | None]]:
    """(outcome, feeling, story) of a person's check-ins, oldest first."""
    rows = await repo.fetch(
        "SELECT outcome, feeling, story FROM checkin_outcomes WHERE user_id=? ORDER BY id",
        (user_id,),
    )
    return [(str(o), int(f), s) for o, f, s in rows]


async def save_selfreport(
    repo: Repository, user_id: int, round_: int, scores: Mapping[Factor, int], now: datetime
) -> None:
    """Store one round (answering a round again replaces its scores)."""
    async with repo.transaction() as conn:
        await conn.executemany(
            "INSERT INTO selfreports (user_id, round, factor, score, created_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, round, factor) "
            "DO UPDATE SET score=excluded.score, created_at=excluded.created_at",
            [(user_id, round_, factor, score, epoch(now)) for factor, score in scores.items()],
        )


async def selfreport_scores(repo: Repository, user_id: int) -> dict[int, dict[str, int]]:
    """Round → factor → score for one person."""
    rows = await repo.fetch(
        "SELECT round, factor, score FROM selfreports WHERE user_id=? ORDER BY round, id",
        (user_id,),
    )
    found: dict[int, dict[str, int]] = {}
    for round_, factor, score in rows:
        found.setdefault(int(round_), {})[str(factor)] = int(score)
    return found
