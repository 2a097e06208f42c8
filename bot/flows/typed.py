"""Typed text at the menu and in the coaching steps: read it, say so warmly, fill in, move on.

A young person who types "iemand zet elke dag gemene comments onder mijn tiktoks 😭" instead of
tapping gets one warm sentence ("Vervelend dat dit elke dag gebeurt."), a line with what was
noted, and the first question still open; questions the story already answered are passed
(``Engine.prefill``). A wish for a person offers the peer educator. Where nothing fits, the
button the text names in other words ("ik meld het wel denk ik"), else a kind line for that
step and its buttons again. In the other flows (check-ins, quiz, onboarding) a text is only
matched to the buttons' own words, a typo or all of a label's words.

Only texts no step asked for reach this (the engine calls it after the crisis check and after
matching button labels): a draft in "check my reply" is the text of that step and is never
read here. Nothing typed is stored: only the answer ids the reader found.
"""

from __future__ import annotations

import re
from dataclasses import replace
from difflib import SequenceMatcher

from bot.core.engine import Turn
from bot.core.model import Button, Reply
from bot.core.registry import Registry
from bot.core.understand import Reading, read

router = Registry()  # this feature's flow actions and commands (bot/app.py)

# Where typed text is read: the menu and the coaching journey. "Check my reply" (coach_check)
# is missing on purpose: a draft is private and is the text to check, never a story.
READ_IN = frozenset(
    {"menu", "coach", "coach_approach", "coach_strategy", "coach_plan", "coach_repair"}
)
DANGER_FORMS = ("sextortion", "doxing", "threat")
DANGER_STEPS = ("danger", "danger_more")
DENIED_FORMS = {
    "doxing": "doxing",
    "sextortion": "sextortion",
    "violence": "threat",
}  # the coach's danger check (ticks, then "Klaar")
TALK = "typed:talk"
TYPO_RATIO = 0.8  # how close a typed word must be to a button label to count as that button
MIN_WORD = 3  # label words shorter than this ("ja", "ik", "nu") need not be typed
STEM = 5  # longer words count alike when they start alike ("reageer" is "reageren")
# Safety, the age gate and wiping everything are never answered from other words ("veilig? ik
# ben bang" is not "Ja, ik ben veilig", "ik ben 14, mijn oudere zus..." not "16 jaar of
# ouder"): there only a tap, the label itself or a typo of it counts. Flows, or flow.step.
NOT_WORDED = frozenset({"crisis", "onboarding.age", "forget"})
# A plain "no" ("nee", "niks van dat", "no, none") answers a question with a "none" option (the
# danger check with nothing ticked); any other word ("nee, ik weet het niet") does not.
PLAIN_NO = frozenset({"nee", "neen", "niks", "niets", "nope", "nah", "no", "none", "nothing"})
NO_FILLER = frozenset({"van", "dat", "dit", "hiervan", "daarvan", "allemaal", "echt", "hoor"}) | {
    *("eigenlijk", "gewoon", "ik", "denk", "het", "is", "er", "of", "this", "that", "these"),
    *("at", "all", "really", "i", "think", "its", "it"),
}
# Typed alone, these words do what the menu row's buttons do (WhatsApp reads them as commands).
NAV_WORDS = {"hulp": "hulp", "help": "hulp", "menu": "menu"}
# A text saying one of these where the label does not ("ik meld het niet") is not that label.
NEGATIONS = frozenset({"niet", "geen", "nee", "nooit", "niks", "niets", "not", "no", "never"})
# Which button label names an answer in the "noted" line: the coach's own labels.
NOTED_LABELS = {  # in the order the coach asks
    "role": "coach.role.options.{}",
    "feeling": "coach.feel.options.{}",
    "who": "",  # depends on the answer (see `_label_key`)
    "platform": "coach.where.options.{}",
    "form": "coach.form.options.{}",
    "ground": "coach.ground.options.{}",
    "danger": "coach.danger.options.{}",
}
WHO_BYSTANDER = frozenset({"someone", "other_group"})  # else the target's labels
_PLAIN = re.compile(r"[^\w\s]")


