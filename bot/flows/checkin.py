"""Check-ins and self-reports: conversations the bot starts itself, and what they record.

Both are scheduled rows delivered by `scheduler.service` (rules there):
- `checkin`: at the moment the person chose when saving a plan ("tomorrow", "in 3 days"), so it
  counts as asked; payload `{"plan_id": N}`; still relevant for 24 hours after it was due.
- `selfreport`: the Media Empowerment self-report, round 1 shortly after onboarding and round 2
  about two weeks after round 1 was answered; unasked, so at most one such message a day.
Both need the check-in opt-in at send time and wait while the person is busy in another flow.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.config import Settings
from bot.core.engine import Choice, Turn
from bot.core.model import Reply
from bot.core.registry import Registry
from bot.flows.plans import plan_summary
from bot.flows.system import help_topics, helpline_lines
from bot.storage import checkins, scheduled
from bot.storage.checkins import FACTORS, as_outcome
from bot.storage.coach import get_plan, record_help_request
from bot.storage.repository import User
from scheduler.jobs import Delivery, JobRegistry, push_flow
from scheduler.timing import QuietHours

router = Registry()  # this feature's flow actions and commands (bot/app.py)
jobs = JobRegistry()  # this feature's scheduled kinds and hooks (bot/app.py)

CHECKIN_GRACE = timedelta(hours=24)
SELFREPORT_GRACE = timedelta(days=3)
FIRST_SELFREPORT_AFTER = timedelta(minutes=10)  # after onboarding, once the menu is seen
SECOND_SELFREPORT_DAYS = 14
LOW_FEELING = 2  # a feeling this low (1-5) offers a peer educator


def _checkins_on(user: User) -> bool:
    return user.checkins


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# -- scheduling -----------------------------------------------------------------------------


def checkin_due(settings: Settings, now: datetime, days: int) -> datetime:
    """The due time of a check-in 'in `days` days' (tomorrow, in 3 days, in a week).

    That local day at the same clock time, or that day's first allowed moment when the time
    falls in quiet hours: chosen at 22:30, 'tomorrow' is 09:00 tomorrow. The coaching flow
    passes this to `bot.storage.coach.schedule_checkin`.
    """
    return QuietHours.from_settings(settings).in_days(now, days)


async def _schedule_selfreport(turn: Turn, round_: int, due: datetime) -> None:
    """One row per round and person, whatever happens twice."""
    existing = await scheduled.items_of(turn.repo, turn.user.id, "selfreport")
    if any(item.payload.get("round") == round_ for item, _status in existing):
        return
    await scheduled.schedule(
        turn.repo, "selfreport", turn.user.id, due, turn.now(), {"round": round_}
    )


# -- delivery -------------------------------------------------------------------------------


@jobs.kind("checkin", grace=CHECKIN_GRACE, asked=True, opt_in=_checkins_on, patient=True)
async def checkin_job(delivery: Delivery) -> list[Reply] | None:
    """Start the check-in about the plan in the payload."""
    plan_id = _int(delivery.item.payload.get("plan_id"))
    return await push_flow(delivery, "checkin:intro", {"plan_id": plan_id})


@jobs.kind("selfreport", grace=SELFREPORT_GRACE, opt_in=_checkins_on, patient=True)
async def selfreport_job(delivery: Delivery) -> list[Reply] | None:
    """Offer the self-report round in the payload, unless answered (or round 1 never was)."""
    round_ = 2 if delivery.item.payload.get("round") == 2 else 1
    answered = await checkins.selfreport_scores(delivery.core.repo, delivery.user.id)
    if round_ in answered or (round_ == 2 and 1 not in answered):
        return None
    return await push_flow(delivery, f"selfreport:offer{round_}", {"round": round_})


# -- check-in flow --------------------------------------------------------------------------


async def _plan_text(turn: Turn, plan_id: int | None) -> str:
    """The person's own plan in one sentence, so the question is about what they intended."""
    plan = None if plan_id is None else await get_plan(turn.repo, turn.user.id, plan_id)
    if plan is None:  # deleted, or a check-in scheduled without a plan
        return turn.t("checkin.plan_unknown")
    return plan_summary(turn.content, turn.lang, plan.data)


@router.action("checkin.intro")
async def checkin_intro(turn: Turn) -> None:
    """Fill in the plan the check-in is about."""
    turn.vars["plan"] = await _plan_text(turn, _int(turn.state.answers.get("plan_id")))


