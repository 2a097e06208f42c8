"""The crisis safety net inside the running conversation (issue 3, item 9)."""

from __future__ import annotations

import pytest

from bot.app import Core
from tests.driver import ChatDriver
from tests.e2e import RunningBot, texts

CRISIS_NL = "ik wil niet meer leven"


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
