"""The coaching journey's logic that the flow tables (content/flows/coach*.yaml) cannot express.

Routing that depends on earlier answers, the approach recommendation, the safety branch, the
reply check and saving the plan. Answers hold ids only; typed text (the reply being checked) is
handled within one turn and never stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.core.content import ApproachDef
from bot.core.engine import Choice, Turn
from bot.core.model import Reply
from bot.core.registry import Registry
from bot.flows import journey
from bot.flows.checkin import checkin_due
from bot.flows.danger import DANGERS, danger_topics, dangers
from bot.flows.plans import OWN_WORDS, plan_card, plan_help
from bot.flows.replycheck import POSITIVE, PRIVACY, TONE, check_reply
from bot.flows.system import _chunks, help_topics, helpline_lines
from bot.storage.coach import record_help_request, save_plan, schedule_checkin

router = Registry()  # this feature's flow actions and commands (bot/app.py)

RECOMMENDED = 3
MESSAGE_LIMIT = 600  # phone-sized messages
STRONG_FEELINGS = frozenset({"angry", "scared", "numb"})
# Dangers where any public reply is a bad idea: replying to whoever threatens, doxes or
# blackmails can make it worse, so straight to the behind-the-scenes actions.
NO_PUBLIC_REPLY = frozenset({"threat", "doxing", "sextortion"})
QUIET_APPROACH = "low_risk"
CHECK_FROM = ("coach", "plans")  # where the reply check can be opened from (`check_from`)
PLATFORM_TEXTS = {"instagram": "platforms.instagram", "tiktok": "platforms.tiktok"}
RISK_ICON = {"low": "🟢", "medium": "🟠", "high": "🔴"}
_RISK_ORDER = {"low": 0, "medium": 1, "high": 2}
# Who is hit → the approach that speaks to it most directly, ranked just after empathy.
_PREFERRED = {
    "own_group": "affiliation",
    "someone": "support_target",
    "other_group": "support_target",
}
PLAN_FIELDS = (
    "role",
    "who",
    "platform",
    "form",
    "ground",
    "danger",
    "approach",
    "reply",
    "account",
    "report",
    "with",
    "selfcare",
    "incident",
    "repair",
)


# -- pure rules --------------------------------------------------------------------------------


def side(answers: Mapping[str, Any]) -> str:
    """Approaches are written for targets or bystanders; a spreader never gets here."""
    return "target" if answers.get("role") == "target" else "bystander"


def strong_feeling(answers: Mapping[str, Any]) -> bool:
    """Feelings that call for a pause and self-care before acting (sad counts for targets)."""
    feeling = answers.get("feeling")
    return feeling in STRONG_FEELINGS or (feeling == "sad" and answers.get("role") == "target")


def in_danger(answers: Mapping[str, Any]) -> bool:
    """Whether the danger check found something."""
    return bool(dangers(answers))


def no_public_reply(answers: Mapping[str, Any]) -> bool:
    """After a threat, doxing or sextortion only the behind-the-scenes actions are offered."""
    return any(danger in NO_PUBLIC_REPLY for danger in dangers(answers))


def cautious(answers: Mapping[str, Any]) -> bool:
    """Danger or a strong feeling: only low-risk approaches are recommended."""
    return in_danger(answers) or strong_feeling(answers)


def recommend(
    approaches: Sequence[ApproachDef], answers: Mapping[str, Any], limit: int = RECOMMENDED
) -> list[ApproachDef]:
    """Public approaches that suit the role and the form, empathy first (the only one with a
    measured effect), then the one aimed at who is hit, then the lowest risk."""
    who_fits = side(answers)
    form = answers.get("form")
    careful = cautious(answers)
    fitting = [
        a
        for a in approaches
        if a.public
        and who_fits in a.suits
        and (form is None or form in a.forms)
        and (a.risk == "low" or not careful)
    ]
    preferred = _PREFERRED.get(str(answers.get("who")))
    fitting.sort(key=lambda a: (a.id != "empathy", a.id != preferred, _RISK_ORDER[a.risk]))
    return fitting[:limit]


def plan_data(answers: Mapping[str, Any]) -> dict[str, str]:
    """The answer ids a plan keeps; anything else (and anything typed) stays out. Plans hold
    strings, so the dangers found are kept space-separated ("none" when there were none)."""
    data = {k: v for k in PLAN_FIELDS if isinstance(v := answers.get(k), str) and v}
    if "danger" in answers:
        data["danger"] = " ".join(dangers(answers)) or "none"
    return data


# -- helpers -----------------------------------------------------------------------------------


def _approach(turn: Turn) -> ApproachDef | None:
    wanted = turn.state.answers.get("approach")
    return next((a for a in turn.content.approaches if a.id == wanted), None)


def _approach_choice(turn: Turn, approach: ApproachDef, key: str) -> Choice:
    """A button that opens an approach's details."""
    name = turn.t(f"approaches.{approach.id}.name")
    label = turn.t(key, name=name, icon=RISK_ICON[approach.risk])
    return Choice(approach.id, label, next="detail", set={"approach": approach.id})


