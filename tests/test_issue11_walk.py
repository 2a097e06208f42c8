"""Issue 11, what a walk as a 17-year-old still found: typed answers in their own words, one
talk button, the "write to your peer educator" button after /taal, hints naming real buttons.

Through python-telegram-bot and the fake Bot API on a real SQLite file; with the scheduler
ticking where a case (made by its tick) is part of the story.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from bot.app import load_checked_content
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.content import LANGUAGES
from scheduler.service import Scheduler
from tests.e2e import RunningBot, running_bot, texts
from tests.staffkit import GROUP, staff_settings
from tests.test_coach import QUIET_ROUTE
from tests.test_e2e_coach import ONBOARDING
from tests.test_issue11_help import _labels, _walk

IDLE = 0.15
QUOTED = re.compile(r"(?:^|\s)'(.+?)'(?=[\s.,!?]|$)")  # 'Ergens anders', not "don't"
NOT_UNDERSTOOD = ("Dat begrijp ik nog niet goed", "Dat antwoord begrijp ik niet helemaal")


@pytest.fixture
async def ticking(settings: Settings, clock: ManualClock) -> AsyncIterator[RunningBot]:
    """The bot with its scheduler running, ticking every 0.1 s."""
    async with running_bot(staff_settings(settings), clock) as running:
        assert running.core is not None
        async with Scheduler(running.core, clock, tick_seconds=0.1).running():
            yield running


async def test_after_taal_the_write_button_speaks_the_new_language(ticking: RunningBot) -> None:
    """A request waits (the tick made the case); /taal mid-journey shows the same question in
    English with "✉️ Write to peer educator", and back in Dutch "✉️ Schrijf je peer educator"."""
    tg, user = ticking, 9501
    await _walk(tg, user, "Ik zie nu iets haatdragends", "Ik ben zelf het doelwit", "Verdrietig")
    await tg.tap(user, "Met een peer educator")
    await tg.fake.wait_for("sendMessage", chat_id=GROUP, timeout=5)
    step = await tg.tap(user, "Verder")
    assert "✉️ Schrijf je peer educator" in _labels(step)
    await tg.say(user, "/taal")
    english = await tg.tap(user, "English")
    assert "Is it about you personally" in texts(english)
    assert "✉️ Write to peer educator" in _labels(english)
    assert "✉️ Schrijf je peer educator" not in _labels(english)
    await tg.say(user, "/taal")
    dutch = await tg.tap(user, "Nederlands")
    assert "Gaat het om jou persoonlijk" in texts(dutch)
    assert "✉️ Schrijf je peer educator" in _labels(dutch)


async def test_the_pause_keeps_one_talk_button_and_answers_a_known_feeling_warmly(
    tg: RunningBot,
) -> None:
    """In the feelings pause, "kan ik met iemand praten?" offers the peer educator without a
    second identical button; "ik ben echt verdrietig" (known already) gets a warm line, not
    "I don't understand"."""
    user = 9502
    await _walk(tg, user, "Ik zie nu iets haatdragends", "Ik ben zelf het doelwit", "Verdrietig")
    asked = await tg.say(user, "kan ik met iemand praten?")
    assert "Wil je met een peer educator praten?" in texts(asked)
    assert _labels(asked).count("💬 Met een peer educator") == 1
    sad = await tg.say(user, "ik ben wel echt verdrietig")
    assert "Wat rot dat je je zo voelt." in texts(sad)
    assert not any(line in texts(sad) for line in NOT_UNDERSTOOD)
    assert "Ik wil verder" in _labels(sad)


async def test_an_answer_in_own_words_picks_the_button_it_names(tg: RunningBot) -> None:
    """ "ik reageer liever niet openlijk" is "🤫 Niet openlijk reageren" (words alike by their
    start); "ik meld het wel denk ik" is "Ja, ik meld het"; "ik meld het niet" is not: it gets the
    hint for that question; "hulp" typed is the help button, and leads back to the question."""
    user = 9503
    react = await _walk(tg, user, *QUIET_ROUTE[:7])
    assert "Wat kies jij?" in texts(react)
    asked = await tg.say(user, "ik reageer liever niet openlijk")
    assert "Ga je het melden?" in texts(asked)
    helped = await tg.say(user, "hulp")
    assert "Bel meteen 112" in texts(helped)
    back = await tg.tap(user, "Terug naar waar ik was")
    assert "Ga je het melden?" in texts(back)
    refused = await tg.say(user, "ik meld het niet")
    assert "Kies 'Ja, ik meld het' of 'Nee, nu niet'" in texts(refused)
    yes = await tg.say(user, "ik meld het wel denk ik")
    assert "Met wie doe je het?" in texts(yes)


async def test_a_check_in_answer_in_own_words(ticking: RunningBot, clock: ManualClock) -> None:
    """The scheduler sends the check-in; "het werd eigenlijk alleen maar erger" typed is
    "😟 Het werd erger": the score question follows, not "tap a button"."""
    tg, user = ticking, 9504
    await _walk(tg, user, *QUIET_ROUTE, "Morgen")
    clock.advance(days=1)
    await tg.fake.wait_for(
        "sendMessage", chat_id=user, predicate=lambda c: "check-in" in (c.text or ""), timeout=5
    )
    await tg.fake.replies_until_idle(user, idle=IDLE)
    typed = await tg.say(user, "het werd eigenlijk alleen maar erger")
    assert "Hoe voel je je nu?" in texts(typed)
    assert not any(line in texts(typed) for line in NOT_UNDERSTOOD)


async def test_a_plain_no_at_the_danger_check_is_none_of_this(tg: RunningBot) -> None:
    """ "nee niks van dat" at the danger check is "Nee, niets hiervan": on to react or not;
    "nee, ik weet het niet" is no answer: the check comes again."""
    user = 9507
    check = await _walk(tg, user, *QUIET_ROUTE[:6])
    assert "Nog één check" in texts(check)
    unsure = await tg.say(user, "nee, ik weet het niet")
    assert "Voor de zekerheid" in texts(unsure)
    assert "Reageren of niet?" not in texts(unsure)
    no = await tg.say(user, "nee niks van dat")
    assert "Reageren of niet?" in texts(no)


async def test_a_safety_answer_is_never_guessed_from_other_words(tg: RunningBot) -> None:
    """At "Ben je nu veilig?" the words of "Ja, ik ben veilig" inside another text ("veilig? ik
    ben bang") do not answer it: the question comes again."""
    user = 9505
    await _walk(tg, user, "Ik zie nu iets haatdragends")
    asked = await tg.say(user, "iemand zegt dat hij me na school in elkaar slaat")
    assert "Ben je nu veilig?" in texts(asked)
    again = await tg.say(user, "veilig? ik ben bang")
    assert "Ben je nu veilig?" in texts(again)
    assert "Fijn dat je veilig bent" not in texts(again)


async def test_the_age_gate_is_never_passed_from_other_words(tg: RunningBot) -> None:
    """ "ik ben 14 jaar, mijn zus is ouder" holds the words of "16 jaar of ouder" but is no
    answer to the age question: it is asked again."""
    user = 9506
    await tg.say(user, "/start")
    for label in ONBOARDING["Nederlands"][:3]:
        asked = await tg.tap(user, label)
    assert "Hoe oud ben jij?" in texts(asked)
    again = await tg.say(user, "ik ben 14 jaar, mijn zus is ouder")
    assert "Hoe oud ben jij?" in texts(again)
    assert "Mag ik je later af en toe vragen" not in texts(again)


def test_hints_for_typed_text_name_buttons_that_exist() -> None:
    """A hint that quotes a button ('Ergens anders') quotes a label of that very step."""
    content = load_checked_content()
    for lang in LANGUAGES:
        texts_ = content.texts[lang]
        for key, hint in texts_.items():
            if not key.startswith("typed.unclear.") or key.count(".") != 3:
                continue
            flow, step = key.split(".")[2:]
            labels = [str(v) for k, v in texts_.items() if k.startswith(f"{flow}.{step}.")]
            for quoted in QUOTED.findall(str(hint)):
                assert any(quoted in label for label in labels), (lang, key, quoted)
