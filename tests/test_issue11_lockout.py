"""Issue 11: asking for a peer educator never locks a young person out, drafts stay private.

Everything runs as in production: python-telegram-bot against the fake Bot API, a real SQLite
file, and the real scheduler ticking on its own (APScheduler), which turns help requests from
coaching and crisis answers into cases. The lock-out of issue 11 hid behind tests without it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.config import Settings
from bot.core.clock import ManualClock
from scheduler.service import Scheduler
from tests.e2e import RunningBot, running_bot, texts
from tests.fakebot import Call
from tests.staffkit import ADMIN, GROUP, staff_settings

YOUNG, NOOR = 7101, 7102
LOCKED = "Je bent in gesprek met een peer educator"
IDLE = 0.15


@pytest.fixture
async def bot(settings: Settings, clock: ManualClock) -> AsyncIterator[RunningBot]:
    """The bot with its scheduler running, ticking every 0.1 s."""
    async with running_bot(staff_settings(settings), clock) as running:
        assert running.core is not None
        async with Scheduler(running.core, clock, tick_seconds=0.1).running():
            yield running


async def _join(tg: RunningBot, user: int, first_name: str) -> None:
    calls = await tg.say(ADMIN, "/uitnodigen peer", first_name="Ada")
    link = texts(calls).split("https://t.me/sterk_test_bot?start=")[1].split()[0]
    assert "Welkom in het team" in texts(
        await tg.say(user, f"/start {link}", first_name=first_name)
    )
    await tg.say(user, f"/naam {first_name}", first_name=first_name)  # the name young people see


async def _taps(tg: RunningBot, user: int, *labels: str) -> list[Call]:
    """Tap buttons one after the other; what the last tap got back."""
    calls: list[Call] = []
    for label in labels:
        calls = await tg.tap(user, label)
    return calls


async def _onboard(tg: RunningBot, user: int) -> None:
    await tg.say(user, "/start", first_name="Jip")
    await _taps(
        tg, user, "Nederlands", "Verder", "Oké, verder", "16 jaar", "Ja, graag", "Ja", "Overslaan"
    )


async def _card(tg: RunningBot) -> Call:
    """Wait until the scheduler's tick has posted the case in the staff group."""
    [card] = await tg.fake.wait_for("sendMessage", chat_id=GROUP, timeout=5)
    await tg.fake.replies_until_idle(GROUP, idle=IDLE)
    return card


def _labels(calls: list[Call]) -> list[str]:
    """Button labels of the last keyboard among the calls."""
    for call in reversed(calls):
        markup = call.params.get("reply_markup")
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            return [str(b["text"]) for row in markup["inline_keyboard"] for b in row]
    return []


async def _tap_first(tg: RunningBot, user: int) -> list[Call]:
    """Tap the first button of the newest keyboard (quiz answers are made at run time)."""
    for call in reversed(tg.fake.sent_to(user)):
        markup = call.params.get("reply_markup")
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            tg.fake.tap(user, str(markup["inline_keyboard"][0][0]["callback_data"]))
            return await tg.fake.replies_until_idle(user, idle=IDLE)
    raise AssertionError("no keyboard")


