"""The bot process on Telegram: the web server, the Telegram transport and the scheduler, started
and stopped in the one order that loses nothing. `sterk-online` and the end-to-end tests both
run it, so the tests exercise the composition that ships.

Start: the web server listens first (health and metrics answer from the first second; webhook
posts are kept in the inbox and queued), then the transport replays the inbox and starts polling
or registers its webhook, then the scheduler. Stop in reverse: the scheduler hands back its
claims, the web server stops taking posts, the transport finishes what it is handling.
"""

from __future__ import annotations

from bot.app import Core
from bot.transports.telegram import TelegramTransport
from bot.web import metrics
from bot.web.server import WebServer
from scheduler.service import Scheduler


class TelegramService:
    """Everything one Telegram bot process runs; `scheduler=None` leaves timing to a test."""

    def __init__(
        self, core: Core, scheduler: Scheduler | None = None, *, poll_timeout: int = 10
    ) -> None:
        self.core = core
        self.scheduler = scheduler
        self.poll_timeout = poll_timeout
        settings = core.settings
        self.web = WebServer(settings.webhook_listen, settings.webhook_port, self._metrics)
        self.transport = TelegramTransport(core)
        self.transport.serve_on(self.web)
        self.web.add_check("database", self._database_up)
        self.web.add_check("telegram", self._transport_up)
        if scheduler is not None:
            self.web.add_check("scheduler", self._scheduler_up)

    async def _metrics(self) -> bytes:
        return await metrics.exposition(self.core.repo, self.core.clock.now())

    async def _database_up(self) -> bool:
        return await self.core.repo.fetch_one("SELECT 1") == (1,)

    async def _transport_up(self) -> bool:
        return self.transport.running()

    async def _scheduler_up(self) -> bool:
        return self.scheduler is not None and self.scheduler.is_up

    async def start(self) -> None:
        """Listen, then receive updates, then deliver what is due."""
        await self.web.start()
        try:
            await self.transport.start(poll_timeout=self.poll_timeout)
        except BaseException:  # e.g. setWebhook refused: release the port and the sessions
            await self.web.stop()
            await self.transport.stop()
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
                await self.transport.stop()