@router.action("checkin.record")
async def checkin_record(turn: Turn) -> None:
    """Store outcome and feeling as soon as both are known (the story is optional)."""
    answers = turn.state.answers
    outcome, feeling = as_outcome(answers.get("outcome")), _int(answers.get("feeling"))
    if answers.get("outcome_id") or outcome is None or feeling is None:
        return
    answers["outcome_id"] = await checkins.record_outcome(
        turn.repo, turn.user.id, _int(answers.get("plan_id")), outcome, feeling, turn.now()
    )


@router.action("checkin.close")
async def checkin_close(turn: Turn) -> None:
    """Keep the story with the outcome (not in the conversation state), react, offer help."""
    answers = turn.state.answers
    story = answers.pop("story", None)
    outcome_id = _int(answers.get("outcome_id"))
    if isinstance(story, str) and story.strip() and outcome_id is not None:
        await checkins.add_story(turn.repo, outcome_id, turn.user.id, story.strip())
    outcome = as_outcome(answers.get("outcome"))
    if outcome is not None:
        turn.say(f"checkin.reaction.{outcome}")


@router.predicate("checkin.went_badly")
async def went_badly(turn: Turn) -> bool:
    """After the check-in: offer a peer educator (else just thanks)."""
    return _went_badly(turn.state.answers)


def _went_badly(answers: Mapping[str, Any]) -> bool:
    """'It got worse' or a feeling of 1-2: a peer educator and helplines are offered."""
    feeling = _int(answers.get("feeling"))
    return as_outcome(answers.get("outcome")) == "worse" or (
        feeling is not None and feeling <= LOW_FEELING
    )


def _help_topics(turn: Turn) -> set[str]:
    """/hulp after a check-in that went badly lists someone to talk to first."""
    bad = turn.state.flow == "checkin" and _went_badly(turn.state.answers)
    return {"wellbeing"} if bad else set()


help_topics.append(_help_topics)


@router.action("checkin.offer_help")
async def checkin_offer_help(turn: Turn) -> None:
    """It went badly: the helplines to talk to now, before the offer of a peer educator."""
    lines = helpline_lines(turn, {"wellbeing"})
    turn.send(Reply("\n".join([turn.t("checkin.lines_intro"), *lines])))


@router.action("checkin.help")
async def checkin_help(turn: Turn) -> None:
    """Ask for a peer educator; the reason code says which check-in answer led here."""
    outcome = as_outcome(turn.state.answers.get("outcome")) or "low"
    await record_help_request(turn.repo, turn.user.id, f"checkin:{outcome}", False, turn.now())


@router.action("checkin.finish", outcomes=("nowhere",))
async def pushed_flow_finish(turn: Turn) -> None:
    """End of a pushed flow: back to where the person was, or the menu."""
    if not turn.state.resume:
        turn.outcome("nowhere")
        return
    turn.offer(Choice("resume", turn.t("common.nav.back"), action="checkin.resume"))
    turn.offer(Choice("menu", turn.t("common.nav.menu"), next="menu:"))


@router.action("checkin.resume", outcomes=("nowhere",))
async def pushed_flow_resume(turn: Turn) -> None:
    """Continue where the check-in interrupted the person."""
    if not await turn.engine.resume(turn):
        turn.outcome("nowhere")


# -- self-report flow -----------------------------------------------------------------------


@router.action("selfreport.first")
async def selfreport_first(turn: Turn) -> None:
    """After onboarding: offer round 1 a few minutes later, when the person has looked around."""
    if turn.user.checkins:
        await _schedule_selfreport(turn, 1, turn.now() + FIRST_SELFREPORT_AFTER)


@router.action("selfreport.save")
async def selfreport_save(turn: Turn) -> None:
    """Store the four scores; after round 1, plan round 2."""
    answers = turn.state.answers
    round_ = 2 if await second_round(turn) else 1
    scores = {factor: _int(answers.get(factor)) for factor in FACTORS}
    complete = {factor: score for factor, score in scores.items() if score is not None}
    if len(complete) == len(FACTORS):
        await checkins.save_selfreport(turn.repo, turn.user.id, round_, complete, turn.now())
        if round_ == 1:
            due = checkin_due(turn.engine.settings, turn.now(), SECOND_SELFREPORT_DAYS)
            await _schedule_selfreport(turn, 2, due)


@router.predicate("selfreport.second_round")
async def second_round(turn: Turn) -> bool:
    """The self-report after the first weeks (round 2), not the one after onboarding."""
    return turn.state.answers.get("round") == 2
