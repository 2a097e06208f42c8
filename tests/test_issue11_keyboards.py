"""Issue 11, one live keyboard: each new question takes the buttons off the one before, over
python-telegram-bot and the fake Bot API, so at most the current step can be tapped."""

from __future__ import annotations

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
