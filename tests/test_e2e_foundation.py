"""The foundation end to end: real python-telegram-bot, fake Bot API, real store (both)."""

from __future__ import annotations

import json

import pytest

from tests import stores
from tests.e2e import RunningBot, texts
from tests.stores import query

pytestmark = pytest.mark.both_stores

USER = 5551234


async def _onboard(tg: RunningBot, user: int = USER) -> None:
    await tg.say(user, "/start")
    for label in (
        "Nederlands",
        "Verder",
        "Oké, verder",
        "16 jaar of ouder",
        "Ja, graag",
        "Ja",
        "Overslaan",
    ):
        await tg.tap(user, label)


async def test_walk_start_help_mydata_forget(tg: RunningBot) -> None:
    """/start → onboarding → menu → /hulp → /mijndata → /vergeetmij leaves no row behind."""
    calls = await tg.say(USER, "/start")
    assert "In welke taal" in texts(calls)
    await _onboard(tg)
    menu = tg.fake.sent_to(USER)[-1]
    assert "Wat wil je doen?" in menu.params["text"]
    help_calls = await tg.say(USER, "/hulp")
    assert "113" in texts(help_calls)
    back = await tg.tap(USER, "Terug")
    assert "Wat wil je doen?" in texts(back)
    export = await tg.say(USER, "/mijndata")
    documents = [c for c in export if c.method == "sendDocument"]
    assert len(documents) == 1
    upload = list(tg.fake.uploads.values())[-1]
    data = json.loads(upload.content)
    assert data["users"][0]["onboarded"] == 1
    assert "external_id" in data["users"][0]
    await tg.say(USER, "/vergeetmij")
    done = await tg.tap(USER, "Ja, wis alles")
    assert "gewist" in texts(done)
    assert tg.core is not None
    found = query(tg.settings, "SELECT count(*) FROM users WHERE external_id = ?", (str(USER),))
    assert found == [(0,)]
    personal = stores.tables_with_user_id(tg.settings)
    assert "conversations" in personal
    for table in personal:
        assert query(tg.settings, f"SELECT count(*) FROM {table}") == [(0,)], table


async def test_commands_registered_per_language(tg: RunningBot) -> None:
    """setMyCommands is called for nl and en with localised command names."""
    calls = tg.fake.calls_of("setMyCommands")
    by_lang = {c.params.get("language_code"): c.params["commands"] for c in calls}
    assert {c["command"] for c in by_lang["nl"]} >= {"hulp", "mijndata", "vergeetmij", "taal"}
    assert {c["command"] for c in by_lang["en"]} >= {"help", "mydata", "forgetme", "language"}


async def test_restart_mid_onboarding_continues(tg: RunningBot) -> None:
    """Stop the bot mid-onboarding; after a restart the old message's next button continues."""
    await tg.say(USER, "/start")
    await tg.tap(USER, "Nederlands")
    await tg.tap(USER, "Verder")
    await tg.restart()
    calls = await tg.tap(USER, "Oké, verder")
    assert "16 jaar" in texts(calls)


async def test_stale_button_and_double_tap(tg: RunningBot) -> None:
    """An old button gets a friendly line; the same tap twice advances once."""
    await tg.say(USER, "/start")
    data = tg.button(USER, "Nederlands")
    tg.fake.tap(USER, data)
    tg.fake.tap(USER, data)
    calls = await tg.fake.replies_until_idle(USER, idle=0.3)
    assert texts(calls).count("chatbot") == 1
    assert len(tg.fake.calls_of("answerCallbackQuery")) == 2
    old = tg.button(USER, "Verder")
    await tg.tap(USER, "Verder")
    tg.fake.tap(USER, old.replace(":next", ":nope"))
    stale = await tg.fake.replies_until_idle(USER, idle=0.3)
    assert "eerder bericht" in texts(stale)


async def test_bad_input_gets_answers(tg: RunningBot) -> None:
    """Stickers, photos, voice, edits, huge texts and unknown commands all get an answer."""
    await _onboard(tg)
    tg.fake.send_sticker(USER)
    assert "stickers" in texts(await tg.fake.replies_until_idle(USER, idle=0.3))
    tg.fake.send_photo(USER)
    assert "Foto" in texts(await tg.fake.replies_until_idle(USER, idle=0.3))
    tg.fake.send_voice(USER)
    assert texts(await tg.fake.replies_until_idle(USER, idle=0.3))
    sent = tg.fake.send_text(USER, "hallo")
    await tg.fake.replies_until_idle(USER, idle=0.3)
    tg.fake.edit_text(USER, int(sent["message"]["message_id"]), "hallo daar")
    assert "aangepast" in texts(await tg.fake.replies_until_idle(USER, idle=0.3))
    huge = await tg.say(USER, "a" * 5000)
    assert texts(huge)
    unknown = await tg.say(USER, "/doesnotexist")
    assert "/doesnotexist" in texts(unknown)


async def test_group_messages_are_ignored(tg: RunningBot) -> None:
    """In a group the bot does not coach and stays silent."""
    tg.fake.send_group_text(-100123, USER, "hallo bot")
    calls = await tg.fake.replies_until_idle(-100123, idle=0.3)
    assert calls == []


async def test_retry_after_is_honoured(tg: RunningBot) -> None:
    """A 429 with retry_after 1 is retried and the person still gets the answer."""
    tg.fake.fail_next("sendMessage", "429", retry_after=1)
    calls = await tg.say(USER, "/start")
    assert "In welke taal" in texts(calls)
    assert tg.fake.rejected_429 == 1


async def test_blocked_user_is_marked_unreachable(tg: RunningBot) -> None:
    """A 403 marks the person unreachable instead of crashing."""
    await _onboard(tg)
    tg.fake.block(USER)
    tg.fake.send_text(USER, "/menu")
    await tg.settle()  # handled, the 403 included
    assert tg.core is not None
    loaded = await tg.core.repo.load("telegram", str(USER))
    assert loaded is not None
    assert loaded[0].unreachable
