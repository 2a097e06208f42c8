"""Crisis detection for every free text a young person types: how a decision is made.

Why: the coach must never answer someone who is suicidal, hurting themselves, threatened, doxed
or sextorted with an ordinary coaching step. A list of exact sentences misses the way young people
really write, so the detector works in four plain steps that a peer educator can follow:

1. **Read the words** (``bot/core/crisis/text.py``). Case, accents, emoji look-alikes, leetspeak
   ("z3lfm00rd"), stretched letters, contractions ("m'n", "m'r") and texting shorthand ("gwn",
   "nie", "egt", "t") are folded to one spelling. A word that is not a known Dutch or English word
   and is one typing slip away from a word the detector cares about is read as that word ("lven"
   -> "leven"). This step never fails, whatever is typed.
2. **Tag concepts** (``concepts.py``): each word gets labels such as SELF, DIE, CUT, HARM, WEAPON,
   DATA (address, phone, school), IMAGE (photo, video call, cam), MONEY, "anders"/"or else",
   THREAT, and markers for a lesson, a film, a game or a settings question.
3. **Rules over concepts** (``rules.py``): combinations close together, in any order, such as
   SELF + wish + DIE ("dood wil ik gwn"), SELF + CUT, someone else + HARM + me ("hij zei dat hij
   me gaat steken"), my DATA + shared, IMAGE + MONEY or "anders". A negation just before ("ik
   wil niet dood") or a lesson or game cancels a rule. Each rule names its reason.
4. **A small model** (``model.py``, trained offline by ``bench/train_crisis.py`` on the labelled
   development corpus in ``tests/data/crisis/dev/``) gives a probability for each kind from
   words, letter groups and concepts: it catches the softer messages no rule names.

Guards the rules know of (cooking, sport and games, an accident, a phone that "died", reporting
or blocking someone, "niet meer naar school", family hyperbole with "als", a story of something
over such as "twee jaar geleden ..., nu gaat het goed" unless it is back "weer") stop a rule and
make the model alone be surer. The model also sees framing cues paired with the danger concepts
(a death word as a figure of speech, "dood van de honger"; a past frame; nobody personal).
The limits (``Thresholds``) are calibrated on out-of-fold predictions (``python
bench/train_crisis.py --cv``), never on the messages the model was trained on.

The outcome is one of three:

- **clear**: a rule fired, or the model is sure -> the crisis answer with helplines at once;
- **possible**: the model is unsure, or a weaker rule fired -> one kind, direct question that
  already names the fitting helpline ("Denk je eraan om jezelf iets aan te doen?" + 113);
- **none**: the normal step.

Where the text was typed matters (``where``): in "check my reply" (``draft``) quoted words are
someone else's, and "kill yourself is never ok" is counter speech, not the writer's crisis; a
threat against the writer ("hij schreef dat hij me na school opwacht") still counts, and so does
a goodbye or a relapse inside a quote, read on its own, because a quote in a draft is as often
the writer's own planned post ("kan ik dit posten: 'morgen ben ik er niet meer'"). In a chat,
quoted words are not the writer's own wish to die or to get hurt ("iedereen zingt 'i wanna die'"),
but a quote sent to the writer is read from the writer's side ("hij stuurde 'ik steek je neer'":
"je" is the writer), so a quoted threat still counts.

Decisions: a false alarm costs one kind question, a miss can cost a life, so "ik wil dood lol"
counts and laughter never silences an explicit statement. Haters telling the user to die, with no
distress shown, is hate for the coach, not the user's crisis.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from typing import Final

from bot.core.crisis import addressed, quoted, read, rules, unquoted
from bot.core.crisis.model import Model, features, load
from bot.core.crisis.subject import asks_how_to_help, friend_subject
from bot.core.crisis.text import normalise

__all__ = [
    "THRESHOLDS",
    "CrisisKind",
    "CrisisSignal",
    "Outcome",
    "Reading",
    "Thresholds",
    "decide",
    "detect_crisis",
    "normalise",
    "read_message",
    "warm_up",
]


class CrisisKind(enum.StrEnum):
    """What kind of danger a message shows; each kind has its own helplines."""

    SUICIDE = "suicide"
    SELF_HARM = "self_harm"
    VIOLENCE = "violence"
    DOXING = "doxing"
    SEXTORTION = "sextortion"


class Outcome(enum.StrEnum):
    """How sure the detector is: the crisis answer at once, or one kind question first; or
    someone asks how to help a friend in crisis (a calm answer with 113, no alarm)."""

    CLEAR = "clear"
    POSSIBLE = "possible"
    FRIEND = "friend"


_URGENCY: Final[tuple[CrisisKind, ...]] = (
    CrisisKind.SUICIDE,
    CrisisKind.SELF_HARM,
    CrisisKind.VIOLENCE,
    CrisisKind.SEXTORTION,
    CrisisKind.DOXING,
)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Model probabilities that decide the outcome; calibrated on out-of-fold scores.

    ``bench/train_crisis.py --cv`` prints recall and false alarms for a grid of these on
    predictions made by models that never saw the message (grouped k-fold), and the chosen values
    are the defaults here.
    """

    clear: float = 0.75  # a crisis kind this likely: the crisis answer at once
    possible: float = 0.40  # this likely: one kind question first
    negated: float = 0.95  # a negation before the key word and no rule: the model must be sure
    veto: float = 0.97  # this sure it is harmless: a rule's hit asks instead of alarming
    guarded: float = 0.6  # no rule, and a lesson, a game, cooking, sport, reporting, a place...


