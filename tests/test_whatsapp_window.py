"""WhatsApp's 24-hour window, templates, failed statuses and rate limits (issue 14, items 4-6),
with a manual clock, the real scheduler tick, pywa_async and the strict fake Graph API."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.delivery import DeliveryFailed
from bot.core.model import Reply
from bot.flows.checkin import checkin_due
from bot.storage import coach, scheduled
from bot.storage import whatsapp as wa_store
from bot.storage.checkins import outcomes_of
from bot.storage.repository import User
from scheduler.service import Scheduler
from tests.fakebot import JPEG
from tests.fakewa import texts
from tests.wakit import ONBOARDING_NL, RunningWhatsApp, running_whatsapp

PHONE = "31687654321"
PLAN = {"role": "bystander", "approach": "ask_question", "report": "yes"}


@pytest.fixture
async def wa(settings: Settings, clock: ManualClock) -> AsyncIterator[RunningWhatsApp]:
    """The real bot on WhatsApp; every message it sends must pass the fake's checks."""
    async with running_whatsapp(settings, clock) as bot:
        yield bot
        assert not bot.fake.refused, f"the Graph API refused {bot.fake.refused}"


async def _person(wa: RunningWhatsApp) -> User:
    await wa.onboard(PHONE)
    assert wa.core is not None
    user = next(iter(await wa.core.repo.fetch("SELECT id FROM users")))[0]
    await wa.core.repo.cancel_scheduled(user, ("selfreport",), wa.clock.now())
    found = await wa.core.repo.user_by_id(user)
    assert found is not None
    return found


async def test_checkin_outside_the_window_goes_as_template_then_arrives(
    wa: RunningWhatsApp, clock: ManualClock
) -> None:
    """Three days later the check-in may not be sent free-form: a template says something
    waits; tapping it brings the check-in, which is answered as on Telegram."""
    user = await _person(wa)
    assert wa.core is not None
    plan_id = await coach.save_plan(wa.core.repo, user.id, PLAN, clock.now())
    due = checkin_due(wa.core.settings, clock.now(), 3)
    await coach.schedule_checkin(wa.core.repo, user.id, plan_id, due, clock.now())
    mark = len(wa.fake.to(PHONE))
    clock.set(due)
    await Scheduler(wa.core).tick()
    await wa.fake.settle()
    pushed = wa.fake.to(PHONE)[mark:]
    assert [s.type for s in pushed] == ["template"]
    template = pushed[0].body["template"]
    assert template["name"] == "sterk_checkin_klaar"  # the check-in's own template
    assert template["language"]["code"] == "nl"
    assert (await wa_store.delivery_counts(wa.core.repo))["held"] == 1
    await Scheduler(wa.core).tick()  # nothing more is due, and no second template
    await wa.fake.settle()
    assert len(wa.fake.to(PHONE)) == mark + 1
    shown = await wa.fake.template_tap(PHONE, "wa:open")
    assert "Hoe ging het?" in texts(shown)
    await wa.tap(PHONE, "🤝 Steun gezocht of gegeven")
    await wa.fake.tap(PHONE, "2")
    await wa.fake.text(PHONE, "Ik stuurde een privébericht")
    assert await outcomes_of(wa.core.repo, user.id) == [
        ("supported", 2, "Ik stuurde een privébericht")
    ]


async def test_the_self_report_reminder_goes_as_its_own_template(
    wa: RunningWhatsApp, clock: ManualClock
) -> None:
    """A scheduled self-report round outside the window: the reminder template, whose tap
    brings the question."""
    user = await _person(wa)
    assert wa.core is not None
    due = checkin_due(wa.core.settings, clock.now(), 2)
    await scheduled.schedule(wa.core.repo, "selfreport", user.id, due, clock.now(), {"round": 1})
    mark = len(wa.fake.to(PHONE))
    clock.set(due)
    await Scheduler(wa.core).tick()
    await wa.fake.settle()
    [pushed] = wa.fake.to(PHONE)[mark:]
    assert pushed.body["template"]["name"] == "sterk_herinnering"
    shown = await wa.fake.template_tap(PHONE, "wa:open", text="Bekijken")
    assert "4 korte vragen" in texts(shown)


