"""Staff across channels (issue 14, item 7): a young person on WhatsApp, peer educators on
Telegram, in one process: Telegram's fake Bot API and the fake Graph API side by side."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.config import Settings
from bot.core.clock import ManualClock
from tests.e2e import RunningBot, texts
from tests.fakebot import JPEG, FakeBotApi
from tests.fakewa import FakeWhatsApp
from tests.fakewa import texts as wa_texts
from tests.staffkit import ADMIN, GROUP, staff_settings
from tests.wakit import VERIFY_TOKEN

PHONE = "31611122233"
NOOR = 7102
IDLE = 0.15


class Both:
    """One bot process on Telegram and WhatsApp."""

    def __init__(self, tg: RunningBot, wa: FakeWhatsApp) -> None:
        self.tg = tg
        self.wa = wa

    async def tap(self, label: str) -> None:
        """Tap as the WhatsApp user, by the label WhatsApp shows (full or short)."""
        assert self.tg.service is not None
        assert self.tg.service.whatsapp is not None
        short = self.tg.service.whatsapp.labels("nl").short.get(label, label)
        titles = " ".join(o[1] + " " + o[2] for o in self.wa.last_options(PHONE))
        await self.wa.tap(PHONE, label if label in titles else short)


@pytest.fixture
async def both(settings: Settings, clock: ManualClock) -> AsyncIterator[Both]:
    async with FakeBotApi(token="123456:TEST-token") as bot_api, FakeWhatsApp(now=clock.now) as wa:
        combined = staff_settings(settings).model_copy(
            update={
                "whatsapp_access_token": wa.token,
                "whatsapp_phone_number_id": wa.phone_number_id,
                "whatsapp_app_secret": wa.app_secret,
                "whatsapp_verify_token": VERIFY_TOKEN,
                "whatsapp_api_base_url": wa.base_url,
            }
        )
        tg = RunningBot(bot_api, combined, clock)
        await tg.start()
        assert tg.service is not None
        assert tg.service.whatsapp is not None
        wa.webhook_url = f"{tg.web_url}/whatsapp"
        wa.bot_idle = tg.service.whatsapp.idle
        try:
            yield Both(tg, wa)
        finally:
            await tg.stop()
        assert not wa.refused, wa.refused


async def test_whatsapp_person_and_telegram_educator(both: Both) -> None:
    """Case card, claim, relay both ways (text, and a photo re-uploaded), close and rating."""
    tg, wa = both.tg, both.wa
    calls = await tg.say(ADMIN, "/uitnodigen peer", first_name="Ada")
    link = texts(calls).split("https://t.me/sterk_test_bot?start=")[1].split()[0]
    assert "Welkom in het team" in texts(await tg.say(NOOR, f"/start {link}", first_name="Noor"))
    await tg.say(NOOR, "/naam Noor", first_name="Noor")  # the name young people see (issue 12)

    await wa.text(PHONE, "hoi")
    for label in ("Nederlands", "Verder", "Oké, verder", "16 jaar of ouder", "Ja", "Ja"):
        await both.tap(label)
    await both.tap("Overslaan")
    await both.tap("💬 Praat met een peer educator")
    await both.tap("Ja, graag")
    await wa.tap(PHONE, "Het gaat om mij")
    [card] = await tg.fake.replies_until_idle(GROUP, idle=IDLE)
    assert "Jongere #" in card.params["text"]
    waiting = await wa.text(PHONE, "Ze schelden me uit in de comments.")
    assert "Je bericht staat klaar" in wa_texts(waiting)

    tg.fake.tap(NOOR, tg.button(GROUP, "Ik pak"), chat_id=GROUP)
    briefing = await tg.fake.replies_until_idle(NOOR, idle=IDLE)
    await wa.settle()
    assert "Noor (peer educator) is er nu voor je" in wa_texts(wa.to(PHONE))
    assert "Ze schelden me uit in de comments." in texts(briefing)  # the backlog, as text
    assert tg.fake.calls_of("copyMessage") == []

    await wa.text(PHONE, "Het is op Snapchat begonnen.")
    relayed = await tg.fake.replies_until_idle(NOOR, idle=IDLE)
    assert "Het is op Snapchat begonnen." in texts(relayed)
    await wa.media(PHONE, "image", caption="screenshot")
    photos = await tg.fake.replies_until_idle(NOOR, idle=IDLE)
    assert [c.method for c in photos] == ["sendPhoto"]
    assert wa.downloads == 1  # downloaded from Meta and uploaded to Telegram, not linked
    await wa.media(PHONE, "document", caption="bewijs")
    files = await tg.fake.replies_until_idle(NOOR, idle=IDLE)
    assert [c.method for c in files] == ["sendDocument"]
    assert tg.fake.uploads[files[0].result["document"]["file_id"]].content.startswith(b"%PDF")

    mark = len(wa.to(PHONE))
    sent = await tg.say(NOOR, "Wat rot. Heb je screenshots?", first_name="Noor")
    assert texts(sent).startswith("→ Jongere #")  # where it went (issue 12)
    await wa.settle()
    answer = wa.to(PHONE)[mark:]
    assert "Noor: Wat rot. Heb je screenshots?" in wa_texts(answer)

    mark = len(wa.to(PHONE))  # the educator's photo and PDF: downloaded, uploaded to Meta
    tg.fake.send_photo(NOOR, caption="Zo maak je een screenshot")
    assert "→ Jongere #" in texts(await tg.replies(NOOR))
    tg.fake.send_document(NOOR, file_name="stappen.pdf")
    assert "→ Jongere #" in texts(await tg.replies(NOOR))
    await wa.settle()
    media = [s for s in wa.to(PHONE)[mark:] if s.type in ("image", "document")]
    assert [s.type for s in media] == ["image", "document"]
    assert media[0].text == "Noor: Zo maak je een screenshot"
    assert wa.uploads[media[0].body["image"]["id"]] == ("image/jpeg", "image.jpg", JPEG)
    mime, name, data = wa.uploads[media[1].body["document"]["id"]]
    assert (mime, name, media[1].body["document"]["filename"]) == (
        "application/pdf",
        "stappen.pdf",
        "stappen.pdf",
    )
    assert data.startswith(b"%PDF")
    assert all("link" not in s.body[s.type] for s in media)
    assert tg.fake.file_downloads == 2

    await tg.say(NOOR, "/sluit geholpen", first_name="Noor")
    await wa.settle()
    assert "Noor heeft het gesprek afgesloten" in wa_texts(wa.to(PHONE))
    thanks = await wa.tap(PHONE, "4")
    assert "Dank je wel" in wa_texts(thanks)

    assert tg.core is not None
    [case] = await tg.core.repo.fetch("SELECT status, outcome, rating FROM cases")
    assert case == ("closed", "helped", 4)
    stats = await tg.say(ADMIN, "/cijfers")  # figures, chart and export for staff
    assert stats
    [(external,)] = await tg.core.repo.fetch(
        "SELECT external_id FROM users WHERE channel = ?", ("whatsapp",)
    )
    for call in tg.fake.calls:  # everything staff saw: cards, relays, figures, files
        assert PHONE not in str(call.params)
        assert str(external) not in str(call.params)  # not even the hash: the pseudonym
    for upload in tg.fake.uploads.values():
        assert PHONE.encode() not in upload.content
        assert str(external).encode() not in upload.content


async def test_a_location_in_the_talk_conversation_is_not_passed_on(both: Both) -> None:
    """A WhatsApp location or contact card never reaches the educator; the young person is
    told so (no 'send anyway' that cannot work), with the way back and end."""
    tg, wa = both.tg, both.wa
    calls = await tg.say(ADMIN, "/uitnodigen peer", first_name="Ada")
    link = texts(calls).split("https://t.me/sterk_test_bot?start=")[1].split()[0]
    await tg.say(NOOR, f"/start {link}", first_name="Noor")
    await wa.text(PHONE, "hoi")
    for label in ("Nederlands", "Verder", "Oké, verder", "16 jaar of ouder", "Ja", "Ja"):
        await both.tap(label)
    await both.tap("Overslaan")
    await both.tap("💬 Praat met een peer educator")
    await both.tap("Ja, graag")
    await wa.tap(PHONE, "Het gaat om mij")
    await tg.fake.replies_until_idle(GROUP, idle=IDLE)
    tg.fake.tap(NOOR, tg.button(GROUP, "Ik pak"), chat_id=GROUP)
    await tg.fake.replies_until_idle(NOOR, idle=IDLE)
    await wa.settle()
    for kind in ("location", "contacts"):
        shown = await wa.media(PHONE, kind)
        assert "stuur ik niet door" in wa_texts(shown), kind
        assert all("Toch sturen" not in o[1] for o in wa.last_options(PHONE))
        assert await tg.fake.replies_until_idle(NOOR, idle=IDLE) == []
    shown = await wa.text(PHONE, "Ik woon in Utrecht.")
    assert "Ik woon in Utrecht." in texts(await tg.fake.replies_until_idle(NOOR, idle=IDLE))
