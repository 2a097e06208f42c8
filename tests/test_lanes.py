"""Lanes under Telegram's global limit (bot/core/lanes.py, LaneLimiter in botapi.py, issue 17):
a crisis answer is never stuck behind a broadcast, through real python-telegram-bot calls to
the fake Bot API. Only the order of what arrived is asserted, never how long it took."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from telegram.ext import ExtBot

from bot.core.lanes import ChatPacer, Lane, PriorityGate, lane
from bot.transports.botapi import AiohttpRequest, LaneLimiter
from tests.fakebot import FakeBotApi

TOKEN = "123:ABC"


def _bot(fake: FakeBotApi, rate: float, pool: int = 20) -> ExtBot[int]:
    """Real python-telegram-bot on the fake, with the lane limiter at `rate` a second."""
    return ExtBot(
        TOKEN,
        base_url=fake.base_url,
        request=AiohttpRequest(pool_size=pool),
        get_updates_request=AiohttpRequest(pool_size=1),
        rate_limiter=LaneLimiter(rate=rate),
    )


async def test_the_gate_serves_the_lowest_lane_first_then_in_order_of_arrival() -> None:
    """Broadcast messages wait; a crisis answer and a reply that come later go first."""
    gate = PriorityGate(rate=50, burst=1)
    await gate.acquire(Lane.REPLY)  # the one token: everyone after this waits
    served: list[str] = []

    async def take(name: str, level: Lane) -> None:
        await gate.acquire(level)
        served.append(name)

    tasks = [asyncio.create_task(take(f"broadcast {n}", Lane.BROADCAST)) for n in range(4)]
    await asyncio.sleep(0)
    tasks.append(asyncio.create_task(take("check-in", Lane.SCHEDULED)))
    tasks.append(asyncio.create_task(take("reply", Lane.REPLY)))
    tasks.append(asyncio.create_task(take("crisis", Lane.CRISIS)))
    await asyncio.sleep(0)
    assert gate.waiting() == 7
    assert gate.waiting(Lane.BROADCAST) == 4
    await asyncio.gather(*tasks)
    assert served == [
        "crisis",
        "reply",
        "check-in",
        "broadcast 0",
        "broadcast 1",
        "broadcast 2",
        "broadcast 3",
    ]


async def test_a_cancelled_waiter_gives_its_turn_to_the_next() -> None:
    """A send given up while it waited (its update was cancelled) takes no token."""
    gate = PriorityGate(rate=50, burst=1)
    await gate.acquire(Lane.REPLY)
    gone = asyncio.create_task(gate.acquire(Lane.CRISIS))
    after = asyncio.create_task(gate.acquire(Lane.BROADCAST))
    await asyncio.sleep(0)
    gone.cancel()
    await after
    assert gate.waiting() == 0


def test_one_message_a_second_per_chat_counted_from_when_it_left() -> None:
    """A second message to a chat waits until a little over a second after the first left;
    another chat does not wait, and after a quiet spell a chat's next message goes at once."""
    now = [100.0]
    pacer = ChatPacer(clock=lambda: now[0])
    assert pacer.wait(1) == 0
    pacer.sent(1)
    now[0] += 0.5
    assert pacer.wait(1) == pytest.approx(0.55)
    assert pacer.wait(2) == 0
    now[0] += 10  # quiet again
    assert pacer.wait(1) == 0


async def test_a_crisis_answer_overtakes_a_broadcast_waiting_for_the_limit() -> None:
    """30 broadcast messages queue for a limit of 10 a second; a crisis answer sent after them
    reaches Telegram before all but the first few of them (first come, first served made it
    wait for all 30)."""
    async with FakeBotApi(token=TOKEN) as fake, _bot(fake, rate=10, pool=40) as bot:

        async def broadcast(chat: int) -> None:
            with lane(Lane.BROADCAST):
                await bot.send_message(chat, "Doe je zaterdag mee?")

        sends = [asyncio.create_task(broadcast(900 + n)) for n in range(30)]
        await asyncio.sleep(0.05)  # the burst (10) is out, the rest waits
        with lane(Lane.CRISIS):
            await bot.send_message(42, "Bel 113 (0800-0113), gratis en anoniem.")
        await asyncio.gather(*sends)
    order = [call.chat_id for call in fake.calls_of("sendMessage")]
    assert len(order) == 31
    assert order.index(42) <= 12


async def test_taking_buttons_off_waits_in_its_own_gate() -> None:
    """An edit (the old question losing its buttons) does not take a message's place."""
    async with FakeBotApi(token=TOKEN) as fake, _bot(fake, rate=5) as bot:
        first = await bot.send_message(42, "Vraag 1")
        edits = [
            asyncio.create_task(bot.edit_message_reply_markup(42, first.message_id))
            for _ in range(10)
        ]
        await asyncio.sleep(0.05)
        await bot.send_message(43, "Antwoord")  # the message gate still has tokens
        await asyncio.gather(*edits, return_exceptions=True)
    methods = [call.method for call in fake.calls if call.method != "getMe"]
    assert methods.index("sendMessage", 1) <= 6  # after the edits' own burst of five, at most


async def test_after_a_429_the_waiting_messages_go_by_lane_not_at_once() -> None:
    """Telegram says 429 (retry after 1 s) to the first broadcast message while nine more and
    then a crisis answer wait. The gate holds for that second; afterwards the crisis answer
    goes first and the rest at the rate: no second 429 (PTB's own pause let every waiting call
    go at once when it ended), and the refused message is sent again."""
    async with FakeBotApi(token=TOKEN) as fake:
        fake.set_rate_limit(global_per_second=10)
        fake.fail_next("sendMessage", "429", retry_after=1)
        async with _bot(fake, rate=10) as bot:

            async def broadcast(chat: int) -> None:
                with lane(Lane.BROADCAST):
                    await bot.send_message(chat, "Doe je zaterdag mee?")

            sends = [asyncio.create_task(broadcast(900 + n)) for n in range(10)]
            await fake.wait_for("sendMessage", timeout=5)  # the first one got its 429
            with lane(Lane.CRISIS):
                await bot.send_message(42, "Bel 113 (0800-0113), gratis en anoniem.")
            await asyncio.gather(*sends)
    calls = fake.calls_of("sendMessage")
    assert [c.status for c in calls].count(429) == 1
    after = [c.chat_id for c in calls if c.status != 429]
    assert Counter(after) == Counter([42, *range(900, 910)])  # each once, the refused one too
    assert after.index(42) <= 1  # at most one broadcast message had left before the 429


async def test_a_429_for_one_chat_holds_only_that_chat() -> None:
    """Telegram refuses a second message to a chat within its second (one a second per chat):
    that chat waits out the "retry after", and a message to someone else goes at once instead
    of waiting behind it."""
    async with FakeBotApi(token=TOKEN) as fake, _bot(fake, rate=50) as bot:
        await bot.send_message(42, "Vraag 1")
        fake.fail_next("sendMessage", "429", chat_id=42, retry_after=1)
        mark = fake.mark()
        second = asyncio.create_task(bot.send_message(42, "Vraag 2"))
        await fake.wait_for("sendMessage", 42, lambda c: c.status == 429, since=mark)
        others = [bot.send_message(chat, "Antwoord voor iemand anders") for chat in range(43, 48)]
        await asyncio.gather(*others, second)
    delivered = [c.chat_id for c in fake.calls_of("sendMessage") if c.status == 200]
    # A held gate would have sent the refused message first, the others behind it.
    assert delivered == [42, 43, 44, 45, 46, 47, 42]
