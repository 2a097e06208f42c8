"""The bot process: the web server, the Telegram and/or WhatsApp transport and the scheduler,
started and stopped in the one order that loses nothing. `sterk-online` and the end-to-end
tests both run it, so the tests exercise the composition that ships.

Start: the web server listens first (health and metrics answer from the first second; webhook
posts are kept in the inbox and queued), then the transports replay their inboxes and start
polling or register their webhook, then the scheduler. Telegram runs when TELEGRAM_BOT_TOKEN
is set, WhatsApp when the WHATSAPP_* settings are; both can run in one process. Stop in
reverse: the scheduler hands back its claims, the web server stops taking posts, the
transports finish what they are handling.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.app import Core
from bot.transports.telegram import TelegramTransport
from bot.web import metrics
from bot.web.server import WebServer
from scheduler.service import Scheduler

if TYPE_CHECKING:
    from bot.transports.whatsapp import WhatsAppTransport


class BotService:
    """Everything one bot process runs; `scheduler=None` leaves timing to a test."""

    def __init__(
        self, core: Core, scheduler: Scheduler | None = None, *, poll_timeout: int = 10
    ) -> None:
        self.core = core
        self.scheduler = scheduler
        self.poll_timeout = poll_timeout
        settings = core.settings
        self.web = WebServer(settings.webhook_listen, settings.webhook_port, self._metrics)
        self.telegram = TelegramTransport(core) if settings.telegram_bot_token else None
        self.whatsapp: WhatsAppTransport | None = None
        self.web.add_check("database", self._database_up)
        if self.telegram is not None:
            self.telegram.serve_on(self.web)
            self.web.add_check("telegram", self._transport_up)
        if settings.whatsapp_enabled:
            from bot.transports.whatsapp import WhatsAppTransport  # pywa only when configured

            self.whatsapp = WhatsAppTransport(core)
            self.whatsapp.serve_on(self.web)
            self.web.add_check("whatsapp", self._whatsapp_up)
        if scheduler is not None:
            self.web.add_check("scheduler", self._scheduler_up)

    async def _metrics(self) -> bytes:
        return await metrics.exposition(self.core.repo, self.core.clock.now())

    async def _database_up(self) -> bool:
        return await self.core.repo.fetch_one("SELECT 1") == (1,)

    @property
    def transport(self) -> TelegramTransport:
        """The Telegram transport, for callers that run on Telegram (e.g. the e2e tests)."""
        if self.telegram is None:
            raise RuntimeError("TELEGRAM_BOT_TOKEN is not set: this process runs no Telegram")
        return self.telegram

    async def _transport_up(self) -> bool:
        return self.telegram is not None and self.telegram.running()

    async def _whatsapp_up(self) -> bool:
        return self.whatsapp is not None and self.whatsapp.running()

    async def _scheduler_up(self) -> bool:
        return self.scheduler is not None and self.scheduler.is_up

    async def start(self) -> None:
        """Listen, then receive updates, then deliver what is due."""
        await self.web.start()
        try:
            if self.whatsapp is not None:
                await self.whatsapp.start()
            if self.telegram is not None:
                await self.telegram.start(poll_timeout=self.poll_timeout)
        except BaseException:  # e.g. setWebhook refused: release the port and the sessions
            await self.web.stop()
            await self._stop_transports()
            raise
        if self.scheduler is not None:
            self.scheduler.start()

    async def stop(self) -> None:
        """Stop in reverse order; every step runs even if an earlier one failed."""
        try:
            if self.scheduler is not None:
                await self.scheduler.stop()
        finally:
            try:
                await self.web.stop()
            finally:
                await self._stop_transports()

    async def _stop_transports(self) -> None:
        try:
            if self.telegram is not None:
                await self.telegram.stop()
        finally:
            if self.whatsapp is not None:
                await self.whatsapp.stop()


TelegramService = BotService  # the name tests and older callers use