def _platform_text(answers: Mapping[str, Any]) -> str:
    """How to report, block and restrict on the platform chosen earlier ('other' for the rest)."""
    return PLATFORM_TEXTS.get(str(answers.get("platform")), "platforms.other")


def _send_lines(turn: Turn, lines: list[str]) -> None:
    """Lines grouped into phone-sized messages."""
    for message in _chunks(lines, MESSAGE_LIMIT):
        turn.send(Reply(message))


async def _request_help(turn: Turn, reason: str, urgent: bool) -> None:
    await record_help_request(turn.repo, turn.user.id, reason, urgent, turn.now())


# -- part 1: stop-en-denk ------------------------------------------------------------------------


@router.action("coach.start")
async def start(turn: Turn) -> None:
    """Count the start of a coaching conversation for the impact figures; an older journey
    left half-way is not offered any more."""
    journey.drop(turn)
    await turn.repo.record(turn.user.id, "coach_started", None, turn.now())


@router.action("coach.role")
async def role(turn: Turn) -> None:
    """Count which role people come with (target, bystander, spreader); targets and
    bystanders start step 1 of the three coaching steps."""
    chosen = str(turn.state.answers["role"])
    await turn.repo.record(turn.user.id, "role", chosen, turn.now())
    if chosen != "spreader":
        journey.progress(turn, 1)


@router.predicate("coach.strong_feeling")
async def feels_strongly(turn: Turn) -> bool:
    """A strong feeling first gets 'wait before you act' and self-care."""
    return strong_feeling(turn.state.answers)


@router.action("coach.care")
async def care(turn: Turn) -> None:
    """The pause opens with words for this feeling: feeling nothing is not 'a strong feeling'."""
    turn.vars["care_intro"] = turn.t(f"coach.care.intro.{turn.state.answers.get('feeling')}")


@router.predicate("coach.target")
async def is_target(turn: Turn) -> bool:
    """Targets choose between themselves and their group; bystanders see other options."""
    return side(turn.state.answers) == "target"


@router.action("coach.request_care")
async def request_care(turn: Turn) -> None:
    """Someone overwhelmed asked to talk: a peer educator, not urgent."""
    await _request_help(turn, "feelings", urgent=False)


@router.action("coach.request_safety")
async def request_safety(turn: Turn) -> None:
    """Asked for a peer educator from the safety branch: urgent (the reason names the most
    urgent danger; the case card lists them all)."""
    found = dangers(turn.state.answers) or ["none"]
    await _request_help(turn, f"danger:{found[0]}", urgent=True)


@router.action("coach.danger")
async def danger_check(turn: Turn) -> None:
    """Tick every danger that is true (✅), then 'Done'; with none ticked, 'none of this'."""
    answers = turn.state.answers
    found = dangers(answers)
    answers["danger"] = found
    for danger in DANGERS:
        ticked = "ticked" if danger in found else "options"
        turn.offer(
            Choice(
                danger,
                turn.t(f"coach.danger.{ticked}.{danger}"),
                next="danger_more",
                action="coach.danger_toggle",
                arg=danger,
            )
        )
    if found:
        turn.vars["chosen"] = ", ".join(turn.t(f"coach.danger.chosen.{d}") for d in found)
        turn.offer(Choice("done", turn.t("coach.danger.done"), next="safety"))
    else:
        turn.offer(Choice("none", turn.t("coach.danger.none"), next="coach_approach:"))


@router.action("coach.danger_toggle", outcomes=("none_left",))
async def danger_toggle(turn: Turn) -> None:
    """Tick or untick one danger."""
    found = dangers(turn.state.answers)
    picked = str(turn.arg)
    chosen = [d for d in found if d != picked] if picked in found else [*found, picked]
    turn.state.answers["danger"] = [d for d in DANGERS if d in chosen]
    if not chosen:
        turn.outcome("none_left")  # nothing ticked any more: the full question again


@router.action("coach.safety")
async def safety(turn: Turn) -> None:
    """Danger found: say so plainly, with 112 and the advice for each danger, before anything."""
    found = dangers(turn.state.answers)
    for danger in found:
        await turn.repo.record(turn.user.id, "danger", danger, turn.now())
    turn.say("coach.safety.intro")
    for danger in found:
        turn.say(f"coach.safety.tip.{danger}")


