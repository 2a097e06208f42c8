"""End-to-end harness: the real bot (python-telegram-bot + core + SQLite) against the fake API.

`say` and `tap` return once the transport reports the update handled, its sends included (the
transport's `UpdateWatch`, implemented by the fake): no silence window, so a loaded machine
cannot make a test read the previous keyboard.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot.app import Core, open_core
from bot.config import Settings
from bot.core.clock import Clock
from bot.service import TelegramService
from bot.transports.telegram import TelegramTransport
from tests.fakebot import Call, FakeBotApi

os.environ.setdefault("PTB_TIMEDELTA", "true")
TOKEN = "123456:TEST-token"
IDLE = 0.15  # silence window for `fake.replies_until_idle` after the updates are handled
SETTLE = 30.0  # seconds before an update not handled is a failure (only a failure waits)


class RunningBot:
    """A bot process in miniature: open core, start the transport, stop, restart."""

    def __init__(self, fake: FakeBotApi, settings: Settings, clock: Clock) -> None:
        self.fake = fake
        update: dict[str, object] = {
            "telegram_bot_token": TOKEN,
            "telegram_api_base_url": fake.base_url,
        }
        if not settings.webhook_url:  # the web server still runs (health, metrics): any port
            update |= {"webhook_listen": "127.0.0.1", "webhook_port": 0}
        self.settings = settings.model_copy(update=update)
        self.clock = clock
        self.core: Core | None = None
        self.service: TelegramService | None = None
        self.transport: TelegramTransport | None = None

    async def start(self) -> None:
        """Open the database and start the web server and the transport (no scheduler)."""
        self.core = await open_core(self.settings, clock=self.clock)
        self.service = TelegramService(self.core, poll_timeout=1)
        self.transport = self.service.transport
        assert self.transport is not None, "the e2e harness runs the Telegram transport"
        self.transport.watch = self.fake  # say/tap wait for "handled", never for silence
        self.fake.track_handling(True)
        await self.service.start()

    async def stop(self) -> None:
        """Stop receiving and close the database, as a normal shutdown does."""
        self.fake.track_handling(False)
        if self.service is not None:
            await self.service.stop()
        if self.core is not None:
            await self.core.close()
        self.service, self.transport, self.core = None, None, None

    @property
    def web_url(self) -> str:
        """Base URL of the running bot's own web server (/healthz, /metrics, /telegram)."""
        assert self.service is not None
        return f"http://127.0.0.1:{self.service.web.port}"

    async def restart(self) -> None:
        """Stop and start again on the same database file."""
        await self.stop()
        await self.start()

    async def settle(self) -> None:
        """Wait until the bot has handled every update pushed so far, sends included."""
        await self.fake.settled(SETTLE)

    async def replies(self, user: int) -> list[Call]:
        """Once every update is handled: what the bot sent `user` since the last read."""
        await self.settle()
        return self.fake.unread(user)

    async def say(self, user: int, text: str, **kwargs: Any) -> list[Call]:
        """Type a message and collect everything the bot sends back."""
        self.fake.send_text(user, text, **kwargs)
        return await self.replies(user)

    async def tap(self, user: int, label: str) -> list[Call]:
        """Tap the button whose label contains `label` on the newest keyboard message."""
        data = self.button(user, label)
        self.fake.tap(user, data)
        return await self.replies(user)

    def button(self, user: int, label: str) -> str:
        """Callback data of the newest button whose label contains `label`."""
        for call in reversed(self.fake.sent_to(user)):
            markup = call.params.get("reply_markup")
            if not isinstance(markup, dict):
                continue
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if label.casefold() in str(button.get("text", "")).casefold():
                        return str(button["callback_data"])
            break
        raise AssertionError(f"no button like {label!r} in the last keyboard for {user}")


def texts(calls: list[Call]) -> str:
    """Everything the calls showed, joined for `in` assertions."""
    return "\n".join(
        str(call.params.get("text") or call.params.get("caption") or "") for call in calls
    )


@asynccontextmanager
async def running_bot(settings: Settings, clock: Clock) -> AsyncIterator[RunningBot]:
    """A fake Bot API plus the real bot polling it."""
    async with FakeBotApi(token=TOKEN) as fake:
        bot = RunningBot(fake, settings, clock)
        await bot.start()
        try:
            yield bot
        finally:
            await bot.stop()
