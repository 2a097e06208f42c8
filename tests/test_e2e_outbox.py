"""Nothing dropped: answers the Bot API could not take wait in the outbox and go out later.

Through the real bot against the fake Bot API on a real store (both): an outage of 5xx holds
every answer (in the `outbox` table), they go out in order once it ends, crisis answers first;
a blocked person's answers are dropped and counted; a restart of the real process, even a
SIGKILL, loses none. The worker's backoff runs on real time (a few seconds per test); nothing
here asserts how long anything took (bench/outage.py prints that).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.core.clock import ManualClock
from bot.core.model import Reply
from bot.storage import outbox, retention
from tests.e2e import RunningBot, texts
from tests.fakebot import Call, FakeBotApi
from tests.process import BotProcess
from tests.stores import query

pytestmark = pytest.mark.both_stores

USER = 7500001
OTHER = 7500002
WAIT = 40.0  # seconds to wait for the worker, far above its longest pause (10 s)
UNKNOWN = re.compile(r"/(n\d+) ")  # "Het commando /n3 ken ik niet": which message it answers


def _held(settings: Settings) -> int:
    return int(query(settings, "SELECT COUNT(*) FROM outbox")[0][0])


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = WAIT) -> None:
    """Wait until `check()` holds (polled: the database has no event to wait on)."""
    for _ in range(int(seconds / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"not reached within {seconds} s")


async def _until_held(settings: Settings, count: int) -> None:
    """Wait until `count` replies are in the outbox table (another process may write it)."""

    async def enough() -> bool:
        return _held(settings) >= count

    await eventually(enough)


def _answered(calls: list[Call]) -> list[str]:
    """The numbered commands the delivered messages answer, in delivery order."""
    return [m.group(1) for call in calls if call.ok for m in [UNKNOWN.search(call.text or "")] if m]


async def test_outage_holds_every_answer_and_delivers_them_in_order(tg: RunningBot) -> None:
    """Five messages during a 5xx outage: all five answers arrive once, in order, afterwards."""
    await tg.say(USER, "/start")
    tg.fake.set_outage("502")
    mark = tg.fake.mark()
    for number in range(1, 6):
        tg.fake.send_text(USER, f"/n{number}")
    await _until_held(tg.settings, 5)  # one message each: the line and the question in one
    assert _answered(tg.fake.sent_to(USER)) == []
    tg.fake.set_outage(None)
    calls = await tg.fake.wait_for(
        "sendMessage", chat_id=USER, ok=True, count=5, since=mark, timeout=WAIT
    )
    assert _answered(calls) == ["n1", "n2", "n3", "n4", "n5"]
    await tg.fake.replies_until_idle(USER, idle=0.3)
    assert _answered(tg.fake.sent_to(USER)) == ["n1", "n2", "n3", "n4", "n5"]  # none twice
    assert _held(tg.settings) == 0


async def test_a_crisis_answer_goes_out_first(tg: RunningBot) -> None:
    """After an outage the crisis answer of one person goes before the older answer of another."""
    await tg.say(USER, "/start")
    await tg.say(OTHER, "/start")
    tg.fake.set_outage("500")
    mark = tg.fake.mark()
    tg.fake.send_text(USER, "/n1")
    await _until_held(tg.settings, 1)
    tg.fake.send_text(OTHER, "ik zie het niet meer zitten, ik wil er een eind aan maken")
    await _until_held(tg.settings, 2)
    tg.fake.set_outage(None)
    (first,) = await tg.fake.wait_for("sendMessage", ok=True, since=mark, timeout=WAIT)
    assert first.chat_id == OTHER
    assert "113" in texts(await tg.fake.replies_until_idle(OTHER, idle=0.3)) + (first.text or "")
    later = await tg.fake.wait_for("sendMessage", chat_id=USER, ok=True, since=mark, timeout=WAIT)
    assert _answered(later) == ["n1"]


async def test_held_answers_to_a_blocked_person_are_dropped(tg: RunningBot) -> None:
    """403 after an outage: the answers are dropped, counted and never tried again."""
    await tg.say(USER, "/start")
    tg.fake.set_outage("502")
    tg.fake.send_text(USER, "/n1")
    await _until_held(tg.settings, 1)
    tg.fake.block(USER)
    tg.fake.set_outage(None)
    transport, core = tg.transport, tg.core
    assert transport is not None
    assert core is not None

    async def dropped() -> bool:
        return transport.outbox.counts.unreachable >= 1

    await eventually(dropped)
    assert _held(tg.settings) == 0
    loaded = await core.repo.load("telegram", str(USER))
    assert loaded is not None
    assert loaded[0].unreachable
    tries = tg.fake.count("sendMessage")
    tg.fake.unblock(USER)
    await asyncio.sleep(0.5)  # nothing left to try: no call comes
    assert tg.fake.count("sendMessage") == tries
    assert transport.outbox.depth() == 0


async def test_answers_held_by_a_killed_process_go_out_after_the_restart(tmp_path: Path) -> None:
    """SIGKILL while answers wait in the outbox: the next process sends each of them once."""
    files = load_settings(_env_file=None, STERK_DB_PATH=str(tmp_path / "sterk.db"))
    async with FakeBotApi(token="123456:TEST-token") as fake:
        bot = BotProcess(fake, tmp_path, webhook=False)
        await bot.start()
        try:
            fake.send_text(USER, "/start")
            await fake.wait_for("sendMessage", chat_id=USER, ok=True, timeout=WAIT)
            fake.set_outage("502")
            mark = fake.mark()
            for number in range(1, 4):
                fake.send_text(USER, f"/n{number}")
            await _until_held(files, 3)
            await bot.kill()
            fake.set_outage(None)
            await bot.start()
            calls = await fake.wait_for(
                "sendMessage", chat_id=USER, ok=True, count=3, since=mark, timeout=WAIT
            )
            assert _answered(calls) == ["n1", "n2", "n3"]
            await fake.replies_until_idle(USER, idle=0.5)
            assert _answered(fake.sent_to(USER)) == ["n1", "n2", "n3"]
        finally:
            await bot.stop()
    assert _held(files) == 0


async def test_retention_drops_answers_undelivered_for_a_week(tg: RunningBot) -> None:
    """An answer still in the outbox after a week is purged by the retention sweep."""
    assert tg.core is not None
    clock = tg.core.clock
    assert isinstance(clock, ManualClock)
    await tg.say(USER, "/start")
    await tg.say(USER, "hallo")  # a typed text stores the person (bot/core/strangers.py)
    loaded = await tg.core.repo.load("telegram", str(USER))
    assert loaded is not None
    repo = tg.core.repo
    await outbox.hold(repo, "other", "1", loaded[0].id, [Reply("oud")], False, clock.now())
    swept = await retention.sweep(repo, clock.now() - timedelta(days=180), clock.now())
    assert swept["outbox"] == 0
    clock.advance(days=8)
    swept = await retention.sweep(repo, clock.now() - timedelta(days=180), clock.now())
    assert swept["outbox"] == 1
    assert await repo.fetch("SELECT * FROM outbox") == []
