"""Webhook mode and the error handler, through the real Telegram application."""

from __future__ import annotations

import aiohttp

from bot.app import WIRING
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.engine import Turn
from tests.e2e import RunningBot, texts
from tests.fakebot import FakeBotApi
from tests.process import SECRET, free_port

USER = 7770001


async def test_webhook_mode_receives_updates(settings: Settings, clock: ManualClock) -> None:
    """With a webhook URL the bot registers it with its secret and answers posted updates."""
    port = free_port()
    hooked = settings.model_copy(
        update={
            "webhook_url": f"http://127.0.0.1:{port}",
            "webhook_listen": "127.0.0.1",
            "webhook_port": port,
            "webhook_secret": SECRET,
        }
    )
    async with FakeBotApi(token="123456:TEST-token") as fake:
        bot = RunningBot(fake, hooked, clock)
        await bot.start()
        try:
            registered = fake.calls_of("setWebhook")[-1].params
            assert registered["url"] == f"http://127.0.0.1:{port}/telegram"
            assert registered["secret_token"] == SECRET
            update = {
                "update_id": 1,
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": USER, "type": "private"},
                    "from": {"id": USER, "is_bot": False, "first_name": "Sam"},
                    "text": "/start",
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                },
            }
            url = f"http://127.0.0.1:{port}/telegram"
            async with aiohttp.ClientSession() as session:
                async with session.post(url, json=update) as wrong:
                    assert wrong.status == 403  # no secret header: rejected
                headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
                async with session.post(url, json=update, headers=headers) as right:
                    assert right.status == 200
            calls = await fake.replies_until_idle(USER, idle=0.3)
            assert "In welke taal" in texts(calls)
        finally:
            await bot.stop()


async def test_error_in_a_step_tells_the_person(tg: RunningBot) -> None:
    """An unexpected error is logged and the person hears that something went wrong."""
    registry = WIRING.registry
    original = registry.commands["privacy"]

    async def broken(turn: Turn, args: str) -> None:
        raise RuntimeError("boom")

    registry.commands["privacy"] = broken
    try:
        calls = await tg.say(USER, "/privacy")
    finally:
        registry.commands["privacy"] = original
    assert "ging iets mis" in texts(calls)
    again = await tg.say(USER, "/start")
    assert "In welke taal" in texts(again)