def _help_topics(turn: Turn) -> set[str]:
    """/hulp during coaching lists first what fits: the lines for the dangers found, the
    discrimination report points, and someone to talk to after a strong feeling."""
    if not turn.state.flow.startswith("coach"):
        return set()
    answers = turn.state.answers
    topics = danger_topics(answers)
    if answers.get("form") == "discrimination":
        topics.add("discrimination")
    if strong_feeling(answers):
        topics |= {"under18", "young_adult"}  # someone to talk to (113 stays under the rest)
    return topics


help_topics.append(_help_topics)


@router.action("coach.safety_help")
async def safety_help(turn: Turn) -> None:
    """Where to report and get help for these dangers, and how to report on the platform."""
    topics = danger_topics(turn.state.answers)
    _send_lines(turn, [turn.t("coach.safety_help.lines_intro"), *helpline_lines(turn, topics)])
    turn.say(_platform_text(turn.state.answers))


@router.action("coach.resume", outcomes=("quiet_target", "quiet_bystander"))
async def resume(turn: Turn) -> None:
    """After the safety branch: react-or-not with low-risk options, or no public reply at all."""
    answers = turn.state.answers
    journey.progress(turn, 2)
    if no_public_reply(answers):
        answers["approach"] = QUIET_APPROACH
        turn.outcome(f"quiet_{side(answers)}")  # else the step's next: react or not


# -- part 2: react or not, and which approach ---------------------------------------------------


@router.action("coach.react")
async def react(turn: Turn) -> None:
    """Two or three approaches that fit, 'not publicly' and 'show all', as buttons."""
    answers = turn.state.answers
    if "approach" not in answers and not in_danger(answers):  # the safety branch said it
        journey.progress(turn, 2)
    picks = recommend(turn.content.approaches, answers)
    if not picks:
        advice = "none"
    elif in_danger(answers):
        advice = "danger"
    elif strong_feeling(answers):
        # Feeling nothing is not "this affects you a lot": it has its own words.
        advice = "numb" if answers.get("feeling") == "numb" else "feelings"
    else:
        advice = "fit"
    turn.vars["advice"] = turn.t(f"coach_approach.advice.{advice}")
    turn.vars["why_react"] = turn.t(f"coach_approach.why_react.{side(answers)}")
    turn.vars["why_not"] = turn.t(f"coach_approach.why_not.{side(answers)}")
    for approach in picks:
        turn.offer(_approach_choice(turn, approach, "coach_approach.button"))
    turn.offer(
        Choice(
            "quiet",
            turn.t("coach_approach.react.options.quiet"),
            next=f"quiet_{side(answers)}",
            action="coach.use_approach",
            set={"approach": QUIET_APPROACH},
        )
    )
    turn.offer(Choice("all", turn.t("coach_approach.react.options.all"), next="all"))


@router.action("coach.all")
async def browse(turn: Turn) -> None:
    """All approaches with their risk, for people who want to choose themselves."""
    for approach in turn.content.approaches:
        turn.offer(_approach_choice(turn, approach, "coach_approach.all_button"))
    turn.offer(Choice("back", turn.t("coach_approach.all.options.back"), next="react"))


@router.action("coach.detail", outcomes=("gone",))
async def detail(turn: Turn) -> None:
    """When it fits, the risk, why it works, and three replies to adapt."""
    approach = _approach(turn)
    if approach is None:
        turn.outcome("gone")
        return
    key = f"approaches.{approach.id}"
    examples = turn.content.messages(turn.lang, f"{key}.examples")
    warn = cautious(turn.state.answers) and approach.risk != "low"
    turn.vars.update(
        name=turn.t(f"{key}.name"),
        risk=turn.t(f"approaches.risk_labels.{approach.risk}"),
        when=turn.t(f"{key}.when"),
        why=turn.t(f"{key}.why"),
        examples="\n".join(f"{number}. {text}" for number, text in enumerate(examples, 1)),
        caution=turn.t("coach_approach.caution") + "\n\n" if warn else "",
    )
    # One button per example: the one picked goes into the plan word for word.
    for number in range(1, len(examples) + 1):
        label = turn.t("coach_approach.detail.options.pick", number=number)
        use = "coach.use_approach"
        set_ = {"reply": str(number)}
        turn.offer(Choice(f"r{number}", label, next="coach_strategy:", action=use, set=set_))
    turn.offer(
        Choice(
            "own",
            turn.t("coach_approach.detail.options.own"),
            next="coach_strategy:",
            action="coach.use_approach",
            set={"reply": OWN_WORDS},
        )
    )
    turn.offer(
        Choice(
            "check",
            turn.t("coach_approach.detail.options.check"),
            next="coach_check:",
            action="coach.use_approach",
            set={"check_from": "coach", "reply": OWN_WORDS},
        )
    )
    turn.offer(Choice("other", turn.t("coach_approach.detail.options.other"), next="react"))


