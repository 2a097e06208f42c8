"""Restarts and races: a process dies mid-delivery, two schedulers claim the same rows."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.app import Core, open_core
from bot.config import Settings, load_settings
from bot.core.clock import ManualClock, epoch
from bot.core.model import Reply
from bot.storage import coach, scheduled
from bot.storage.repository import User
from scheduler.jobs import Delivery, JobRegistry
from scheduler.service import Scheduler
from tests.scheduling import RecordingSender, onboarded

ROOT = Path(__file__).resolve().parent.parent
START = datetime.fromisoformat("2026-01-05T12:00:00+00:00")


class _DyingSender:
    """Appends each delivery to a file, then kills the process at the chosen point."""

    def __init__(self, log: Path, die_on: int, after_send: bool) -> None:
        self.log = log
        self.die_on = die_on
        self.after_send = after_send
        self.count = 0

    async def send(self, user: User, replies: list[Reply]) -> None:
        self.count += 1
        if self.count == self.die_on and not self.after_send:
            os._exit(3)  # between claim and send
        with self.log.open("a", encoding="utf-8") as out:
            out.write(json.dumps({"user": user.id, "text": replies[-1].text}) + "\n")
            out.flush()
            os.fsync(out.fileno())
        if self.count == self.die_on:
            os._exit(3)  # between send and marking it sent


async def _child(db: str, log: str, die_on: str, after_send: str) -> None:
    """The bot process that dies (run in a subprocess)."""
    settings = load_settings(_env_file=None, STERK_DB_PATH=db, TELEGRAM_BOT_TOKEN="")
    core = await open_core(settings, clock=ManualClock(START))
    core.senders["test"] = _DyingSender(Path(log), int(die_on), after_send == "1")
    await Scheduler(core, concurrency=1).tick()
    raise SystemExit("the sender should have ended the process")


def _run_child(settings: Settings, log: Path, die_on: int, after_send: bool) -> None:
    code = (
        "import asyncio, sys; from tests.test_scheduler_restart import _child; "
        "asyncio.run(_child(*sys.argv[1:]))"
    )
    args = [str(settings.db_path), str(log), str(die_on), "1" if after_send else "0"]
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 3, result.stderr


def _delivered(log: Path) -> list[int]:
    if not log.exists():
        return []
    return [json.loads(line)["user"] for line in log.read_text(encoding="utf-8").splitlines()]


async def _three_checkins(settings: Settings) -> list[int]:
    core = await open_core(settings, clock=ManualClock(START))
    try:
        users = [(await onboarded(core, external=str(3000 + n)))[1] for n in range(3)]
        ids = []
        for user in users:
            plan = await coach.save_plan(core.repo, user.id, {"role": "target"}, START)
            await coach.schedule_checkin(core.repo, user.id, plan, START, START)
            ids.append(user.id)
        return ids
    finally:
        await core.close()


@pytest.mark.parametrize("after_send", [False, True], ids=["claim-send", "send-mark"])
async def test_crash_loses_nothing_and_repeats_at_most_one(
    settings: Settings, tmp_path: Path, after_send: bool
) -> None:
    """Killed while delivering the second of three: after restart all arrive, one at most twice."""
    users = await _three_checkins(settings)
    log = tmp_path / "delivered.jsonl"
    _run_child(settings, log, die_on=2, after_send=after_send)
    before_restart = _delivered(log)
    assert len(before_restart) == (2 if after_send else 1)

    clock = ManualClock(START)
    core = await open_core(settings, clock=clock)
    try:
        sender = RecordingSender(clock)
        core.senders["test"] = sender
        restarted = Scheduler(core)
        await restarted.tick()
        assert sender.sent == []  # the dead process's claims are not stale yet
        clock.advance(minutes=6)
        await restarted.tick()
        after_restart = [uid for uid, _replies, _at in sender.sent]
        counts = Counter(before_restart + after_restart)
        assert set(counts) == set(users)  # nothing lost
        assert sorted(counts.values()) == ([1, 1, 2] if after_send else [1, 1, 1])
        statuses: Counter[str] = Counter()
        for uid in users:
            statuses.update(status for _item, status in await scheduled.items_of(core.repo, uid))
        assert statuses["sent"] == 3
        if after_send:  # the repeat re-sends the same question; it does not push the flow again
            repeated = next(uid for uid, n in counts.items() if n == 2)
            [replies] = sender.to(repeated)
            assert len(replies) == 1
            assert "Hoe ging het?" in replies[0].text
    finally:
        await core.close()


async def test_two_schedulers_race_for_ten_thousand_rows(settings: Settings) -> None:
    """Two schedulers on two connections tick at once: each of 10,000 rows goes out once."""
    clock = ManualClock(START)
    registry = JobRegistry()

    @registry.kind("ping", grace=timedelta(days=1), quiet=False)
    async def ping(delivery: Delivery) -> list[Reply]:
        return [Reply(str(delivery.item.id))]

    first: Core = await open_core(settings, clock=clock)
    second: Core = await open_core(settings, clock=clock)
    try:
        async with first.repo.transaction() as conn:
            await conn.executemany(
                "INSERT INTO users (channel, external_id, pseudonym, language, created_at, "
                "last_seen_at) VALUES ('test', ?, ?, 'nl', ?, ?)",
                [(str(n), f"P{n:05d}", epoch(START), epoch(START)) for n in range(100)],
            )
            await conn.executemany(
                "INSERT INTO scheduled (kind, user_id, due_at, proactive, created_at) "
                "VALUES ('ping', (SELECT id FROM users WHERE external_id=?), ?, 0, ?)",
                [(str(n % 100), epoch(START) - n % 60, epoch(START)) for n in range(10_000)],
            )
        sent = RecordingSender()
        first.senders["test"] = second.senders["test"] = sent
        a = Scheduler(first, clock, registry=registry)
        b = Scheduler(second, clock, registry=registry)
        handled = await asyncio.gather(a.tick(), b.tick())
        ids = Counter(replies[0].text for _uid, replies, _at in sent.sent)
        assert len(ids) == 10_000
        assert max(ids.values()) == 1
        assert sum(handled) == 10_000
        assert min(handled) > 0  # both really took part
        assert await scheduled.status_counts(first.repo) == {"sent": 10_000}
    finally:
        await first.close()
        await second.close()