async def test_help_from_coaching_never_blocks_and_talk_is_one_tap(bot: RunningBot) -> None:
    """Asking in the feelings pause opens a case via the scheduler; coaching, the menu and the
    quiz keep answering; the educator's pickup and message arrive without breaking the coaching
    step; the young person switches to the talk conversation, answers, goes back to coaching
    and carries on from the same step."""
    tg = bot
    await _join(tg, NOOR, "Noor")
    await _onboard(tg, YOUNG)
    asked = await _taps(
        tg,
        YOUNG,
        "Ik zie nu iets haatdragends",
        "Ik ben zelf het doelwit",
        "Verdrietig",
        "Met een peer educator",
    )
    assert "doorgezet" in texts(asked)
    card = await _card(tg)
    assert "Jongere #" in card.params["text"]

    step = await tg.tap(YOUNG, "Verder")  # the tick made the case: coaching goes on
    assert LOCKED not in texts(step)
    assert "Gaat het om jou persoonlijk" in texts(step)
    assert "✉️ Schrijf je peer educator" in _labels(step)
    step = await tg.tap(YOUNG, "Om mij persoonlijk")
    assert "Waar zie je het?" in texts(step)

    menu = await tg.say(YOUNG, "/menu")
    assert LOCKED not in texts(menu)
    assert "Je vraag aan een peer educator staat nog open" in texts(menu)
    assert "Vraag intrekken" in _labels(menu)
    quiz = await tg.tap(YOUNG, "Quiz")
    assert LOCKED not in texts(quiz)
    answered = await _tap_first(tg, YOUNG)
    assert LOCKED not in texts(answered)
    assert answered
    await tg.say(YOUNG, "/menu")
    plans = await tg.tap(YOUNG, "Mijn plannen")
    assert LOCKED not in texts(plans)
    assert plans
    await tg.say(YOUNG, "/menu")
    await tg.tap(YOUNG, "Ik zie nu iets haatdragends")
    await tg.tap(YOUNG, "Ik zie het bij een ander")
    feel = await tg.tap(YOUNG, "Boos")
    assert LOCKED not in texts(feel)

    tg.fake.tap(NOOR, tg.button(GROUP, "Ik pak"), chat_id=GROUP)
    await tg.fake.wait_for("editMessageText", chat_id=GROUP, timeout=5)
    hello = await tg.fake.replies_until_idle(YOUNG, idle=IDLE)
    assert "Noor (peer educator) is er nu voor je" in texts(hello)
    assert "Je bent nog bezig met iets anders" in texts(hello)
    assert _labels(hello) == ["✉️ Antwoorden", "↩️ Verder waar ik was"]
    await tg.fake.replies_until_idle(NOOR, idle=IDLE)
    sent = await tg.say(NOOR, "Hoi, ik ben Noor. Wat is er gebeurd?", first_name="Noor")
    assert texts(sent).startswith("→ Jongere #")  # the confirmation of where it went
    [relayed] = await tg.fake.replies_until_idle(YOUNG, idle=IDLE)
    assert relayed.params["text"].startswith("Noor: Hoi, ik ben Noor. Wat is er gebeurd?")
    assert "✉️ Antwoorden" in _labels([relayed])
    assert tg.fake.live_keyboards(YOUNG) == [relayed.result["message_id"]]  # one live keyboard

    same = await tg.tap(YOUNG, "Verder waar ik was")  # the coaching step is still there
    assert "Ga verder als je er klaar voor bent" in texts(same)  # "Boos" gets the pause
    talk = await tg.tap(YOUNG, "Schrijf je peer educator")
    assert "✉️ Je schrijft nu met Noor" in texts(talk)
    assert "↩️ Terug naar de coaching" in _labels(talk)
    assert await tg.say(YOUNG, "Iemand scheldt me uit onder mijn filmpjes.") == []
    [copy] = await tg.fake.replies_until_idle(NOOR, idle=IDLE)
    assert copy.method == "copyMessage"
    assert copy.params["from_chat_id"] == YOUNG

    back = await tg.tap(YOUNG, "Terug naar de coaching")
    assert "Je bent terug waar je was" in texts(back)
    assert "Ga verder als je er klaar voor bent" in texts(back)  # the pause after "Boos"
    typed = await tg.say(YOUNG, "dit is voor de coaching, niet voor Noor")
    assert LOCKED not in texts(typed)
    assert await tg.fake.replies_until_idle(NOOR, idle=IDLE) == []  # nothing relayed

    menu = await tg.say(YOUNG, "/menu")
    assert "Je hebt een gesprek met Noor" in texts(menu)
    ended = await tg.tap(YOUNG, "Gesprek beëindigen")
    assert "Hoeveel heb je aan dit gesprek gehad" in texts(ended)
    assert "heeft het gesprek beëindigd" in texts(await tg.fake.replies_until_idle(NOOR, idle=IDLE))


