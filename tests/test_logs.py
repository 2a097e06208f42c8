"""Logs hold no personal data at any level: the redacting filter, and the real process at DEBUG."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from telegram import Update

from bot.config import load_settings
from bot.logs import FORMAT, Redactor
from tests.e2e import TOKEN
from tests.fakebot import FakeBotApi
from tests.process import SECRET, BotProcess
from tests.stores import empty, query

USER = 987654321
NAME = "Zoëlinde"
USERNAME = "zoe_geheim_handle"
TYPED = ("Kees Jansen pest mij op Insta", "Zwolle-Zuid")


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger whose one handler has the redactor, as `bot.logs.setup` arranges for root."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(Redactor([TOKEN, SECRET]))
    logger = logging.getLogger("tests.logs.captured")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, out
    logger.removeHandler(handler)


def _update() -> Update:
    update = Update.de_json(
        {
            "update_id": 5,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": USER, "type": "private", "first_name": NAME},
                "from": {"id": USER, "is_bot": False, "first_name": NAME, "username": USERNAME},
                "text": TYPED[0],
            },
        },
        None,
    )
    assert update is not None
    return update


def _leaks(text: str) -> list[str]:
    secrets = [TOKEN, TOKEN.split(":")[1], SECRET, str(USER), NAME, USERNAME, *TYPED]
    return [secret for secret in secrets if secret in text]


def test_library_style_debug_lines_are_redacted(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    """Token in a URL, request parameters, parsed updates and JSON text lose what identifies."""
    logger, out = captured
    update = _update()
    logger.debug("Set Bot API URL: %s", f"https://api.telegram.org/bot{TOKEN}")
    logger.debug("Calling Bot API endpoint `%s` with parameters `%s`", "sendMessage", {"x": 1})
    logger.debug("Processing update %s", update)
    logger.debug("Received %r", update.to_dict())  # a lone dict argument
    logger.debug("Raw %s", str(update.to_dict()))  # already a string: repr pairs
    logger.debug("Json %s", update.to_json())
    logger.debug("Object %s", repr(update.effective_user))
    logger.debug("chat %d for %s", USER, f"{SECRET}")
    logger.info(f"no args but an id {USER} and a token {TOKEN}")
    logged = out.getvalue()
    assert _leaks(logged) == []
    assert "sendMessage" in logged  # what happened stays readable
    assert "<Update>" in logged
    assert "<dict: 2 items>" in logged


def test_tracebacks_are_redacted(captured: tuple[logging.Logger, io.StringIO]) -> None:
    """An exception message quoting a person is cleaned in the traceback too."""
    logger, out = captured
    try:
        raise ValueError(f"bad update {{'text': '{TYPED[0]}', 'id': {USER}}}")
    except ValueError:
        logger.exception("handling failed")
    logged = out.getvalue()
    assert "Traceback" in logged
    assert "handling failed" in logged
    assert _leaks(logged) == []


async def _tap_first(fake: FakeBotApi, index: int = 0) -> None:
    """Tap a button of the newest keyboard the person was shown."""
    for call in reversed(fake.sent_to(USER)):
        markup = call.params.get("reply_markup")
        if isinstance(markup, dict):
            buttons = [button for row in markup["inline_keyboard"] for button in row]
            fake.tap(USER, str(buttons[index]["callback_data"]))
            await fake.replies_until_idle(USER, idle=0.4, timeout=15)
            return
    raise AssertionError("no keyboard was shown")


@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
async def test_debug_log_of_a_real_conversation_holds_no_personal_data(
    tmp_path: Path, webhook: bool
) -> None:
    """STERK_LOG_LEVEL=DEBUG: onboarding, typed texts and /mijndata leave no id, name or text."""
    async with FakeBotApi(token=TOKEN) as fake:
        bot = BotProcess(fake, tmp_path, webhook=webhook, STERK_LOG_LEVEL="DEBUG")
        await bot.start()
        try:
            fake.send_text(USER, "/start", first_name=NAME, username=USERNAME)
            await fake.replies_until_idle(USER, idle=0.4, timeout=15)
            for _step in range(6):  # language, intro, privacy, 16+, check-ins, follow-ups
                await _tap_first(fake)
            for text in (*TYPED, "/mijndata", "/menu"):
                fake.send_text(USER, text, first_name=NAME, username=USERNAME)
                await fake.replies_until_idle(USER, idle=0.4, timeout=15)
            assert fake.calls_of("sendDocument")  # the conversation really got this far
        finally:
            await bot.stop()
    logged = bot.log()
    assert "DEBUG telegram" in logged  # the libraries did talk at DEBUG
    assert _leaks(logged) == []


def test_numbers_in_numeric_placeholders_still_format(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    """`%d` with an id prints `<id>`; small numbers print as they are."""
    logger, out = captured
    logger.info("listening on %s:%5d, %d updates, user %i", "127.0.0.1", 54321, 3, USER)
    assert "listening on 127.0.0.1:<id>, 3 updates, user <id>" in out.getvalue()


async def test_debug_log_on_postgresql_holds_no_personal_data_or_password(
    tmp_path: Path, postgres_database: str
) -> None:
    """On PostgreSQL at DEBUG (the driver's pool included), a conversation leaves no id, name,
    text or database password in the log."""
    empty(postgres_database)
    password = "db-Geheim-8d1f"  # trust auth ignores it; the bot must still never show it
    parts = urlsplit(postgres_database)
    url = parts._replace(netloc=f"{parts.username}:{password}@{parts.hostname}:{parts.port}")
    async with FakeBotApi(token=TOKEN) as fake:
        bot = BotProcess(
            fake, tmp_path, webhook=False, STERK_LOG_LEVEL="DEBUG", STERK_DATABASE_URL=url.geturl()
        )
        await bot.start()
        try:
            fake.send_text(USER, "/start", first_name=NAME, username=USERNAME)
            await fake.replies_until_idle(USER, idle=0.4, timeout=15)
            for _step in range(6):
                await _tap_first(fake)
            fake.send_text(USER, TYPED[0], first_name=NAME, username=USERNAME)
            await fake.replies_until_idle(USER, idle=0.4, timeout=15)
        finally:
            await bot.stop()
    logged = bot.log()
    assert "DEBUG telegram" in logged
    assert _leaks(logged) == []
    assert password not in logged
    stored = load_settings(_env_file=None, STERK_DATABASE_URL=postgres_database)
    assert query(stored, "SELECT count(*) FROM users") == [(1,)]  # it ran on PostgreSQL