# Framing the rules found (see ``rules.cues``) under which the model alone must be surer.
_GUARDS: Final = frozenset(["hate", "plain", "family", "report", "place", "past", "own-words"])
# A kind the model alone may name only when a word of one of these concepts is there (measured
# out-of-fold: requiring images for sextortion lost more crises than it saved false alarms).
_NEEDS: Final[dict[str, frozenset[str]]] = {
    "doxing": frozenset(["data", "expose", "come", "trace"]),
}


# A message this short, with only these concepts (no death, harm, data, image, money...), is
# too little evidence for the model alone (measured out-of-fold: recall -0.004, fewer alarms on
# everyday short messages).
_SHORT: Final = 5
_PLAIN_CONCEPTS: Final = frozenset(
    [
        "me",
        "you",
        "they",
        "neg",
        "want",
        "laugh",
        "quote",
        "place",
        "learn",
        "fiction",
        "report",
        "kitchen",
        "sport",
        "accident",
        "object",
        "past",
        "send",
        "come",
    ]
)
# Kinds that are about the writer's own wish or act: only the writer's own words count.
_OWN_KINDS: Final = frozenset(["suicide", "self_harm"])
_ABOUT_SELF: Final = frozenset([CrisisKind.SUICIDE, CrisisKind.SELF_HARM])
# A draft that says the hater sent the quoted words to the writer: "jij schreef", "you said".
_TOLD_ME: Final = frozenset(
    [
        *("schreef", "schreven", "zei", "zeiden", "stuurde", "stuurden", "typte", "typten"),
        *("dreigde", "dreigden", "wrote", "said", "sent", "typed", "threatened", "dm'd", "dmd"),
    ]
)
_THREATS: Final = frozenset(["violence", "doxing"])

THRESHOLDS: Final = Thresholds()
# A quote in a draft that speaks of the writer ("ik", "i") may be the writer's own planned post.
_FIRST_PERSON: Final = frozenset(
    ["ik", "me", "mij", "mijn", "mn", "mezelf", "i", "im", "ill", "my", "myself", "k", "kben"]
)
# A friend's danger words that are the friend's suicide (the friend's answer names 113).
_FRIEND_DEATH: Final = frozenset(["die", "done", "method", "means"])
# A lesson, a story, a film, a joke, the past or reporting: not a friend in danger now.
_NOT_NOW: Final = frozenset(["learn", "fiction", "laugh", "past", "report"])
_HOW: Final = frozenset(["how", "hoe"])


