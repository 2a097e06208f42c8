# ruff: noqa: E501 - one word list per line reads and diffs best.
"""Rules over concepts: combinations of tagged words, close together, that clearly mean danger.

Why: a rule such as "SELF and a wish to die within six words, not negated" holds for word orders
and verb forms nobody wrote down. Each rule names its reason, so a peer educator can see why a
message was flagged. Rules are strict (few false alarms); the model in ``model.py`` catches the
softer, less explicit messages.

Who is speaking matters: a threat counts when someone else is the subject and the young person is
the object ("hij zei dat hij me gaat steken"); "kill yourself" typed as a draft reply is counter
speech or quoted hate, not the writer's own crisis (see ``where``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Final

__all__ = ["Hit", "apply"]

WINDOW: Final = 6
_LIFE: Final = frozenset(["leven", "life", "live", "living", "bestaan", "exist", "wakker", "wake"])
_EXPLICIT_SUICIDE: Final = ("zelfmoord", "suicid", "zelfdoding", "sewerslide", "afscheidsbrief")
_SELF_KILL: Final = frozenset(
    ["kill", "killen", "unalive", "hang", "ophangen", "vermoorden", "murder", "end"]
)
# Words tagged DIE that are too weak alone for a rule ("disappear from social media"); the model
# still weighs them.
_WEAK_DIE: Final = frozenset(
    [
        "disappear",
        "verdwijnen",
        "weg",
        "gone",
        "laatste",
        "last",
        "doei",
        "goodbye",
        "einde",
        "ending",
        "way",
        "uitweg",
        "die",
    ]
)
_WISH: Final = frozenset(
    ["wil", "wilde", "wou", "want", "wanted", "wanna", "wish", "wens", "hoop", "hope"]
)
# "dood van de honger", "schaam me dood", "rather die than": hyperbole, not a wish.
_HYPERBOLE_AFTER: Final = frozenset(["van", "than", "for", "voor"])
_HYPERBOLE_BEFORE: Final = frozenset(["schaam", "rather", "liever", "lachen"])
_REPORTED: Final = frozenset(
    [
        "schreef",
        "zei",
        "zeggen",
        "zegt",
        "stuurde",
        "stuurt",
        "told",
        "tell",
        "telling",
        "tells",
        "said",
        "says",
        "wrote",
        "commented",
        "comment",
        "comments",
        "reageerde",
        "typte",
        "noemde",
        "called",
        "dm",
    ]
)
_VICTIM: Final = frozenset(
    ["me", "mij", "mijn", "my", "mezelf", "myself", "ons", "us", "onze", "our"]
)
_MINE: Final = frozenset(["mijn", "my", "onze", "our", "ons"])
_FAMILY: Final = frozenset(
    [
        "broer",
        "bro",
        "brother",
        "zus",
        "zusje",
        "sis",
        "sister",
        "moeder",
        "mama",
        "mam",
        "mom",
        "mum",
        "vader",
        "papa",
        "pap",
        "dad",
    ]
)
_MAKES: Final = frozenset(["makes", "make", "maakt", "maken"])
_AGAIN: Final = frozenset(["weer", "again", "opnieuw", "meer", "nog"])
_NOW: Final = frozenset(
    [
        "nu",
        "now",
        "rn",
        "vanavond",
        "tonight",
        "straks",
        "onderweg",
        "deur",
        "door",
        "buiten",
        "outside",
    ]
)
_SAID: Final = frozenset(
    [
        "zei",
        "zegt",
        "said",
        "says",
        "schreef",
        "wrote",
        "dreigt",
        "threatens",
        "threatened",
        "typte",
    ]
)


@dataclass(frozen=True, slots=True)
class Hit:
    """One rule that fired: the kind, how sure (clear or possible), acute danger, and why."""

    kind: str
    clear: bool
    acute: bool
    reason: str


class _Msg:
    """A tagged message with the small questions the rules ask of it."""

    def __init__(self, words: list[str], tags: list[frozenset[str]], where: str) -> None:
        self.words = words
        self.tags = tags
        self.where = where
        self.all = frozenset().union(*tags) if tags else frozenset()
        self.set = frozenset(words)

    def at(self, concept: str) -> list[int]:
        """Positions of the words that carry a concept."""
        return [i for i, t in enumerate(self.tags) if concept in t]

    def near(self, i: int, concept: str, before: int = WINDOW, after: int = WINDOW) -> bool:
        """Whether a word with the concept is within the window around position i."""
        lo, hi = max(0, i - before), min(len(self.tags), i + after + 1)
        return any(concept in self.tags[j] for j in range(lo, hi) if j != i)

    def negated(self, i: int) -> bool:
        """A negation in the three words before, not part of "niet meer" (which means the end)."""
        for j in range(max(0, i - 3), i):
            if "neg" in self.tags[j] and not (
                j + 1 < len(self.words) and self.words[j + 1] == "meer"
            ):
                return True
        return False

    @cached_property
    def reported(self) -> bool:
        """Someone else's words reported ("iemand schreef 'kys'", "they told me to ..."): hate."""
        return bool(_REPORTED & self.set) and "they" in self.all

    @cached_property
    def joking(self) -> bool:
        """Family teasing with laughter ("my bro says he'll kill me 😂"), or "X makes me want to"."""
        laugh = "laugh" in self.all
        return (laugh and bool(_FAMILY & self.set)) or any(
            a in _MAKES and b in _VICTIM for a, b in zip(self.words, self.words[1:], strict=False)
        )

    @cached_property
    def framed(self) -> bool:
        """Fiction, a lesson, news or a how-to question about settings: a topic, not a crisis."""
        return bool(self.all & {"fiction", "learn"})


