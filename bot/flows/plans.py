"""📋 My plans, and how a plan reads: as a card, as plain text to copy, as a one-line summary.

A plan holds answer ids only. Every text is looked up in content at the moment it is shown, so a
plan reads in the person's current language and never carries typed or personal text.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.clock import from_epoch
from bot.core.content import Content
from bot.core.engine import Choice, Turn
from bot.core.registry import registry
from bot.storage.coach import Plan, get_plan, latest_plan, recent_plans

__all__ = ["latest_plan", "plan_card", "plan_summary", "plan_text"]

LISTED = 5  # plans shown under "My plans"; older ones stay in /mijndata
MAX_LABEL = 30

# Where the words for each stored answer live: mostly the button the person tapped.
_VALUE_KEYS = {
    "role": "coach.role.options.{}",
    "platform": "coach.where.options.{}",
    "form": "coach.form.options.{}",
    "ground": "coach.ground.options.{}",
    "approach": "approaches.{}.name",
    "account": "coach_strategy.account.options.{}",
    "report": "coach_strategy.report.options.{}",
    "with": "coach_strategy.together.options.{}",
    "selfcare": "coach_strategy.selfcare.options.{}",
    "incident": "coach_repair.what.options.{}",
    "repair": "coach_repair.impact.options.{}",
}
# Card order; `ground` is shown with `form`, `danger` stays out of anything that may be shared.
CARD_FIELDS = (
    "role",
    "platform",
    "form",
    "approach",
    "account",
    "report",
    "with",
    "selfcare",
    "incident",
    "repair",
)


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


def plan_lines(content: Content, lang: str, data: Mapping[str, str]) -> list[tuple[str, str]]:
    """(label, value) pairs for the fields this plan has."""
    lines = []
    for field in CARD_FIELDS:
        value = _value(content, lang, field, data)
        if value is not None:
            lines.append((content.text(lang, f"plans.field.{field}"), value))
    return lines


def plan_card(content: Content, lang: str, data: Mapping[str, str]) -> str:
    """The plan as the short card shown after saving and under My plans."""
    rows = [f"• {label}: {value}" for label, value in plan_lines(content, lang, data)]
    return "\n".join([content.text(lang, "plans.card.title"), *rows])


def plan_text(content: Content, lang: str, data: Mapping[str, str], day: str) -> str:
    """The plan as plain text to copy or forward (ids turned into words, nothing personal)."""
    rows = [f"- {label}: {value}" for label, value in plan_lines(content, lang, data)]
    title = content.text(lang, "plans.card.plain_title", date=day)
    return "\n".join([title, "", *rows])


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


@registry.action("plans.list")
async def list_plans(turn: Turn) -> None:
    """The latest plans as buttons, newest first; nobody has to remember an id."""
    plans = await recent_plans(turn.repo, turn.user.id, LISTED)
    if not plans:
        turn.goto("empty")
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


@registry.action("plans.show")
async def show_plan(turn: Turn) -> None:
    """One plan as a card."""
    plan = await _chosen(turn)
    if plan is None:
        turn.goto("list")
        return
    turn.vars["card"] = plan_card(turn.content, turn.lang, plan.data)


@registry.action("plans.copy")
async def copy_plan(turn: Turn) -> None:
    """The plan as plain text in its own message, easy to long-press and copy."""
    plan = await _chosen(turn)
    if plan is None:
        turn.goto("list")
        return
    turn.vars["plain"] = plan_text(turn.content, turn.lang, plan.data, _day(turn, plan))