async def test_each_kind_has_its_template_and_its_opt_in(
    wa: RunningWhatsApp, clock: ManualClock
) -> None:
    """Outside the window a check-in's template goes only to people who chose check-ins, a
    broadcast's (the news template, in the person's language) to people who follow updates;
    what waited arrives in order after the tap either way."""
    user = await _person(wa)
    assert wa.core is not None
    clock.advance(hours=30)
    mark = len(wa.fake.to(PHONE))
    user.checkins, user.followups = False, True
    await wa.transport.send_kind(user, [Reply("Hoe ging het?")], "checkin")
    await wa.fake.settle()
    assert wa.fake.to(PHONE)[mark:] == []  # not opted in to check-ins: no template
    user.language = "en"
    await wa.transport.send_kind(user, [Reply("News from the team")], "broadcast")
    await wa.fake.settle()
    [news] = wa.fake.to(PHONE)[mark:]
    assert news.body["template"]["name"] == "sterk_nieuws"
    assert news.body["template"]["language"]["code"] == "en"
    shown = await wa.fake.template_tap(PHONE, "wa:open", text="Read")
    assert [s.text for s in shown] == ["Hoe ging het?", "News from the team"]


async def test_without_opt_in_nothing_is_sent_but_nothing_is_lost(
    wa: RunningWhatsApp, clock: ManualClock
) -> None:
    """Someone who did not opt in gets no template; the message waits until they write."""
    user = await _person(wa)
    assert wa.core is not None
    user.checkins = user.followups = False
    clock.advance(hours=30)
    mark = len(wa.fake.to(PHONE))
    await wa.transport.send(user, [Reply("Je peer educator heeft geantwoord.")])
    await wa.fake.settle()
    assert wa.fake.to(PHONE)[mark:] == []
    shown = await wa.fake.text(PHONE, "hoi")
    assert "Je peer educator heeft geantwoord." in texts(shown)
    assert shown[0].text.startswith("Je peer educator heeft geantwoord.")


async def test_refused_after_acceptance_with_131047_is_kept_and_sent_later(
    wa: RunningWhatsApp, clock: ManualClock
) -> None:
    """Meta accepts a send and then fails it (131047): it waits, a template goes out, and
    after the tap it arrives once."""
    user = await _person(wa)
    assert wa.core is not None
    clock.advance(hours=20)  # the bot thinks the window is open ...
    wa.fake.last_inbound[PHONE] -= timedelta(hours=10)  # ... Meta's clock says it is not
    mark = len(wa.fake.to(PHONE))
    await wa.transport.send(user, [Reply("Tijd voor een check-in.")])
    await wa.fake.settle()
    sent = wa.fake.to(PHONE)[mark:]
    assert [s.type for s in sent] == ["text", "template"]
    assert (await wa_store.delivery_counts(wa.core.repo)).get("held") == 1
    shown = await wa.fake.template_tap(PHONE, "wa:open")
    assert texts(shown).count("Tijd voor een check-in.") == 1


async def test_131047_in_the_answer_itself_also_waits(wa: RunningWhatsApp) -> None:
    """When Meta refuses at once (131047 in the HTTP answer) the message waits just the same."""
    user = await _person(wa)
    assert wa.core is not None
    wa.fake.faults = [131047]
    await wa.transport.send(user, [Reply("Hoe gaat het nu?")])
    await wa.fake.settle()
    assert (await wa_store.delivery_counts(wa.core.repo)).get("held") == 1
    assert wa.fake.to(PHONE)[-1].type == "template"
    shown = await wa.fake.template_tap(PHONE, "wa:open")
    assert "Hoe gaat het nu?" in texts(shown)


async def test_undeliverable_131026_marks_unreachable_and_keeps_the_message(
    wa: RunningWhatsApp, clock: ManualClock
) -> None:
    """A failed status 131026: the person is unreachable, the message waits for them."""
    user = await _person(wa)
    assert wa.core is not None
    wa.fake.undeliverable.add(PHONE)
    await wa.transport.send(user, [Reply("Een bericht voor later.")])
    await wa.fake.settle()
    refreshed = await wa.core.repo.user_by_id(user.id)
    assert refreshed is not None
    assert refreshed.unreachable
    wa.fake.undeliverable.clear()
    shown = await wa.fake.text(PHONE, "menu")
    assert "Een bericht voor later." in texts(shown)