@dataclass(frozen=True, slots=True)
class CrisisSignal:
    """The crisis kinds found in one message (never empty), how sure, and why."""

    kinds: frozenset[CrisisKind]
    outcome: Outcome = Outcome.CLEAR
    acute: bool = False
    reasons: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Refuse an empty signal: "no crisis" is ``None``, never an empty set."""
        if not self.kinds:
            raise ValueError("a CrisisSignal needs at least one kind")

    @property
    def primary(self) -> CrisisKind:
        """The most urgent kind, whose help is shown first (life before safety before images)."""
        for kind in _URGENCY:
            if kind in self.kinds:
                return kind
        raise AssertionError("unreachable: kinds is never empty")  # pragma: no cover


@dataclass(frozen=True, slots=True)
class Reading:
    """What the rules and the model make of one message, before the thresholds decide."""

    hits: tuple[rules.Hit, ...]
    cues: tuple[str, ...]
    probs: dict[str, float]
    concepts: frozenset[str] = frozenset()
    words: int = 0  # how many words the message has
    friend: bool = False  # someone close is the one in danger, not the writer (``subject.py``)
    helping: bool = False  # the writer asks how to help (``subject.asks_how_to_help``)


def read_message(text: str, where: str = "chat", model: Model | None = None) -> Reading | None:
    """The rules that fire and the model's probabilities; ``None`` for a text without words."""
    reading = _read_one(text, where, model)
    if where != "draft":
        return reading
    for inner in quoted(text):  # each quote alone: perhaps the writer's own draft
        if not _FIRST_PERSON & set(normalise(inner).split()):
            continue  # "'go cut yourself' is not a comeback": the hater's words, not the writer's
        # Only a clear own crisis: a quote read alone is thin evidence.
        reading = _with_quote(reading, _read_one(inner, where, model), _OWN_KINDS)
    sent = addressed(text) if _TOLD_ME & set(normalise(unquoted(text) or "").split()) else None
    if sent is not None:  # "jij schreef 'ik kom je vanavond steken'": a threat to the writer
        reading = _with_quote(reading, _read_one(sent, "chat", model), _THREATS)
    return reading


def _with_quote(
    reading: Reading | None, inner: Reading | None, kinds: frozenset[str]
) -> Reading | None:
    """A draft's reading with the kinds (``kinds``) that one of its quotes shows clearly; the
    reading as it was when the quote shows none of them clearly.

    Why: quotes in a draft are left out because they are often the hater's words the writer
    answers ("'go cut yourself' is not a comeback"), but just as often they hold the writer's
    own draft, and a goodbye or a relapse in it ("'door jullie zit ik weer met een mesje aan
    mijn arm', kan ik dat posten?") is the writer's crisis. And a threat or doxing the draft
    says the hater sent ("jullie zeiden 'morgen na school ben je dood'") is danger to the
    writer, whatever the reply (blind parts 11 and 12 missed four such drafts).
    """
    signal = decide(inner)
    if inner is None or signal is None or signal.outcome is not Outcome.CLEAR:
        return reading
    if not {kind.value for kind in signal.kinds} & kinds:
        return reading
    reading = reading or Reading((), (), {"none": 1.0})
    probs = dict(reading.probs)
    for kind in kinds:
        probs[kind] = max(probs.get(kind, 0.0), inner.probs.get(kind, 0.0))
    probs["none"] = max(0.0, 1.0 - sum(p for k, p in probs.items() if k != "none"))
    hits = reading.hits + tuple(h for h in inner.hits if h.kind in kinds)
    return replace(reading, hits=hits, probs=probs, concepts=reading.concepts | inner.concepts)


# The writer as the one spoken to or about, outside the quotes ("hij stuurde me ...", "onder
# mijn post"): then quoted words in a game or a song may still be aimed at the writer.
_TO_ME: Final = frozenset(["me", "mij", "my", "mn", "mijn", "m'n", "myself", "mezelf"])


def rule_hits(
    text: str, words: list[str], tags: list[frozenset[str]], where: str
) -> list[rules.Hit]:
    """The rules' hits on a message, its quotes read from the writer's side (also for tuning)."""
    hits = rules.apply(words, tags, where)
    sent = addressed(text) if where == "chat" else None
    if sent is not None:  # quoted words may threaten the writer; they are not the writer's wish
        if any(h.kind in _OWN_KINDS for h in hits):  # read it twice only when that can matter
            own_words, own_tags = read(unquoted(text) or "", where)
            hits = [h for h in hits if h.kind not in _OWN_KINDS] + [
                h for h in rules.apply(own_words, own_tags, where) if h.kind in _OWN_KINDS
            ]
        outside = set(normalise(unquoted(text) or "").split())
        fiction = any("fiction" in t for t in tags)
        if fiction and not _TO_ME & outside:  # "in dat drillnummer zeggen ze 'ik steek je'"
            return hits
        if rules.aimed_elsewhere(words, tags):  # "als grap", "onder de post van een streamer"
            return hits
        sent_words, sent_tags = read(sent, where)  # only the quotes: "hij stuurde 'ik steek je'"
        hits += [h for h in rules.apply(sent_words, sent_tags, where) if h.kind not in _OWN_KINDS]
    return hits


