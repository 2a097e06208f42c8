"""📋 My plans, and how a plan reads: as a card, as plain text to copy, as a one-line summary.

A plan holds answer ids only. Every text is looked up in content at the moment it is shown, so a
plan reads in the person's current language and never carries typed or personal text. The card
is the steps to take, numbered in order: the reply chosen (word for word, from the approach's
examples), how to report on that platform, who to involve, self-care; after a danger the
helplines that fit follow in a second message (not in the copy to forward).
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.clock import from_epoch
from bot.core.content import Content
from bot.core.engine import Choice, Turn
from bot.core.model import Reply
from bot.core.registry import Registry
from bot.flows.danger import danger_topics
from bot.flows.system import EMERGENCY, helpline_contact, short_line
from bot.storage.coach import Plan, get_plan, latest_plan, recent_plans

router = Registry()  # this feature's flow actions and commands (bot/app.py)

__all__ = ["latest_plan", "plan_card", "plan_help", "plan_summary", "plan_text"]

LISTED = 5  # plans shown under "My plans"; older ones stay in /mijndata
MAX_LABEL = 30
OWN_WORDS = "own"  # a plan's `reply` when the person writes their own (else the example 1-3)

# Where the words for a stored answer live: the button the person tapped, or the approach.
_VALUE_KEYS = {
    "platform": "coach.where.options.{}",
    "form": "coach.form.options.{}",
    "ground": "coach.ground.options.{}",
    "approach": "approaches.{}.name",
}
# What the card is about, in its first line; `ground` is shown with `form`.
ABOUT_FIELDS = ("platform", "form")
REPORT_HOW = {"tiktok": "tiktok", "instagram": "instagram"}  # others: the generic way


def _value(content: Content, lang: str, field: str, data: Mapping[str, str]) -> str | None:
    """The words for one answer, or None if absent or unknown (e.g. content changed since)."""
    value = data.get(field)
    if not value:
        return None
    key = _VALUE_KEYS[field].format(value)
    if not content.has(lang, key):
        return None
    text = content.text(lang, key)
    ground = _value(content, lang, "ground", data) if field == "form" else None
    return f"{text} ({ground})" if ground else text


def _example(content: Content, lang: str, approach: str, pick: str | None) -> str | None:
    """The example reply the person picked (1-3), word for word."""
    examples = content.messages(lang, f"approaches.{approach}.examples")
    index = int(pick) - 1 if pick and pick.isdigit() else -1
    return examples[index] if 0 <= index < len(examples) else None


def plan_steps(content: Content, lang: str, data: Mapping[str, str]) -> list[str]:
    """The next steps in order, each one thing to do."""

    def say(key: str, **values: str) -> None:
        if content.has(lang, key):
            steps.append(content.text(lang, key, **values))

    steps: list[str] = []
    approach = next((a for a in content.approaches if a.id == data.get("approach")), None)
    if approach is not None and approach.public:
        say(f"plans.steps.account.{data.get('account')}")
        reply = _example(content, lang, approach.id, data.get("reply"))
        name = content.text(lang, f"approaches.{approach.id}.name")
        if reply:
            say("plans.steps.reply", reply=reply)
        elif data.get("reply") == OWN_WORDS:
            say("plans.steps.own", name=name)
        else:  # saved before the reply was kept: whether it was an example is not known
            say("plans.steps.public", name=name)
    elif approach is not None:
        say(f"plans.steps.quiet.{'target' if data.get('role') == 'target' else 'bystander'}")
    say(f"plans.steps.repair.{data.get('repair')}")
    if data.get("report") == "yes":
        how = REPORT_HOW.get(str(data.get("platform")), "other")
        say("plans.steps.report", how=content.text(lang, f"plans.steps.how.{how}"))
        if data.get("form") == "discrimination":
            points = [
                f"{content.text(lang, f'helplines.{line.id}.name')} "
                f"({helpline_contact(content, lang, line)})"
                for line in content.helplines
                if "discrimination" in line.topics
            ]
            say("plans.steps.discrimination", points="; ".join(points))
    elif data.get("report") == "no":
        say("plans.steps.block")
    say(f"plans.steps.with.{data.get('with')}")
    say(f"plans.steps.selfcare.{data.get('selfcare')}")
    if data.get("repair"):
        say("plans.steps.next_time")
    return [f"{number}. {step}" for number, step in enumerate(steps, 1)]


def _about(content: Content, lang: str, data: Mapping[str, str]) -> str:
    """'TikTok · Discriminatie (Geloof)': where and what, in a few words."""
    parts = [_value(content, lang, field, data) for field in ABOUT_FIELDS]
    return " · ".join(part for part in parts if part)


def plan_card(content: Content, lang: str, data: Mapping[str, str]) -> str:
    """The plan as the card shown after saving and under My plans: the steps, numbered."""
    title = content.text(lang, "plans.card.title")
    about = _about(content, lang, data)
    head = f"{title} · {about}" if about else title
    steps = plan_steps(content, lang, data) or [content.text(lang, "plans.summary.empty")]
    return "\n".join([head, "", *steps])


def plan_help(content: Content, lang: str, data: Mapping[str, str]) -> str | None:
    """After a danger: 112 first, then the helplines that fit it, with their hours where
    verified. None without a danger."""
    topics = danger_topics(data)
    if not topics:
        return None
    lines = [
        short_line(content, lang, line)
        for line in content.helplines
        if topics & set(line.topics) and line.id != EMERGENCY  # 112 opens the message
    ]
    return "\n".join([content.text(lang, "plans.card.help"), *lines])


def plan_text(content: Content, lang: str, data: Mapping[str, str], day: str) -> str:
    """The plan as plain text to copy or forward (ids turned into words, nothing personal)."""
    title = content.text(lang, "plans.card.plain_title", date=day)
    about = _about(content, lang, data)
    return "\n".join([title, *([about] if about else []), "", *plan_steps(content, lang, data)])


def plan_summary(content: Content, lang: str, data: Mapping[str, str]) -> str:
    """One sentence for a check-in, e.g. "Your plan: reply with 'Ask a question' and report it."""
    steps: list[str] = []
    approach = next((a for a in content.approaches if a.id == data.get("approach")), None)
    if approach is not None and approach.public:
        name = content.text(lang, f"approaches.{approach.id}.name")
        steps.append(content.text(lang, "plans.summary.approach", name=name))
    elif approach is not None:
        steps.append(content.text(lang, "plans.summary.quiet"))
    for field in ("repair", "report", "with"):
        key = f"plans.summary.{field}.{data.get(field)}"
        if content.has(lang, key):
            steps.append(content.text(lang, key))
    if not steps:
        return content.text(lang, "plans.summary.empty")
    joined = steps[0] if len(steps) == 1 else ", ".join(steps[:-1])
    if len(steps) > 1:
        joined += f" {content.text(lang, 'plans.summary.and')} {steps[-1]}"
    return content.text(lang, "plans.summary.intro", steps=joined)


