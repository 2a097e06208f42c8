"""Operator mistakes: a second process, a full disk (polling, webhook, outbox), a bot that is
never up at 04:00."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.app import Core
from bot.config import Settings
from bot.core.clock import ManualClock, epoch
from bot.storage import inbox
from scheduler.service import Scheduler
from tests.e2e import TOKEN, RunningBot, texts
from tests.fakebot import FakeBotApi
from tests.scheduling import onboarded
from tests.test_e2e_webhook import webhook_settings

LONG = 60  # seconds a helper process may take to start on a loaded machine


def _bot_process(folder: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "STERK_DB_PATH": str(folder / "data" / "sterk.db")}
    env["TELEGRAM_BOT_TOKEN"] = ""
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "chat"],
        cwd=folder,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_lock(lock: Path, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + LONG
    while time.monotonic() < deadline:
        if lock.exists() and lock.read_text().strip() == str(process.pid):
            return
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    raise AssertionError("the first process never took the lock")


def test_second_process_on_the_same_database_refuses_to_start(tmp_path: Path) -> None:
    """While one bot runs, a second on its database exits with code 3 and one clear line."""
    first = _bot_process(tmp_path)
    try:
        _wait_for_lock(tmp_path / "data" / "sterk.db.lock", first)
        second = _bot_process(tmp_path)
        _out, err = second.communicate(timeout=LONG)
        assert second.returncode == 3
        assert err.strip().count("\n") == 0
        assert "already using" in err
        assert "sterk.db" in err
    finally:
        _out, _err = first.communicate("quit\n", timeout=LONG)
    assert first.returncode == 0
    third = _bot_process(tmp_path)  # the lock went with the first process
    _wait_for_lock(tmp_path / "data" / "sterk.db.lock", third)
    third.communicate("quit\n", timeout=LONG)
    assert third.returncode == 0


async def test_full_disk_is_calm_and_loses_nothing(
    tg: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """A full database: no polling hot loop, one log line, every message answered later."""
    assert tg.core is not None
    repo = tg.core.repo
    (pages,) = (await repo.fetch("PRAGMA page_count"))[0]
    (free,) = (await repo.fetch("PRAGMA freelist_count"))[0]
    await repo.fetch(f"PRAGMA max_page_count = {pages}")
    people = [7400001 + n for n in range(int(free) + 3)]
    caplog.set_level(logging.INFO)
    polls = tg.fake.count("getUpdates")
    for person in people:  # each needs an overflow page in the inbox: the disk is full
        tg.fake.send_text(person, os.urandom(1500).hex()[:3500])
    await asyncio.sleep(3.5)  # real time: the backoff is what is tested
    assert tg.fake.count("getUpdates") - polls <= 6  # backing off: 1, 2, 4 s
    assert all(tg.fake.sent_to(person) == [] for person in people)
    trouble = [r for r in caplog.records if "cannot be written" in r.getMessage()]
    assert len(trouble) == 1
    assert not [r for r in caplog.records if r.levelno >= logging.CRITICAL]
    await repo.fetch("PRAGMA max_page_count = 1073741823")  # space is back
    for person in people:
        calls = await tg.fake.wait_for("sendMessage", chat_id=person, timeout=20)
        assert calls
    assert [r for r in caplog.records if "written again" in r.getMessage()]


async def test_retention_sweep_runs_at_start_and_daily(core: Core, clock: ManualClock) -> None:
    """The first tick sweeps, the next day's tick sweeps again: places, open cases, inbox."""
    _chat, user = await onboarded(core)
    async with core.repo.transaction() as conn:
        await conn.execute(
            "UPDATE users SET city = 'Dokkum', organisation = 'Buurthuis' WHERE id = ?",
            (user.id,),
        )
        await conn.execute(
            "INSERT INTO cases (user_id, source, reason, description, created_at) "
            "VALUES (?, 'escalation', 'x', 'een lange beschrijving', ?)",
            (user.id, epoch(clock.now())),
        )
    await inbox.keep(core.repo, [(1, "77", '{"update_id": 1}')], clock.now())
    clock.advance(days=core.settings.retention_days + 1)
    scheduler = Scheduler(core, clock)
    await scheduler.tick()  # the first tick after start sweeps
    assert await core.repo.fetch("SELECT city, organisation FROM users") == [(None, None)]
    assert await core.repo.fetch("SELECT description FROM cases") == [(None,)]
    assert await core.repo.fetch("SELECT * FROM inbox") == []
    await inbox.keep(core.repo, [(2, "77", '{"update_id": 2}')], clock.now())
    clock.advance(hours=23)
    await scheduler.tick()
    assert len(await core.repo.fetch("SELECT * FROM inbox")) == 1  # not yet a day later
    clock.advance(hours=2)
    await scheduler.tick()
    assert await core.repo.fetch("SELECT * FROM inbox") == []  # the daily sweep


