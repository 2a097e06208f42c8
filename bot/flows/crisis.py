"""The crisis safety net: every free text is checked first, in every state.

A clear signal answers in the same turn with the matching helplines, records an urgent request for
a peer educator, and asks whether the person is safe. Someone asking how to help a friend who
talks about suicide or self-harm gets a calm answer that names 113, without the alarm and
without an urgent case, and carries on where they were. A possible signal first asks one kind,
direct question that already names the fitting helpline (asking directly is what 113 advises):
"yes" leads to the full crisis answer, "no" back to where they were, with what they typed then
handled as usual. Where they were is kept so they can carry on.

Where the text was typed matters: a reply drafted in "check my reply" is read as a draft, so
quoted hate and counter speech ("kill yourself is never ok") are not taken as the writer's crisis.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace
from weakref import WeakKeyDictionary

from bot.core.engine import Engine, Turn
from bot.core.model import EventKind, Reply
from bot.core.registry import Registry
from bot.core.safety import CrisisKind, Outcome, detect_crisis
from bot.flows.system import help_topics, helpline_lines
from bot.flows.typed import reads_stories
from bot.storage.coach import record_help_request

router = Registry()  # this feature's flow actions and commands (bot/app.py)

TOPICS: dict[CrisisKind, set[str]] = {
    CrisisKind.SUICIDE: {"suicide", "wellbeing"},  # incl. Kindertelefoon (16-17) and Alles Oké?
    CrisisKind.SELF_HARM: {"suicide", "wellbeing"},  # 113 is there for self-harm too
    CrisisKind.VIOLENCE: {"violence"},
    CrisisKind.DOXING: {"doxing"},
    CrisisKind.SEXTORTION: {"sextortion", "sexual_violence"},
}
ABOUT_SELF = frozenset({CrisisKind.SUICIDE, CrisisKind.SELF_HARM})
# Steps where the person types a reply they plan to post ("check my reply").
DRAFT_STEPS = {("coach_check", "draft"), ("coach_check", "checked")}
# The text of a possible signal, kept in this process's memory only (never in the database,
# as drafts are promised never to be stored) until the person answers the question. A restart
# forgets it: "no" then just goes back to where they were.
_PENDING: WeakKeyDictionary[Engine, OrderedDict[int, str]] = WeakKeyDictionary()
PENDING_MAX = 10_000


def _keep(turn: Turn, text: str) -> None:
    """Hold the text of a possible signal in memory until the person answers."""
    held = _PENDING.setdefault(turn.engine, OrderedDict())
    held[turn.user.id] = text
    held.move_to_end(turn.user.id)
    while len(held) > PENDING_MAX:
        held.popitem(last=False)


def _take(turn: Turn) -> str:
    """The held text of a possible signal, forgotten as it is handed back."""
    return _PENDING.get(turn.engine, OrderedDict()).pop(turn.user.id, "")


READ_MAX = 40_000  # characters of one message the detector reads: the first and last half


def _readable(text: str) -> str:
    """The whole message, or of a huge one its start and end: the engine cuts texts at 4,096
    characters for the flows, but a crisis typed at the end of a long text must still count."""
    if len(text) <= READ_MAX:
        return text
    return f"{text[: READ_MAX // 2]}\n{text[-READ_MAX // 2 :]}"


def where_typed(turn: Turn) -> str:
    """ "draft" in "check my reply", else "chat": the detector reads drafts differently."""
    return "draft" if (turn.state.flow, turn.state.step) in DRAFT_STEPS else "chat"


async def crisis_filter(turn: Turn, text: str) -> bool:
    """Take over the turn when the text shows a crisis signal, clear or possible."""
    if turn.event.kind is EventKind.COMMAND and turn.event.command == "start":
        return False  # a deep-link payload (invite, tag) is a random code, not the person's words
    signal = detect_crisis(_readable(turn.event.text or text), where_typed(turn))
    if signal is None:
        return False
    if signal.outcome is Outcome.FRIEND:
        # Someone asks how to help a friend in crisis: a calm answer with 113, then the question
        # they were at. No alarm and no urgent case: the writer is not the one in danger.
        await turn.repo.record(turn.user.id, "crisis_friend", str(signal.primary), turn.now())
        turn.say("crisis.friend")
        turn.engine.reshow(turn)
        return True
    state = turn.state
    if state.flow != "crisis":
        state.resume = state.snapshot() if state.prompt else None
    kinds = sorted(signal.kinds, key=lambda kind: kind != signal.primary)
    state.answers["crisis_kinds"] = [str(kind) for kind in kinds]
    state.answers["crisis_acute"] = signal.acute
    if signal.outcome is Outcome.POSSIBLE:
        _keep(turn, text)
        await turn.repo.record(turn.user.id, "crisis_possible", str(signal.primary), turn.now())
        await turn.engine.enter(turn, "crisis:ask")
        return True
    await _escalate(turn, signal.primary)
    await turn.engine.enter(turn, "crisis:alert")
    return True


async def _escalate(turn: Turn, primary: CrisisKind | str) -> None:
    """Record the urgent request for a peer educator and the crisis event."""
    await record_help_request(
        turn.repo, turn.user.id, f"crisis:{primary}", urgent=True, now=turn.now()
    )
    await turn.repo.record(turn.user.id, "crisis", str(primary), turn.now())


def _kinds(turn: Turn) -> list[CrisisKind]:
    """The kinds of the signal being answered, most urgent first."""
    return [CrisisKind(kind) for kind in turn.state.answers.get("crisis_kinds", ["suicide"])]


@router.action("crisis.ask")
async def ask(turn: Turn) -> None:
    """The one direct question for a possible signal, naming the helpline that fits the kind."""
    turn.say(f"crisis.ask_question.{_kinds(turn)[0]}")


@router.action("crisis.confirmed")
async def confirmed(turn: Turn) -> None:
    """They said yes: drop the kept text, ask a peer educator, and show the full crisis answer."""
    _take(turn)
    await _escalate(turn, _kinds(turn)[0])


@router.action("crisis.carry_on", outcomes=("nowhere", "nowhere_new"))
async def carry_on(turn: Turn) -> None:
    """They said no: back where they were, and what they typed is handled as usual (the
    answer of a step that asked for text, or a story typed at the menu or in coaching)."""
    text = _take(turn)
    kinds = _kinds(turn)
    turn.vars["crisis_denied"] = [str(kind) for kind in kinds]  # not read back as such
    if not await turn.engine.resume(turn):
        turn.say("crisis.ask_ok")
        turn.outcome("nowhere" if turn.user.onboarded else "nowhere_new")
        return
    # A story about online hate the detector asked about (doxing, images, a threat) is read
    # as one; a text about how someone feels is not turned into a coaching story.
    story = reads_stories(turn) and not any(kind in ABOUT_SELF for kind in kinds)
    if text and (turn.state.text_input is not None or story):
        turn.replies.clear()  # the step's question again: its answer follows instead
        turn.say("crisis.ask_ok")
        turn.event = replace(turn.event, kind=EventKind.TEXT, text=text, choice="")
        await turn.engine.handle_text(turn)
    else:
        turn.replies.insert(0, Reply(turn.t("crisis.ask_ok")))


@router.action("crisis.alert")
async def alert(turn: Turn) -> None:
    """The kind-specific first line, then the helplines that fit, then the safety question.

    In immediate danger (people at the door, "ik kom nu langs") 112 comes first, whatever the kind.
    """
    kinds = _kinds(turn)
    acute = bool(turn.state.answers.get("crisis_acute"))
    if acute:
        turn.say("crisis.acute")
    turn.say(f"crisis.intro.{kinds[0]}")
    topics = set().union(*(TOPICS[kind] for kind in kinds))
    lines = helpline_lines(turn, topics | ({"police"} if acute else set()))
    turn.send(Reply("\n".join([turn.t("crisis.lines_heading"), *lines])))
    turn.say("crisis.peer_note")


def _help_topics(turn: Turn) -> set[str]:
    """/hulp during the crisis answer lists the lines for this kind first."""
    if turn.state.flow != "crisis":
        return set()
    return set().union(*(TOPICS[kind] for kind in _kinds(turn)))


help_topics.append(_help_topics)


@router.action("crisis.not_safe")
async def not_safe(turn: Turn) -> None:
    """Nothing extra yet: the step text says what to do; kept for a staffed-hours notice."""
    await turn.repo.record(turn.user.id, "crisis_not_safe", None, turn.now())


@router.action("crisis.resume", outcomes=("nowhere",))
async def resume(turn: Turn) -> None:
    """Back to the question the person was answering before the crisis message."""
    if not await turn.engine.resume(turn):
        turn.say("crisis.nothing_to_resume")
        turn.outcome("nowhere")