def _title(content: Content, lang: str, data: Mapping[str, str]) -> str:
    """What a plan is about in a few words, for its button."""
    return _value(content, lang, "approach", data) or content.text(lang, "plans.repair_title")


def _day(turn: Turn, plan: Plan) -> str:
    return from_epoch(plan.created_at).astimezone(turn.engine.settings.tz).strftime("%d-%m-%Y")


def _clip(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1].rstrip() + "…"


@router.action("plans.list", outcomes=("none",))
async def list_plans(turn: Turn) -> None:
    """The latest plans as buttons, newest first; nobody has to remember an id."""
    plans = await recent_plans(turn.repo, turn.user.id, LISTED)
    if not plans:
        turn.outcome("none")
        return
    for plan in plans:
        label = f"{_day(turn, plan)[:5]} {_title(turn.content, turn.lang, plan.data)}"
        turn.offer(Choice(f"p{plan.id}", _clip(label), next="show", set={"plan_id": plan.id}))
    turn.offer(
        Choice(
            "check",
            turn.t("plans.list.options.check"),
            next="coach_check:",
            set={"check_from": "plans"},
        )
    )


async def _chosen(turn: Turn) -> Plan | None:
    """The plan picked from the list, if it is still there and belongs to this person."""
    plan_id = turn.state.answers.get("plan_id")
    if not isinstance(plan_id, int):
        return None
    return await get_plan(turn.repo, turn.user.id, plan_id)


@router.action("plans.show", outcomes=("gone",))
async def show_plan(turn: Turn) -> None:
    """One plan as a card."""
    plan = await _chosen(turn)
    if plan is None:
        turn.outcome("gone")
        return
    turn.send(Reply(plan_card(turn.content, turn.lang, plan.data), alone=True))
    helplines = plan_help(turn.content, turn.lang, plan.data)
    if helplines:
        turn.send(Reply(helplines))


@router.action("plans.copy", outcomes=("gone",))
async def copy_plan(turn: Turn) -> None:
    """The plan as plain text in its own message, easy to long-press and copy."""
    plan = await _chosen(turn)
    if plan is None:
        turn.outcome("gone")
        return
    turn.vars["plain"] = plan_text(turn.content, turn.lang, plan.data, _day(turn, plan))
