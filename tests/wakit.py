"""The real bot on WhatsApp: BotService with pywa_async against tests/fakewa.py over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.app import Core, open_core
from bot.config import Settings
from bot.core.clock import Clock
from bot.service import BotService
from bot.transports.whatsapp import WhatsAppTransport
from tests import stores
from tests.fakewa import FakeWhatsApp, Sent

VERIFY_TOKEN = "verify-me-please"
ONBOARDING_NL = ["Nederlands", "Verder", "Oké, verder", "16 jaar of ouder", "Ja", "Ja", "Overslaan"]


class RunningWhatsApp:
    """A bot process on WhatsApp in miniature: start, stop, restart on the same database."""

    def __init__(self, fake: FakeWhatsApp, settings: Settings, clock: Clock) -> None:
        self.fake = fake
        self.settings = settings.model_copy(
            update={
                "whatsapp_access_token": fake.token,
                "whatsapp_phone_number_id": fake.phone_number_id,
                "whatsapp_app_secret": fake.app_secret,
                "whatsapp_verify_token": VERIFY_TOKEN,
                "whatsapp_api_base_url": fake.base_url,
                "webhook_listen": "127.0.0.1",
                "webhook_port": 0,
            }
        )
        self.clock = clock
        self.core: Core | None = None
        self.service: BotService | None = None

    @property
    def transport(self) -> WhatsAppTransport:
        assert self.service is not None
        assert self.service.whatsapp is not None
        return self.service.whatsapp

    async def start(self) -> None:
        """Open the database, then the web server and the WhatsApp transport (no scheduler)."""
        self.core = await open_core(self.settings, clock=self.clock)
        self.service = BotService(self.core)
        self.transport.backoff = 0.05
        await self.service.start()
        self.fake.webhook_url = f"{self.web_url}/whatsapp"
        self.fake.bot_idle = self.transport.idle

    async def stop(self) -> None:
        """A normal shutdown."""
        if self.service is not None:
            await self.service.stop()
        if self.core is not None:
            await self.core.close()
        self.service, self.core = None, None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    @property
    def web_url(self) -> str:
        assert self.service is not None
        return f"http://127.0.0.1:{self.service.web.port}"

    async def onboard(self, phone: str) -> list[Sent]:
        """Walk onboarding in Dutch, opting in to check-ins and follow-ups."""
        await self.fake.text(phone, "hoi")
        shown: list[Sent] = []
        for label in ONBOARDING_NL:
            shown = await self.tap(phone, label)
        return shown

    async def tap(self, phone: str, label: str, lang: str = "nl") -> list[Sent]:
        """Tap by a label as content has it: WhatsApp may show its short form instead."""
        short = self.transport.labels(lang).short.get(label, label)
        visible = [o for option in self.fake.last_options(phone) for o in option[1:]]
        wanted = label if any(label.casefold() in v.casefold() for v in visible) else short
        return await self.fake.tap(phone, wanted)

    def db_files(self) -> list[Path]:
        base = Path(self.settings.db_path)
        return [p for p in (base, Path(f"{base}-wal"), Path(f"{base}-shm")) if p.exists()]

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        return stores.query(self.settings, sql, params)


@asynccontextmanager
async def running_whatsapp(settings: Settings, clock: Clock) -> AsyncIterator[RunningWhatsApp]:
    """The fake Graph API plus the real bot taking its webhook posts."""
    async with FakeWhatsApp(now=clock.now) as fake:
        bot = RunningWhatsApp(fake, settings, clock)
        await bot.start()
        try:
            yield bot
        finally:
            await bot.stop()
