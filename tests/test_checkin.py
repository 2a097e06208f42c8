"""Check-in and self-report conversations: what the person sees, what is recorded."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.app import Core
from bot.core.clock import ManualClock
from bot.flows.checkin import checkin_due
from bot.storage import checkins, coach, scheduled
from scheduler.service import Scheduler
from tests.driver import ChatDriver
from tests.e2e import RunningBot, texts
from tests.scheduling import RecordingSender, onboarded, show

pytestmark = pytest.mark.both_stores

PLAN = {"role": "bystander", "approach": "ask_question", "report": "yes"}


@pytest.fixture
def sender(core: Core, clock: ManualClock) -> RecordingSender:
    """The `test` channel's sender, recording with the clock's time."""
    return RecordingSender.install(core, clock)


async def _pushed_checkin(
    core: Core, chat: ChatDriver, user_id: int, sender: RecordingSender, clock: ManualClock
) -> int:
    """Save a plan, plan its check-in for tomorrow, let the scheduler deliver it to `chat`."""
    now = clock.now()
    plan_id = await coach.save_plan(core.repo, user_id, PLAN, now)
    due = checkin_due(core.settings, now, 1)
    await coach.schedule_checkin(core.repo, user_id, plan_id, due, now)
    clock.set(due)
    await Scheduler(core).tick()
    [replies] = sender.to(user_id)
    show(chat, replies)
    return plan_id


async def _helps(core: Core, user_id: int) -> list[tuple[str, int]]:
    rows = await core.repo.fetch(
        "SELECT reason, urgent FROM help_requests WHERE user_id=?", (user_id,)
    )
    return [(str(reason), int(urgent)) for reason, urgent in rows]


async def test_checkin_refers_to_the_plan_and_records_the_outcome(
    core: Core, clock: ManualClock, sender: RecordingSender
) -> None:
    """'You planned to…, how did it go?' → what you did, feeling, story → stored, then menu."""
    chat, user = await onboarded(core)
    plan_id = await _pushed_checkin(core, chat, user.id, sender, clock)
    assert "reageren met 'Stel een vraag' en het melden" in chat.text
    assert "Hoe ging het?" in chat.text
    await chat.tap("Ik heb gereageerd")
    assert "Hoe voel je je nu?" in chat.text
    await chat.tap("4")
    await chat.send("Ik schreef 'is dat echt nodig?' en kreeg likes")
    assert "Knap dat je hebt gereageerd" in chat.text
    assert "Dank je wel voor het delen" in chat.text
    assert "Wat wil je doen?" in chat.text  # back in the menu
    assert await checkins.outcomes_of(core.repo, user.id) == [
        ("replied", 4, "Ik schreef 'is dat echt nodig?' en kreeg likes")
    ]
    rows = await core.repo.fetch("SELECT plan_id FROM checkin_outcomes")
    assert [tuple(row) for row in rows] == [(plan_id,)]
    loaded = await core.repo.load("test", chat.user)
    assert loaded is not None
    assert "story" not in loaded[1]["answers"]  # the free text lives only in the outcome
    assert await _helps(core, user.id) == []


async def test_it_got_worse_offers_a_peer_educator(
    core: Core, clock: ManualClock, sender: RecordingSender
) -> None:
    """'It got worse' offers a peer educator even with a fair feeling; yes records a request."""
    chat, user = await onboarded(core)
    await _pushed_checkin(core, chat, user.id, sender, clock)
    await chat.tap("Het werd erger")
    await chat.tap("3")
    await chat.tap("Overslaan")
    assert "niet jouw schuld" in chat.text
    assert "peer educator" in chat.text
    await chat.tap("Ja, graag")
    assert "Ik heb het doorgegeven" in chat.text
    assert await _helps(core, user.id) == [("checkin:worse", 0)]
    assert await checkins.outcomes_of(core.repo, user.id) == [("worse", 3, None)]


@pytest.mark.parametrize(("score", "offered"), [("1", True), ("2", True), ("3", False)])
async def test_low_feeling_offers_help(
    core: Core, clock: ManualClock, sender: RecordingSender, score: str, offered: bool
) -> None:
    """A feeling of 1 or 2 offers helplines and a peer educator; 'not now' records nothing and
    ends with care, not with 'thanks for sharing'."""
    chat, user = await onboarded(core)
    await _pushed_checkin(core, chat, user.id, sender, clock)
    await chat.tap("Ik heb het gemeld")
    await chat.tap(score)
    await chat.tap("Overslaan")
    assert ("peer educator" in chat.text) is offered
    assert ("113 Zelfmoordpreventie" in chat.text) is offered
    if offered:
        await chat.tap("Nee, nu niet")
        assert "Zorg goed voor jezelf" in chat.text
        assert "Dank je wel voor het delen" not in chat.text
    else:
        assert "Dank je wel voor het delen" in chat.text
    assert await _helps(core, user.id) == []


async def test_checkin_offers_to_go_back_where_the_person_was(
    core: Core, clock: ManualClock, sender: RecordingSender
) -> None:
    """Someone who left a question open gets it back once after the check-in."""
    chat, user = await onboarded(core)
    await chat.send("/instellingen")
    await chat.tap("Woonplaats of organisatie")
    open_question = chat.replies[-1].text
    now = clock.now()
    plan_id = await coach.save_plan(core.repo, user.id, PLAN, now)
    await coach.schedule_checkin(core.repo, user.id, plan_id, now, now)
    clock.advance(minutes=11)  # idle long enough not to be interrupted
    await Scheduler(core).tick()
    [replies] = sender.to(user.id)
    show(chat, replies)
    await chat.tap("Ik heb niets gedaan")
    await chat.tap("5")
    await chat.tap("Overslaan")
    assert "Niets doen is ook een keuze" in chat.text
    await chat.tap("Terug naar waar ik was")
    assert [reply.text for reply in chat.replies] == [open_question]
    await chat.tap("Woonplaats")
    assert "Typ je woonplaats" in chat.text


async def test_checkin_without_its_plan_still_asks(
    core: Core, clock: ManualClock, sender: RecordingSender
) -> None:
    """A check-in whose plan is gone asks in general terms."""
    _chat, user = await onboarded(core)
    now = clock.now()
    await scheduled.schedule(core.repo, "checkin", user.id, now, now, {"plan_id": 999})
    await Scheduler(core).tick()
    [replies] = sender.to(user.id)
    assert "Je wilde iets doen tegen haat" in replies[-1].text


async def _answer_selfreport(chat: ChatDriver, scores: list[str]) -> None:
    await chat.tap("Ja, prima")
    for score in scores:
        await chat.tap(score)


async def test_selfreport_after_onboarding_and_two_weeks_later(
    core: Core, clock: ManualClock, sender: RecordingSender
) -> None:
    """Round 1 a few minutes after onboarding, round 2 about 14 days after it was answered."""
    chat, user = await onboarded(core, selfreport=True)
    scheduler = Scheduler(core)
    clock.advance(minutes=10)
    await scheduler.tick()
    [first] = sender.to(user.id)
    show(chat, first)
    assert "4 korte vragen" in chat.text
    await _answer_selfreport(chat, ["2", "3", "4", "2"])
    assert "Over ongeveer twee weken" in chat.text
    [(second, status)] = [
        pair
        for pair in await scheduled.items_of(core.repo, user.id, "selfreport")
        if pair[0].payload["round"] == 2
    ]
    assert status == "pending"
    assert second.due_at - int(clock.now().timestamp()) == 14 * 24 * 3600
    clock.advance(days=14)
    await scheduler.tick()
    show(chat, sender.to(user.id)[-1])
    assert "Twee weken geleden" in chat.text
    await _answer_selfreport(chat, ["4", "4", "5", "3"])
    assert await checkins.selfreport_scores(core.repo, user.id) == {
        1: {"knowledge": 2, "skill": 3, "motivation": 4, "opportunity": 2},
        2: {"knowledge": 4, "skill": 4, "motivation": 5, "opportunity": 3},
    }


async def test_selfreport_declined_or_not_opted_in(
    core: Core, clock: ManualClock, sender: RecordingSender
) -> None:
    """'Rather not' stores nothing and plans no round 2; without check-ins none is planned."""
    chat, user = await onboarded(core, selfreport=True)
    clock.advance(minutes=10)
    await Scheduler(core).tick()
    show(chat, sender.to(user.id)[0])
    await chat.tap("Liever niet")
    assert "Geen probleem" in chat.text
    assert await checkins.selfreport_scores(core.repo, user.id) == {}
    assert [i.payload["round"] for i, _s in await scheduled.items_of(core.repo, user.id)] == [1]
    _other_chat, other = await onboarded(core, external="1002", checkins=False, selfreport=True)
    assert await scheduled.items_of(core.repo, other.id) == []


async def test_english_checkin(core: Core, clock: ManualClock, sender: RecordingSender) -> None:
    """The check-in speaks the person's language."""
    chat, user = await onboarded(core, language="English")
    await _pushed_checkin(core, chat, user.id, sender, clock)
    assert "How did it go?" in chat.text
    await chat.tap("Got or gave support")
    await chat.tap("5")
    await chat.tap("Skip")
    assert "Good that you looked for or gave support" in chat.text


