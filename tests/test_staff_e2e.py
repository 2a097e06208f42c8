"""Staff end to end: real python-telegram-bot against the fake Bot API, real SQLite, and the
scheduler ticked on the injectable clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.config import Settings
from bot.core.clock import ManualClock
from bot.storage import staff as store
from scheduler.service import Scheduler
from tests.e2e import RunningBot, running_bot, texts
from tests.fakebot import Call
from tests.staffkit import ADMIN, GROUP, staff_settings

pytestmark = pytest.mark.both_stores

YOUNG, NOOR, SEM, COORD, MOD = 7001, 7002, 7003, 7004, 7005
IDLE = 0.15


@pytest.fixture
async def bot(settings: Settings, clock: ManualClock) -> AsyncIterator[RunningBot]:
    async with running_bot(staff_settings(settings), clock) as running:
        yield running


async def _join(tg: RunningBot, user: int, role: str, first_name: str) -> None:
    """The admin makes an invite link; the newcomer opens it."""
    calls = await tg.say(ADMIN, f"/uitnodigen {role}", first_name="Ada")
    link = texts(calls).split("https://t.me/sterk_test_bot?start=")[1].split()[0]
    joined = await tg.say(user, f"/start {link}", first_name=first_name)
    assert "Welkom in het team" in texts(joined)
    named = await tg.say(user, f"/naam {first_name}", first_name=first_name)
    assert f"Jongeren zien jou nu als: {first_name}" in texts(named)


async def _onboard(tg: RunningBot, user: int) -> None:
    await tg.say(user, "/start", first_name="Jip")
    for label in ("Nederlands", "Verder", "Oké, verder", "16 jaar", "Ja, graag", "Ja", "Overslaan"):
        await tg.tap(user, label)


async def _ask_for_help(tg: RunningBot, user: int) -> list[Call]:
    await tg.tap(user, "Praat met een peer educator")
    await tg.tap(user, "Ja, graag")
    return await tg.tap(user, "Het gaat om mij")


def _markup_labels(call: Call) -> str:
    markup = call.params.get("reply_markup") or {}
    return " ".join(b["text"] for row in markup.get("inline_keyboard", []) for b in row)


def _scheduler(tg: RunningBot) -> Scheduler:
    """The scheduler of the running bot, ticked by hand on the test clock."""
    assert tg.core is not None
    return Scheduler(tg.core, tg.clock)


async def test_help_claim_race_relay_close_rate(bot: RunningBot) -> None:
    """A young person asks, two educators tap claim at once (one wins), messages go both ways
    as copies, the educator closes and the young person rates."""
    tg = bot
    await _join(tg, NOOR, "peer", "Noor")
    await _join(tg, SEM, "peer", "Sem")
    await _onboard(tg, YOUNG)
    asked = await _ask_for_help(tg, YOUNG)
    assert "doorgezet naar het team" in texts(asked)
    [card] = await tg.fake.replies_until_idle(GROUP, idle=IDLE)
    assert "Jongere #" in card.params["text"]
    assert "Jip" not in card.params["text"]
    waiting = await tg.say(YOUNG, "Ze schelden me uit in de comments.")
    assert "Je bericht staat klaar" in texts(waiting)

    claim, mark = tg.button(GROUP, "Ik pak"), tg.fake.mark()
    tg.fake.tap(NOOR, claim, chat_id=GROUP)
    tg.fake.tap(SEM, claim, chat_id=GROUP)
    answers = await tg.fake.wait_for("answerCallbackQuery", count=2, timeout=5, since=mark)
    toasts = sorted(str(a.params.get("text")) for a in answers)
    assert toasts[0].endswith("is al opgepakt door iemand anders.")
    assert toasts[1].endswith("is van jou. Kijk in je privéchat met de bot.")
    [edit] = await tg.fake.replies_until_idle(GROUP, idle=IDLE)
    assert edit.method == "editMessageText"
    winner_name = "Noor" if "Opgepakt door Noor" in edit.params["text"] else "Sem"
    assert f"Opgepakt door {winner_name}" in edit.params["text"]
    winner = NOOR if winner_name == "Noor" else SEM
    loser = SEM if winner == NOOR else NOOR
    hello = await tg.fake.replies_until_idle(YOUNG, idle=IDLE)
    assert f"{winner_name} (peer educator) is er nu voor je" in texts(hello)
    briefing = await tg.fake.replies_until_idle(winner, idle=IDLE)
    assert [c.method for c in briefing] == ["sendMessage", "copyMessage"]  # texts in one
    assert briefing[1].params["from_chat_id"] == YOUNG
    assert tg.fake.sent_to(loser)[-1].method == "sendMessage"  # only the invite welcome

    await tg.say(YOUNG, "Het is op Snapchat begonnen.")
    tg.fake.send_photo(YOUNG, caption="screenshot")
    copies = await tg.fake.wait_for("copyMessage", chat_id=winner, count=2, timeout=5)
    assert all("Jongere #" in _markup_labels(c) for c in copies)
    await tg.fake.replies_until_idle(winner, idle=IDLE)
    reply = await tg.say(winner, "Wat rot. Heb je al screenshots gemaakt?", first_name=winner_name)
    assert texts(reply).startswith("→ Jongere #")
    assert texts(reply).endswith(" ✓")
    [relayed] = await tg.fake.replies_until_idle(YOUNG, idle=IDLE)
    assert relayed.params["text"] == f"{winner_name}: Wat rot. Heb je al screenshots gemaakt?"
    assert "Gesprek beëindigen" in _markup_labels(relayed)

    await tg.say(winner, "/sluit geholpen", first_name=winner_name)
    rating = await tg.fake.replies_until_idle(YOUNG, idle=IDLE)
    assert f"{winner_name} heeft het gesprek afgesloten" in texts(rating)
    thanks = await tg.tap(YOUNG, "4")
    assert "Dank je wel" in texts(thanks)

    assert tg.fake.calls_of("forwardMessage") == []
    staff_side = [c for c in tg.fake.calls if c.chat_id in (NOOR, SEM, GROUP)]
    assert all("Jip" not in str(c.params) for c in staff_side)
    assert all(str(YOUNG) not in str(c.params.get("text")) for c in staff_side)
    assert tg.core is not None
    [case] = await tg.core.repo.fetch("SELECT status, outcome, rating FROM cases")
    assert tuple(case) == ("closed", "helped", 4)


async def test_timers_reannounce_escalate_and_remind(bot: RunningBot, clock: ManualClock) -> None:
    """On the injectable clock: re-announce after 10 minutes, coordinators after 30, and an
    educator's own reminder at the time they asked for."""
    tg = bot
    await _join(tg, COORD, "coordinator", "Cor")
    await _join(tg, NOOR, "peer", "Noor")
    await _onboard(tg, YOUNG)
    await _ask_for_help(tg, YOUNG)
    await tg.fake.replies_until_idle(GROUP, idle=IDLE)
    scheduler = _scheduler(tg)
    clock.advance(minutes=10)
    await scheduler.tick()
    again = await tg.fake.replies_until_idle(GROUP, idle=IDLE)
    assert [c.method for c in again] == ["sendMessage", "editMessageText"]
    assert "Nog niet opgepakt na 10 minuten" in again[0].params["text"]
    clock.advance(minutes=20)
    await scheduler.tick()
    warned = await tg.fake.replies_until_idle(COORD, idle=IDLE)
    assert "is na 30 minuten nog niet opgepakt" in texts(warned)
    assert "Ik pak" in _markup_labels(warned[-1])
    assert "Het duurt langer" in texts(await tg.fake.replies_until_idle(YOUNG, idle=IDLE))

    tg.fake.tap(COORD, tg.button(COORD, "Ik pak"))  # claimed straight from the warning
    await tg.fake.replies_until_idle(COORD, idle=IDLE)
    set_calls = await tg.say(COORD, "/herinner over 2 uur vraag of de melding gelukt is")
    assert "Goed, je krijgt je herinnering over zaak #1" in texts(set_calls)
    clock.advance(hours=2)
    await scheduler.tick()
    due = await tg.fake.replies_until_idle(COORD, idle=IDLE)
    assert "⏰ Herinnering: vraag of de melding gelukt is" in texts(due)
    assert "wacht sinds" in texts(due)  # and the reply reminder: the young person waits


