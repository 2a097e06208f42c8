"""The crisis safety net: every free text is checked first, in every state.

A hit answers in the same turn with the matching helplines, records an urgent request for a peer
educator, and asks whether the person is safe. Where they were is kept so they can carry on.
"""

from __future__ import annotations

from bot.core.engine import Engine, Turn
from bot.core.model import EventKind, Reply
from bot.core.registry import registry
from bot.core.safety import CrisisKind, detect_crisis
from bot.flows.system import helpline_lines
from bot.storage.coach import record_help_request

TOPICS: dict[CrisisKind, set[str]] = {
    CrisisKind.SUICIDE: {"suicide", "wellbeing"},  # incl. Kindertelefoon (16-17) and Alles Oké?
    CrisisKind.SELF_HARM: {"suicide", "wellbeing"},  # 113 is there for self-harm too
    CrisisKind.VIOLENCE: {"violence"},
    CrisisKind.DOXING: {"doxing"},
    CrisisKind.SEXTORTION: {"sextortion", "sexual_violence"},
}


async def crisis_filter(turn: Turn, text: str) -> bool:
    """Take over the turn when the text shows a crisis signal."""
    if turn.event.kind is EventKind.COMMAND and turn.event.command == "start":
        return False  # a deep-link payload (invite, tag) is a random code, not the person's words
    signal = detect_crisis(text)
    if signal is None:
        return False
    state = turn.state
    if state.flow != "crisis":
        state.resume = state.snapshot() if state.prompt else None
    kinds = sorted(signal.kinds, key=lambda kind: kind != signal.primary)
    state.answers["crisis_kinds"] = [str(kind) for kind in kinds]
    await record_help_request(
        turn.repo, turn.user.id, f"crisis:{signal.primary}", urgent=True, now=turn.now()
    )
    await turn.repo.record(turn.user.id, "crisis", str(signal.primary), turn.now())
    await turn.engine.enter(turn, "crisis:alert")
    return True


@registry.action("crisis.alert")
async def alert(turn: Turn) -> None:
    """The kind-specific first line, then the helplines that fit, then the safety question."""
    kinds = [CrisisKind(kind) for kind in turn.state.answers.get("crisis_kinds", ["suicide"])]
    turn.say(f"crisis.intro.{kinds[0]}")
    topics = set().union(*(TOPICS[kind] for kind in kinds))
    lines = helpline_lines(turn, topics)
    turn.send(Reply("\n".join([turn.t("crisis.lines_heading"), *lines])))
    turn.say("crisis.peer_note")


@registry.action("crisis.not_safe")
async def not_safe(turn: Turn) -> None:
    """Nothing extra yet: the step text says what to do; kept for a staffed-hours notice."""
    await turn.repo.record(turn.user.id, "crisis_not_safe", None, turn.now())


@registry.action("crisis.resume")
async def resume(turn: Turn) -> None:
    """Back to the question the person was answering before the crisis message."""
    if not await turn.engine.resume(turn):
        turn.say("crisis.nothing_to_resume")
        turn.goto("menu:")


def install(engine: Engine) -> None:
    """Put the crisis check in front of every free text."""
    engine.text_filters.append(crisis_filter)
