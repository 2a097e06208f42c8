"""Broadcast delivery through the scheduler's lane: who gets it, what is counted, pacing, pauses.

The real engine and scheduler on SQLite with the fake staff channel (tests/staffkit.py) and the
manual clock; tests/test_broadcast_e2e.py does the same through python-telegram-bot.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.app import open_core
from bot.config import Settings, SettingsError, load_settings
from bot.core.clock import ManualClock
from bot.core.delivery import RetryLater
from bot.core.model import Reply
from bot.storage import broadcast as store
from bot.storage import scheduled
from bot.storage.repository import User
from scheduler.jobs import schedule_reminder
from scheduler.pacing import Pacer
from tests.broadcastkit import add_people, lane, plan
from tests.scheduling import RecordingSender, ams
from tests.staffkit import ADMIN, Office, Person, office, staff_settings

pytestmark = pytest.mark.both_stores

TAG = store.Segment("tag", "scd-utrecht")
ADMIN_CHAT = str(ADMIN)


@pytest.fixture
async def room(settings: Settings, clock: ManualClock) -> AsyncIterator[Office]:
    async with office(staff_settings(settings), clock) as running:
        yield running


async def _tagged(room: Office, user: int, *, followups: bool = True) -> Person:
    """A young person who opened the group link and finished onboarding."""
    person = Person(room.core, user, "Jip")
    await person.send("/start tag_scd-utrecht")
    await person.onboard(followups=followups)
    return person


async def _admin_with_tag(room: Office) -> tuple[Person, int]:
    admin = await room.admin()
    await admin.send("/tag scd-utrecht Social Cleanup Day Utrecht")
    return admin, await admin.user_id()


def _messages(room: Office, person: Person) -> list[str]:
    return [s.text for s in room.channel.to(person.user, "send") if "Social Cleanup" in s.text]


async def test_tagged_segment_only_with_skips_blocks_answers_and_report(room: Office) -> None:
    """Only opted-in members of the tag get it; /stop after the start is skipped, a blocked
    person counted as blocked; answers are counted; progress is one edited status message."""
    _admin, admin_id = await _admin_with_tag(room)
    keen = await _tagged(room, 5001)
    opted_out = await _tagged(room, 5002, followups=False)
    stopper = await _tagged(room, 5003)
    blocker = await _tagged(room, 5004)
    outsider = await room.young(5005)
    room.channel.blocked.add(blocker.user)
    broadcast_id = await plan(room.core, admin_id, TAG)
    sched = lane(room.core, room.clock)

    await sched.tick()  # starts it: one row per current recipient
    found = await store.get(room.core.repo, broadcast_id)
    assert found is not None
    assert (found.status, found.recipients) == ("sending", 3)
    await stopper.send("/stop")  # after the start, before their turn: cancelled at once
    assert await sched.drain() == 2
    assert len(_messages(room, keen)) == 1
    for person in (opted_out, stopper, blocker, outsider):
        assert _messages(room, person) == []
    [message] = [s for s in room.channel.to(keen.user, "send") if "Social Cleanup" in s.text]
    data = [b.data or b.url for row in message.buttons for b in row]
    assert data == ["https://example.org/scd", f"bc:{broadcast_id}:in", f"bc:{broadcast_id}:out"]

    await keen.press(f"bc:{broadcast_id}:in")
    assert "je doet mee" in keen.text
    await outsider.press(f"bc:{broadcast_id}:in")  # never got it: not counted
    assert "niet meer actief" in outsider.text
    await sched.tick()

    found = await store.get(room.core.repo, broadcast_id)
    assert found is not None
    assert found.status == "done"
    assert found.final == store.Tally(sent=1, skipped=1, blocked=1, failed=0)
    status = room.channel.to(ADMIN_CHAT)
    assert [s.kind for s in status] == ["post", "edit"]  # one message: progress, then report
    assert len({s.message_id for s in status}) == 1
    assert "0 van 3" in status[0].text
    report = status[-1].text
    for line in ("Verstuurd: 1", "Overgeslagen: 1", "Geblokkeerd: 1", "Mislukt: 0"):
        assert line in report
    assert "Ik doe mee: 1 · Deze keer niet: 0" in report
    await sched.tick()  # reported once
    assert len(room.channel.to(ADMIN_CHAT)) == 2


async def test_an_answer_can_change(room: Office) -> None:
    """One answer per person and broadcast: a later tap replaces the earlier one."""
    _admin, admin_id = await _admin_with_tag(room)
    keen = await _tagged(room, 5001)
    broadcast_id = await plan(room.core, admin_id, TAG)
    sched = lane(room.core, room.clock)
    await sched.tick()
    await sched.drain()
    await keen.press(f"bc:{broadcast_id}:in")
    room.clock.advance(seconds=10)
    await keen.press(f"bc:{broadcast_id}:out")
    assert await store.responses(room.core.repo, broadcast_id) == {"in": 0, "out": 1}


async def test_quiet_hours_are_the_broadcasts_choice(room: Office) -> None:
    """Planned at 22:00: with quiet hours it waits until 09:00, without it goes out at once."""
    room.clock.set(ams(2026, 1, 5, 22, 0))
    _admin, admin_id = await _admin_with_tag(room)
    keen = await _tagged(room, 5001)
    waits = await plan(room.core, admin_id, TAG, quiet=True, text="Social Cleanup: rustig")
    sched = lane(room.core, room.clock)
    await sched.tick()
    await sched.drain()
    assert _messages(room, keen) == []
    [(item, status)] = await scheduled.items_of(room.core.repo, await keen.user_id(), "broadcast")
    assert status == "pending"
    assert item.due_at == int(ams(2026, 1, 6, 9, 0).timestamp())
    await plan(room.core, admin_id, TAG, quiet=False, text="Social Cleanup: nu")
    await sched.tick()
    await sched.drain()
    assert _messages(room, keen) == ["Social Cleanup: nu"]
    room.clock.set(ams(2026, 1, 6, 9, 0))
    await sched.drain()
    assert _messages(room, keen) == ["Social Cleanup: nu", "Social Cleanup: rustig"]
    found = await store.get(room.core.repo, waits)
    assert found is not None
    assert found.status == "sending"


async def test_429_pauses_the_lane_until_retry_after(room: Office) -> None:
    """A 429 puts the item back for retry_after and pauses delivery; then it goes out."""
    _admin, admin_id = await _admin_with_tag(room)
    keen = await _tagged(room, 5001)
    second = await _tagged(room, 5002)
    await plan(room.core, admin_id, TAG)
    sched = lane(room.core, room.clock)
    await sched.tick()
    real_send = room.channel.send
    calls: list[str] = []

    async def throttled(user: User, replies: list[Reply]) -> None:
        calls.append(user.external_id)
        if len(calls) == 1:
            raise RetryLater(3)
        await real_send(user, replies)

    room.channel.send = throttled  # type: ignore[method-assign]
    assert await sched.drain() == 1  # the first got a 429; the second waits for the pause
    assert _messages(room, keen) == _messages(room, second) == []
    room.clock.advance(seconds=3)
    assert await sched.drain() == 2
    assert len(_messages(room, keen)) == len(_messages(room, second)) == 1


async def test_planned_broadcast_reaches_people_who_joined_later(room: Office) -> None:
    """The segment is resolved when it starts, so a later member of the tag gets it too."""
    _admin, admin_id = await _admin_with_tag(room)
    early = await _tagged(room, 5001)
    await plan(room.core, admin_id, TAG, send_at=room.clock.now() + timedelta(hours=2))
    sched = lane(room.core, room.clock)
    await sched.tick()
    assert await sched.drain() == 0
    late = await _tagged(room, 5002)
    room.clock.advance(hours=2)
    await sched.tick()
    await sched.drain()
    assert len(_messages(room, early)) == len(_messages(room, late)) == 1


async def test_cancel_from_the_list_stops_the_rest(room: Office) -> None:
    """/berichten offers a cancel button; a running broadcast stops, what went out stays."""
    admin, admin_id = await _admin_with_tag(room)
    now = room.clock.now()
    ids = await add_people(room.core.repo, 30, now, channel="telegram")
    broadcast_id = await plan(room.core, admin_id)
    sched = lane(room.core, room.clock)
    await sched.tick()
    rows = await scheduled.items_of(room.core.repo, ids[0], "broadcast")
    assert rows[0][1] == "pending"
    await admin.send("/berichten")
    assert f"#{broadcast_id} · wordt verstuurd" in admin.text
    await admin.tap(f"Annuleer #{broadcast_id}")
    assert "geannuleerd" in admin.text
    assert await sched.drain() == 0
    found = await store.get(room.core.repo, broadcast_id)
    assert found is not None
    assert found.status == "cancelled"
    assert found.final == store.Tally(skipped=30)
    await admin.send("/berichten")
    assert f"#{broadcast_id} · geannuleerd" in admin.text
    assert not any(reply.buttons for reply in admin.replies)


async def test_a_broadcast_the_bot_could_not_start_in_time_expires(room: Office) -> None:
    """Down at the planned moment and for more than 12 hours: not sent, the coordinator told."""
    _admin, admin_id = await _admin_with_tag(room)
    await _tagged(room, 5001)
    broadcast_id = await plan(room.core, admin_id, TAG)
    room.clock.advance(hours=13)
    sched = lane(room.core, room.clock)
    await sched.tick()
    found = await store.get(room.core.repo, broadcast_id)
    assert found is not None
    assert found.status == "expired"
    assert "niet verstuurd" in room.channel.to(ADMIN_CHAT, "send")[-1].text
    assert await sched.drain() == 0


async def test_broadcast_rows_do_not_hold_up_the_tick(room: Office) -> None:
    """The tick leaves broadcast rows to the lane, so a reminder due now goes out at once."""
    _admin, admin_id = await _admin_with_tag(room)
    await add_people(room.core.repo, 300, room.clock.now(), channel="telegram")
    await plan(room.core, admin_id)
    sched = lane(room.core, room.clock)
    await sched.tick()
    await schedule_reminder(
        room.core.repo, admin_id, room.clock.now(), "bel Sam", now=room.clock.now()
    )
    assert await sched.tick() == 1  # only the reminder
    counts = await scheduled.status_counts(room.core.repo)
    assert counts["pending"] == 300


async def test_pacer_spaces_messages_overall_and_per_chat() -> None:
    """At 10/s the 21st message leaves after about 2 s; a chat waits a second for its next."""
    moment = [0.0]

    async def sleep(seconds: float) -> None:
        moment[0] += seconds

    pacer = Pacer(10, now=lambda: moment[0], sleep=sleep)
    for chat in range(21):
        await pacer.wait(chat)
    assert moment[0] == pytest.approx(2.0)
    await pacer.wait(20)  # the same chat as the last one
    assert moment[0] == pytest.approx(3.0)
    pacer = Pacer(1000, now=lambda: moment[0], sleep=sleep)
    start = moment[0]
    for _ in range(3):
        await pacer.wait("same chat")
    assert moment[0] - start == pytest.approx(2.0)


def test_broadcast_rate_must_stay_under_the_total_rate() -> None:
    """STERK_BROADCAST_RATE at or over STERK_TELEGRAM_MAX_RATE is refused in one line."""
    with pytest.raises(SettingsError, match=r"^STERK_BROADCAST_RATE: must be lower than"):
        load_settings(_env_file=None, STERK_BROADCAST_RATE="30")
    settings = load_settings(
        _env_file=None, STERK_BROADCAST_RATE="291", STERK_TELEGRAM_MAX_RATE="300"
    )
    assert settings.broadcast_rate == 291


async def test_a_channel_without_editing_gets_only_the_report(
    settings: Settings, clock: ManualClock
) -> None:
    """A coordinator on a channel that cannot edit messages (the terminal) gets no progress
    messages, only the report at the end."""
    core = await open_core(settings, clock=clock)
    try:
        sender = RecordingSender.install(core, clock)
        [coordinator, young] = await add_people(core.repo, 2, clock.now())
        await plan(core, coordinator)
        sched = lane(core, clock)
        await sched.tick()
        await sched.drain()
        await sched.tick()
        [report] = sender.to(coordinator)[1:]  # its own copy of the broadcast, then the report
        assert "Verstuurd: 2" in report[0].text
        assert len(sender.to(young)) == 1
    finally:
        await core.close()