def _read_one(text: str, where: str, model: Model | None) -> Reading | None:
    """One reading of one text by the rules and the model (see ``read_message``)."""
    words, tags = read(text, where)
    if not words:
        return None
    hits = rule_hits(text, words, tags, where)
    cues = rules.cues(words, tags, where)
    probs = (model or load()).probabilities(features(words, tags, where, hits, cues))
    friend = friend_subject(words, tags)
    concepts = frozenset().union(*tags)
    # "how" and "hoe" also mark a lesson ("hoe werkt ..."); asking how to help is not one.
    framed = any(t & _NOT_NOW for w, t in zip(words, tags, strict=True) if w not in _HOW)
    helping = friend and asks_how_to_help(words) and not framed
    return Reading(tuple(hits), tuple(cues), probs, concepts, len(words), friend, helping)


def _friends_kind(reading: Reading) -> CrisisKind | None:
    """A friend's suicide or self-harm the writer asks about (``subject.py``), if any."""
    if not reading.helping:
        return None
    if "cut" in reading.concepts:
        return CrisisKind.SELF_HARM
    if reading.concepts & _FRIEND_DEATH:
        return CrisisKind.SUICIDE
    return None


def decide(reading: Reading | None, limits: Thresholds = THRESHOLDS) -> CrisisSignal | None:
    """Turn a reading into a clear signal, a possible one, a friend's, or ``None``.

    Suicide or self-harm of someone close, told by the writer ("mn vriendin zegt dat ze dood
    wil, wat moet ik doen"), is a friend's signal: a calm answer with 113, no alarm (README,
    "Helping a friend"); immediate danger and every other kind keep the crisis answer.
    """
    if reading is None:
        return None
    hits = reading.hits
    probs = {
        k: p
        for k, p in reading.probs.items()
        if k == "none" or not (_NEEDS.get(k, frozenset()) and not _NEEDS[k] & reading.concepts)
    }
    vetoed = probs.get("none", 0.0) >= limits.veto
    clear_at, possible_at = limits.clear, limits.possible
    if not hits and _GUARDS & set(reading.cues):  # a lesson, a game, hate to report: be surer
        clear_at, possible_at = max(limits.guarded, clear_at), max(limits.guarded, possible_at)
    if not hits and reading.words <= _SHORT and not reading.concepts - _PLAIN_CONCEPTS:
        # "Daar ben ik weer.", "Sorry, ik ben er nu!": a few plain words are too little evidence
        # for the model alone; it must be as sure as after a negation.
        clear_at = possible_at = max(limits.negated, possible_at)
    if "negated" in reading.cues and not hits:  # "i would never kill myself": be sure
        clear_at = possible_at = max(limits.negated, possible_at)
    clear = {CrisisKind(h.kind) for h in hits if h.clear and not vetoed}
    clear |= {CrisisKind(k) for k, p in probs.items() if k != "none" and p >= clear_at}
    reasons = tuple(h.reason for h in hits) + tuple(
        f"model:{k}={p:.2f}" for k, p in sorted(probs.items()) if k != "none" and p >= possible_at
    )
    acute = any(h.acute for h in hits)
    # A vetoed rule ("ajax verloor, ik wil dood") still asks: an explicit crisis phrase never
    # goes unanswered on the model's word alone.
    possible = clear | {CrisisKind(h.kind) for h in hits}
    possible |= {CrisisKind(k) for k, p in probs.items() if k != "none" and p >= possible_at}
    if not possible:
        kind = _friends_kind(reading)
        if kind is None:
            return None
        # The model learnt that asking how to help is not the writer's crisis, and rightly; the
        # friend's danger is there all the same: the calm answer with 113.
        return CrisisSignal(frozenset([kind]), Outcome.FRIEND, False, ("friend",))
    if reading.friend and possible <= _ABOUT_SELF and not acute:
        return CrisisSignal(frozenset(possible), Outcome.FRIEND, False, reasons)
    if clear:
        return CrisisSignal(frozenset(clear), Outcome.CLEAR, acute, reasons)
    return CrisisSignal(frozenset(possible), Outcome.POSSIBLE, acute, reasons)


def detect_crisis(
    text: str, where: str = "chat", model: Model | None = None
) -> CrisisSignal | None:
    """Decide for one message: a clear signal, a possible one, or ``None``.

    ``where`` is ``"chat"`` for anything typed to the bot and ``"draft"`` for a reply the user
    drafts in "check my reply". ``model`` is the shipped one unless the training script passes
    a model of one cross-validation fold.
    """
    return decide(read_message(text, where, model))


def warm_up() -> None:
    """Load the model and the word lists once, at start-up (about a second)."""
    detect_crisis("warm up")
