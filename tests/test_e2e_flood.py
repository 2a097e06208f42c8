"""Fair under floods: one person's 200 messages slow only that person, and get one calm line.

Through the real bot against the fake Bot API, on the manual clock (the limit's window moves
only when the test moves it). How long anyone waited is printed by bench/flood.py, not asserted.
"""

from __future__ import annotations

from bot.config import Settings
from bot.core.clock import ManualClock
from tests.e2e import RunningBot, running_bot, texts
from tests.fakebot import Call

FLOODER = 7600001
OTHER = 7600002
SLOW_DOWN = "Rustig aan"
USE_BUTTONS = "Dat antwoord begrijp ik niet helemaal"
CRISIS = "ik zie het niet meer zitten, ik wil er een eind aan maken"


async def _flood(tg: RunningBot, count: int) -> None:
    for number in range(count):
        tg.fake.send_text(FLOODER, f"spam {number}")
    await tg.fake.replies_until_idle(FLOODER, idle=0.5, timeout=60)


async def test_a_flood_gets_one_slow_down_line_then_silence(
    tg: RunningBot, clock: ManualClock
) -> None:
    """20 messages in 10 s are answered; the 21st gets "rustig aan"; the rest nothing."""
    await tg.say(FLOODER, "/start")  # the first of the 20
    await _flood(tg, 40)
    shown = texts(tg.fake.sent_to(FLOODER))
    assert shown.count(USE_BUTTONS) == 19
    assert shown.count(SLOW_DOWN) == 1
    clock.advance(seconds=11)  # calm again
    calls = await tg.say(FLOODER, "nog eentje")
    assert USE_BUTTONS in texts(calls)
    assert SLOW_DOWN not in texts(calls)


def _sends(tg: RunningBot, since: int) -> list[Call]:
    """The messages the bot sent the flooder since `since`."""
    return [
        c
        for c in tg.fake.calls[since:]
        if c.chat_id == FLOODER and c.ok and c.method == "sendMessage"
    ]


async def test_a_backlog_slower_than_the_window_still_gets_one_line(
    tg: RunningBot, clock: ManualClock
) -> None:
    """The limit counts messages when they arrive, not when their turn comes: when working
    through the backlog takes longer than the window (a slow Telegram), the messages over the
    limit still get one "rustig aan" line in all and then nothing (before, every message
    whose turn came after the window had passed got its two answers again)."""
    await tg.say(FLOODER, "/start")  # the first of the 20
    mark = tg.fake.mark()
    for number in range(40):
        tg.fake.send_text(FLOODER, f"spam {number}")
    await tg.fake.wait_for("sendMessage", chat_id=FLOODER, since=mark, timeout=60)
    clock.advance(seconds=11)  # the window passes while most of the backlog still waits
    await tg.settle()
    sent = _sends(tg, mark)
    assert texts(sent).count(USE_BUTTONS) == 19
    assert texts(sent).count(SLOW_DOWN) == 1
    assert len(sent) == 19 + 1  # the line and the question again in one message for each


async def test_one_line_per_flood_window(tg: RunningBot, clock: ManualClock) -> None:
    """A flood, a pause longer than the window, a second flood: one line for each flood."""
    await tg.say(FLOODER, "/start")
    mark = tg.fake.mark()
    for flood in range(2):
        for number in range(30):
            tg.fake.send_text(FLOODER, f"spam {flood}-{number}")
        await tg.settle()
        clock.advance(seconds=11)
    sent = _sends(tg, mark)
    assert texts(sent).count(SLOW_DOWN) == 2
    assert len(sent) == 19 + 20 + 2


async def test_crisis_text_and_help_are_answered_during_a_flood(tg: RunningBot) -> None:
    """Over the limit a crisis text still gets the crisis answer, and /hulp the helplines."""
    await tg.say(FLOODER, "/start")
    await _flood(tg, 30)
    calls = await tg.say(FLOODER, CRISIS)
    assert "113" in texts(calls)
    calls = await tg.say(FLOODER, "/hulp")
    assert "113" in texts(calls)
    assert texts(tg.fake.sent_to(FLOODER)).count(SLOW_DOWN) == 1


async def test_one_persons_backlog_holds_one_worker(settings: Settings, clock: ManualClock) -> None:
    """Two workers, a 100-message backlog from one person: another person is answered while
    the backlog is still being worked through (before, the backlog held both workers)."""
    fair = settings.model_copy(update={"concurrent_updates": 2, "flood_messages": 0})
    async with running_bot(fair, clock) as tg:
        await tg.say(FLOODER, "/start")
        await tg.say(OTHER, "/start")
        mark = tg.fake.mark()
        for number in range(100):
            tg.fake.send_text(FLOODER, f"spam {number}")
        tg.fake.send_text(OTHER, "/menu")
        (other,) = await tg.fake.wait_for("sendMessage", chat_id=OTHER, since=mark, timeout=60)
        await tg.fake.replies_until_idle(FLOODER, idle=0.5, timeout=120)
        flooder = [
            c
            for c in tg.fake.calls[mark:]
            if c.chat_id == FLOODER and c.ok and c.method == "sendMessage"
        ]
        assert len(flooder) == 100  # the line and the question again in one (no limit here)
        assert other.at < flooder[-1].at
        assert texts(flooder).count(USE_BUTTONS) == 100
