"""Broadcasts end to end: real python-telegram-bot against the fake Bot API, real SQLite, the
scheduler ticked and drained by hand on the injectable clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.config import Settings
from bot.core.clock import ManualClock
from bot.storage import broadcast as store
from tests.broadcastkit import lane, plan
from tests.driver import ChatDriver
from tests.e2e import RunningBot, running_bot, texts
from tests.fakebot import Call
from tests.staffkit import ADMIN, staff_settings

KEEN, OPTED_OUT, BLOCKER, OUTSIDER, STOPPER = 8001, 8002, 8003, 8004, 8005
TEXT = "<b>Doe mee</b> met de Social Cleanup Day & neem *vrienden* mee_! <a href='x'>"


@pytest.fixture
async def bot(settings: Settings, clock: ManualClock) -> AsyncIterator[RunningBot]:
    async with running_bot(staff_settings(settings), clock) as running:
        yield running


async def _young(tg: RunningBot, user: int, *, tag: bool, followups: bool = True) -> None:
    """Someone on Telegram who (maybe) opened the group link; onboarded through the engine."""
    assert tg.core is not None
    chat = ChatDriver(tg.core, user=str(user), channel="telegram")
    if tag:
        await chat.send("/start tag_scd-utrecht")
    await chat.onboard(followups=followups)


def _markup(call: Call) -> list[tuple[str, str]]:
    markup = call.params.get("reply_markup") or {}
    return [
        (button["text"], button.get("callback_data") or button.get("url"))
        for row in markup.get("inline_keyboard", [])
        for button in row
    ]


def _got_broadcast(tg: RunningBot, user: int) -> list[Call]:
    return [c for c in tg.fake.sent_to(user) if c.params.get("text") == TEXT]


async def test_compose_preview_confirm_deliver_and_report(bot: RunningBot) -> None:
    """A coordinator composes, previews and confirms; only opted-in members of the tag get it
    (plain text, nothing parsed), opted-out, stopped and blocked people are skipped or counted,
    an answer is counted, and the report in the chat adds up."""
    tg = bot
    made = await tg.say(ADMIN, "/tag scd-utrecht Social Cleanup Day Utrecht", first_name="Ada")
    assert "https://t.me/sterk_test_bot?start=tag_scd-utrecht" in texts(made)
    joined = await tg.say(KEEN, "/start tag_scd-utrecht")
    assert "Je hoort nu bij de groep Social Cleanup Day Utrecht" in texts(joined)
    for label in ("Nederlands", "Verder", "Oké, verder", "16 jaar", "Ja, graag", "Ja", "Overslaan"):
        await tg.tap(KEEN, label)
    await _young(tg, OPTED_OUT, tag=True, followups=False)
    await _young(tg, BLOCKER, tag=True)
    await _young(tg, STOPPER, tag=True)
    await _young(tg, OUTSIDER, tag=False)

    await tg.say(ADMIN, "/bericht")
    await tg.say(ADMIN, TEXT)
    await tg.say(ADMIN, "Aanmelden https://example.org/scd")
    await tg.tap(ADMIN, "Ja, met knoppen")
    await tg.tap(ADMIN, "Een groep")
    await tg.tap(ADMIN, "scd-utrecht")
    shown = await tg.tap(ADMIN, "Nee, altijd sturen")
    preview = next(call for call in shown if call.params.get("text") == TEXT)
    assert "parse_mode" not in preview.params
    assert _markup(preview) == [
        ("Aanmelden", "https://example.org/scd"),
        ("🙋 Ik doe mee", "bc:0:in"),
        ("Deze keer niet", "bc:0:out"),
    ]
    assert "Ontvangers nu: 3 (groep scd-utrecht)" in texts(shown)
    confirm = await tg.tap(ADMIN, "Verstuur nu")
    assert "nu meteen naar groep scd-utrecht: nu 3 ontvangers" in texts(confirm)
    assert "wordt verstuurd" in texts(await tg.tap(ADMIN, "Ja, verstuur"))

    assert tg.core is not None
    tg.fake.block(BLOCKER)
    sched, mark = lane(tg.core, tg.clock), tg.fake.mark()
    await sched.tick()  # starts it and posts the status message
    [status] = await tg.fake.wait_for("sendMessage", chat_id=ADMIN, since=mark)
    assert "0 van 3" in str(status.params["text"])
    await tg.say(STOPPER, "/stop")
    assert await sched.drain() == 2
    [sent] = _got_broadcast(tg, KEEN)
    assert "parse_mode" not in sent.params
    assert "allow_paid_broadcast" not in sent.params  # an opt-in: off by default
    assert [data for _label, data in _markup(sent)][1:] == ["bc:1:in", "bc:1:out"]
    for user in (OPTED_OUT, BLOCKER, OUTSIDER, STOPPER):
        assert _got_broadcast(tg, user) == []
    refused = [c for c in tg.fake.calls_of("sendMessage") if c.chat_id == BLOCKER and not c.ok]
    assert [c.status for c in refused] == [403]

    answered = await tg.tap(KEEN, "Ik doe mee")
    assert "je doet mee" in texts(answered)
    await sched.tick()  # nothing left to send: the status message becomes the report
    [report] = await tg.fake.wait_for("editMessageText", chat_id=ADMIN, ok=True)
    assert report.params["message_id"] == status.result["message_id"]
    for line in ("Verslag van bericht #1", "Verstuurd: 1", "Overgeslagen: 1", "Geblokkeerd: 1"):
        assert line in str(report.params["text"])
    assert "Ik doe mee: 1 · Deze keer niet: 0" in str(report.params["text"])
    found = await store.get(tg.core.repo, 1)
    assert found is not None
    assert found.final == store.Tally(sent=1, skipped=1, blocked=1)


async def test_a_report_the_bot_api_refused_is_shown_on_a_later_tick(bot: RunningBot) -> None:
    """A broadcast without answer buttons whose report edit fails (Bot API 5xx at that moment):
    the next tick shows the report after all, and once shown it is not sent again."""
    tg = bot
    assert tg.core is not None
    await tg.say(ADMIN, "/start", first_name="Ada")
    await _young(tg, KEEN, tag=False)
    loaded = await tg.core.repo.load("telegram", str(ADMIN))
    assert loaded is not None
    await plan(tg.core, loaded[0].id, text="Doe mee", responses=False)
    sched, mark = lane(tg.core, tg.clock), tg.fake.mark()
    await sched.tick()  # starts it and posts the status message
    await tg.fake.wait_for("sendMessage", chat_id=ADMIN, since=mark)
    assert await sched.drain() == 1
    tg.fake.set_outage("502", methods=["editMessageText", "sendMessage"])
    await sched.tick()  # done, but the report cannot be shown now
    assert [c for c in tg.fake.calls_of("editMessageText") if c.ok] == []
    found = await store.get(tg.core.repo, 1)
    assert found is not None
    assert found.status == "done"
    tg.fake.set_outage(None)
    await sched.tick()
    [report] = await tg.fake.wait_for("editMessageText", chat_id=ADMIN, ok=True)
    assert "Verstuurd: 1" in str(report.params["text"])
    await sched.tick()
    assert len([c for c in tg.fake.calls_of("editMessageText") if c.ok]) == 1


async def test_paid_broadcasts_are_used_for_broadcast_messages_only(
    settings: Settings, clock: ManualClock
) -> None:
    """STERK_TELEGRAM_PAID_BROADCAST on: the broadcast message goes with allow_paid_broadcast
    (Telegram bills it in Stars above the free limits); chat replies and the status never do."""
    paid = staff_settings(settings).model_copy(update={"telegram_paid_broadcast": True})
    async with running_bot(paid, clock) as tg:
        assert tg.core is not None
        await tg.say(ADMIN, "/start", first_name="Ada")
        await _young(tg, KEEN, tag=False)
        loaded = await tg.core.repo.load("telegram", str(ADMIN))
        assert loaded is not None
        await plan(tg.core, loaded[0].id, text=TEXT, responses=False)
        sched = lane(tg.core, tg.clock)
        await sched.tick()
        assert await sched.drain() == 1
        [sent] = _got_broadcast(tg, KEEN)
        assert sent.params["allow_paid_broadcast"] is True
        others = [c for c in tg.fake.calls_of("sendMessage") if c is not sent]
        assert others
        assert all("allow_paid_broadcast" not in c.params for c in others)
