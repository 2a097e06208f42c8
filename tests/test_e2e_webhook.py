"""Webhook mode through the real service: the fake Bot API posts updates like Telegram does."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import open_core
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.service import TelegramService
from scheduler.service import Scheduler
from tests.e2e import TOKEN, RunningBot, texts
from tests.fakebot import FakeBotApi
from tests.process import SECRET, free_port

USER = 7780001
HEADER = "X-Telegram-Bot-Api-Secret-Token"


def _message(update_id: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": USER, "type": "private"},
            "from": {"id": USER, "is_bot": False, "first_name": "Sam"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


def webhook_settings(settings: Settings) -> Settings:
    """Webhook mode on a free loopback port, with a secret Telegram would accept."""
    port = free_port()
    return settings.model_copy(
        update={
            "webhook_url": f"http://127.0.0.1:{port}",
            "webhook_listen": "127.0.0.1",
            "webhook_port": port,
            "webhook_secret": SECRET,
        }
    )


@pytest.fixture
async def hooked(settings: Settings, clock: ManualClock) -> AsyncIterator[RunningBot]:
    """The real bot in webhook mode; the fake delivers every update by POST."""
    async with FakeBotApi(token=TOKEN) as fake:
        bot = RunningBot(fake, webhook_settings(settings), clock)
        await bot.start()
        try:
            yield bot
        finally:
            await bot.stop()


async def _post(url: str, body: dict[str, Any], secret: str | None) -> int:
    headers = {HEADER: secret} if secret is not None else {}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=body, headers=headers) as r,
    ):
        return r.status


async def _get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as answer:
        return answer.status, await answer.text()


def _samples(exposition: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


async def test_a_conversation_runs_over_the_webhook(hooked: RunningBot) -> None:
    """setWebhook carries the URL and secret; posted updates are answered, each with a 200."""
    registered = hooked.fake.calls_of("setWebhook")[-1].params
    assert registered["url"] == f"{hooked.settings.webhook_url}/telegram"
    assert registered["secret_token"] == SECRET
    assert "In welke taal" in texts(await hooked.say(USER, "/start"))
    assert "chatbot" in texts(await hooked.tap(USER, "Nederlands"))
    assert hooked.fake.webhook_statuses == [200, 200]
    assert hooked.fake.count("getUpdates") == 0


async def test_forged_posts_are_refused_and_change_nothing(hooked: RunningBot) -> None:
    """Without or with a wrong secret a POST gets 403 and a forged /vergeetmij deletes nothing."""
    await hooked.say(USER, "/start")
    await hooked.say(USER, "hallo")  # a typed text stores the person (bot/core/strangers.py)
    assert hooked.core is not None
    assert await hooked.core.repo.load("telegram", str(USER)) is not None
    url = f"{hooked.web_url}/telegram"
    assert await _post(url, _message(9001, "/vergeetmij"), None) == 403
    assert await _post(url, _message(9002, "/vergeetmij"), "x" * len(SECRET)) == 403
    assert await _post(url, _message(9003, "/vergeetmij"), SECRET[:-1]) == 403
    assert await hooked.fake.replies_until_idle(USER, idle=0.3) == []
    assert await hooked.core.repo.load("telegram", str(USER)) is not None


async def test_oversized_bodies_are_refused(hooked: RunningBot) -> None:
    """A body over 1 MB gets 413, declared or not, and is not handled."""
    url = f"{hooked.web_url}/telegram"
    big = _message(9100, "/start")
    big["message"]["padding"] = "x" * (1024 * 1024)
    body = io.BytesIO(json.dumps(big).encode())  # aiohttp sends its length in the headers
    headers = {HEADER: SECRET, "Content-Type": "application/json"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as answer,
    ):
        assert answer.status == 413

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(40):
            yield b" " * 65536

    async with aiohttp.ClientSession() as session:
        try:
            async with session.post(url, data=chunks(), headers=headers) as answer:
                assert answer.status == 413
        except aiohttp.ClientError:
            pass  # the server closed the connection after refusing: also not read
    assert await hooked.fake.replies_until_idle(USER, idle=0.3) == []


async def test_malformed_update_is_logged_by_kind_and_size_only(
    hooked: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """An update PTB cannot parse is answered 200 and logged without its content."""
    broken = _message(9200, "/start")
    del broken["message"]["date"]
    broken["message"]["text"] = "geheim verhaal van Kees"
    url = f"{hooked.web_url}/telegram"
    with caplog.at_level(logging.DEBUG):
        assert await _post(url, broken, SECRET) == 200
        async with aiohttp.ClientSession() as session:
            headers = {HEADER: SECRET}
            async with session.post(url, data=b"{not json", headers=headers) as answer:
                assert answer.status == 400
    assert "ignored a malformed webhook update (message, " in caplog.text
    assert "Kees" not in caplog.text
    assert await hooked.fake.replies_until_idle(USER, idle=0.3) == []


async def test_only_post_reaches_the_webhook(hooked: RunningBot) -> None:
    """GET on the webhook path is 405; unknown paths are 404."""
    assert (await _get(f"{hooked.web_url}/telegram"))[0] == 405
    assert (await _get(f"{hooked.web_url}/whatsapp"))[0] == 404


async def test_healthz_follows_the_scheduler(settings: Settings, clock: ManualClock) -> None:
    """/healthz is 200 while database, transport and scheduler are up; 503 once one stops."""
    async with FakeBotApi(token=TOKEN) as fake:
        ready = RunningBot(fake, settings, clock).settings  # token, fake URL, any port
        core = await open_core(ready, clock=clock)
        scheduler = Scheduler(core)
        service = TelegramService(core, scheduler, poll_timeout=1)
        await service.start()
        healthz = f"http://127.0.0.1:{service.web.port}/healthz"
        try:
            assert await _get(healthz) == (
                200,
                '{"database": "up", "telegram": "up", "scheduler": "up"}',
            )
            await scheduler.stop()
            status, body = await _get(healthz)
            assert (status, '"scheduler": "down"' in body) == (503, True)
        finally:
            await service.stop()
            await core.close()


async def test_healthz_follows_the_database(tg: RunningBot) -> None:
    """With the database gone /healthz answers 503 and names it."""
    assert tg.core is not None
    assert (await _get(f"{tg.web_url}/healthz"))[0] == 200
    await tg.core.repo.close()
    status, body = await _get(f"{tg.web_url}/healthz")
    assert status == 503
    assert '"database": "down"' in body


async def test_metrics_are_named_and_move(hooked: RunningBot) -> None:
    """/metrics lists every family; handled updates, latency and failures count up."""
    status, before_text = await _get(f"{hooked.web_url}/metrics")
    assert status == 200
    for name in (
        "sterk_updates_handled_total",
        "sterk_reply_latency_seconds_bucket",
        "sterk_inbox_depth",
        "sterk_scheduler_lateness_seconds",
        "sterk_cases_unclaimed",
        "sterk_cases_unclaimed_oldest_seconds",
        "sterk_broadcasts_sending",
        "process_resident_memory_bytes",
    ):
        assert name in before_text, name
    before = _samples(before_text)
    await hooked.say(USER, "/start")
    hooked.fake.block(USER)
    await hooked.tap(USER, "Nederlands")
    after = _samples((await _get(f"{hooked.web_url}/metrics"))[1])
    tg = (("channel", "telegram"),)
    handled = ("sterk_updates_handled_total", tg)
    latency = ("sterk_reply_latency_seconds_count", tg)
    blocked = ("sterk_delivery_failures_total", (("channel", "telegram"), ("kind", "unreachable")))
    assert after[handled] - before.get(handled, 0) == 2
    assert after[latency] - before.get(latency, 0) == 1
    assert after[blocked] - before.get(blocked, 0) >= 1
    assert after[("sterk_inbox_depth", ())] == 0
