"""A process dies in the middle of a 2,000-recipient broadcast and a new one carries on.

The child process sends through a channel that appends every message to a file and then kills
the process (`os._exit`) right after the 730th send, before it is marked sent: the worst moment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot.app import open_core
from bot.config import Settings, load_settings
from bot.core.clock import ManualClock
from bot.core.model import Reply
from bot.storage import broadcast as store
from bot.storage.repository import User
from tests.broadcastkit import add_people, lane, plan

ROOT = Path(__file__).resolve().parent.parent
START = datetime.fromisoformat("2026-01-05T12:00:00+00:00")
RECIPIENTS = 2_000
OPTED_OUT = 100
DIE_AFTER = 730  # mid-batch: some claimed rows were not attempted yet


class _DyingChannel:
    """Logs each message to a file, then ends the process after the chosen one."""

    def __init__(self, log: Path, die_after: int) -> None:
        self.log: TextIO = log.open("a", encoding="utf-8")
        self.die_after = die_after
        self.count = 0

    async def send(self, user: User, replies: list[Reply]) -> None:
        self.count += 1
        self.log.write(json.dumps({"user": user.id}) + "\n")
        self.log.flush()  # in the OS when the process dies (os._exit skips Python's buffers)
        if self.count == self.die_after:
            os._exit(3)  # sent, not yet marked


class _Recording:
    def __init__(self) -> None:
        self.users: list[int] = []

    async def send(self, user: User, replies: list[Reply]) -> None:
        self.users.append(user.id)


async def _child(db: str, log: str, die_after: str) -> None:
    """The bot process that dies (run in a subprocess)."""
    url = db if db.startswith("postgresql://") else ""
    settings = load_settings(
        _env_file=None, STERK_DB_PATH=db, STERK_DATABASE_URL=url, TELEGRAM_BOT_TOKEN=""
    )
    core = await open_core(settings, clock=ManualClock(START))
    core.senders["test"] = _DyingChannel(Path(log), int(die_after))
    await lane(core, core.clock).drain()
    raise SystemExit("the channel should have ended the process")


def _run_child(settings: Settings, log: Path) -> None:
    code = (
        "import asyncio, sys; from tests.test_broadcast_resume import _child; "
        "asyncio.run(_child(*sys.argv[1:]))"
    )
    child = subprocess.run(
        [sys.executable, "-c", code, settings.database, str(log), str(DIE_AFTER)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert child.returncode == 3, child.stderr


async def test_crash_mid_broadcast_resumes_with_at_most_one_repeat(
    settings: Settings, tmp_path: Path
) -> None:
    """Every opted-in recipient gets it, at most one of them twice; the report adds up."""
    clock = ManualClock(START)
    core = await open_core(settings, clock=clock)
    try:
        wanted = await add_people(core.repo, RECIPIENTS, START)
        await add_people(core.repo, OPTED_OUT, START, first=900_000, followups=False)
        # The coordinator is on a channel without a transport here: the report goes nowhere.
        [coordinator] = await add_people(
            core.repo, 1, START, channel="elsewhere", first=990_000, followups=False
        )
        broadcast_id = await plan(core, coordinator)
        await lane(core, clock).tick()  # starts it: 2,000 rows
    finally:
        await core.close()

    log = tmp_path / "delivered.jsonl"
    _run_child(settings, log)
    before = [json.loads(line)["user"] for line in log.read_text(encoding="utf-8").splitlines()]
    assert len(before) == DIE_AFTER

    core = await open_core(settings, clock=clock)
    try:
        channel = _Recording()
        core.senders["test"] = channel
        restarted = lane(core, clock)
        clock.advance(minutes=6)  # the dead process's claims are stale now
        await restarted.tick()  # takes them back
        await restarted.drain()
        await restarted.tick()  # sees nothing left: the report
        counts = Counter(before + channel.users)
        assert set(counts) == set(wanted)
        assert sum(counts.values()) - len(counts) <= 1  # at most one repeat
        found = await store.get(core.repo, broadcast_id)
        assert found is not None
        assert found.status == "done"
        assert found.final == store.Tally(sent=RECIPIENTS)
    finally:
        await core.close()
