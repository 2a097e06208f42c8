"""The scheduler with an injected clock: quiet hours, DST, opt-outs, failures and daily jobs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.app import WIRING, Core
from bot.core.clock import ManualClock, epoch
from bot.core.delivery import DeliveryFailed, RetryLater, Unreachable
from bot.core.model import Reply
from bot.flows.checkin import checkin_due
from bot.storage import checkins, coach, scheduled
from scheduler.jobs import Delivery, JobRegistry, Postpone, schedule_reminder
from scheduler.service import Scheduler
from tests.scheduling import RecordingSender, ams, onboarded, tick_until

pytestmark = pytest.mark.both_stores


@pytest.fixture
def sender(core: Core, clock: ManualClock) -> RecordingSender:
    """The `test` channel's sender, recording with the clock's time."""
    return RecordingSender.install(core, clock)


@pytest.fixture
def scheduler(core: Core) -> Scheduler:
    """A scheduler whose ticks the test calls itself."""
    return Scheduler(core)


async def _checkin(core: Core, user_id: int, due: datetime, now: datetime) -> int:
    plan_id = await coach.save_plan(core.repo, user_id, {"role": "bystander"}, now)
    return await coach.schedule_checkin(core.repo, user_id, plan_id, due, now)


async def _status(core: Core, item_id: int) -> tuple[str, int, int]:
    rows = await core.repo.fetch(
        "SELECT status, due_at, attempts FROM scheduled WHERE id=?", (item_id,)
    )
    status, due_at, attempts = next(iter(rows))
    return str(status), int(due_at), int(attempts)


async def test_tomorrow_chosen_at_2230_arrives_once_at_0900(
    core: Core, clock: ManualClock, sender: RecordingSender, scheduler: Scheduler
) -> None:
    """A check-in for 'tomorrow' chosen at 22:30 comes once, at 09:00 the next morning."""
    clock.set(ams(2026, 1, 5, 22, 0))
    _chat, user = await onboarded(core, selfreport=True)  # its self-report waits for 09:00 too
    clock.set(ams(2026, 1, 5, 22, 30))
    await _checkin(core, user.id, checkin_due(core.settings, clock.now(), 1), clock.now())
    await tick_until(scheduler, clock, ams(2026, 1, 6, 12, 0), timedelta(minutes=15))
    assert sender.times == [ams(2026, 1, 6, 9, 0)]
    assert "Hoe ging het?" in sender.sent[0][1][-1].text


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        # spring forward: 09:00 CEST is 07:00 UTC
        (ams(2026, 3, 28, 22, 0), datetime(2026, 3, 29, 7, 0, tzinfo=UTC)),
        # fall back: 09:00 CET is 08:00 UTC
        (ams(2026, 10, 24, 23, 0), datetime(2026, 10, 25, 8, 0, tzinfo=UTC)),
    ],
    ids=["spring-forward", "fall-back"],
)
async def test_quiet_hours_over_dst_release_at_local_nine(
    core: Core,
    clock: ManualClock,
    sender: RecordingSender,
    scheduler: Scheduler,
    due: datetime,
    expected: datetime,
) -> None:
    """An item due in the evening before a DST change goes out at 09:00 local time."""
    clock.set(due - timedelta(hours=1))
    _chat, user = await onboarded(core)
    item = await _checkin(core, user.id, due, clock.now())
    await tick_until(scheduler, clock, expected - timedelta(minutes=5), timedelta(minutes=5))
    assert sender.sent == []
    assert await _status(core, item) == ("pending", epoch(expected), 1)
    clock.set(expected)
    await scheduler.tick()
    assert sender.times == [expected]


async def test_item_due_in_quiet_hours_waits_and_keeps_its_place(
    core: Core, clock: ManualClock, sender: RecordingSender, scheduler: Scheduler
) -> None:
    """Due at 23:00: nothing at night, the row is pending for 09:00, then sent."""
    clock.set(ams(2026, 1, 5, 20, 0))
    _chat, user = await onboarded(core)
    item = await _checkin(core, user.id, ams(2026, 1, 5, 23, 0), clock.now())
    clock.set(ams(2026, 1, 5, 23, 0))
    await scheduler.tick()
    assert sender.sent == []
    assert (await _status(core, item))[:2] == ("pending", epoch(ams(2026, 1, 6, 9, 0)))


async def test_stop_cancels_at_once_and_is_rechecked_at_send_time(
    core: Core, clock: ManualClock, sender: RecordingSender, scheduler: Scheduler
) -> None:
    """/stop cancels pending check-ins; a switch-off the cancel missed is caught at send time."""
    chat, user = await onboarded(core)
    first = await _checkin(core, user.id, clock.now() + timedelta(hours=1), clock.now())
    await chat.send("/stop")
    assert (await _status(core, first))[0] == "cancelled"
    # Opted in again, then out without the cancel (e.g. another process wrote the flag).
    await chat.send("/instellingen")
    await chat.tap("Check-ins")
    await chat.tap("Aan")
    second = await _checkin(core, user.id, clock.now() + timedelta(hours=1), clock.now())
    async with core.repo.transaction() as conn:
        await conn.execute("UPDATE users SET checkins=0 WHERE id=?", (user.id,))
    clock.advance(hours=1)
    await scheduler.tick()
    assert sender.sent == []
    assert (await _status(core, second))[0] == "cancelled"


async def test_settings_switch_cancels_checkins_and_selfreports(
    core: Core, clock: ManualClock, sender: RecordingSender, scheduler: Scheduler
) -> None:
    """Switching check-ins off in settings cancels both kinds; a staff reminder stays."""
    chat, user = await onboarded(core, selfreport=True)
    item = await _checkin(core, user.id, clock.now() + timedelta(hours=1), clock.now())
    reminder = await schedule_reminder(
        core.repo, user.id, clock.now() + timedelta(hours=1), "Bel Jongere #A1", now=clock.now()
    )
    await chat.send("/instellingen")
    await chat.tap("Check-ins")
    await chat.tap("Uit")
    rows = await scheduled.items_of(core.repo, user.id)
    assert {i.kind: s for i, s in rows} == {"checkin": "cancelled", "selfreport": "cancelled"} | {
        "reminder": "pending"
    }
    clock.advance(hours=1)
    await scheduler.tick()
    assert [r[-1].text for r in sender.to(user.id)] == ["⏰ Herinnering: Bel Jongere #A1"]
    assert (await _status(core, item))[0] == "cancelled"
    assert (await _status(core, reminder))[0] == "sent"


async def test_blocked_bot_marks_unreachable_and_cancels(
    core: Core, clock: ManualClock, sender: RecordingSender, scheduler: Scheduler
) -> None:
    """403: the item fails, the person is unreachable, their other proactive items cancelled."""
    _chat, user = await onboarded(core)
    now = clock.now()
    first = await _checkin(core, user.id, now, now)
    later = await _checkin(core, user.id, now + timedelta(days=2), now)
    sender.failures.append(Unreachable("blocked"))
    await scheduler.tick()
    assert (await _status(core, first))[0] == "failed"
    assert (await _status(core, later))[0] == "cancelled"
    refreshed = await core.repo.user_by_id(user.id)
    assert refreshed is not None
    assert refreshed.unreachable


async def test_rate_limit_waits_retry_after(
    core: Core, clock: ManualClock, sender: RecordingSender, scheduler: Scheduler
) -> None:
    """429: the row goes back to pending at now + retry_after and the scheduler pauses."""
    _chat, user = await onboarded(core)
    _other_chat, other = await onboarded(core, external="1002")
    now = clock.now()
    item = await _checkin(core, user.id, now, now)
    await _checkin(core, other.id, now, now)
    sender.failures.append(RetryLater(30))
    scheduler.concurrency = 1
    await scheduler.tick()
    assert await _status(core, item) == ("pending", epoch(now) + 30, 1)
    clock.advance(seconds=20)
    assert await scheduler.tick() == 0  # paused: Telegram's limit holds for the whole bot
    assert sender.sent == []
    clock.advance(seconds=10)
    await scheduler.tick()
    assert sorted(uid for uid, _r, _t in sender.sent) == sorted([user.id, other.id])
    assert (await _status(core, item))[0] == "sent"


async def test_temporary_failures_retry_then_fail(
    core: Core, clock: ManualClock, sender: RecordingSender, scheduler: Scheduler
) -> None:
    """Network trouble retries with growing waits and gives up after `max_attempts`."""
    _chat, user = await onboarded(core)
    item = await _checkin(core, user.id, clock.now(), clock.now())
    scheduler.max_attempts = 3
    sender.failures.extend(DeliveryFailed("502") for _ in range(3))
    waits = []
    for _ in range(3):
        await scheduler.tick()
        _status_now, due_at, _attempts = await _status(core, item)
        waits.append(due_at - epoch(clock.now()))
        clock.set(datetime.fromtimestamp(max(due_at, epoch(clock.now())), UTC))
    assert waits[:2] == [60, 120]
    assert (await _status(core, item))[0] == "failed"
    assert sender.sent == []


async def test_one_unasked_message_per_day(
    core: Core, clock: ManualClock, sender: RecordingSender, scheduler: Scheduler
) -> None:
    """After a check-in today, a self-report waits for tomorrow; asked check-ins never wait."""
    _chat, user = await onboarded(core, selfreport=True)  # self-report due at 13:10
    now = clock.now()
    await _checkin(core, user.id, now, now)
    await _checkin(core, user.id, now + timedelta(minutes=5), now)
    await tick_until(scheduler, clock, ams(2026, 1, 5, 20, 0), timedelta(minutes=5))
    kinds = [r[-1].text for r in sender.to(user.id)]
    assert len(kinds) == 2
    assert all("Hoe ging het?" in text for text in kinds)
    [(report, status)] = await scheduled.items_of(core.repo, user.id, "selfreport")
    assert status == "pending"
    assert report.due_at == epoch(ams(2026, 1, 6, 9, 0))


async def test_overdue_items_after_downtime(
    core: Core, clock: ManualClock, sender: RecordingSender, scheduler: Scheduler
) -> None:
    """After the bot was down: still-relevant items go out, older ones are recorded expired."""
    _chat, user = await onboarded(core)
    now = clock.now()
    recent = await _checkin(core, user.id, now - timedelta(hours=3), now)
    stale = await _checkin(core, user.id, now - timedelta(hours=30), now)
    await scheduler.tick()
    assert (await _status(core, recent))[0] == "sent"
    assert (await _status(core, stale))[0] == "expired"
    assert len(sender.sent) == 1


async def test_busy_person_is_not_interrupted(
    core: Core, clock: ManualClock, sender: RecordingSender, scheduler: Scheduler
) -> None:
    """Someone answering another flow gets the check-in once they have been idle a while."""
    chat, user = await onboarded(core)
    await _checkin(core, user.id, clock.now() + timedelta(minutes=1), clock.now())
    clock.advance(minutes=1)
    await chat.send("/instellingen")
    await scheduler.tick()
    assert sender.sent == []
    clock.advance(minutes=10)
    await scheduler.tick()
    assert len(sender.sent) == 1


async def test_reminder_for_staff_with_case_button(
    core: Core, clock: ManualClock, sender: RecordingSender, scheduler: Scheduler
) -> None:
    """A staff reminder arrives with its text and a button to the case; /stop keeps it."""
    chat, user = await onboarded(core)
    item = await schedule_reminder(
        core.repo, user.id, clock.now() + timedelta(hours=2), "Kijk naar casus 7", 7
    )
    await chat.send("/stop")
    clock.advance(hours=2)
    await scheduler.tick()
    [replies] = sender.to(user.id)
    assert replies[0].text == "⏰ Herinnering: Kijk naar casus 7"
    assert replies[0].buttons[0][0].data == "case:show:7"
    assert (await _status(core, item))[0] == "sent"
    with pytest.raises(ValueError, match="characters"):
        await schedule_reminder(core.repo, user.id, clock.now(), "   ")


async def test_no_sender_for_the_channel_waits(
    core: Core, clock: ManualClock, scheduler: Scheduler
) -> None:
    """Without a running transport for the person's channel the item waits, it is not lost."""
    _chat, user = await onboarded(core)
    item = await _checkin(core, user.id, clock.now(), clock.now())
    await scheduler.tick()
    status, due_at, _attempts = await _status(core, item)
    assert status == "pending"
    assert due_at == epoch(clock.now() + timedelta(minutes=10))


