"""Issue 11, one live keyboard: each new question takes the buttons off the one before, over
python-telegram-bot and the fake Bot API, so at most the current step can be tapped."""

from __future__ import annotations

from dataclasses import replace

from bot.core.model import Button, Reply
from bot.transports.telegram import _merged
from tests.e2e import RunningBot, texts
from tests.fakebot import Call
from tests.test_coach import PUBLIC_ROUTE
from tests.test_e2e_coach import ONBOARDING

USER = 8201


def _keyboard(call: Call) -> list[str]:
    markup = call.params.get("reply_markup")
    if not isinstance(markup, dict):
        return []
    return [str(b.get("callback_data")) for row in markup.get("inline_keyboard", []) for b in row]


async def test_a_whole_journey_keeps_one_live_keyboard(tg: RunningBot) -> None:
    """Onboarding, a full coaching route, /menu, /hulp and the quiz: after every step at most
    one message in the chat still has buttons to tap, and it is the newest question."""
    await tg.say(USER, "/start")
    prompts = 0
    for label in [*ONBOARDING["Nederlands"], *PUBLIC_ROUTE]:
        shown = await tg.tap(USER, label)
        prompts += sum(1 for call in shown if _keyboard(call))
        live = tg.fake.live_keyboards(USER)
        assert len(live) == 1, (label, live)
        newest = [c for c in tg.fake.sent_to(USER) if _keyboard(c)][-1]
        assert live == [newest.result["message_id"]]
    for command in ("/menu", "/hulp", "/taal"):
        await tg.say(USER, command)
        assert len(tg.fake.live_keyboards(USER)) == 1, command
    assert prompts >= 15
    assert len(tg.fake.calls_of("editMessageReplyMarkup")) >= prompts - 1


async def test_tap_on_an_old_keyboard_gets_a_line_and_the_current_question(
    tg: RunningBot,
) -> None:
    """A button on an earlier message (still tappable in an old client) answers with a
    friendly line and the current question, and that old message loses its buttons."""
    await tg.say(USER, "/start")
    for label in ONBOARDING["Nederlands"]:
        await tg.tap(USER, label)
    first = await tg.tap(USER, "Ik zie nu iets haatdragends")
    old = next(c for c in reversed(first) if _keyboard(c))
    await tg.tap(USER, "Ik zie het bij een ander")
    assert old.result["message_id"] not in tg.fake.live_keyboards(USER)
    tg.fake.tap(USER, _keyboard(old)[0], message_id=old.result["message_id"])
    answer = await tg.fake.replies_until_idle(USER, idle=0.3)
    assert "Die knop hoort bij een eerder bericht" in texts(answer)
    assert "Hoe voel je je nu?" in texts(answer)
    assert len(tg.fake.live_keyboards(USER)) == 1


async def test_a_tap_costs_one_message_and_one_edit(tg: RunningBot) -> None:
    """Issue 17: a turn's texts and its question go out as one message, and the tapped
    question loses its buttons with one edit (it was edited twice): under Telegram's global
    limit every extra call per turn halves how many people a surge can serve."""
    await tg.say(USER, "/start")
    for label in ONBOARDING["Nederlands"]:
        await tg.tap(USER, label)
    for label in PUBLIC_ROUTE[:6]:
        mark = tg.fake.mark()
        await tg.tap(USER, label)
        methods = [c.method for c in tg.fake.calls[mark:] if c.chat_id in (USER, None)]
        assert methods.count("sendMessage") == 1, (label, methods)
        assert methods.count("editMessageReplyMarkup") == 1, (label, methods)


def test_texts_of_a_turn_are_merged_where_they_fit() -> None:
    """Plain texts join the message after them; a photo, a file, a reply marked `alone`, a
    broadcast beside a normal reply and a text over Telegram's limit keep their own message."""
    ask = Reply("Hoe voel je je nu?", ((Button("Boos", "f:1"),),))
    assert _merged([Reply("Goed dat je even stopt."), ask]) == [
        replace(ask, text="Goed dat je even stopt.\n\nHoe voel je je nu?")
    ]
    assert _merged([ask, Reply("na de knoppen")]) == [ask, Reply("na de knoppen")]
    photo = Reply("grafiek", image=b"png")
    card = Reply("📋 Jouw plan", alone=True)
    assert _merged([Reply("a"), photo, Reply("b")]) == [Reply("a"), photo, Reply("b")]
    assert _merged([Reply("a"), card, Reply("b")]) == [Reply("a"), card, Reply("b")]
    assert _merged([Reply("a"), Reply("b", bulk=True)]) == [Reply("a"), Reply("b", bulk=True)]
    long = Reply("x" * 4000)
    assert _merged([long, Reply("y" * 100)]) == [long, Reply("y" * 100)]
    assert _merged([Reply("a"), Reply("b"), Reply("c")]) == [Reply("a\n\nb\n\nc")]
