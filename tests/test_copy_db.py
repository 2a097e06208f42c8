"""`sterk-online copy-db` (issue 15, item 5): a pilot's SQLite file copied into another store,
through the real command. Both stores as the target: PostgreSQL is what it is for; a SQLite
target shows the copy does not depend on one dialect."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from bot.app import open_core
from bot.config import Settings, load_settings
from bot.core.clock import ManualClock
from bot.storage import coach
from bot.storage.repository import Repository
from tests.process import ROOT
from tests.scheduling import onboarded

pytestmark = pytest.mark.both_stores


async def _copy_db(*args: str, cwd: Path) -> tuple[int, str]:
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "copy-db",
        *args,
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await child.communicate()
    return child.returncode or 0, out.decode()


async def _counts(repo: Repository) -> dict[str, int]:
    tables = sorted(t for t in await repo.db.tables() if t != "schema_migrations")
    return {t: int((await repo.fetch(f"SELECT COUNT(*) FROM {t}"))[0][0]) for t in tables}


async def test_copy_db_moves_every_row_and_the_bot_carries_on(
    tmp_path: Path, store: str, settings: Settings, clock: ManualClock
) -> None:
    """People, plans, a help request and its queued item arrive as they were, ids included; the
    target then takes new rows without clashing ids; a second copy is refused."""
    pilot = tmp_path / "pilot.db"
    source = await open_core(
        load_settings(_env_file=None, STERK_DB_PATH=str(pilot), STERK_DATABASE_URL=""),
        clock=clock,
    )
    _chat, user = await onboarded(source)
    await coach.save_plan(source.repo, user.id, {"role": "target"}, clock.now())
    await coach.record_help_request(source.repo, user.id, "coach", True, clock.now())
    expected = await _counts(source.repo)
    state = await source.repo.load("test", "1001")
    await source.close()

    code, out = await _copy_db(str(pilot), store, cwd=tmp_path)
    assert code == 0, out
    assert "Copied" in out

    target = await open_core(settings, clock=clock)
    try:
        assert await _counts(target.repo) == expected
        assert expected["scheduled"] >= 1
        assert expected["help_requests"] == 1
        assert await target.repo.load("test", "1001") == state
        _chat2, other = await onboarded(target, external="1002")  # new ids after the copied ones
        assert other.id > user.id
    finally:
        await target.close()

    code, out = await _copy_db(str(pilot), store, cwd=tmp_path)
    assert code == 2
    assert "already has data" in out
