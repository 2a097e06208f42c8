"""Shared fixtures: real settings, a real SQLite file, the real engine, a manual clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import Core, open_core
from bot.config import Settings, load_settings
from bot.core.clock import ManualClock
from tests.driver import ChatDriver
from tests.e2e import RunningBot, running_bot


@pytest.fixture
def clock() -> ManualClock:
    """Monday 5 January 2026, 12:00 UTC (13:00 in Amsterdam)."""
    return ManualClock(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings on a temporary database, ignoring any local .env file."""
    return load_settings(
        _env_file=None, STERK_DB_PATH=str(tmp_path / "sterk.db"), TELEGRAM_BOT_TOKEN=""
    )


@pytest.fixture
async def core(settings: Settings, clock: ManualClock) -> AsyncIterator[Core]:
    """The real core on a real SQLite file."""
    opened = await open_core(settings, clock=clock)
    yield opened
    await opened.close()


@pytest.fixture
def chat(core: Core) -> ChatDriver:
    """One person talking to the engine."""
    return ChatDriver(core)


@pytest.fixture
async def tg(settings: Settings, clock: ManualClock) -> AsyncIterator[RunningBot]:
    """The real bot on Telegram's protocol, against the local fake Bot API."""
    async with running_bot(settings, clock) as bot:
        yield bot