async def test_handlers_can_postpone_and_unknown_kinds_stay(
    core: Core, clock: ManualClock, sender: RecordingSender
) -> None:
    """A handler may ask for later; rows of kinds nobody registered are left untouched."""
    _chat, user = await onboarded(core)
    own = JobRegistry()
    later = clock.now() + timedelta(hours=1)

    @own.kind("wait", grace=timedelta(days=1), quiet=False)
    async def wait(_delivery: Delivery) -> list[Reply]:
        raise Postpone(later)

    now = clock.now()
    waiting = await scheduled.schedule(core.repo, "wait", user.id, now, now)
    unknown = await scheduled.schedule(core.repo, "mystery", user.id, now, now)
    await Scheduler(core, registry=own).tick()
    assert await _status(core, waiting) == ("pending", epoch(later), 1)
    assert await _status(core, unknown) == ("pending", epoch(now), 0)


async def test_normal_stop_finishes_current_item_and_hands_back_the_rest(
    core: Core, clock: ManualClock, sender: RecordingSender
) -> None:
    """Stopping mid-batch: the item being sent completes, the others are pending again."""
    users = [(await onboarded(core, external=str(2000 + n)))[1] for n in range(6)]
    now = clock.now()
    items = [await _checkin(core, u.id, now, now) for u in users]
    first = Scheduler(core, concurrency=1)
    stopping: list[asyncio.Task[None]] = []
    original = sender.send

    async def send_then_stop(user: object, replies: list[Reply]) -> None:
        await original(user, replies)  # type: ignore[arg-type]
        if len(sender.sent) == 2:
            stopping.append(asyncio.create_task(first.stop()))
            await asyncio.sleep(0)

    sender.send = send_then_stop  # type: ignore[method-assign]
    await first.tick()
    await asyncio.gather(*stopping)
    statuses = [(await _status(core, i))[0] for i in items]
    assert statuses.count("sent") == 2
    assert statuses.count("pending") == 4
    attempts = [(await _status(core, i))[2] for i in items]
    assert sorted(attempts) == [0, 0, 0, 0, 1, 1]  # handed back uncounted
    second = Scheduler(core)
    await second.tick()
    assert sorted(uid for uid, _r, _t in sender.sent) == sorted(u.id for u in users)