def _suicide(m: _Msg) -> list[Hit]:
    """An explicit word with the self, a wish to die, or a wish to not live any more."""
    hits = []
    for i, word in enumerate(m.words):
        own = not m.negated(i) and not m.framed and not m.reported and not m.joking
        if word.startswith(_EXPLICIT_SUICIDE) and "me" in m.all and own:
            hits.append(Hit("suicide", True, False, f"explicit:{word}"))
        if word in _SELF_KILL and i + 1 < len(m.words) and "myself" in m.tags[i + 1] and own:
            hits.append(Hit("suicide", True, False, f"kill-myself:{word}"))
        if "die" in m.tags[i] and word not in _LIFE | _WEAK_DIE and m.near(i, "me", 5, 2):
            wish = _WISH & set(m.words[max(0, i - 4) : i])
            after = set(m.words[i + 1 : i + 2])
            before = set(m.words[max(0, i - 3) : i])
            hyperbole = after & _HYPERBOLE_AFTER or before & _HYPERBOLE_BEFORE
            plain = not m.negated(i) and not m.framed and not m.reported and not m.joking
            if wish and not hyperbole and plain:
                hits.append(Hit("suicide", True, False, f"wish-to-die:{word}"))
        english_wish = {"want", "wanna", "wish"} & set(m.words[max(0, i - 3) : i])
        if word == "die" and english_wish and not m.negated(i) and not m.framed:
            idiom = bool(set(m.words[i + 1 : i + 2]) & _HYPERBOLE_AFTER) or "rather" in m.set
            if not m.reported and not m.joking and not idiom:
                hits.append(Hit("suicide", True, False, "wish-to-die:die"))
        negated_life = {"niet", "nooit", "never", "not"} & set(m.words[max(0, i - 3) : i])
        if word in _LIFE and "me" in m.all and not m.framed and not m.reported and negated_life:
            hits.append(Hit("suicide", True, False, f"not-living:{word}"))
    return hits


