"""Helpers for the broadcast tests and bench: many people at once, a broadcast, a fast lane."""

from __future__ import annotations

from datetime import datetime

from bot.app import Core
from bot.core.clock import Clock, epoch
from bot.storage import broadcast as store
from bot.storage.repository import Repository
from scheduler.pacing import Pacer
from scheduler.service import Scheduler

LANE_RATE = 100_000.0  # tests check behaviour; the pacer has its own test


async def add_people(
    repo: Repository,
    count: int,
    now: datetime,
    *,
    channel: str = "test",
    first: int = 100_000,
    followups: bool = True,
) -> list[int]:
    """`count` onboarded young people in one transaction (much faster than onboarding them)."""
    stamp = epoch(now)
    rows = [
        (channel, str(first + n), f"T{first + n:09d}", stamp, stamp, int(followups))
        for n in range(count)
    ]
    async with repo.transaction() as conn:
        await conn.executemany(
            "INSERT INTO users (channel, external_id, pseudonym, language, created_at, "
            "last_seen_at, onboarded, followups) VALUES (?, ?, ?, 'nl', ?, ?, 1, ?)",
            rows,
        )
    found = await repo.fetch(
        "SELECT id FROM users WHERE channel = ? AND CAST(external_id AS INTEGER) BETWEEN ? AND ? "
        "ORDER BY id",
        (channel, first, first + count - 1),
    )
    return [int(row[0]) for row in found]


async def plan(
    core: Core,
    created_by: int,
    segment: store.Segment | None = None,
    *,
    text: str = "Doe zaterdag mee met de Social Cleanup Day!",
    responses: bool = True,
    quiet: bool = False,
    send_at: datetime | None = None,
) -> int:
    """A broadcast as the compose flow stores it, due now unless `send_at`."""
    now = core.clock.now()
    return await store.create(
        core.repo,
        created_by=created_by,
        text=text,
        link=("Aanmelden", "https://example.org/scd"),
        responses=responses,
        segment=segment or store.Segment("all"),
        quiet=quiet,
        send_at=send_at or now,
        now=now,
    )


def lane(core: Core, clock: Clock) -> Scheduler:
    """A scheduler whose lane is not slowed down by pacing."""
    return Scheduler(core, clock, pacer=Pacer(LANE_RATE, per_chat_seconds=0))