async def test_moderator_escalation(bot: RunningBot) -> None:
    """A moderator's /escaleer reaches the staff group as an urgent case; after the claim the
    moderator and the educator talk through the bot."""
    tg = bot
    await _join(tg, MOD, "moderator", "Mo")
    await _join(tg, NOOR, "peer", "Noor")
    done = await tg.say(MOD, "/escaleer dringend Iemand post het adres van een volger.")
    assert "Zaak #1 is aangemaakt" in texts(done)
    [card] = await tg.fake.replies_until_idle(GROUP, idle=IDLE)
    assert card.params["text"].startswith("🔴 DRINGEND · Zaak #1 · Moderator #")
    assert "Iemand post het adres van een volger." in card.params["text"]
    tg.fake.tap(NOOR, tg.button(GROUP, "Ik pak"), chat_id=GROUP)
    await tg.fake.wait_for("editMessageText", chat_id=GROUP, timeout=5)
    assert "Noor (peer educator) is er nu voor je" in texts(
        await tg.fake.replies_until_idle(MOD, idle=IDLE)
    )
    await tg.fake.replies_until_idle(NOOR, idle=IDLE)
    await tg.say(MOD, "Het account heet @haatbot123.")
    [copy] = await tg.fake.replies_until_idle(NOOR, idle=IDLE)
    assert copy.method == "copyMessage"
    assert "Moderator #" in _markup_labels(copy)
    await tg.say(NOOR, "Dank je, ik meld het bij Helpwanted.")
    assert "Noor: Dank je" in texts(await tg.fake.replies_until_idle(MOD, idle=IDLE))
    assert tg.fake.calls_of("forwardMessage") == []


