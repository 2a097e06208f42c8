"""The real `sterk-online` process on WhatsApp only (no Telegram token): handshake, a signed
message answered, SIGKILL while answering and the event answered once after the restart."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from bot.core.clock import SystemClock
from tests.e2e import TOKEN
from tests.fakebot import FakeBotApi
from tests.fakewa import FakeWhatsApp
from tests.process import BotProcess

PHONE = "31655544433"
VERIFY = "process-verify-token"


def _whatsapp_only(fake_bot: FakeBotApi, wa: FakeWhatsApp, folder: Path) -> BotProcess:
    return BotProcess(
        fake_bot,
        folder,
        webhook=False,
        TELEGRAM_BOT_TOKEN="",
        WHATSAPP_ACCESS_TOKEN=wa.token,
        WHATSAPP_PHONE_NUMBER_ID=wa.phone_number_id,
        WHATSAPP_APP_SECRET=wa.app_secret,
        WHATSAPP_VERIFY_TOKEN=VERIFY,
        WHATSAPP_API_BASE_URL=wa.base_url,
        STERK_LOG_LEVEL="DEBUG",
    )


async def test_whatsapp_only_process_survives_a_kill_mid_answer(tmp_path: Path) -> None:
    """Started by `python -m bot` with only WHATSAPP_* set; killed while its answer hangs, the
    restarted process answers the kept event exactly once; its DEBUG log holds no number."""
    async with FakeBotApi(token=TOKEN) as fake_bot, FakeWhatsApp(now=SystemClock().now) as wa:
        bot = _whatsapp_only(fake_bot, wa, tmp_path)
        await bot.start()
        wa.webhook_url = f"{bot.url}/whatsapp"
        query = f"hub.mode=subscribe&hub.challenge=42&hub.verify_token={VERIFY}"
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{bot.url}/whatsapp?{query}") as r,
        ):
            assert (r.status, await r.text()) == (200, "42")
        wa.hang_next = True
        wa.last_inbound[PHONE] = wa.now()
        assert (
            await wa.post(wa.message_event(PHONE, {"type": "text", "text": {"body": "hoi"}})) == 200
        )
        async with asyncio.timeout(60):
            await wa.hung.wait()
        await bot.kill()
        assert wa.to(PHONE) == []

        await bot.start()
        try:
            sent = await wa.wait_sent(PHONE, 1, timeout=60)
            await wa.post(wa.message_event(PHONE, {"type": "text", "text": {"body": "hulp"}}))
            await wa.wait_sent(PHONE, 2, timeout=60)
        finally:
            await bot.stop()
    assert "In welke taal" in sent[0].text
    assert [s.text for s in wa.to(PHONE)].count(sent[0].text) == 1
    assert not wa.refused
    log = bot.log()
    assert PHONE not in log
    assert "wamid." not in log
