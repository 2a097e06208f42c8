"""Shared fixtures: real settings, a real store (SQLite file or PostgreSQL), the real engine,
a manual clock. Tests marked `both_stores` run once per store (tests/stores.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import Core, open_core
from bot.config import Settings, load_settings
from bot.core.clock import ManualClock
from tests import stores
from tests.driver import ChatDriver
from tests.e2e import RunningBot, running_bot


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`both_stores` tests get one run per store (every test on a store, with
    STERK_TEST_STORES=all); the others stay on SQLite, unparametrised."""
    marked = metafunc.definition.get_closest_marker("both_stores") is not None
    if "store" not in metafunc.fixturenames or not (marked or stores.ALL):
        return
    if metafunc.definition.get_closest_marker("sqlite_only") is None:
        metafunc.parametrize("store", stores.STORES, indirect=True)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many tests ran on PostgreSQL, or that they were skipped and why."""
    reports = [
        report
        for outcome in ("passed", "failed", "error", "skipped")
        for report in terminalreporter.stats.get(outcome, [])
        if "[postgresql" in getattr(report, "nodeid", "")
    ]
    ran = sum(1 for r in reports if r.when == "call" and r.outcome != "skipped")
    skipped = sum(1 for r in reports if r.outcome == "skipped")
    if ran:
        terminalreporter.write_line(f"PostgreSQL store: {ran} test(s) ran, {skipped} skipped")
    elif skipped:
        terminalreporter.write_line(
            f"PostgreSQL store: {skipped} test(s) skipped ({stores.NO_SERVER})", yellow=True
        )


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """This test process's own PostgreSQL database (created now, dropped at the end)."""
    url = stores.server_url()
    if url is None:
        pytest.skip(stores.NO_SERVER)
    yield from stores.test_database(url)  # a server that refuses us fails: it was meant to work


@pytest.fixture
def store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where the test's data lives: a fresh SQLite file, or an emptied PostgreSQL database."""
    if getattr(request, "param", "sqlite") == "sqlite":
        return str(tmp_path / "sterk.db")
    url: str = request.getfixturevalue("postgres_database")
    stores.empty(url)
    return url


@pytest.fixture
def clock() -> ManualClock:
    """Monday 5 January 2026, 12:00 UTC (13:00 in Amsterdam)."""
    return ManualClock(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))


@pytest.fixture
def settings(tmp_path: Path, store: str) -> Settings:
    """Settings on the test's store, ignoring any local .env file."""
    url = store if store.startswith("postgresql://") else ""
    return load_settings(
        _env_file=None,
        STERK_DB_PATH=str(tmp_path / "sterk.db"),
        STERK_DATABASE_URL=url,
        TELEGRAM_BOT_TOKEN="",
    )


@pytest.fixture
async def core(settings: Settings, clock: ManualClock) -> AsyncIterator[Core]:
    """The real core on the test's store."""
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