def ack_key(reading: Reading) -> str:
    """The one warm sentence that fits best: danger first, then what weighs most for them."""
    found = reading.found
    form = found.get("form")
    if form in DANGER_FORMS:
        return f"typed.ack.{form}"
    if found.get("role") == "spreader":
        return "typed.ack.spreader"
    if reading.often:
        return f"typed.ack.{reading.often}"
    if "feeling" in found:
        return f"typed.ack.feeling.{found['feeling']}"
    if form:
        return f"typed.ack.form.{form}"
    if found.get("role") == "bystander":
        return "typed.ack.bystander"
    return "typed.ack.help" if reading.help and not found else "typed.ack.noted"


def _plain(label: str) -> str:
    return " ".join(_PLAIN.sub(" ", label.casefold()).split())


def closest(turn: Turn, text: str) -> dict[str, object] | None:
    """The one button of the current question the text is a typo of ("verdrietg"), if any."""
    typed = _plain(text)
    if len(typed) < 3:
        return None
    near = [
        spec
        for spec in turn.state.choices.values()
        if SequenceMatcher(None, typed, _plain(str(spec.get("label", "")))).ratio() >= TYPO_RATIO
    ]
    return near[0] if len(near) == 1 else None


def plain_no(turn: Turn, text: str) -> dict[str, object] | None:
    """The question's "none" option when the text is a plain no and nothing else."""
    words = set(_plain(text).split())
    if words & PLAIN_NO and words <= PLAIN_NO | NO_FILLER:
        return turn.state.choices.get("none")
    return None


def worded(turn: Turn, text: str) -> dict[str, object] | None:
    """The one button whose words the text all says, in any order and among others ("het werd
    eigenlijk alleen maar erger" is "😟 Het werd erger", "ik reageer liever niet openlijk" is
    "🤫 Niet openlijk reageren"); not when the text says no where that label does not ("ik meld
    het niet" is not "Ja, ik meld het")."""
    state = turn.state
    if state.flow in NOT_WORDED or f"{state.flow}.{state.step}" in NOT_WORDED:
        return None
    words = set(_plain(text).split())
    said_no = words & NEGATIONS
    stems = {w[:STEM] for w in words if len(w) >= STEM}
    fits = []
    for spec in state.choices.values():
        label = {w for w in _plain(str(spec.get("label", ""))).split() if len(w) >= MIN_WORD}
        said = all(w in words or (len(w) >= STEM and w[:STEM] in stems) for w in label)
        if label and said and not said_no - label:
            fits.append(spec)
    return fits[0] if len(fits) == 1 else None


TALK_NAV = ("coach.care.options.talk", TALK)  # label key and data, as `Turn.extra_nav` holds


def _label_key(name: str, value: str) -> str:
    """The coach button that names this answer."""
    if name == "who":
        return f"coach.who_{'bystander' if value in WHO_BYSTANDER else 'target'}.options.{value}"
    return NOTED_LABELS[name].format(value)


def _fill(turn: Turn, filled: dict[str, str]) -> None:
    """Keep what was read for the questions still to come. A danger is ticked in the danger
    check right away: that check is always shown, so the person confirms it with one tap."""
    held = dict(filled)
    danger = held.pop("danger", None)
    if danger is not None and not turn.state.answers.get("danger"):
        turn.state.answers["danger"] = [danger]
    turn.engine.prefill(turn, held)


def _acknowledge(turn: Turn, reading: Reading, filled: dict[str, str]) -> None:
    """The warm sentence, then what was noted in the coach's own words."""
    lines = [turn.t(ack_key(reading))]
    order = list(NOTED_LABELS)
    shown = sorted((k for k in filled if k in order), key=order.index)
    noted = [turn.t(_label_key(k, filled[k])) for k in shown]
    if noted:
        lines.append(turn.t("typed.noted", found=" · ".join(noted)))
    turn.send(Reply("\n".join(lines)))


async def _at_menu(turn: Turn, reading: Reading) -> None:
    """A story starts the coach with what it said; only a wish for a person opens the talk."""
    engine = turn.engine
    filled = reading.answers()
    if filled:
        _acknowledge(turn, reading, filled)
        turn.state.answers = {}
        _fill(turn, filled)
        if reading.help:
            turn.say("typed.talk_offer")
            turn.extra_nav = (*turn.extra_nav, TALK_NAV)
        await engine.enter(turn, "coach:role")
    elif reading.help:
        turn.say("typed.ack.help")
        await engine.enter(turn, "talk:")
    else:
        turn.say("typed.unclear.menu")
        engine.reshow(turn)


