"""WhatsApp end to end (issue 14): pywa_async against the local fake Graph API over HTTP, signed
webhook events from simulated users, the real web server, a real SQLite file."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.model import Reply
from tests.fakewa import texts
from tests.test_coach import PUBLIC_ROUTE
from tests.wakit import ONBOARDING_NL, VERIFY_TOKEN, RunningWhatsApp, running_whatsapp

pytestmark = pytest.mark.both_stores

PHONE = "31612345678"


@pytest.fixture
async def wa(settings: Settings, clock: ManualClock) -> AsyncIterator[RunningWhatsApp]:
    """The real bot on WhatsApp only (no Telegram token)."""
    async with running_whatsapp(settings, clock) as bot:
        yield bot
        assert not bot.fake.refused, f"the Graph API refused {bot.fake.refused}"


async def _get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as answer:
        return answer.status, await answer.text()


async def test_handshake_answers_the_challenge_only_to_the_right_token(
    wa: RunningWhatsApp,
) -> None:
    """GET /whatsapp: the right verify token gets hub.challenge back, a wrong one 403."""
    query = "hub.mode=subscribe&hub.challenge=1158201444"
    status, body = await _get(f"{wa.web_url}/whatsapp?{query}&hub.verify_token={VERIFY_TOKEN}")
    assert (status, body) == (200, "1158201444")
    status, _ = await _get(f"{wa.web_url}/whatsapp?{query}&hub.verify_token=guess")
    assert status == 403
    status, _ = await _get(f"{wa.web_url}/whatsapp?hub.mode=subscribe&hub.challenge=1")
    assert status == 403


async def test_unsigned_or_wrongly_signed_posts_are_refused_and_not_handled(
    wa: RunningWhatsApp,
) -> None:
    """POST /whatsapp: no signature 401, a wrong one 403 (also over re-serialised bytes)."""
    event = wa.fake.message_event(PHONE, {"type": "text", "text": {"body": "hoi café"}})
    assert await wa.fake.post(event, signature=None) == 401
    assert await wa.fake.post(event, signature="sha256=" + "0" * 64) == 403
    other = wa.fake.sign(json.dumps(event).encode(), secret="someone-else")
    assert await wa.fake.post(event, signature=other) == 403
    # Meta escapes non-ASCII as \\uXXXX; a signature over a re-encoded body must not pass.
    meta_bytes = json.dumps(event, separators=(",", ":")).encode()
    utf8 = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
    assert meta_bytes != utf8
    assert await wa.fake.post(event, raw=utf8, signature=wa.fake.sign(meta_bytes)) == 403
    await wa.fake.settle()
    assert wa.fake.sent == []
    assert wa.query("SELECT COUNT(*) FROM users") == [(0,)]
    assert wa.query("SELECT COUNT(*) FROM wa_inbox") == [(0,)]
    assert await wa.fake.post(event) == 200
    await wa.fake.settle()
    assert wa.fake.to(PHONE)


async def test_healthz_without_a_telegram_token(wa: RunningWhatsApp) -> None:
    """The web server runs for WhatsApp alone; /healthz names the WhatsApp transport."""
    status, body = await _get(f"{wa.web_url}/healthz")
    assert status == 200
    assert json.loads(body) == {"database": "up", "whatsapp": "up"}


async def test_coaching_walk_to_a_saved_plan(wa: RunningWhatsApp) -> None:
    """Onboarding and a whole coaching route by taps end in a stored plan; every call valid."""
    await wa.onboard(PHONE)
    shown = []
    for label in PUBLIC_ROUTE:
        shown = await wa.tap(PHONE, label)
        assert shown, f"no answer after {label!r}"
    assert "Jouw plan" in texts(shown)
    rows = wa.query("SELECT data FROM plans")
    assert [json.loads(str(data))["role"] for (data,) in rows] == ["bystander"]
    for sent in wa.fake.to(PHONE):
        if sent.type == "interactive" and sent.body["interactive"]["type"] == "button":
            assert len(sent.options()) <= 3


async def test_typed_words_work_like_commands(wa: RunningWhatsApp) -> None:
    """ "hulp", "/hulp", "menu" and "help" do what the Telegram commands do."""
    await wa.onboard(PHONE)
    for word in ("hulp", "/hulp", "Hulp!", "help"):
        assert "113" in texts(await wa.fake.text(PHONE, word)), word
    shown = await wa.fake.text(PHONE, "menu")
    assert any("haatdragends" in title for _, title, desc in wa.fake.last_options(PHONE)) or (
        "haatdragends" in " ".join(d for _, _, d in wa.fake.last_options(PHONE))
    ), texts(shown)


async def test_crisis_names_the_helpline(wa: RunningWhatsApp) -> None:
    """A crisis message in the middle of onboarding is answered with 113 and 112 at once."""
    await wa.fake.text(PHONE, "hoi")
    await wa.fake.tap(PHONE, "Nederlands")
    shown = texts(
        await wa.fake.text(PHONE, "ik zie het niet meer zitten, ik wil er een eind aan maken")
    )
    assert "113" in shown
    assert "112" in shown


async def test_media_gets_a_friendly_answer(wa: RunningWhatsApp) -> None:
    """Stickers, images, audio, locations and contact cards get an answer, never silence."""
    await wa.onboard(PHONE)
    for kind in ("sticker", "image", "audio", "location", "contacts"):
        shown = await wa.fake.media(PHONE, kind)
        assert shown, kind
        assert texts(shown).strip(), kind


@pytest.mark.sqlite_only  # scans the SQLite files
async def test_forget_removes_the_phone_number_from_every_file(wa: RunningWhatsApp) -> None:
    """ "vergeet mij" → confirm → the number is in no database file (db, -wal, -shm) any more."""
    await wa.onboard(PHONE)
    await wa.tap(PHONE, "🛑 Ik zie nu iets haatdragends")
    await wa.fake.text(PHONE, "vergeet mij")
    shown = await wa.fake.tap(PHONE, "Ja, wis alles")
    assert shown
    assert wa.query("SELECT COUNT(*) FROM users") == [(0,)]
    # While the bot runs (its status callbacks for the goodbye included) and after a stop.
    for path in wa.db_files():
        assert PHONE.encode() not in path.read_bytes(), path.name
    await wa.stop()
    for path in wa.db_files():
        assert PHONE.encode() not in path.read_bytes(), path.name
    await wa.start()


async def test_restart_mid_conversation_carries_on(wa: RunningWhatsApp) -> None:
    """Restarts in onboarding and half-way through coaching: the next tap on the buttons shown
    before the restart carries on where the person was, to a saved plan."""
    await wa.fake.text(PHONE, "hoi")
    await wa.fake.tap(PHONE, "Nederlands")
    await wa.restart()
    for label in ONBOARDING_NL[1:]:
        assert await wa.tap(PHONE, label), label
    half = len(PUBLIC_ROUTE) // 2
    for label in PUBLIC_ROUTE[:half]:
        await wa.tap(PHONE, label)
    await wa.restart()
    shown = []
    for label in PUBLIC_ROUTE[half:]:
        shown = await wa.tap(PHONE, label)
        assert shown, label
    assert "Jouw plan" in texts(shown)
    assert wa.query("SELECT COUNT(*) FROM plans") == [(1,)]


@pytest.mark.sqlite_only  # scans the SQLite files
async def test_duplicate_delivery_is_answered_once(wa: RunningWhatsApp) -> None:
    """Meta's retry of the same event, also two at the same moment, gets one answer."""
    event = wa.fake.message_event(PHONE, {"type": "text", "text": {"body": "hoi"}})
    wa.fake.last_inbound[PHONE] = wa.clock.now()
    statuses = await asyncio.gather(*(wa.fake.post(event) for _ in range(3)))
    assert statuses == [200, 200, 200]
    await wa.fake.settle()
    first = len(wa.fake.to(PHONE))
    assert first == 1
    await wa.restart()
    assert await wa.fake.post(event) == 200
    await wa.fake.settle()
    assert len(wa.fake.to(PHONE)) == first
    wamid = event["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    for path in wa.db_files():
        assert wamid.encode() not in path.read_bytes()


async def test_events_for_another_number_and_batches(wa: RunningWhatsApp) -> None:
    """A post for another business number is acknowledged and ignored; a post with two
    people's messages in it answers both."""
    other = wa.fake.message_event(PHONE, {"type": "text", "text": {"body": "hoi"}})
    other["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999"
    assert await wa.fake.post(other) == 200
    await wa.fake.settle()
    assert wa.fake.sent == []
    second = "31699988877"
    batch = wa.fake.message_event(PHONE, {"type": "text", "text": {"body": "hoi"}})
    extra = wa.fake.message_event(second, {"type": "text", "text": {"body": "hallo"}})
    value = batch["entry"][0]["changes"][0]["value"]
    value["contacts"] += extra["entry"][0]["changes"][0]["value"]["contacts"]
    value["messages"] += extra["entry"][0]["changes"][0]["value"]["messages"]
    wa.fake.last_inbound[PHONE] = wa.fake.last_inbound[second] = wa.clock.now()
    assert await wa.fake.post(batch) == 200
    await wa.fake.settle()
    assert len(wa.fake.to(PHONE)) == 1
    assert len(wa.fake.to(second)) == 1


async def test_an_event_kept_before_a_crash_is_answered_at_start(wa: RunningWhatsApp) -> None:
    """What was kept (Meta had its 200) but not handled when the process died is handled at
    the next start, once."""
    await wa.fake.text(PHONE, "hoi")
    await wa.stop()
    event = wa.fake.message_event(PHONE, {"type": "text", "text": {"body": "hulp"}})
    wa.fake.last_inbound[PHONE] = wa.clock.now()
    kept = json.dumps({"address": PHONE, "body": json.dumps(event)})
    wa.query(
        "INSERT INTO wa_inbox (event, chat, payload, received_at) VALUES ('k1', '-', ?, ?)",
        (kept, int(wa.clock.now().timestamp())),
    )
    before = len(wa.fake.to(PHONE))
    await wa.start()
    await wa.fake.settle()
    assert "113" in texts(wa.fake.to(PHONE)[before:])
    assert wa.query("SELECT payload FROM wa_inbox WHERE event = 'k1'") == [(None,)]


async def test_taps_and_statuses_in_older_shapes_are_understood(wa: RunningWhatsApp) -> None:
    """A button reply without `context`, contacts without `user_id` and a status without
    `contacts` (shapes pywa 4.5 cannot build) still reach the bot."""
    await wa.fake.text(PHONE, "hoi")
    option_id, title, _ = wa.fake.option(PHONE, "Nederlands")
    event = wa.fake.message_event(
        PHONE,
        {
            "type": "interactive",
            "interactive": {
                "type": "button_reply",
                "button_reply": {"id": option_id, "title": title},
            },
        },
    )
    value = event["entry"][0]["changes"][0]["value"]
    value["contacts"] = [{"profile": {"name": "Sam"}, "wa_id": PHONE}]
    assert await wa.fake.post(event) == 200
    await wa.fake.settle()
    assert wa.fake.option(PHONE, "Verder")  # onboarding went on in Dutch
    last = wa.fake.to(PHONE)[-1]
    status = wa.fake.status_event(PHONE, last.wamid, "read")
    status["entry"][0]["changes"][0]["value"].pop("contacts", None)
    assert await wa.fake.post(status) == 200
    await wa.fake.settle()
    assert wa.query("SELECT status FROM wa_outbox ORDER BY id DESC LIMIT 1") == [("read",)]


async def test_a_flood_gets_one_slow_down_line_then_silence(
    wa: RunningWhatsApp, clock: ManualClock
) -> None:
    """Issue 13 on WhatsApp too: of 40 messages at once 19 more are answered (the first was
    the greeting), the next gets one "rustig aan" line and the rest nothing; once the window
    has passed the person is answered again."""
    await wa.fake.text(PHONE, "hoi")
    mark = len(wa.fake.sent)
    events = [
        wa.fake.message_event(PHONE, {"type": "text", "text": {"body": f"spam {n}"}})
        for n in range(40)
    ]
    await asyncio.gather(*(wa.fake.post(event) for event in events))
    await wa.fake.settle()
    shown = texts([s for s in wa.fake.sent[mark:] if s.to == PHONE])
    assert shown.count("Dat antwoord begrijp ik niet helemaal") == 19
    assert shown.count("Rustig aan") == 1
    clock.advance(seconds=11)
    again = texts(await wa.fake.text(PHONE, "nog eentje"))
    assert "Dat antwoord begrijp ik niet helemaal" in again
    assert "Rustig aan" not in again


async def test_quiz_explainer_and_check_my_reply(wa: RunningWhatsApp) -> None:
    """The quiz, the explainer and 'check my reply' work by WhatsApp taps and typing."""
    await wa.onboard(PHONE)
    await wa.tap(PHONE, "🧠 Quiz: herken online haat")
    answer = await wa.fake.tap(PHONE, wa.fake.last_options(PHONE)[0][1])
    assert any(s in texts(answer) for s in ("Goed zo!", "Net niet."))
    assert wa.fake.option(PHONE, "Volgende vraag")
    await wa.fake.text(PHONE, "menu")
    shown = await wa.tap(PHONE, "⚖️ Vrije mening of haat?")
    assert "Met zes vragen" in texts(shown)
    assert [o[1] for o in wa.fake.last_options(PHONE)] == ["Ja", "Nee"]
    await wa.fake.text(PHONE, "menu")
    for label in PUBLIC_ROUTE[:8]:
        await wa.tap(PHONE, label)
    await wa.tap(PHONE, "✍️ Eerst mijn reactie checken")
    feedback = await wa.fake.text(PHONE, "Doe normaal, kankerlijer")
    assert "scheldwoord" in texts(feedback)
    assert wa.fake.option(PHONE, "Klaar, verder")


async def test_stop_typed_ends_messages_from_the_bot(
    wa: RunningWhatsApp, clock: ManualClock
) -> None:
    """ "stop" works like /stop: no more check-ins, and outside the window no template."""
    await wa.onboard(PHONE)
    assert "geen berichten meer" in texts(await wa.fake.text(PHONE, "stop"))
    assert wa.query("SELECT stopped FROM users") == [(1,)]
    assert wa.core is not None
    [user_id] = [row[0] for row in wa.query("SELECT id FROM users")]
    user = await wa.core.repo.user_by_id(int(str(user_id)))
    assert user is not None
    clock.advance(hours=30)
    mark = len(wa.fake.to(PHONE))
    await wa.transport.send_kind(user, [Reply("Hoe ging het?")], "checkin")
    await wa.fake.settle()
    assert wa.fake.to(PHONE)[mark:] == []