async def test_moderator_wellbeing_check(bot: RunningBot, clock: ManualClock) -> None:
    """After STERK_WELLBEING_DAYS the moderator gets the check; a low score opens a case."""
    tg = bot
    await _join(tg, MOD, "moderator", "Mo")
    scheduler = _scheduler(tg)
    clock.advance(days=7, hours=1)
    await scheduler.tick()
    asked = await tg.fake.replies_until_idle(MOD, idle=IDLE)
    assert "check-in voor jou als moderator" in texts(asked)
    answer = await tg.tap(MOD, "Niet zo goed")
    assert "Een peer educator neemt contact met je op" in texts(answer)
    [card] = await tg.fake.replies_until_idle(GROUP, idle=IDLE)
    assert "welzijnscheck, score 2 van 5" in card.params["text"]
    assert tg.core is not None
    rows = await tg.core.repo.fetch("SELECT score FROM wellbeing_scores")
    assert [row[0] for row in rows] == [2]
    [moderator] = await store.members(tg.core.repo, "moderator")
    assert len(await store.pending_kind(tg.core.repo, "wellbeing", moderator.user_id)) == 1


async def test_staff_group_chatter_is_ignored(bot: RunningBot) -> None:
    """Plain messages in the staff group get no answer; commands answer in private."""
    tg = bot
    await _join(tg, NOOR, "peer", "Noor")
    tg.fake.send_group_text(GROUP, NOOR, "Wie neemt vanavond de dienst?")
    tg.fake.send_group_text(GROUP, NOOR, "/zaken")
    private = await tg.fake.replies_until_idle(NOOR, idle=0.3)
    assert "geen open zaken" in texts(private)
    assert await tg.fake.replies_until_idle(GROUP, idle=IDLE) == []