async def test_staff_export_has_every_row_that_points_at_them(
    core: Core, clock: ManualClock
) -> None:
    """A staff member's /mijndata has their audit rows, claimed cases and invites, not whose."""
    _young_chat, young = await onboarded(core, external="2001")
    _staff_chat, staff = await onboarded(core, external="2002")
    now = epoch(clock.now())
    async with core.repo.transaction() as conn:
        await conn.execute(
            "INSERT INTO cases (user_id, source, reason, description, status, claimed_by, "
            "created_at) VALUES (?, 'request', 'talk', 'over iemand anders', 'claimed', ?, ?)",
            (young.id, staff.id, now),
        )
        await conn.execute(
            "INSERT INTO staff_audit (actor_id, action, at) VALUES (?, 'claim', ?)",
            (staff.id, now),
        )
        await conn.execute(
            "INSERT INTO staff_invites (code_hash, role, created_by, created_at, expires_at) "
            "VALUES ('h', 'moderator', ?, ?, ?)",
            (staff.id, now, now + 86400),
        )
    exported = await core.repo.export_user(staff.id)
    assert [row["action"] for row in exported["staff_audit.actor_id"]] == ["claim"]
    assert [row["role"] for row in exported["staff_invites.created_by"]] == ["moderator"]
    (case,) = exported["cases.claimed_by"]
    assert case["status"] == "claimed"
    assert "user_id" not in case
    assert "description" not in case
    assert "cases.claimed_by" not in await core.repo.export_user(young.id)


async def _fill_disk(core: Core) -> int:
    """No page can be added any more: the database behaves as on a full disk; free pages."""
    (pages,) = (await core.repo.fetch("PRAGMA page_count"))[0]
    (free,) = (await core.repo.fetch("PRAGMA freelist_count"))[0]
    await core.repo.fetch(f"PRAGMA max_page_count = {pages}")
    return int(free)


async def test_full_disk_in_webhook_mode_answers_503_and_loses_nothing(
    settings: Settings, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Webhook posts on a full disk get 503 (Telegram posts them again), one log line; all are
    answered once there is room."""
    async with FakeBotApi(token=TOKEN) as fake:
        tg = RunningBot(fake, webhook_settings(settings), clock)
        await tg.start()
        try:
            assert tg.core is not None
            await tg.say(7400101, "/start")
            free = await _fill_disk(tg.core)
            caplog.set_level(logging.INFO)
            # each needs an overflow page in the inbox: the first ones use up the free pages
            people = [7400102 + n for n in range(free + 3)]
            for person in people:
                fake.send_text(person, os.urandom(1500).hex()[:3500])
            for _ in range(200):
                if fake.webhook_statuses.count(503) >= 5:
                    break
                await asyncio.sleep(0.05)
            assert fake.webhook_statuses.count(503) >= 5
            assert any(fake.sent_to(person) == [] for person in people)  # waiting for room
            trouble = [r for r in caplog.records if "cannot be written" in r.getMessage()]
            assert len(trouble) == 1
            await tg.core.repo.fetch("PRAGMA max_page_count = 1073741823")
            for person in people:
                assert await fake.wait_for("sendMessage", chat_id=person, timeout=20)
            assert [r for r in caplog.records if "written again" in r.getMessage()]
        finally:
            await tg.stop()


async def test_full_disk_during_an_outage_keeps_answers_in_memory(
    tg: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """Answers the outbox cannot write (full disk) wait in memory and go out after the outage."""
    assert tg.core is not None
    await tg.say(7400201, "/start")
    await tg.say(7400201, "hallo")  # stored now (bot/core/strangers.py): the outbox writes rows
    tg.fake.set_outage("502")
    mark = tg.fake.mark()
    caplog.set_level(logging.INFO)
    # Only the outbox's writes fail, as when the disk fills up just then (a full disk that
    # stops the inbox too is the polling test above).
    await tg.core.repo.fetch(
        "CREATE TEMP TRIGGER full BEFORE INSERT ON outbox "
        "BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END"
    )
    tg.fake.send_text(7400201, "/hulp")
    assert tg.transport is not None
    transport = tg.transport
    for _ in range(400):
        if transport.outbox.depth():
            break
        await asyncio.sleep(0.05)
    assert transport.outbox.depth()
    assert await tg.core.repo.fetch("SELECT * FROM outbox") == []
    assert [r for r in caplog.records if "kept in memory" in r.getMessage()]
    await tg.core.repo.fetch("DROP TRIGGER temp.full")
    tg.fake.set_outage(None)
    await tg.fake.wait_for("sendMessage", chat_id=7400201, ok=True, since=mark, timeout=40)
    calls = await tg.fake.replies_until_idle(7400201, idle=0.5, timeout=40)
    assert "113" in texts(tg.fake.sent_to(7400201)[-len(calls) - 1 :])
