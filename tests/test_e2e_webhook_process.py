"""The real `sterk-online` process in webhook mode: SIGKILL mid-handling, hostile posts, start."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from pathlib import Path

from tests.e2e import TOKEN, texts
from tests.fakebot import FakeBotApi
from tests.process import ROOT, SECRET, BotProcess

USER = 7790001
BIG = 60 * 1024 * 1024


async def test_update_killed_mid_handling_is_answered_once_after_restart(tmp_path: Path) -> None:
    """Killed after the 200 but before answering, the restarted process answers exactly once."""
    async with FakeBotApi(token=TOKEN) as fake:
        bot = BotProcess(fake, tmp_path)
        await bot.start()
        fake.fail_next("sendMessage", "timeout", chat_id=USER)  # the answer hangs: mid-handling
        fake.send_text(USER, "/start")
        await fake.wait_for("sendMessage", chat_id=USER, timeout=15)
        assert fake.webhook_statuses[-1] == 200  # Telegram was told it arrived
        await bot.kill()
        assert fake.sent_to(USER) == []  # the held call was never answered

        await bot.start()
        try:
            calls = await fake.replies_until_idle(USER, idle=1.0, timeout=20)
        finally:
            await bot.stop()
    assert texts(calls).count("In welke taal") == 1
    assert len(calls) == 1


async def _raw_post(port: int, secret: str, length: int) -> tuple[str, int]:
    """POST headers declaring `length` bytes, read the answer, then try to push the body.

    Returns the status line and how many body bytes the socket took before it was closed.
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        "POST /telegram HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
        f"X-Telegram-Bot-Api-Secret-Token: {secret}\r\nContent-Length: {length}\r\n\r\n"
    )
    writer.write(head.encode())
    await writer.drain()
    async with asyncio.timeout(10):
        status = (await reader.readline()).decode().strip()
    pushed = 0
    chunk = b" " * (1024 * 1024)
    try:
        while pushed < length:
            writer.write(chunk)
            await writer.drain()
            pushed += len(chunk)
    except OSError:
        pass  # closed by the bot, as it should be
    writer.close()
    return status, pushed


async def test_hostile_posts_are_refused_before_the_body_is_read(tmp_path: Path) -> None:
    """Forged: 403 and nothing deleted; 60 MB: 413 at once; the process's memory stays flat."""
    async with FakeBotApi(token=TOKEN) as fake:
        bot = BotProcess(fake, tmp_path)
        await bot.start()
        try:
            fake.send_text(USER, "/start")
            fake.send_text(USER, "hallo")  # a typed text stores the person (bot/core/strangers.py)
            await fake.replies_until_idle(USER, idle=0.5, timeout=15)
            before = bot.rss_kib()
            forged = await _raw_post(bot.port, "wrong-" + SECRET, BIG)
            huge = await _raw_post(bot.port, SECRET, BIG)
            after = bot.rss_kib()
            assert forged[0] == "HTTP/1.1 403 Forbidden"
            assert huge[0] == "HTTP/1.1 413 Request Entity Too Large"
            assert after - before < 10 * 1024, (before, after)
            assert await fake.replies_until_idle(USER, idle=0.5) == []
        finally:
            await bot.stop()
        db = sqlite3.connect(tmp_path / "sterk.db")
        try:
            users = db.execute("SELECT COUNT(*) FROM users").fetchone()[0]
        finally:
            db.close()
        assert users == 1


async def test_webhook_mode_refuses_a_short_secret(tmp_path: Path) -> None:
    """A secret under 32 characters stops the start with one configuration line (exit 2)."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env={
            "PYTHONPATH": str(ROOT),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "STERK_WEBHOOK_URL": "https://bot.example.org",
            "STERK_WEBHOOK_SECRET": "too-short",
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _out, err = await child.communicate()
    assert child.returncode == 2
    [line] = err.decode().strip().splitlines()
    assert line.startswith("Configuration error: STERK_WEBHOOK_SECRET: webhook mode needs a secret")
    assert not (tmp_path / "data").exists()  # refused before anything was opened
