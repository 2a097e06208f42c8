"""Where a coaching journey stands: '📍 Stap N van 3', and carrying on after an interruption.

Someone who leaves the coaching half-way (the menu, the quiz, a crisis answer) finds
"▶️ Verder waar je was" in the menu. Only the minimum is kept, in the conversation state itself
(`ConvState.paused`): the coaching step, its answer ids and the question's buttons, never typed
text (drafts never reach the answers). It goes with /vergeetmij, shows in /mijndata and is
swept with the conversation state by the retention job.
"""

from __future__ import annotations

from bot.core.engine import Choice, Turn
from bot.core.registry import Registry

router = Registry()  # this feature's flow actions and commands (bot/app.py)

# The flows of a journey that can be left half-way and taken up again (not the plan's end).
COACH_FLOWS = ("coach", "coach_approach", "coach_check", "coach_strategy", "coach_repair")
PARTS = 3  # stop and think; react or not; a safe strategy


def progress(turn: Turn, part: int) -> None:
    """'📍 Stap 2 van 3 · Reageren of niet?' as the coaching part begins."""
    turn.say(f"coach.progress.{part}", part=part, parts=PARTS)


def keep(turn: Turn, flow_id: str) -> None:
    """Leaving the coaching for another flow: keep the step to come back to."""
    state = turn.state
    if state.flow in COACH_FLOWS and flow_id not in COACH_FLOWS and state.prompt:
        state.paused = state.snapshot() | {"lang": turn.lang}


def drop(turn: Turn) -> None:
    """A new journey or a saved plan: nothing to carry on with any more."""
    turn.state.paused = None


@router.action("menu.main")
async def menu_main(turn: Turn) -> None:
    """The menu: an open request for a peer educator, and the way back into the coaching."""
    await turn.engine.registry.actions["talk.status"](turn)
    if turn.state.paused:
        turn.say("menu.paused")
        turn.offer(Choice("resume", turn.t("menu.resume"), action="journey.resume"))


@router.action("journey.resume", outcomes=("nowhere",))
async def resume(turn: Turn) -> None:
    """Back to the coaching question the person left, in their current language."""
    paused, turn.state.paused = turn.state.paused, None
    turn.state.resume = paused
    if not await turn.engine.resume(turn):
        turn.outcome("nowhere")