def _self_harm(m: _Msg) -> list[Hit]:
    """Cutting or hurting oneself, told by the self or with "again"."""
    hits = []
    for i, word in enumerate(m.words):
        if "cut" not in m.tags[i] or m.negated(i) or m.framed or m.reported:
            continue
        own = m.near(i, "me", 4, 3) and not m.near(i, "they", 3, 0)
        again = any(w in _AGAIN for w in m.words[max(0, i - 3) : i + 3])
        wish = bool(_WISH & set(m.words[max(0, i - 4) : i]))
        if (own and (again or wish)) or (again and len(m.words) <= 4):
            hits.append(Hit("self_harm", True, False, f"cut:{word}"))
    return hits


def _violence(m: _Msg) -> list[Hit]:
    """Someone else will harm me, or a weapon with harm; people on their way makes it acute."""
    hits = []
    acute = bool(_NOW & m.set) and "come" in m.all
    for i, word in enumerate(m.words):
        if "harm" not in m.tags[i] or m.negated(i) or m.framed or m.joking:
            continue
        if set(m.words[i + 1 : i + 2]) & {"yourself", "jezelf", "urself"}:
            continue  # "kill yourself" is hate telling someone to die, not a threat of violence
        victim = bool(_VICTIM & set(m.words[max(0, i - 4) : i + 4]))
        other = m.near(i, "they", 8, 0) or bool(_SAID & m.set)
        if m.where == "draft" and m.near(i, "you", 3, 3) and not victim:
            continue  # "kill yourself is never ok" typed as a reply: counter speech
        if victim and other:
            hits.append(Hit("violence", True, acute, f"threat:{word}"))
        elif m.near(i, "weapon", 5, 5):
            hits.append(Hit("violence", True, acute, f"weapon:{word}"))
    if "come" in m.all and any(w in {"deur", "door"} for w in m.words) and "they" in m.all:
        hits.append(Hit("violence", True, True, "at-the-door"))
    return hits


def _doxing(m: _Msg) -> list[Hit]:
    """My address, phone or school shared, or people who know where I live."""
    hits = []
    for i, word in enumerate(m.words):
        if "data" not in m.tags[i] or m.framed:
            continue
        mine = bool(_MINE & set(m.words[max(0, i - 3) : i]))
        by_me = {"i", "ik"} & set(m.words[max(0, i - 5) : i])
        if mine and m.near(i, "expose", 6, 6) and not m.negated(i) and not by_me:
            hits.append(Hit("doxing", True, False, f"exposed:{word}"))
    if "weet" in m.words and "waar" in m.words and ("woon" in m.words or "woont" in m.words):
        hits.append(Hit("doxing", True, False, "knows-where-i-live"))
    return hits


def _sextortion(m: _Msg) -> list[Hit]:
    """Images of me plus money, a threat, or "anders" / "or else"."""
    if "image" not in m.all or m.framed:
        return []
    pressure = m.all & {"money", "unless", "threat"}
    if m.all & {"money", "unless"} or ("threat" in m.all and "send" in m.all):
        return [Hit("sextortion", True, False, "images+" + "+".join(sorted(pressure)))]
    return []


def apply(words: list[str], tags: list[frozenset[str]], where: str) -> list[Hit]:
    """Every rule that fires on the tagged message."""
    m = _Msg(words, tags, where)
    return [*_suicide(m), *_self_harm(m), *_violence(m), *_doxing(m), *_sextortion(m)]


def cues(words: list[str], tags: list[frozenset[str]], where: str) -> list[str]:
    """What the rules know about the framing, for the model: reported, framed, hyperbole, ..."""
    m = _Msg(words, tags, where)
    found = []
    if m.reported:
        found.append("reported")
    if m.framed:
        found.append("framed")
    if set(words) & _HYPERBOLE_BEFORE or "laugh" in m.all:
        found.append("hyperbole")
    if any("neg" in t for t in tags):
        found.append("negation")
    keys = ("die", "harm", "cut")
    if any(any(k in t for k in keys) and m.negated(i) for i, t in enumerate(tags)):
        found.append("negated")
    return found