@pytest.mark.parametrize("code", [130429, 131056])
async def test_rate_limits_are_waited_out_in_order(wa: RunningWhatsApp, code: int) -> None:
    """130429 (with HTTP 400) and the pair rate limit 131056: retried with backoff, every
    message arrives once and in order."""
    await _person(wa)
    wa.fake.faults = [code, code]
    shown = await wa.fake.text(PHONE, "hulp")
    assert wa.fake.injected == 2
    helpline_texts = [s.text for s in shown]
    assert len(helpline_texts) == len(set(helpline_texts))
    assert "113" in texts(shown)
    assert shown[-1].type == "interactive"  # the way back comes last, as on Telegram


async def test_status_callbacks_are_acknowledged_and_recorded(wa: RunningWhatsApp) -> None:
    """sent / delivered / read callbacks get 200 and move the delivery state; a delivered
    message no longer keeps its text."""
    await _person(wa)
    assert wa.core is not None
    last = wa.fake.to(PHONE)[-1]
    assert await wa.fake.post(wa.fake.status_event(PHONE, last.wamid, "read")) == 200
    assert await wa.fake.post(wa.fake.status_event(PHONE, "wamid.unknown", "read")) == 200
    await wa.fake.settle()
    counts = await wa_store.delivery_counts(wa.core.repo)
    assert counts.get("sent", 0) == 0
    assert counts.get("read") == 1
    assert wa.query("SELECT COUNT(*) FROM wa_outbox WHERE payload IS NOT NULL") == [(0,)]


async def test_mydata_arrives_as_a_text_document_without_the_number(wa: RunningWhatsApp) -> None:
    """ "mijn data": the export is uploaded as text/plain .txt (Meta refuses JSON); it holds
    no phone number."""
    await _person(wa)
    shown = await wa.fake.text(PHONE, "mijn data")
    documents = [s for s in shown if s.type == "document"]
    assert len(documents) == 1
    media = documents[0].body["document"]
    assert "tekstbestand" in media["caption"]
    mime, name, data = wa.fake.uploads[media["id"]]
    assert mime == "text/plain"
    assert name.endswith(".txt")
    assert media["filename"].endswith(".txt")
    export = json.loads(data)
    assert export["wa_contacts"]
    assert "phone" not in export["wa_contacts"][0]
    assert PHONE not in data.decode()


async def test_the_number_is_in_one_place_and_never_logged(
    wa: RunningWhatsApp, caplog: pytest.LogCaptureFixture
) -> None:
    """After a conversation the number is only in wa_contacts.phone; no log line, DEBUG
    included, holds it or a wamid; staff and exports see the pseudonym."""
    from bot import logs

    assert wa.core is not None
    logs.quiet_libraries()  # as at start-up; no redaction here, so this is what we emit
    with caplog.at_level(logging.DEBUG):
        await _person(wa)
        await wa.fake.text(PHONE, "hulp")
        await wa.fake.media(PHONE, "sticker")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert PHONE not in logged
    assert "wamid." not in logged
    holders = []
    for table, columns in (await wa.core.repo.db.columns()).items():
        for column in columns:
            hits = wa.query(
                f"SELECT COUNT(*) FROM {table} WHERE CAST({column} AS TEXT) LIKE ?",
                (f"%{PHONE}%",),
            )
            if hits[0][0]:
                holders.append(f"{table}.{column}")
    assert holders == ["wa_contacts.phone"]
    [(external, pseudonym)] = wa.query("SELECT external_id, pseudonym FROM users")
    assert PHONE not in str(external)
    assert pseudonym