async def _unclear(turn: Turn, text: str) -> None:
    """The button the text names in other words, else a kind line for this question and its
    buttons again (they are the closest answers)."""
    option = plain_no(turn, text) or worded(turn, text)
    if option is not None:
        await turn.engine.choose(turn, option)
        return
    key = f"typed.unclear.{turn.state.flow}.{turn.state.step}"
    turn.say(key if turn.content.has(turn.lang, key) else "typed.unclear.default")
    turn.engine.reshow(turn)


def _reshow_with_talk(turn: Turn) -> None:
    """The current question again, with the peer educator one tap away."""
    prompt = turn.state.prompt
    if prompt is None:
        turn.engine.reshow(turn)
        return
    shown = Reply.from_json(prompt)
    talk = Button(turn.t(TALK_NAV[0]), TALK)
    # The care step has this very button already: never two of the same.
    if not any(b.data == TALK or b.label == talk.label for row in shown.buttons for b in row):
        shown = Reply(shown.text, (*shown.buttons, (talk,)))
        turn.state.prompt = shown.to_json()
    turn.send(shown)
    turn.prompted = True


async def _in_step(turn: Turn, reading: Reading, text: str) -> None:
    """Fill what is still open; answer this question when the text does, else ask it again."""
    engine, answers = turn.engine, turn.state.answers
    filled = {k: v for k, v in reading.answers().items() if not answers.get(k)}
    _fill(turn, filled)
    option = engine.prefilled(turn, list(turn.state.choices.values()))
    if not filled and not reading.help:
        if reading.found:  # understood, only nothing new: say so warmly, not "I don't get it"
            turn.say(ack_key(reading))
            engine.reshow(turn)
        else:
            await _unclear(turn, text)
        return
    _acknowledge(turn, reading, filled)
    if reading.help:
        turn.say("typed.talk_offer")
    if "danger" in filled and turn.state.step in DANGER_STEPS:
        await engine.enter(turn, "coach:danger_more")  # the check again, with it ticked
    elif option is not None:
        if reading.help:
            turn.extra_nav = (*turn.extra_nav, TALK_NAV)
        await engine.choose(turn, option)
    elif reading.help:
        _reshow_with_talk(turn)
    else:
        engine.reshow(turn)


def _not_denied(turn: Turn, reading: Reading) -> Reading:
    """A story handed back after "no, I meant something else" to the crisis question: the
    danger it asked about is not read into the story again."""
    denied = {DENIED_FORMS.get(kind) for kind in turn.vars.get("crisis_denied", ())}
    if reading.found.get("form") not in denied:
        return reading
    found = {k: v for k, v in reading.found.items() if k != "form"}
    return replace(reading, found=found)


def reads_stories(turn: Turn) -> bool:
    """Whether typed text here is read as a story (the menu and coaching questions)."""
    return turn.state.flow in READ_IN and turn.state.text_input is None


async def read_typed(turn: Turn, text: str) -> bool:
    """Engine text reader: answer typed text at the menu and in coaching steps."""
    state = turn.state
    if state.text_input is not None:
        return False
    nav = NAV_WORDS.get(_plain(text))
    if nav == "hulp":
        await turn.engine.registry.commands["hulp"](turn, "")
        return True
    if nav == "menu" and turn.user.onboarded:
        await turn.engine.enter(turn, "menu:")
        return True
    if not reads_stories(turn):  # check-ins, quiz, onboarding: only the buttons' own words
        option = closest(turn, text) or worded(turn, text)
        if option is None:
            return False
        await turn.engine.choose(turn, option)
        return True
    option = closest(turn, text)
    if option is not None:
        await turn.engine.choose(turn, option)
        return True
    reading = _not_denied(turn, read(text))
    if state.flow == "menu":
        await _at_menu(turn, reading)
    else:
        await _in_step(turn, reading, text)
    return True


@router.callback("typed")
async def talk(turn: Turn, rest: str) -> None:
    """The peer educator offered after a typed wish for a person; the talk leads back here."""
    await turn.engine.detour(turn, "talk:")