@router.action("coach.use_approach")
async def use_approach(turn: Turn) -> None:
    """Count the approach people go with."""
    chosen = str(turn.state.answers.get("approach"))
    await turn.repo.record(turn.user.id, "approach_chosen", chosen, turn.now())


# -- check my reply ------------------------------------------------------------------------------


def feedback_messages(turn: Turn, findings: Sequence[str]) -> list[str]:
    """Suggestions grouped by theme (what works, tone, privacy), one message each."""
    messages = []
    for group, ids in (("positive", POSITIVE), ("tone", TONE), ("privacy", PRIVACY)):
        found = [f for f in ids if f in findings]
        if not found:
            continue
        lines = [turn.t(f"coach_check.feedback.{group}")]
        lines += [turn.t(f"coach_check.findings.{f}") for f in found]
        if group == "privacy":
            lines.append(turn.t("coach_check.feedback.privacy_tip"))
        messages.append("\n".join(lines))
    if not any(f in TONE or f in PRIVACY for f in findings):
        messages.append(turn.t("coach_check.feedback.clear"))
    return messages


@router.action("coach.check_reply")
async def check_reply_action(turn: Turn) -> None:
    """Suggestions for the typed reply; the text lives only in `turn.arg` for this turn."""
    for message in feedback_messages(turn, check_reply(turn.arg or "", turn.lang)):
        turn.send(Reply(message))


@router.action("coach.check_leave", outcomes=CHECK_FROM)
async def check_leave(turn: Turn) -> None:
    """Back to where the check was opened from: the coaching strategy or My plans (else the
    step's next, the menu)."""
    came_from = str(turn.state.answers.get("check_from"))
    if came_from in CHECK_FROM:
        turn.outcome(came_from)


# -- part 3: a safe strategy, the plan and the check-in -----------------------------------------


@router.action("coach.strategy")
async def strategy(turn: Turn) -> None:
    """Which account only matters for a public reply."""
    journey.progress(turn, 3)


@router.predicate("coach.public_reply")
async def public_reply(turn: Turn) -> bool:
    """Which account only matters for a public reply."""
    approach = _approach(turn)
    return approach is not None and approach.public


@router.action("coach.report_tips")
async def report_tips(turn: Turn) -> None:
    """One reply then leave (public replies), evidence first and how reporting and blocking work
    on this platform."""
    answers = turn.state.answers
    approach = _approach(turn)
    if approach is not None and approach.public:
        turn.say("coach_strategy.one_reply")
    if not in_danger(answers):  # the safety branch already showed both
        turn.say("platforms.report_good")
        turn.say(_platform_text(answers))
    if answers.get("form") == "discrimination":
        lines = helpline_lines(turn, {"discrimination"})
        _send_lines(turn, [turn.t("coach_strategy.discrimination"), *lines])


@router.action("coach.save_plan")
async def save(turn: Turn) -> None:
    """Save the plan (ids only), show it as a card, then offer a check-in."""
    answers = turn.state.answers
    data = plan_data(answers)
    answers["plan_id"] = await save_plan(turn.repo, turn.user.id, data, turn.now())
    await turn.repo.record(turn.user.id, "coach_completed", data.get("role"), turn.now())
    turn.send(Reply(plan_card(turn.content, turn.lang, data), alone=True))
    helplines = plan_help(turn.content, turn.lang, data)
    if helplines:
        turn.send(Reply(helplines))
    journey.drop(turn)


@router.predicate("profile.checkins")
async def checkins_on(turn: Turn) -> bool:
    """Check-ins are only offered to people who opted in; others may switch them on."""
    return turn.user.checkins


@router.action("coach.checkin")
async def checkin(turn: Turn) -> None:
    """Queue the check-in the person asked for; never for someone who has check-ins off.

    Due the same local clock time N days later, or when that day's quiet hours end."""
    answers = turn.state.answers
    plan_id, days = answers.get("plan_id"), answers.get("checkin_days")
    if not turn.user.checkins or not isinstance(plan_id, int) or not isinstance(days, int):
        return
    now = turn.now()
    due = checkin_due(turn.engine.settings, now, days)
    await schedule_checkin(turn.repo, turn.user.id, plan_id, due, now)