async def test_danger_help_and_crisis_can_be_withdrawn_from_the_menu(bot: RunningBot) -> None:
    """ "Ja, graag" in the danger branch opens a case with the scheduler; the young person
    finishes the safety branch, a crisis message on top gets its answer and carries on, and the
    still open request is shown and withdrawn from the menu."""
    tg = bot
    await _onboard(tg, YOUNG)
    asked = await _taps(
        tg,
        YOUNG,
        "Ik zie nu iets haatdragends",
        "Ik zie het bij een ander",
        "Iets anders",
        "Iemand anders",
        "TikTok",
        "Pesten",
        "Dreiging met geweld",
        "Klaar",
        "Verder",
        "Ja, graag",
    )
    assert "doorgezet" in texts(asked)
    card = await _card(tg)
    assert card.params["text"].startswith("🔴 DRINGEND")
    step = await tg.tap(YOUNG, "Verder")
    assert LOCKED not in texts(step)
    assert _labels(step)

    crisis = await tg.say(YOUNG, "ik wil er niet meer zijn")
    assert "113" in texts(crisis)
    safe = await tg.tap(YOUNG, "Je begreep me verkeerd")
    assert LOCKED not in texts(safe)
    after = await tg.tap(YOUNG, "Ja, dat klopt")
    assert LOCKED not in texts(after)
    carried = await _tap_first(tg, YOUNG)  # "carry on where I was"
    assert LOCKED not in texts(carried)
    assert _labels(carried)

    menu = await tg.say(YOUNG, "/menu")
    assert "Je vraag aan een peer educator staat nog open" in texts(menu)
    withdrawn = await tg.tap(YOUNG, "Vraag intrekken")
    assert "Je vraag is ingetrokken" in texts(withdrawn)
    assert "Wat wil je doen?" in texts(withdrawn)
    closed = await tg.fake.replies_until_idle(GROUP, idle=IDLE)
    assert any("beëindigd door de jongere" in str(c.params.get("text")) for c in closed)
    menu = await tg.say(YOUNG, "/menu")
    assert "staat nog open" not in texts(menu)


async def test_draft_in_check_my_reply_never_reaches_the_educator(bot: RunningBot) -> None:
    """With a claimed case, a draft typed in "check my reply" gets its feedback and nothing of
    it reaches the educator: no copy, no text, not after the next message either."""
    tg = bot
    await _join(tg, NOOR, "Noor")
    await _onboard(tg, YOUNG)
    await _taps(tg, YOUNG, "Praat met een peer educator", "Ja, graag", "Het gaat om mij")
    await _card(tg)
    tg.fake.tap(NOOR, tg.button(GROUP, "Ik pak"), chat_id=GROUP)
    await tg.fake.wait_for("editMessageText", chat_id=GROUP, timeout=5)
    await tg.fake.replies_until_idle(YOUNG, idle=IDLE)
    await tg.fake.replies_until_idle(NOOR, idle=IDLE)
    mark = tg.fake.mark()

    await tg.say(YOUNG, "/menu")
    await _taps(tg, YOUNG, "Mijn plannen", "Check een reactie")
    draft = "Geheim concept: Sanne de Vries woont op de Kerkstraat 12, bel 0612345678"
    feedback = await tg.say(YOUNG, draft)
    assert texts(feedback)
    assert LOCKED not in texts(feedback)
    again = await tg.say(YOUNG, "Is dat echt nodig? Niemand verdient dit.")
    assert texts(again)

    to_noor = [c for c in tg.fake.calls[mark:] if c.chat_id == NOOR]
    assert to_noor == []
    assert tg.fake.calls_of("forwardMessage") == []
    everything_to_noor = " ".join(str(c.params) for c in tg.fake.calls if c.chat_id == NOOR)
    assert "Kerkstraat" not in everything_to_noor
    assert "Geheim concept" not in everything_to_noor
    assert tg.core is not None
    backlog = list(await tg.core.repo.fetch("SELECT count(*) FROM case_backlog"))
    assert backlog[0][0] == 0
