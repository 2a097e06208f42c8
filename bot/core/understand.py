"""Reading typed stories: what the coach needs to know, found in free text, with the reason why.

Why: a young person types "iemand zet elke dag gemene comments onder mijn tiktoks 😭" instead of
tapping. The coach asks who they are in it (role), how they feel, where it happens (platform),
what kind of message it is (form), what discrimination is about (ground), and whether they want a
person to talk to (help). This reader finds those answers with keyword cues written per
language in ``bot/content/understand.yaml``, on the words of the crisis detector's normaliser
(``bot.core.crisis.read``: typos, shorthand and leetspeak read alike), so every decision can be
explained: :attr:`Reading.why` names the cue that decided each field.

How a field is decided: every cue that matches adds its weight (the number of words in it, or
an explicit ``^N``; an emoji of the value counts 2) to its value; the value with the highest
score wins, a tie goes to the value listed first. A cue preceded by a negation ("niet bang",
"not angry") does not count (not for the form: "als ik niet betaal" is still sextortion).

Then a few rules from the labelling (all in the YAML, each named in :attr:`Reading.why`): a
ground means discrimination; a story where something hurtful is said or sent (field ``act``)
but no form is named is bullying when it keeps happening (field ``often``), else a one-off
mean remark, and mean remarks told as repeated are bullying; in sextortion the writer is the
one hurt unless someone else is named plainly; a story with a form but no role gets one from
its person.

Cue syntax (space-separated terms, matched on consecutive words):
``word``; ``pre*`` (any word starting with it); ``a|b`` (either); ``@concept`` (a word the crisis
detector tags with that concept, e.g. ``@image``); ``..`` (up to three other words; ``...`` up
to six, ``....`` up to ten); ``x & y`` (both parts anywhere in the message); a trailing
``^N`` sets the weight. Alternatives are per word: ``my address|number`` is "my address" or
"my number", never "number" alone.

Pure and fast: no I/O after the first call, no state, never raises on odd input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Final

import yaml

from bot.core.crisis import read as crisis_read

__all__ = ["FIELDS", "Reading", "problems", "read", "warm_up"]

FIELDS: Final = ("role", "feeling", "platform", "form", "ground")
GAPS: Final = {"..": 3, "...": 6, "....": 10}  # words a gap may skip
EMOJI_WEIGHT: Final = 2  # a crying or angry face says as much as a feeling word
NEGATION_REACH: Final = 2  # a negation this many words before a cue cancels it
_WEIGHT: Final = re.compile(r"\s\^(\d+)$")


@dataclass(frozen=True, slots=True)
class _Term:
    exact: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    concept: str = ""
    gap: int = 0  # a gap: how many words it may skip

    def matches(self, word: str, tags: frozenset[str]) -> bool:
        return (
            word in self.exact
            or (bool(self.prefixes) and word.startswith(self.prefixes))
            or (bool(self.concept) and self.concept in tags)
        )


@dataclass(frozen=True, slots=True)
class _Cue:
    text: str  # as written in the YAML, for explanations
    parts: tuple[tuple[_Term, ...], ...]  # all must match (`&`); each a word sequence
    weight: int


@dataclass(frozen=True, slots=True)
class _Field:
    values: tuple[tuple[str, tuple[_Cue, ...], str], ...]  # value, cues, emoji that count too
    negatable: bool


@dataclass(frozen=True, slots=True)
class _Rules:
    fields: dict[str, _Field]
    negations: frozenset[str]
    ground_form: str  # a ground found means this form ...
    stronger_forms: frozenset[str]  # ... unless one of these was found
    coach: dict[str, dict[str, dict[str, str]]]  # field -> value -> coach answers
    role_min_words: int  # a story this long with a form but no role gets a default role:
    first_person: frozenset[str]  # ... with one of these words
    role_default: tuple[str, str]  # ... the first, else the second
    form_default: tuple[str, str]  # a hurtful act, no form: repeated (first), else once ...
    question_words: frozenset[str]  # ... unless the text starts as a question
    repeated_form: tuple[str, str]  # a form (first) told as repeated is the second
    victim_forms: frozenset[str]  # in these the writer's own act ("I sent a photo") is the target's


@dataclass(frozen=True, slots=True)
class Reading:
    """What a text says, field by field (absent = not said), and the cue behind each."""

    found: dict[str, str] = field(default_factory=dict)
    help: bool = False
    often: str | None = None  # "daily" or "often": for the acknowledgement only
    who: str | None = None  # who is hit, when said plainly (me, own_group, someone, ...)
    why: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.found) or self.help

    def answers(self) -> dict[str, str]:
        """The coach's answers this reading fills (doxing and sextortion are danger answers)."""
        rules = _rules()
        out: dict[str, str] = {}
        for name, value in self.found.items():
            out.update(rules.coach.get(name, {}).get(value, {name: value}))
        if self.who:
            out["who"] = self.who
        return out