async def test_daily_sweep_drops_old_whatsapp_rows(wa: RunningWhatsApp, clock: ManualClock) -> None:
    """The scheduler's retention sweep also clears WhatsApp's tables: answered inbox hashes
    after a week, copies kept for a peer educator after a week."""
    user = await _person(wa)
    assert wa.core is not None
    kept = await wa_store.keep_relayable(wa.core.repo, user.id, "text", "oud", None, clock.now())
    answered = wa.query("SELECT COUNT(*) FROM wa_inbox WHERE done_at IS NOT NULL")[0][0]
    assert answered
    clock.advance(days=8)
    await Scheduler(wa.core).tick()
    assert wa.query("SELECT COUNT(*) FROM wa_inbox") == [(0,)]
    assert await wa_store.relayable(wa.core.repo, user.id, kept) is None


async def _metrics(wa: RunningWhatsApp) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    async with aiohttp.ClientSession() as session, session.get(f"{wa.web_url}/metrics") as got:
        assert got.status == 200
        text = await got.text()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_metrics_show_the_whatsapp_inbox_retries_and_held_messages(
    wa: RunningWhatsApp, clock: ManualClock
) -> None:
    """GET /metrics: WhatsApp events not handled yet, the hashes kept to spot Meta's retries,
    retries answered once (counted per channel) and messages waiting for the window."""
    user = await _person(wa)
    duplicates = ("sterk_duplicate_updates_total", (("channel", "whatsapp"),))
    before = await _metrics(wa)
    assert before[("sterk_whatsapp_inbox_depth", ())] == 0
    assert before[("sterk_whatsapp_inbox_seen", ())] >= len(ONBOARDING_NL)
    event = wa.fake.message_event(PHONE, {"type": "text", "text": {"body": "menu"}})
    for _ in range(3):
        assert await wa.fake.post(event) == 200
        await wa.fake.settle()
    clock.advance(hours=30)
    await wa.transport.send(user, [Reply("Tijd voor een check-in.")])
    await wa.fake.settle()
    after = await _metrics(wa)
    assert after[duplicates] - before.get(duplicates, 0) == 2
    assert after[("sterk_whatsapp_inbox_depth", ())] == 0
    assert after[("sterk_whatsapp_held", ())] == 1


async def test_a_photo_outside_the_window_is_refused_not_dropped(
    wa: RunningWhatsApp, clock: ManualClock
) -> None:
    """Files are never kept, so a relayed photo cannot wait for the window: the send fails
    (the peer educator hears it did not arrive) instead of vanishing."""
    user = await _person(wa)
    assert wa.core is not None
    clock.advance(hours=30)
    mark = len(wa.fake.to(PHONE))
    with pytest.raises(DeliveryFailed):
        await wa.transport.send(user, [Reply("Noor: kijk", image=JPEG)])
    await wa.fake.settle()
    assert wa.fake.to(PHONE)[mark:] == []
    assert (await wa_store.delivery_counts(wa.core.repo)).get("held", 0) == 0
    await wa.fake.text(PHONE, "hoi")  # the window is open for the bot, Meta refuses anyway
    wa.fake.faults = [131047]
    with pytest.raises(DeliveryFailed):
        await wa.transport.send(user, [Reply("Noor: kijk", image=JPEG)])
    assert (await wa_store.delivery_counts(wa.core.repo)).get("held", 0) == 0


async def test_a_failed_status_for_another_reason_is_sent_again(wa: RunningWhatsApp) -> None:
    """A `failed` status with another error (131000, something went wrong) inside the window:
    the message goes out again, at most twice more, then waits for the person."""
    user = await _person(wa)
    assert wa.core is not None
    wa.fake.statuses = False
    mark = len(wa.fake.to(PHONE))
    await wa.transport.send(user, [Reply("Je peer educator heeft geantwoord.")])
    for attempt in range(3):
        [sent] = wa.fake.to(PHONE)[mark + attempt :]
        assert sent.text == "Je peer educator heeft geantwoord."
        failed = wa.fake.status_event(PHONE, sent.wamid, "failed", 131000)
        assert await wa.fake.post(failed) == 200
        await wa.fake.settle()
    assert len(wa.fake.to(PHONE)) == mark + 3  # the first try and two more
    assert (await wa_store.delivery_counts(wa.core.repo)).get("held") == 1
    wa.fake.statuses = True
    shown = await wa.fake.text(PHONE, "menu")
    assert shown[0].text == "Je peer educator heeft geantwoord."
