"""The recognition quiz: rounds of fictional posts, feedback at once, mistakes come back first.

The round (item ids), position and score live in the flow's answers, so /hulp or a restart in the
middle of a round continues at the same question. Every answer is also stored in `quiz_answers`
(`bot.storage.quiz`): that history decides which items a later round starts with. Answer buttons
are run-time choices, so stale and double taps are handled by the engine like any other button.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from bot.core.content import QuizItemDef
from bot.core.engine import Choice, Turn
from bot.core.registry import Registry
from bot.storage import quiz as store

router = Registry()  # this feature's flow actions and commands (bot/app.py)

ROUND_SIZE = 8
# Production draws at random; tests swap in a seeded `random.Random` so rounds are repeatable.
RNG = random.Random()

# Keys in the flow's answers.
ROUND, INDEX, SCORE, LAST = "quiz_round", "quiz_index", "quiz_score", "quiz_last"


def pick_round(
    items: Sequence[str],
    latest: Mapping[str, bool],
    rng: random.Random,
    size: int = ROUND_SIZE,
) -> list[str]:
    """Items still answered wrong first, then unseen ones, then the rest; shuffled per group.

    `latest` maps an item id to whether the person's most recent answer to it was right.
    """
    wrong: list[str] = []
    unseen: list[str] = []
    rest: list[str] = []
    for item in items:
        if item not in latest:
            unseen.append(item)
        elif latest[item]:
            rest.append(item)
        else:
            wrong.append(item)
    picked: list[str] = []
    for group in (wrong, unseen, rest):
        rng.shuffle(group)
        picked.extend(group)
    return picked[:size]


def _option_label(turn: Turn, option: str) -> str:
    return turn.t(f"quiz.option_labels.{option}")


def _current(turn: Turn) -> QuizItemDef | None:
    """The item at the current position; ids no longer in content are dropped from the round."""
    answers = turn.state.answers
    items = {item.id: item for item in turn.content.quiz}
    round_ids: list[str] = [i for i in answers.get(ROUND, []) if i in items]
    answers[ROUND] = round_ids
    index = int(answers.get(INDEX, 0))
    return items[round_ids[index]] if index < len(round_ids) else None


@router.action("quiz.new_round", outcomes=("empty",))
async def new_round(turn: Turn) -> None:
    """Pick the next round from this person's history and reset position and score."""
    latest = await store.latest_results(turn.repo, turn.user.id)
    round_ids = pick_round([item.id for item in turn.content.quiz], latest, RNG)
    if not round_ids:
        turn.say("quiz.empty")
        turn.outcome("empty")
        return
    turn.state.answers.pop(LAST, None)
    turn.state.answers.update({ROUND: round_ids, INDEX: 0, SCORE: 0})


@router.action("quiz.ask", outcomes=("done",))
async def ask(turn: Turn) -> None:
    """Show the post with its question and offer the item's options as buttons."""
    item = _current(turn)
    if item is None:
        turn.outcome("done")
        return
    answers = turn.state.answers
    turn.vars.update(
        number=int(answers[INDEX]) + 1,
        total=len(answers[ROUND]),
        question=turn.t(f"quiz.questions.{item.kind}"),
        post=turn.t(f"quiz.items.{item.id}.post"),
    )
    for option in item.options:
        turn.offer(
            Choice(
                option,
                _option_label(turn, option),
                next="feedback",
                action="quiz.answer",
                arg=option,
            )
        )


@router.action("quiz.answer", outcomes=("done",))
async def answer(turn: Turn) -> None:
    """Score the chosen option, store it in the history and move to the next position."""
    item = _current(turn)
    if item is None or turn.arg is None:
        turn.outcome("done")
        return
    correct = turn.arg == item.correct
    await store.record_answer(turn.repo, turn.user.id, item.id, correct, turn.now())
    answers = turn.state.answers
    answers[SCORE] = int(answers.get(SCORE, 0)) + int(correct)
    answers[INDEX] = int(answers[INDEX]) + 1
    answers[LAST] = {"item": item.id, "correct": correct}


@router.action("quiz.feedback", outcomes=("gone",))
async def feedback(turn: Turn) -> None:
    """Right or wrong (with the right answer), the explanation, then next question or score."""
    answers = turn.state.answers
    last = answers.get(LAST) or {}
    item = next((i for i in turn.content.quiz if i.id == last.get("item")), None)
    if item is None:
        turn.outcome("gone")
        return
    verdict = (
        turn.t("quiz.right")
        if last.get("correct")
        else turn.t("quiz.wrong", answer=_option_label(turn, item.correct))
    )
    turn.vars.update(verdict=verdict, explanation=turn.t(f"quiz.items.{item.id}.explanation"))
    if _current(turn) is not None:
        turn.offer(Choice("next", turn.t("quiz.buttons.next"), next="question"))
    else:
        turn.offer(Choice("finish", turn.t("quiz.buttons.finish"), next="result"))


@router.action("quiz.result", outcomes=("empty",))
async def result(turn: Turn) -> None:
    """The score, a note that mistakes return, and one activity row for the impact figures."""
    answers = turn.state.answers
    score, total = int(answers.get(SCORE, 0)), len(answers.get(ROUND, []))
    if total == 0:  # every item of the round vanished from content: start a fresh round
        turn.outcome("empty")
        return
    turn.say("quiz.score", score=score, total=total)
    if score < total:
        turn.say("quiz.retry_note")
    await turn.repo.record(turn.user.id, "quiz_round", f"{score}/{total}", turn.now())
