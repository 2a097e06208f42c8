"""The crisis safety net inside the running conversation (issue 3, item 9)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import Core
from bot.core.safety import Outcome, detect_crisis
from tests.driver import ChatDriver
from tests.e2e import RunningBot, texts

CRISIS_NL = "ik wil niet meer leven"


# Softer messages of which the shipped model should find at least one "possible", not clear:
# the tests pick one, so a retrained model does not silently turn them into clear answers.
SOFT = [
    "niemand snapt me",
    "ik wil dat alles stopt",
    "ik wil dat alles stopt, laat me gewoon",
    "niemand snapt me, laat me maar",
    "ik kan dit niet meer, echt niet",
    "ik ben zo moe van alles",
    "ik ben er klaar mee",
    "ik trek dit niet meer",
    "ik zie het niet meer zitten",
    "alles is zo zwaar de laatste tijd",
    "ik voel me echt leeg",
    "waarom ben ik er nog",
    "ik wil dat het ophoudt",
    "ik wil er even niet zijn",
    "i just want everything to stop",
    "i want to disappear",
    "ik wil gewoon weg",  # the frozen model (2026-12-02) asks about these two as a draft
    "i cant do this anymore",
    "i wanna disappear forever",  # the model of 2026-12-04 asks about these as a draft
    "ik wil niet meer",
    "no point anymore",
]


def possible_text(where: str = "chat") -> str:
    """A soft message that gets the possible-signal question from the shipped detector."""
    for text in SOFT:
        signal = detect_crisis(text, where)
        if signal is not None and signal.outcome is Outcome.POSSIBLE:
            return text
    raise AssertionError("no soft message gets the possible-signal question any more")


async def _at_coach_feelings(chat: ChatDriver) -> None:
    await chat.onboard()
    await chat.tap("Ik zie nu iets")
    await chat.press(chat.buttons[0].data or "")


async def _at_quiz_question(chat: ChatDriver) -> None:
    await chat.onboard()
    await chat.tap("Quiz")
    while not any(len(b.data or "") and "f:" in (b.data or "") for b in chat.buttons[:2]):
        await chat.press(chat.buttons[0].data or "")
    await chat.press(chat.buttons[0].data or "")


async def _at_settings_text_input(chat: ChatDriver) -> None:
    await chat.onboard()
    await chat.send("/instellingen")
    await chat.tap("Woonplaats of organisatie")
    await chat.tap("Woonplaats")


async def _at_onboarding_age(chat: ChatDriver) -> None:
    await chat.send("/start")
    await chat.tap("Nederlands")
    await chat.tap("Verder")
    await chat.tap("Oké, verder")


async def _at_explainer(chat: ChatDriver) -> None:
    await chat.onboard()
    await chat.tap("Vrije mening")
    await chat.press(chat.buttons[0].data or "")


async def _at_menu(chat: ChatDriver) -> None:
    await chat.onboard()


PLACES = {
    "menu": _at_menu,
    "onboarding": _at_onboarding_age,
    "coach": _at_coach_feelings,
    "quiz": _at_quiz_question,
    "explainer": _at_explainer,
    "settings text input": _at_settings_text_input,
}


@pytest.mark.parametrize("place", sorted(PLACES))
async def test_crisis_text_answered_in_same_turn_everywhere(
    chat: ChatDriver, core: Core, place: str
) -> None:
    """Wherever the person is, a crisis message gets helplines and the safety question at once."""
    await PLACES[place](chat)
    before = chat.buttons
    await chat.send(CRISIS_NL)
    assert "113" in chat.text
    assert "Ben je nu veilig?" in chat.text
    assert any("veilig" in label for label in chat.labels())
    await chat.tap("Ja, ik ben veilig")
    await chat.tap("Verder waar ik was")
    assert [b.label for b in chat.buttons] == [b.label for b in before]
    await chat.press(chat.buttons[0].data or "")
    assert "eerder bericht" not in chat.text  # the restored buttons work


async def test_misunderstood_asks_again_before_closing(chat: ChatDriver) -> None:
    """One 'you misunderstood' leads to a second check, not straight back to coaching."""
    await chat.onboard()
    await chat.send("i want to kill myself")
    assert "113" in chat.text
    await chat.tap("Je begreep me verkeerd")
    assert "voor de zekerheid" in chat.text
    await chat.tap("Ik weet het niet zeker")
    assert "112" in chat.text


async def test_crisis_records_urgent_help_request(chat: ChatDriver, core: Core) -> None:
    """A hit records an urgent request for a peer educator."""
    await chat.onboard()
    await chat.send("ze hebben mijn adres en telefoonnummer online gezet")
    assert "Helpwanted" in chat.text or "Politie" in chat.text
    loaded = await core.repo.load("test", chat.user)
    assert loaded is not None
    rows = await core.repo.fetch(
        "SELECT reason, urgent FROM help_requests WHERE user_id = ?", (loaded[0].id,)
    )
    assert rows == [("crisis:doxing", 1)]


@pytest.mark.parametrize(
    "text", ["ik ga dood van het lachen", "this song kills", "haha ik vermoord je in mario kart"]
)
async def test_hyperbole_does_not_trigger(chat: ChatDriver, text: str) -> None:
    """Everyday exaggeration is not treated as a crisis."""
    await chat.onboard()
    await chat.send(text)
    assert "Ben je nu veilig?" not in chat.text


async def test_crisis_in_caption_and_edit(chat: ChatDriver) -> None:
    """A crisis signal in a photo caption or an edited message is answered too."""
    await chat.onboard()
    await chat.media(
        "photo", caption="hij dreigt mijn naaktfoto's te verspreiden als ik niet betaal"
    )
    assert "Helpwanted" in chat.text
    await chat.send("/menu")
    await chat.edit("ik wil dood")
    assert "113" in chat.text


async def test_crisis_end_to_end(tg: RunningBot) -> None:
    """Through Telegram: crisis text mid-onboarding answers in the same turn with 113 and 112."""
    await tg.say(9001, "/start")
    await tg.tap(9001, "Nederlands")
    calls = await tg.say(9001, "ik zie het niet meer zitten, ik wil er een eind aan maken")
    shown = texts(calls)
    assert "113" in shown
    assert "112" in shown
    assert "Ben je nu veilig?" in shown


async def test_deep_link_codes_are_not_read_as_crisis(chat: ChatDriver) -> None:
    """A random invite or tag code that happens to spell a crisis word is still a /start."""
    await chat.send("/start inv_k1ll-myself")
    assert "Ben je nu veilig?" not in chat.text
    assert "Nederlands" in chat.labels()


async def _at_check_my_reply(chat: ChatDriver) -> None:
    await chat.onboard()
    await chat.tap("Mijn plannen")
    await chat.tap("Check een reactie")


# One clear message per kind, and a number its answer must name.
PER_KIND = {
    "suicide": ("ik wil gwn nie meer lven", "113"),
    "self_harm": ("ik wil weer snijden", "0800-0113"),
    "violence": ("hij zei dat hij me na school gaat steken", "112"),
    "doxing": ("iemand heeft mijn adres in de groep gepost", "0900-8844"),
    "sextortion": ("hij wil geld anders stuurt hij mijn naaktfoto's naar mn ouders", "0800-0188"),
}
STATES = {
    "menu": _at_menu,
    "onboarding": _at_onboarding_age,
    "coach": _at_coach_feelings,
    "check my reply": _at_check_my_reply,
    "quiz": _at_quiz_question,
}


@pytest.mark.parametrize("state", sorted(STATES))
@pytest.mark.parametrize("kind", sorted(PER_KIND))
async def test_every_kind_gets_its_helpline_in_every_state(
    chat: ChatDriver, kind: str, state: str
) -> None:
    """Each crisis kind, typed in each kind of state, is answered at once with its helpline."""
    await STATES[state](chat)
    text, number = PER_KIND[kind]
    await chat.send(text)
    assert number in chat.text
    assert "Ben je nu veilig?" in chat.text


async def test_people_at_the_door_get_112_first(chat: ChatDriver) -> None:
    """Immediate danger: the very first line says to call 112."""
    await chat.onboard()
    await chat.send("er staan mensen voor mijn deur en ze roepen mijn naam")
    assert "112" in chat.replies[0].text


async def test_possible_signal_asks_one_question_that_names_113(chat: ChatDriver) -> None:
    """A softer message gets one direct question with 113, and "yes" leads to the full answer."""
    await chat.onboard()
    await chat.send(possible_text())
    assert "Denk je eraan om jezelf iets aan te doen?" in chat.text
    assert "113" in chat.text
    assert "Ben je nu veilig?" not in chat.text
    await chat.tap("Ja")
    assert "Ben je nu veilig?" in chat.text
    assert "Alles Oké?" in chat.text or "Kindertelefoon" in chat.text


async def test_possible_signal_no_goes_back_to_where_they_were(chat: ChatDriver) -> None:
    """ "No" returns to the menu they were at, with no crisis answer and no help request."""
    await chat.onboard()
    before = [b.label for b in chat.buttons]
    await chat.send(possible_text())
    assert "113" in chat.text
    await chat.tap("Nee")
    assert "Ben je nu veilig?" not in chat.text
    assert [b.label for b in chat.buttons] == before


async def test_possible_signal_no_handles_the_typed_text(chat: ChatDriver, core: Core) -> None:
    """At a text question, "no" hands what they typed to that question as usual."""
    await _at_settings_text_input(chat)
    await chat.send(possible_text())
    await chat.tap("Nee")
    loaded = await core.repo.load("test", chat.user)
    assert loaded is not None
    rows = await core.repo.fetch(
        "SELECT COUNT(*) FROM help_requests WHERE user_id = ?", (loaded[0].id,)
    )
    assert rows == [(0,)]
    assert "Ben je nu veilig?" not in chat.text


async def _stored_anywhere(core: Core, needle: str) -> list[str]:
    """The tables in which any stored value holds the text (drafts must never be stored)."""
    found = []
    for table in await core.repo.db.tables():
        for row in await core.repo.fetch(f"SELECT * FROM {table}"):
            if any(needle in str(value) for value in row):
                found.append(str(table))
                break
    return found


async def test_text_of_a_possible_signal_is_never_stored(chat: ChatDriver, core: Core) -> None:
    """Waiting for the answer, the typed text lives in memory only, not in the database; after
    "no" it is handed to the question they were at (here a setting, which is stored)."""
    text = possible_text()
    await _at_settings_text_input(chat)
    await chat.send(text)
    assert "113" in chat.text
    assert await _stored_anywhere(core, text) == []
    await chat.tap("Nee")
    assert "Ben je nu veilig?" not in chat.text
    assert "users" in await _stored_anywhere(core, text)  # handed on as the answer


async def test_a_possible_draft_is_not_stored_while_asking(chat: ChatDriver, core: Core) -> None:
    """A draft in "check my reply" that gets the question is not written to the database."""
    draft = possible_text("draft")
    await _at_check_my_reply(chat)
    await chat.send(draft)
    assert "113" in chat.text
    assert await _stored_anywhere(core, draft) == []


@pytest.mark.parametrize(
    "draft",
    [
        "Telling someone to kill themselves is never ok",
        "Jij schreef 'ik maak je af', dat is niet oké",
    ],
)
async def test_counter_speech_in_check_my_reply_is_checked_not_alarmed(
    chat: ChatDriver, draft: str
) -> None:
    """Quoted or rejected hate in a draft reply gets feedback, not a crisis answer."""
    await _at_check_my_reply(chat)
    await chat.send(draft)
    assert "Ben je nu veilig?" not in chat.text
    assert "113" not in chat.text


async def test_threat_against_the_writer_in_a_draft_counts(chat: ChatDriver) -> None:
    """A draft that tells of a threat against the writer gets the crisis answer."""
    await _at_check_my_reply(chat)
    await chat.send("hij schreef dat hij me na school opwacht")
    assert "112" in chat.text


@pytest.mark.parametrize("text", ["m'r", "d'n", "z'r", "m'r d'n z'r", "\u202e\u200b🫠ẞ\U0010ffff"])
async def test_input_that_crashed_the_normaliser_gets_an_answer(tg: RunningBot, text: str) -> None:
    """Through Telegram: contractions that raised a KeyError and odd unicode get a normal answer."""
    await tg.say(9002, "/start")
    calls = await tg.say(9002, text)
    shown = texts(calls)
    assert shown
    assert "ging iets mis" not in shown


@pytest.mark.parametrize("kind", sorted(PER_KIND))
async def test_every_kind_through_telegram_as_the_first_message(tg: RunningBot, kind: str) -> None:
    """Through Telegram, as the very first message before onboarding: the helpline is named."""
    text, number = PER_KIND[kind]
    shown = texts(await tg.say(9003, text))
    assert number in shown


def _terminal(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    """One first message through the real terminal chat with a fresh database."""
    env = {**os.environ, "STERK_DB_PATH": str(tmp_path / "sterk.db")}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", "chat"],
        input=f"{text}\nquit\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("text", "named"),
    [("hoi, ik zag een gemene reactie onder mijn post", False), ("ik wil dood", True)],
)
def test_terminal_chat_first_message_names_a_helpline_only_for_a_crisis(
    tmp_path: Path, text: str, named: bool
) -> None:
    """As the hidden check does: the real terminal chat, a fresh database, one first message."""
    done = _terminal(tmp_path, text)
    assert done.returncode == 0, done.stderr[-2000:]
    assert bool(re.search(r"\b(?:112|113|0800-\d{4}|0900-\d{4})\b", done.stdout)) is named


# Every number or service each kind's answer must name (from shared/docs/content-facts.md).
ALL_HELP = {
    "suicide": ("113", "0800-0113"),
    "self_harm": ("113", "0800-0113"),
    "violence": ("0900-8844",),
    "doxing": ("0900-8844", "Helpwanted"),
    "sextortion": ("Helpwanted", "0800-0188"),
}


@pytest.mark.parametrize("kind", sorted(PER_KIND))
async def test_each_kind_names_all_of_its_help(chat: ChatDriver, kind: str) -> None:
    """Doxing gets the police line and Helpwanted, sextortion Helpwanted and Centrum Seksueel
    Geweld, suicidality and self-harm 113 and 0800-0113."""
    await chat.onboard()
    await chat.send(PER_KIND[kind][0])
    for name in ALL_HELP[kind]:
        assert name in chat.text, (kind, name)


@pytest.mark.parametrize(
    "text",
    [
        "m'r d'n z'r ik wil dood",
        "\u202e\u200b🫠ẞ\U0010ffff ik wil dood",
        "😂" * 5000 + " ik wil dood",
        "ik vind die reacties stom. " * 700 + "ik wil dood",
    ],
)
def test_terminal_chat_odd_first_messages_get_the_crisis_answer(tmp_path: Path, text: str) -> None:
    """Contractions that crashed the normaliser, odd unicode and huge texts as the very first
    message of a fresh database: no error, and the helpline is named."""
    done = _terminal(tmp_path, text)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ging iets mis" not in done.stdout
    assert "113" in done.stdout


def test_terminal_chat_possible_signal_first_names_113(tmp_path: Path) -> None:
    """A softer first message gets the one question, which already names 113."""
    done = _terminal(tmp_path, possible_text())
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Denk je eraan om jezelf iets aan te doen?" in done.stdout
    assert "113" in done.stdout
