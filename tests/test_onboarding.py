"""Onboarding, menu, help, settings and data rights, driven through the real engine."""

from __future__ import annotations

import json

from bot.app import Core, open_core
from bot.config import Settings
from bot.core.clock import ManualClock
from tests.driver import ChatDriver


async def test_start_shows_language_choice(chat: ChatDriver) -> None:
    """A first /start asks for the language in both languages."""
    await chat.send("/start")
    assert chat.labels() == ["Nederlands", "English"]


async def test_full_onboarding_reaches_menu_and_stores_choices(
    chat: ChatDriver, core: Core
) -> None:
    """Opt-ins and city are stored; the person lands in the main menu."""
    await chat.send("/start")
    await chat.tap("English")
    await chat.tap("Continue")
    await chat.tap("OK, continue")
    await chat.tap("16 or older")
    await chat.tap("Yes, please")
    await chat.tap("No")
    await chat.tap("Enter town")
    await chat.send("Utrecht")
    await chat.tap("Done")
    assert "I see something hateful now" in chat.labels()[0]
    loaded = await core.repo.load("test", chat.user)
    assert loaded is not None
    user, state = loaded
    assert (user.language, user.checkins, user.followups, user.city) == (
        "en",
        True,
        False,
        "Utrecht",
    )
    assert user.onboarded
    assert state["flow"] == "menu"


async def test_under_16_stores_nothing(chat: ChatDriver, core: Core) -> None:
    """Younger users get the Kindertelefoon and no row remains."""
    await chat.send("/start")
    await chat.tap("Nederlands")
    await chat.tap("Verder")
    await chat.tap("Oké")
    await chat.tap("Jonger dan 16")
    assert "0800-0432" in chat.text
    assert await core.repo.load("test", chat.user) is None


async def test_help_works_mid_onboarding_and_returns(chat: ChatDriver) -> None:
    """/hulp in the middle of onboarding lists helplines and goes back to the same question."""
    await chat.send("/start")
    await chat.tap("Nederlands")
    await chat.send("/hulp")
    assert "112" in chat.text
    assert "113" in chat.text
    await chat.tap("Terug")
    assert chat.labels() == ["Verder"]


async def test_stale_button_gets_friendly_line(chat: ChatDriver) -> None:
    """Once someone is stored (past the age question), an old button answers with a friendly
    line and shows the current step again."""
    await chat.send("/start")
    await chat.tap("Nederlands")
    old = chat.button("Verder").data or ""
    await chat.tap("Verder")
    await chat.tap("Oké, verder")
    await chat.tap("16 jaar of ouder")
    shown = chat.labels()
    await chat.press(old)
    assert "eerder bericht" in chat.text
    assert chat.labels() == shown


async def test_a_stranger_may_go_back_to_an_earlier_onboarding_button(chat: ChatDriver) -> None:
    """Before the age question nothing is stored and the numbers of buttons are this
    process's own (another replica counts on its own), so an earlier onboarding button is
    understood from its option: the old language button switches the language."""
    await chat.send("/start")
    old = chat.button("English").data or ""
    await chat.tap("Nederlands")
    await chat.tap("Verder")
    await chat.press(old)
    assert "I help you" in chat.text


async def test_double_tap_advances_once(chat: ChatDriver) -> None:
    """The same button twice in a row is handled once; the second tap is silent."""
    await chat.send("/start")
    data = chat.button("Nederlands").data or ""
    await chat.press(data)
    first = chat.text
    replies = await chat.press(data)
    assert replies == []
    assert "chatbot" in first


async def test_forged_callback_data(chat: ChatDriver) -> None:
    """Tampered button data never crashes and never silently drops the person."""
    await chat.onboard()
    for data in ["f:abc:zzz", "x", "", "n:", "f:999999:coach", "🙂" * 30]:
        replies = await chat.press(data)
        assert replies, data


async def test_typed_label_counts_as_tap(chat: ChatDriver) -> None:
    """Typing the text of a button works like tapping it."""
    await chat.send("/start")
    await chat.send("english")
    assert "Continue" in chat.labels()


async def test_media_and_unknown_command(chat: ChatDriver) -> None:
    """Stickers and unknown commands get a clear answer and the current question again."""
    await chat.onboard()
    await chat.media("sticker")
    assert "stickers" in chat.text
    await chat.send("/blabla")
    assert "/blabla" in chat.text
    assert chat.buttons


async def test_mydata_export_and_forget(chat: ChatDriver, core: Core) -> None:
    """/mijndata returns a JSON file with every row; /vergeetmij deletes every row."""
    await chat.onboard()
    await chat.send("/mijndata")
    files = [r.document for r in chat.replies if r.document is not None]
    assert len(files) == 1
    exported = json.loads(files[0].content)
    assert exported["users"][0]["onboarded"] == 1
    assert exported["conversations"]
    loaded = await core.repo.load("test", chat.user)
    assert loaded is not None
    user_id = loaded[0].id
    await chat.send("/vergeetmij")
    await chat.tap("Ja, wis alles")
    assert "gewist" in chat.text
    assert await core.repo.count_rows_for(user_id) == 0
    assert await core.repo.load("test", chat.user) is None


async def test_stop_switches_off_proactive(chat: ChatDriver, core: Core) -> None:
    """/stop turns off check-ins and follow-ups; settings show it."""
    await chat.onboard()
    await chat.send("/stop")
    loaded = await core.repo.load("test", chat.user)
    assert loaded is not None
    assert not loaded[0].checkins
    assert not loaded[0].followups
    assert loaded[0].stopped
    await chat.send("/instellingen")
    assert "je gebruikte /stop" in chat.text


async def test_language_switch(chat: ChatDriver) -> None:
    """/taal switches the language of everything after it."""
    await chat.onboard()
    await chat.send("/taal")
    await chat.tap("English")
    assert "Saved" in chat.text


async def test_restart_mid_onboarding_continues(settings: Settings, clock: ManualClock) -> None:
    """State lives in SQLite: a new core on the same file continues from the last question."""
    first = await open_core(settings, clock=clock)
    chat = ChatDriver(first)
    await chat.send("/start")
    await chat.tap("Nederlands")
    await chat.tap("Verder")
    data = chat.button("Oké").data or ""
    await first.close()
    second = await open_core(settings, clock=clock)
    try:
        again = ChatDriver(second, user=chat.user)
        await again.press(data)
        assert "16 jaar" in again.text
    finally:
        await second.close()


async def test_a_stranger_keeps_their_language_on_another_replica(
    settings: Settings, clock: ManualClock
) -> None:
    """Before the age question a person lives in one process's memory only (nothing about a
    possible under-16 is written). Their buttons carry the language they chose, so a replica
    that never saw them (or the same one after a restart) answers the tap in that language."""
    first = await open_core(settings, clock=clock)
    chat = ChatDriver(first)
    await chat.send("/start")  # a Dutch Telegram: the bot guesses Dutch
    await chat.tap("English")
    data = chat.button("Continue").data or ""
    second = await open_core(settings, clock=clock)
    try:
        elsewhere = ChatDriver(second, user=chat.user)
        await elsewhere.press(data)
        assert "I keep as little as possible" in elsewhere.text
        await elsewhere.tap("OK, continue")
        assert "aged 16 and over" in elsewhere.text
        assert await second.repo.load("test", chat.user) is None  # still nothing stored
    finally:
        await first.close()
        await second.close()
