"""Free speech or hate? Yes/no checks about a post the person has in mind, ending in guidance.

The checks are derived from Dutch criminal law but the bot never gives a legal judgement: the end
says what the answers *point to*, where to report, and always the disclaimer. A threat or doxing
answer jumps straight to the police and Helpwanted (helplines filtered by topic), because that
should not wait until the last question. Which step is a check, and its number, comes from the
flow and its texts, so a check can be added in content alone.
"""

from __future__ import annotations

from bot.core.engine import Choice, Turn
from bot.core.model import Reply
from bot.core.registry import Registry
from bot.flows.system import helpline_lines

router = Registry()  # this feature's flow actions and commands (bot/app.py)

FLOW = "explainer"
COACH = "coach"

# Answers that point to something that could be punishable, and the helpline topics to report
# it to: group insult needs both "about people for who they are" and "insulting in itself"
# (art. 137c Sr); incitement (137d), threat (285) and doxing (285d) each suffice alone.
PUNISHABLE: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"c1", "c2"}), "discrimination"),
    (frozenset({"c3"}), "discrimination"),
    (frozenset({"c4"}), "violence"),
    (frozenset({"c5"}), "doxing"),
)
# The jump steps a "yes" leads to (see flows/explainer.yaml) and the topics they show.
JUMP_TOPICS = {"threat": "violence", "doxing": "doxing"}


def _checks(turn: Turn) -> list[str]:
    """The flow's check steps, in flow order: those with a question text."""
    return [
        step
        for step in turn.content.flows[FLOW].steps
        if turn.content.has(turn.lang, f"explainer.checks.{step}.question")
    ]


def _say_helplines(turn: Turn, topics: set[str]) -> None:
    """The helplines for these topics as one message (numbers come from content, not code)."""
    lines = helpline_lines(turn, topics)
    if lines:
        turn.send(Reply("\n".join(lines)))


@router.action("explainer.check")
async def check(turn: Turn) -> None:
    """Fill the shared check template with this step's question, explanation and example."""
    checks = _checks(turn)
    step = turn.state.step
    base = f"explainer.checks.{step}"
    turn.vars.update(
        number=checks.index(step) + 1 if step in checks else "?",
        total=len(checks),
        question=turn.t(f"{base}.question"),
        explain=turn.t(f"{base}.explain"),
        example=turn.t(f"{base}.example"),
    )


@router.action("explainer.jump")
async def jump(turn: Turn) -> None:
    """What to do now about a threat or doxing, with the matching helplines."""
    step = turn.state.step
    turn.say(f"explainer.jump.{step}")
    _say_helplines(turn, {JUMP_TOPICS[step]})


@router.action("explainer.verdict")
async def verdict(turn: Turn) -> None:
    """Guidance from the answers (never a legal verdict), the disclaimer and what next."""
    answers = turn.state.answers
    topics = {topic for keys, topic in PUNISHABLE if all(answers.get(key) for key in keys)}
    if topics:
        turn.say("explainer.verdict.maybe_crime")
        _say_helplines(turn, topics)
        turn.say("explainer.verdict.platform_too")
    else:
        turn.say("explainer.verdict.not_crime")
        turn.say("explainer.outro_not_crime")
    turn.say("explainer.disclaimer")
    outcome = "maybe_crime" if topics else "not_crime"
    await turn.repo.record(turn.user.id, "explainer_done", outcome, turn.now())
    # The coaching flow is built separately; until it ships, the button leads to the menu.
    target = f"{COACH}:" if COACH in turn.content.flows else "menu:"
    turn.offer(Choice("coach", turn.t("explainer.buttons.coach"), next=target))
