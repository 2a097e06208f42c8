"""The scheduler across replicas (issue 15, item 4): three cores on one database, each with its
own scheduler, as three replicas have. Due rows go out once, the daily jobs run once, and the
shared bucket paces all of them together. Both stores: on SQLite the same code runs in one
process; the point is PostgreSQL, where the three cores are three connection pools.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest

from bot.app import Core, open_core
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.flood import Verdict, judge
from bot.storage import coach, shared
from scheduler.jobs import JobRegistry
from scheduler.service import Scheduler
from tests.scheduling import RecordingSender, ams, onboarded

pytestmark = pytest.mark.both_stores
REPLICAS = 3


@pytest.fixture
async def cores(settings: Settings, clock: ManualClock) -> AsyncIterator[list[Core]]:
    """Three cores on the test's store, sharing the clock."""
    opened = [await open_core(settings, clock=clock) for _ in range(REPLICAS)]
    yield opened
    for core in opened:
        await core.close()


async def test_due_checkins_go_out_once_whichever_replica_ticks(
    cores: list[Core], clock: ManualClock
) -> None:
    """Twenty people's check-ins due at once: three schedulers tick together, each sent once."""
    clock.set(ams(2026, 1, 6, 10, 0))
    senders = [RecordingSender.install(core, clock) for core in cores]
    people = []
    for n in range(20):
        _chat, user = await onboarded(cores[0], external=str(5000 + n))
        plan = await coach.save_plan(cores[0].repo, user.id, {"role": "target"}, clock.now())
        await coach.schedule_checkin(cores[0].repo, user.id, plan, clock.now(), clock.now())
        people.append(user.id)
    schedulers = [Scheduler(core, batch=3) for core in cores]
    await asyncio.gather(*(scheduler.tick() for scheduler in schedulers))
    sent = [uid for sender in senders for uid, _replies, _at in sender.sent]
    assert sorted(sent) == sorted(people)


async def test_daily_jobs_run_in_one_replica(cores: list[Core], clock: ManualClock) -> None:
    """The morning digest and the retention sweep run once for all three, and again a day on."""
    own = JobRegistry()
    ran: list[tuple[str, datetime]] = []

    @own.daily_digest
    async def digest(_core: Core, now: datetime) -> None:
        ran.append(("digest", now))

    @own.retention
    async def sweep(_core: Core, _before: datetime) -> None:
        ran.append(("sweep", clock.now()))

    clock.set(ams(2026, 1, 6, 9, 0))
    schedulers = [Scheduler(core, registry=own) for core in cores]
    for _day in range(2):
        await asyncio.gather(*(scheduler._daily_digest() for scheduler in schedulers))
        await asyncio.gather(*(scheduler.tick() for scheduler in schedulers))
        clock.advance(hours=24, minutes=1)
    assert [name for name, _ in ran] == ["digest", "sweep"] * 2


async def test_broadcast_pace_is_one_bucket_for_the_deployment(
    cores: list[Core], clock: ManualClock
) -> None:
    """Three replicas taking from one bucket at the same instant: the 30 tokens after the
    burst wait 1/rate each in one line, as if one process had taken them all."""
    rate, burst, now = 10.0, 2.0, 1_800_000_000.0
    waits = await asyncio.gather(
        *(shared.reserve(cores[n % REPLICAS].repo, "test", rate, burst, now) for n in range(32))
    )
    assert sorted(waits) == pytest.approx([0.0, 0.0] + [k / rate for k in range(1, 31)])
    later = await shared.reserve(cores[0].repo, "test", rate, burst, now + 10.0)
    assert later == 0.0  # refilled (up to the burst) after a quiet spell


async def test_lane_uses_the_shared_bucket_only_on_postgresql(cores: list[Core]) -> None:
    """A scheduler on PostgreSQL paces broadcasts with the bucket row, on SQLite in memory."""
    scheduler = Scheduler(cores[0])
    assert (scheduler.pacer._reserve is not None) == (cores[0].repo.dialect == "postgresql")


async def test_flood_count_is_one_bucket_for_the_deployment(cores: list[Core]) -> None:
    """Forty messages of one person spread over three replicas: twenty are answered, the
    first over the limit gets the line, the rest nothing; a window after the flood stops the
    person is answered again, and one window is enough however long the flood went on."""
    limit, window, now = 20, 10.0, 1_800_000_000.0
    verdicts = [
        judge(await shared.flood(cores[n % REPLICAS].repo, "telegram:42", limit, window, now))
        for n in range(40)
    ]
    assert verdicts == [Verdict.ANSWER] * 20 + [Verdict.WARN] + [Verdict.DROP] * 19
    halfway = await shared.flood(cores[1].repo, "telegram:42", limit, window, now + window / 2)
    assert judge(halfway) is Verdict.DROP  # still flooding: this one counts too
    later = await shared.flood(cores[1].repo, "telegram:42", limit, window, now + 1.6 * window)
    assert judge(later) is Verdict.ANSWER
    assert judge(await shared.flood(cores[2].repo, "telegram:7", limit, window, now)) is (
        Verdict.ANSWER  # someone else's count is their own
    )


async def test_live_keyboard_is_shared_and_forgotten(cores: list[Core], clock: ManualClock) -> None:
    """The keyboard one replica sent is the one the next replica replaces; /vergeetmij and the
    sweep leave neither the keyboard nor the flood count behind."""
    first, second = cores[0].repo, cores[1].repo
    assert await shared.swap_live(first, "42", 100, clock.now()) is None
    assert await shared.live(second, "42") == 100
    assert await shared.swap_live(second, "42", 101, clock.now()) == 100
    await shared.flood(first, "telegram:42", 20, 10.0, clock.now().timestamp())
    await shared.forget(second, "telegram:42", "42")
    assert await shared.live(first, "42") is None
    assert await first.fetch("SELECT name FROM rate_buckets") == []
    await shared.swap_live(first, "43", 200, clock.now())
    await shared.flood(first, "telegram:43", 20, 10.0, clock.now().timestamp())
    await shared.reserve(first, "telegram", 30.0, 30.0, clock.now().timestamp())
    assert await shared.purge(first, clock.now() + timedelta(days=1, minutes=1)) == 1
    assert await shared.live(first, "43") == 200  # a day old: still worth taking off
    assert await shared.purge(first, clock.now() + timedelta(days=8)) == 1
    assert await first.fetch("SELECT name FROM rate_buckets") == [("telegram",)]