async def test_apscheduler_runs_the_tick(
    core: Core, clock: ManualClock, sender: RecordingSender
) -> None:
    """start() runs a tick at once and on an interval; stop() ends it cleanly."""
    _chat, user = await onboarded(core)
    await _checkin(core, user.id, clock.now(), clock.now())
    async with Scheduler(core, tick_seconds=0.05).running():
        for _ in range(200):
            if sender.sent:
                break
            await asyncio.sleep(0.01)
        _other_chat, other = await onboarded(core, external="1002")
        await _checkin(core, other.id, clock.now(), clock.now())
        for _ in range(200):
            if len(sender.sent) == 2:
                break
            await asyncio.sleep(0.01)
    assert len(sender.sent) == 2


async def test_retention_sweep(core: Core, clock: ManualClock, scheduler: Scheduler) -> None:
    """Old stories, finished rows and idle conversations go; recent ones and outcomes stay."""
    chat, user = await onboarded(core, selfreport=True)  # pending rows are never swept
    old = clock.now()
    old_outcome = await checkins.record_outcome(core.repo, user.id, None, "replied", 4, old)
    await checkins.add_story(core.repo, old_outcome, user.id, "oud verhaal")
    done = await scheduled.schedule(core.repo, "checkin", user.id, old, old)
    async with core.repo.transaction() as conn:
        await conn.execute(
            "UPDATE scheduled SET status='sent', done_at=? WHERE id=?", (epoch(old), done)
        )
    _other_chat, active = await onboarded(core, external="1002", selfreport=True)
    clock.advance(days=core.settings.retention_days + 1)
    await _other_chat.send("/menu")
    new_outcome = await checkins.record_outcome(
        core.repo, active.id, None, "nothing", 3, clock.now()
    )
    await checkins.add_story(core.repo, new_outcome, active.id, "nieuw verhaal")
    counts = await scheduler.sweep()
    assert counts["stories"] == 1
    assert counts["scheduled"] == 1
    assert counts["conversations"] == 1
    assert await checkins.outcomes_of(core.repo, user.id) == [("replied", 4, None)]
    assert await checkins.outcomes_of(core.repo, active.id) == [("nothing", 3, "nieuw verhaal")]
    assert await core.repo.load("test", chat.user) is not None  # the profile stays
    assert len(await scheduled.items_of(core.repo, user.id, status="pending")) == 1


async def test_daily_hooks_run_and_one_failure_does_not_stop_others(core: Core) -> None:
    """Digest and retention hooks all run; a failing hook is logged, not fatal."""
    own = JobRegistry()
    ran: list[str] = []

    @own.daily_digest
    async def broken(_core: Core, _now: datetime) -> None:
        raise RuntimeError("boom")

    @own.daily_digest
    async def digest(_core: Core, _now: datetime) -> None:
        ran.append("digest")

    @own.retention
    async def cases(_core: Core, _before: datetime) -> None:
        ran.append("retention")

    scheduler = Scheduler(core, registry=own)
    await scheduler.digest()
    await scheduler.sweep()
    assert ran == ["digest", "retention"]


def test_kinds_are_registered_once() -> None:
    """The bot's kinds exist with their rules; registering a name twice is refused."""
    jobs = WIRING.jobs
    assert jobs.kinds["checkin"].asked
    assert not jobs.kinds["selfreport"].asked
    assert jobs.kinds["checkin"].grace == timedelta(hours=24)
    with pytest.raises(ValueError, match="twice"):
        jobs.add(jobs.kinds["checkin"])
