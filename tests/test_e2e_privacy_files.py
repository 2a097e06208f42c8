"""Deleted means gone: after /vergeetmij or under-16 onboarding no database file holds a trace.

The scan reads the raw bytes of the database, -wal and -shm files while the bot still runs. It
looks for the Telegram id as SQLite would store it (decimal text, as in `external_id` and the
inbox JSON, and the 4-, 6- and 8-byte big-endian integer forms of a record), and for the first
name, last name, username, town, organisation and every typed text as UTF-8 (the database's
encoding), and for the texts of answers held in the outbox during an outage. JSON escapes are
not searched: the inbox and the outbox write non-ASCII as is.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from bot.config import Settings
from bot.core.clock import ManualClock
from tests.e2e import RunningBot, running_bot, texts
from tests.test_coach import PUBLIC_ROUTE
from tests.test_e2e_outbox import eventually

USER = 7300123456  # above 2**32, so its 6- and 8-byte integer forms are distinct needles
YOUNG = 7300654321
NAMES = {"first_name": "Zwaantje", "last_name": "Kraaipoel", "username": "zwaan_geheim_42"}
CITY = "Oosterwolde-Zuidrand"
ORGANISATION = "Jongerenwerk Kraaiennest"
DRAFT = "Dit is mijn geheime conceptreactie nummer 7781, best wel boos"
EXTRA = "Ik typ gewoon iets tussendoor: blauwe vogelkooi"


def _needles(user: int, typed: list[str]) -> dict[str, bytes]:
    found = {
        "id as text": str(user).encode(),
        "id as 8-byte integer": user.to_bytes(8, "big"),
        "id as 6-byte integer": user.to_bytes(6, "big"),
        "id as 4-byte integer": (user % 2**32).to_bytes(4, "big"),
    }
    for key, value in NAMES.items():
        found[key] = value.encode()
    for text in typed:
        found[f"typed {text!r}"] = text.encode()
    return found


def _traces(db_path: Path, needles: dict[str, bytes]) -> list[str]:
    hits = []
    for suffix in ("", "-wal", "-shm"):
        path = Path(f"{db_path}{suffix}")
        if not path.exists():
            continue
        raw = path.read_bytes()
        hits += [f"{name} in {path.name}" for name, needle in needles.items() if needle in raw]
    return hits


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def _onboard(tg: RunningBot, user: int, age: str) -> None:
    tg.fake.describe_user(user, **NAMES)
    await tg.say(user, "/start", first_name=NAMES["first_name"])
    for label in ("Nederlands", "Verder", "Oké, verder"):
        await tg.tap(user, label)
    await tg.tap(user, age)


async def test_forget_me_leaves_no_bytes_in_any_database_file(tg: RunningBot) -> None:
    """After /vergeetmij no id, name, username, place or typed text is in db, -wal or -shm."""
    await _onboard(tg, USER, "16 jaar of ouder")
    for label in ("Ja, graag", "Ja", "Woonplaats invullen"):
        await tg.tap(USER, label)
    await tg.say(USER, CITY)
    await tg.tap(USER, "Organisatie")
    await tg.say(USER, ORGANISATION)
    await tg.tap(USER, "Klaar")
    for label in [*PUBLIC_ROUTE[:8], "Eerst mijn reactie checken"]:
        await tg.tap(USER, label)
    checked = await tg.say(USER, DRAFT)
    assert "Klaar, verder" in str([c.params.get("reply_markup") for c in checked])
    await tg.say(USER, EXTRA)
    typed = [CITY, ORGANISATION, DRAFT, EXTRA]
    needles = _needles(USER, typed)
    assert _traces(tg.settings.db_path, needles), "the scan finds nothing even before deleting"
    await tg.say(USER, "/vergeetmij")
    done = await tg.tap(USER, "Ja, wis alles")
    assert "gewist" in texts(done).lower()
    assert _traces(tg.settings.db_path, needles) == []


# Tables that would hold something about a person before onboarding ends.
PERSONAL = ("users", "conversations", "activity", "outbox", "inbox")
UNDER_16 = {
    "nl": ("Nederlands", "Verder", "Vertel meer", "Oké, verder", "Jonger dan 16", "/hulp"),
    "en": ("English", "Continue", "Tell me more", "OK, continue", "Younger than 16", "/help"),
}


async def _rows(tg: RunningBot) -> dict[str, int]:
    assert tg.core is not None
    found = {}
    for table in PERSONAL:
        (row,) = await tg.core.repo.fetch(f"SELECT COUNT(*) FROM {table}")
        found[table] = int(row[0])
    return found


@pytest.mark.parametrize("lang", ["nl", "en"])
async def test_under_16_is_never_written(tg: RunningBot, lang: str) -> None:
    """Before the age question no row exists about a first-time visitor (help and the privacy
    notice included); "younger than 16" gets the Kindertelefoon's number and 112 in their
    language, and afterwards no database file holds their id, name or username."""
    language, intro, more, ok, young, help_command = UNDER_16[lang]
    tg.fake.describe_user(YOUNG, **NAMES)
    await tg.say(YOUNG, "/start", first_name=NAMES["first_name"])
    await tg.tap(YOUNG, language)
    await tg.say(YOUNG, help_command)
    await tg.tap(YOUNG, "Terug" if lang == "nl" else "Back")
    await tg.tap(YOUNG, intro)
    await tg.tap(YOUNG, more)
    await tg.tap(YOUNG, ok)
    assert await _rows(tg) == dict.fromkeys(PERSONAL, 0)
    answer = texts(await tg.tap(YOUNG, young))
    assert "Kindertelefoon: 0800-0432" in answer
    assert "112" in answer
    assert ("16 jaar en ouder" if lang == "nl" else "aged 16 and over") in answer
    assert await _rows(tg) == dict.fromkeys(PERSONAL, 0)
    assert _traces(tg.settings.db_path, _needles(YOUNG, [])) == []


async def test_under_16_who_typed_a_text_leaves_no_bytes(tg: RunningBot) -> None:
    """A text typed during onboarding is read by the crisis check, so the person is stored from
    then on; saying they are under 16 still leaves no trace of id, name or the text."""
    tg.fake.describe_user(YOUNG, **NAMES)
    await tg.say(YOUNG, "/start", first_name=NAMES["first_name"])
    await tg.tap(YOUNG, "Nederlands")
    await tg.say(YOUNG, EXTRA)
    assert (await _rows(tg))["users"] == 1
    await tg.tap(YOUNG, "Verder")
    await tg.tap(YOUNG, "Oké, verder")
    assert "Kindertelefoon" in texts(await tg.tap(YOUNG, "Jonger dan 16"))
    assert await _rows(tg) == dict.fromkeys(PERSONAL, 0)
    assert _traces(tg.settings.db_path, _needles(YOUNG, [EXTRA])) == []


async def test_restart_before_the_age_question_loses_no_step(tg: RunningBot) -> None:
    """Strangers live in memory: after a restart the tap on the privacy question's button is
    still understood (its option names the step), and the age question follows."""
    await tg.say(YOUNG, "/start")
    await tg.tap(YOUNG, "Nederlands")
    await tg.tap(YOUNG, "Verder")
    ok = tg.button(YOUNG, "Oké, verder")
    await tg.restart()
    tg.fake.tap(YOUNG, ok)
    assert "Hoe oud ben jij?" in texts(await tg.replies(YOUNG))
    assert await _rows(tg) == dict.fromkeys(PERSONAL, 0)
    await tg.tap(YOUNG, "16 jaar of ouder")
    assert (await _rows(tg))["users"] == 1


async def test_database_files_are_private(settings: Settings, clock: ManualClock) -> None:
    """The database, its -wal and -shm files are 0600 and the folder the bot made is 0700."""
    db_path = settings.db_path.parent / "new-folder" / "sterk.db"
    private = settings.model_copy(update={"db_path": db_path})
    async with running_bot(private, clock) as tg:
        await tg.say(USER, "/start")
        for suffix in ("", "-wal", "-shm"):
            assert _mode(Path(f"{db_path}{suffix}")) == 0o600, suffix
        assert _mode(db_path.parent) == 0o700


async def test_forget_me_during_an_outage_leaves_no_held_answer(tg: RunningBot) -> None:
    """Answers waiting in the outbox (their texts, the chat id) are gone after /vergeetmij."""
    await _onboard(tg, USER, "16 jaar of ouder")
    for label in ("Ja, graag", "Ja", "Woonplaats invullen"):
        await tg.tap(USER, label)
    await tg.say(USER, CITY)
    await tg.tap(USER, "Klaar")
    tg.fake.set_outage("502")
    tg.fake.send_text(USER, "/instellingen")  # the answer names the town
    tg.fake.send_text(USER, "/vergeetmij")
    repo = tg.core.repo if tg.core is not None else None
    assert repo is not None

    async def held_two() -> bool:
        return len(await repo.fetch("SELECT reply FROM outbox")) >= 2

    await eventually(held_two)
    held = await repo.fetch("SELECT reply FROM outbox ORDER BY id")
    shown = [json.loads(row[0]) for row in held]
    assert CITY in "".join(reply["text"] for reply in shown)
    (confirm,) = [
        button["data"]
        for reply in shown
        for row in reply["buttons"]
        for button in row
        if button["label"] == "Ja, wis alles"
    ]
    tg.fake.tap(USER, confirm)
    needles = _needles(USER, [CITY]) | {
        f"held answer {n}": reply["text"].encode() for n, reply in enumerate(shown)
    }

    async def deleted() -> bool:
        return not await repo.fetch("SELECT 1 FROM users")

    await eventually(deleted)
    await repo.checkpoint()
    assert _traces(tg.settings.db_path, needles) == []
    tg.fake.set_outage(None)
    goodbye = await tg.fake.wait_for(
        "sendMessage",
        chat_id=USER,
        ok=True,
        predicate=lambda c: "gewist" in (c.text or ""),
        timeout=30,
    )
    assert goodbye
    assert _traces(tg.settings.db_path, needles) == []