def _term(raw: str) -> _Term:
    if raw in GAPS:
        return _Term(gap=GAPS[raw])
    if raw.startswith("@"):
        return _Term(concept=raw[1:])
    exact = frozenset(a for a in raw.split("|") if not a.endswith("*"))
    prefixes = tuple(a[:-1] for a in raw.split("|") if a.endswith("*"))
    return _Term(exact=exact, prefixes=prefixes)


def _cue(raw: str) -> _Cue:
    text = raw.strip()
    weight_match = _WEIGHT.search(text)
    body = text[: weight_match.start()] if weight_match else text
    parts = tuple(tuple(_term(t) for t in part.split()) for part in body.split("&"))
    words = sum(1 for part in parts for term in part if not term.gap)
    return _Cue(text, parts, int(weight_match.group(1)) if weight_match else words)


@cache
def _rules() -> _Rules:
    """The cues from ``bot/content/understand.yaml``, compiled once."""
    source = resources.files("bot.content").joinpath("understand.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(source)
    fields: dict[str, _Field] = {}
    for name, spec in data["fields"].items():
        values = []
        for value, per_lang in spec["values"].items():
            # A word both languages share ("gay", "hijab") counts once.
            written = dict.fromkeys(
                c.strip() for lang in ("nl", "en") for c in per_lang.get(lang, [])
            )
            cues = tuple(_cue(c) for c in written)
            values.append((str(value), cues, str(per_lang.get("emoji", ""))))
        fields[name] = _Field(tuple(values), bool(spec.get("negatable", True)))
    return _Rules(
        fields=fields,
        negations=frozenset(data["negations"]),
        ground_form=str(data["ground_means_form"]),
        stronger_forms=frozenset(data["stronger_forms"]),
        coach={k: {v: dict(a) for v, a in m.items()} for k, m in data["coach"].items()},
        role_min_words=int(data["default_role"]["min_words"]),
        first_person=frozenset(data["default_role"]["first_person"]),
        role_default=(str(data["default_role"]["yes"]), str(data["default_role"]["no"])),
        form_default=(str(data["default_form"]["repeated"]), str(data["default_form"]["once"])),
        question_words=frozenset(data["default_form"]["not_after"]),
        repeated_form=(str(data["repeated"]["form"]), str(data["repeated"]["means"])),
        victim_forms=frozenset(data["victim_forms"]),
    )


def warm_up() -> None:
    """Compile the cues and the normaliser's vocabulary at start-up, not in someone's turn."""
    _rules()
    read("")


def problems() -> list[str]:
    """Cue mistakes the YAML allows: a `*` not at the end of a word never matches."""
    return [
        f"{name}.{value}: {cue.text!r}: '*' only ends a word"
        for name, spec in _rules().fields.items()
        for value, cues, _ in spec.values
        for cue in cues
        if any("*" in alt.rstrip("*") for alt in re.split(r"[\s|&]+", cue.text))
    ]


def _seq_starts(seq: tuple[_Term, ...], words: list[str], tags: list[frozenset[str]]) -> list[int]:
    """Every position where the word sequence matches (gaps included)."""
    starts = []
    for start in range(len(words)):
        if _seq_at(seq, 0, start, words, tags):
            starts.append(start)
    return starts


def _seq_at(
    seq: tuple[_Term, ...], k: int, i: int, words: list[str], tags: list[frozenset[str]]
) -> bool:
    if k == len(seq):
        return True
    term = seq[k]
    if term.gap:
        return any(
            _seq_at(seq, k + 1, j, words, tags) for j in range(i, min(i + term.gap, len(words)) + 1)
        )
    return (
        i < len(words)
        and term.matches(words[i], tags[i])
        and _seq_at(seq, k + 1, i + 1, words, tags)
    )


def _negated(start: int, words: list[str], negations: frozenset[str]) -> bool:
    return any(w in negations for w in words[max(0, start - NEGATION_REACH) : start])


def _score(
    cue: _Cue, words: list[str], tags: list[frozenset[str]], negations: frozenset[str] | None
) -> int | None:
    """The first position where the cue holds (not negated), or None."""
    first: int | None = None
    for part in cue.parts:
        starts = [
            s
            for s in _seq_starts(part, words, tags)
            if negations is None or not _negated(s, words, negations)
        ]
        if not starts:
            return None
        first = starts[0] if first is None else min(first, starts[0])
    return first


def _decide(
    spec: _Field, text: str, words: list[str], tags: list[frozenset[str]], negations: frozenset[str]
) -> tuple[str, str] | None:
    """The value with the highest score and the cue that weighed most, or None."""
    best: tuple[int, int, str, str] | None = None  # score, -order, value, why
    for order, (value, cues, emoji) in enumerate(spec.values):
        score, why, heaviest = 0, "", 0
        for cue in cues:
            if _score(cue, words, tags, negations if spec.negatable else None) is not None:
                score += cue.weight
                if cue.weight > heaviest:
                    why, heaviest = cue.text, cue.weight
        marks = [ch for ch in emoji if ch in text]
        if marks:
            score += EMOJI_WEIGHT
            why = why or marks[0]
        if score and (best is None or (score, -order) > (best[0], best[1])):
            best = (score, -order, value, why)
    return None if best is None else (best[2], best[3])


def read(text: str) -> Reading:
    """What the coach can learn from a typed text; an empty reading when nothing fits."""
    rules = _rules()
    words, tags = crisis_read(text[:4096], "chat")
    found: dict[str, str] = {}
    why: dict[str, str] = {}
    extra: dict[str, str] = {}
    for name, spec in rules.fields.items():
        decided = _decide(spec, text, words, tags, rules.negations)
        if decided is None:
            continue
        target = found if name in FIELDS else extra
        target[name], why[name] = decided
    if "ground" in found and found.get("form") not in rules.stronger_forms:
        if found.get("form") != rules.ground_form:
            why["form"] = f"ground: {found['ground']}"
        found["form"] = rules.ground_form
    repeated = "often" in extra
    story = len(words) >= rules.role_min_words and words[0] not in rules.question_words
    if "form" not in found and "act" in extra and story:
        # Something hurtful was said or sent, in no words of a known form: bullying when it
        # keeps happening, else a one-off mean remark.
        found["form"] = rules.form_default[0 if repeated else 1]
        why["form"] = f"{why['act']} ({'repeated' if repeated else 'once'})"
    elif found.get("form") == rules.repeated_form[0] and repeated:
        found["form"] = rules.repeated_form[1]
        why["form"] = f"{why['form']}, repeated: {why['often']}"
    if (
        found.get("form") in rules.victim_forms
        and found.get("role") in ("spreader", "bystander")
        and extra.get("who") != "someone"
    ):
        found["role"] = rules.role_default[0]
        why["role"] = f"{found['form']}, nobody else named: the writer is the one hurt"
    if "form" in found and "role" not in found and len(words) >= rules.role_min_words:
        mine = not rules.first_person.isdisjoint(words)
        found["role"] = rules.role_default[0 if mine else 1]
        why["role"] = "story told in the first person" if mine else "story about others"
    return Reading(
        found=found,
        help="help" in extra,
        often=extra.get("often"),
        who=extra.get("who"),
        why=why,
    )