USER = 5557001


async def _onboard(tg: RunningBot) -> None:
    await tg.say(USER, "/start")
    for label in ("Nederlands", "Verder", "Oké, verder", "16 jaar of ouder", "Ja, graag", "Ja"):
        await tg.tap(USER, label)
    await tg.tap(USER, "Overslaan")


async def test_checkin_end_to_end_over_the_bot_api(tg: RunningBot, clock: ManualClock) -> None:
    """Real PTB against the fake Bot API: a saved plan's check-in arrives and is answered."""
    await _onboard(tg)
    assert tg.core is not None
    core = tg.core
    loaded = await core.repo.load("telegram", str(USER))
    assert loaded is not None
    user = loaded[0]
    await core.repo.cancel_scheduled(user.id, ("selfreport",), clock.now())
    clock.set(datetime.fromisoformat("2026-01-05T21:30:00+00:00"))  # 22:30 in Amsterdam
    plan_id = await coach.save_plan(core.repo, user.id, PLAN, clock.now())
    due = checkin_due(core.settings, clock.now(), 1)
    await coach.schedule_checkin(core.repo, user.id, plan_id, due, clock.now())
    async with Scheduler(core, tick_seconds=0.05).running():  # the real periodic tick
        clock.advance(hours=1)
        assert await tg.fake.replies_until_idle(USER, idle=0.3) == []  # quiet hours
        clock.set(due)
        pushed = await tg.fake.next_reply(USER, timeout=5)
    assert "Hoe ging het?" in texts([pushed])
    await tg.tap(USER, "Steun gezocht of gegeven")
    await tg.tap(USER, "2")
    answer = await tg.say(USER, "Ik stuurde een privébericht")
    assert "peer educator" in texts(answer)
    done = await tg.tap(USER, "Ja, graag")
    assert "Ik heb het doorgegeven" in texts(done)
    assert await checkins.outcomes_of(core.repo, user.id) == [
        ("supported", 2, "Ik stuurde een privébericht")
    ]
    assert await _helps(core, user.id) == [("checkin:supported", 0)]


async def test_blocked_bot_end_to_end(tg: RunningBot, clock: ManualClock) -> None:
    """Telegram's 403 for a proactive message marks the person unreachable."""
    await _onboard(tg)
    assert tg.core is not None
    core = tg.core
    loaded = await core.repo.load("telegram", str(USER))
    assert loaded is not None
    user = loaded[0]
    now = clock.now()
    await coach.schedule_checkin(core.repo, user.id, 1, now + timedelta(hours=1), now)
    tg.fake.block(USER)
    clock.advance(hours=1)
    await Scheduler(core).tick()
    refreshed = await core.repo.user_by_id(user.id)
    assert refreshed is not None
    assert refreshed.unreachable
    statuses = sorted(s for _i, s in await scheduled.items_of(core.repo, user.id))
    assert statuses == ["cancelled", "failed"]  # the self-report went with it
