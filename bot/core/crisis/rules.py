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
    ["me", "mij", "mijn", "my", "mezelf", "myself", "ons", "us", "onze", "our", "mn", "m"]
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
_FRIENDS: Final = frozenset(
    ["bestie", "bff", "vriend", "vriendin", "vrienden", "friend", "friends", "mate", "maat"]
)
_MAKES: Final = frozenset(["makes", "make", "maakt", "maken"])
# Once more: "nog" (still) and "meer" (more, "deed meer pijn") are not "again".
_AGAIN: Final = frozenset(["weer", "again", "opnieuw"])
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
# Right now, or once more: a past frame does not hold ("clean sinds mei, nu weer").
# (Not the door or outside: "de littekens zijn van toen ik als kind door een ruit viel".)
_AGAIN_NOW: Final = _AGAIN | frozenset(
    ["rn", "vanavond", "tonight", "straks", "onderweg", "broke", "teruggevallen", "back"]
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


# Nouns that name self-harm itself: with the self they need no verb ("mijn snijwonden").
_HARM_NOUNS: Final = (
    "snijwond",
    "automutil",
    "zelfbeschadig",
    "selfharm",
    "selfinjur",
    "littekens",
    "scars",
    "relapse",
    "terugval",
    "wondjes",
    "sneetjes",
    "brandwond",
)
_STRONG_HARM_NOUNS: Final = ("automutil", "zelfbeschadig", "selfharm", "selfinjur", "snijwond")
_SELF_OBJECT: Final = frozenset(["mezelf", "mijzelf", "myself", "mzelf", "zichzelf"])
# "ik kan mezelf wel voor mn kop slaan": an idiom of annoyance.
_IDIOM_AFTER: Final = frozenset(["kop", "hoofd", "head", "face"])
_BETTER: Final = frozenset(["beter", "better", "blijer", "happier", "makkelijker", "easier"])
_YOU_ARE: Final = (("je", "bent"), ("jij", "bent"), ("you", "are"), ("your", "dead"))
_WHERE_YOU: Final = frozenset(["woont", "woon", "slaapt", "slaap", "live", "sleep", "zit", "lives"])
_KNOW: Final = frozenset(["weet", "weten", "know", "knows", "gevonden", "found"])
_SOFT: Final = frozenset(
    ["kussen", "pillow", "sneeuwbal", "snowball", "waterpistool", "sneeuwballen", "snowballs"]
)
_IF: Final = frozenset(["als", "if", "wanneer", "when"])
_BOSSES: Final = frozenset(
    ["coach", "trainer", "juf", "meester", "leraar", "docent", "teacher", "mentor", "oma", "opa"]
)
# A message that opens with one of these asks what could happen; it does not tell what did.
_ASKING: Final = frozenset(["can", "could", "kan", "kunnen", "is", "are", "how", "hoe"])
_OTHERS_DATA: Final = frozenset(
    ["jouw", "your", "zijn", "haar", "iemands", "someones", "his", "her", "their", "hun"]
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

    def told_own(self, i: int) -> bool:
        """The writer telling what they said themselves, with their own "ik"/"i" before word i
        ("ik zei dat ik dood wilde", "told my mentor i want to die"): their own wish, not
        someone else's words reported."""
        for j in range(max(0, i - 8), i):
            if self.words[j] in _REPORTED and (j == 0 or self.words[j - 1] in _I):
                return bool(_I & set(self.words[j + 1 : i]))
        return False

    @cached_property
    def reported(self) -> bool:
        """Someone else's words reported ("iemand schreef 'kys'", "they told me to ..."): hate."""
        return bool(_REPORTED & self.set) and "they" in self.all

    @cached_property
    def joking(self) -> bool:
        """Family or friends teasing with laughter ("my bro says he'll kill me 😂", "mn bestie
        vermoordt me hahaha"), or "X makes me want to"."""
        laugh = "laugh" in self.all
        return (laugh and bool((_FAMILY | _FRIENDS) & self.set)) or any(
            a in _MAKES and b in _VICTIM for a, b in zip(self.words, self.words[1:], strict=False)
        )

    @cached_property
    def a_joke(self) -> bool:
        """Called a joke ("als grap", "jk", "its a meme"), and not "geen grap" / "no joke"."""
        return any(
            w in _JOKE and not any("neg" in t for t in self.tags[max(0, i - 2) : i])
            for i, w in enumerate(self.words)
        )

    @cached_property
    def past(self) -> bool:
        """Over and done ("twee jaar geleden", "used to", "mn oude littekens") and nothing that
        brings it back ("weer", "nu", "teruggevallen"): a story of recovery, not a crisis now."""
        return "past" in self.all and not _AGAIN_NOW & self.set

    @cached_property
    def framed(self) -> bool:
        """Fiction, a lesson, news or a how-to question about settings: a topic, not a crisis."""
        return bool(self.all & {"fiction", "learn"})

    @cached_property
    def hate_to_report(self) -> bool:
        """Someone told me to hurt myself and I want to report or block them: hate, no distress."""
        return self.reported and "report" in self.all

    @cached_property
    def harmless_context(self) -> bool:
        """Cooking, sport, an accident or a thing (phone, battery): harm words used plainly."""
        return bool(self.all & {"kitchen", "sport", "accident", "object"})

    @cached_property
    def family_hyperbole(self) -> bool:
        """ "mn moeder gaat me afmaken als ze mn rapport ziet": family or coach, a condition, no
        weapon: the way people speak of trouble at home, not a threat."""
        # The family member or coach is the one who threatens, so named before the harm word:
        # "he said he'd burn my face if i told the teacher" is a threat.
        harm = [i for i, t in enumerate(self.tags) if "harm" in t]
        boss = bool((_FAMILY | _BOSSES) & set(self.words[: harm[0]])) if harm else False
        return boss and bool(_IF & self.set) and "weapon" not in self.all


def _topic(word: str) -> bool:
    """ "zelfmoordpreventie", "suicide-prevention": the subject of a lesson or a fundraiser."""
    return word.endswith(("preventie", "prevention", "lijn", "line"))


# "grappen over zelfmoord", "a suicide joke", "overleden door zelfmoord", "verhaal over
# sextortion": the word names a subject or someone else's death, unless the writer thinks of it
# ("ik denk vaak na over zelfmoord", "thinking about suicide").
_ABOUT: Final = frozenset(["over", "about", "door", "by", "aan"])
_THINK: Final = frozenset(
    ["denk", "dacht", "denken", "nadenken", "think", "thinking", "thought", "thoughts", "gedachten"]
)
_SUBJECT_AFTER: Final = frozenset(
    [
        *("joke", "jokes", "grap", "grapje", "grappen", "meme", "memes", "storyline", "scene"),
        *("campaign", "campagne", "awareness", "song", "nummer", "docu", "film", "rate", "cijfers"),
    ]
)


def _about_it(m: _Msg, i: int) -> bool:
    """The explicit word at i is a subject talked about, not the writer's own (see above)."""
    before, after = m.words[max(0, i - 5) : i], m.words[i + 1 : i + 2]
    if after and after[0] in _SUBJECT_AFTER:
        return True
    return bool(before) and before[-1] in _ABOUT and not _THINK & set(before)


# Said as a joke, and said so: "als grap", "jk", "its a meme", "i was joking".
_JOKE: Final = frozenset(
    ["grap", "grapje", "grapjes", "geintje", "joke", "joking", "jk", "meme", "prank", "trollen"]
)
_THIS: Final = frozenset(["this", "dit", "deze", "that", "dat"])
_WHEN: Final = frozenset(
    [
        *("week", "weekend", "avond", "nacht", "night", "evening", "ochtend", "morning", "time"),
        *("jaar", "year", "month", "maand", "keer", "summer", "zomer"),
    ]
)


def _this_thing(after: list[str]) -> bool:
    """ "kms this homework", "kms deze les": a thing to blame, not a time ("this weekend")."""
    return len(after) == 2 and after[0] in _THIS and after[1] not in _WHEN


def _suicide(m: _Msg) -> list[Hit]:
    """An explicit word with the self, a wish to die, or a wish to not live any more."""
    hits = []
    for i, word in enumerate(m.words):
        own = not m.negated(i) and not m.framed and not m.reported and not m.joking
        explicit = word.startswith(_EXPLICIT_SUICIDE) and not _topic(word)
        if explicit and "me" in m.all and own and not _about_it(m, i):
            hits.append(Hit("suicide", True, False, f"explicit:{word}"))
        myself = i + 1 < len(m.words) and "myself" in m.tags[i + 1]
        said_lightly = m.a_joke or _this_thing(m.words[i + 2 : i + 4])
        if word in _SELF_KILL and myself and own and not said_lightly:
            hits.append(Hit("suicide", True, False, f"kill-myself:{word}"))
        # "unalive" is read as "kill" ("unalive yourself"); "unalive gaan" is to die.
        to_die = word == "kill" and m.words[i + 1 : i + 2] in (["gaan"], ["go"])
        to_die = to_die and not (i and "you" in m.tags[i - 1])  # not "je kill gaan maken"
        dying = ("die" in m.tags[i] and word not in _LIFE | _WEAK_DIE) or to_die
        if dying and m.near(i, "me", 5, 2):
            wish = _WISH & set(m.words[max(0, i - 8) : i])
            # Dutch puts the verb last after "dat": "(ik zei) dat ik dood wilde".
            clause = m.words[max(0, i - 2) : i] == ["dat", "ik"] and m.words[i + 1 : i + 2]
            wish = wish or (_WISH & set(clause or []))
            after = set(m.words[i + 1 : i + 2])
            before = set(m.words[max(0, i - 3) : i])
            hyperbole = after & _HYPERBOLE_AFTER or before & _HYPERBOLE_BEFORE
            reported = m.reported and not m.told_own(i)
            plain = not m.negated(i) and not m.framed and not reported and not m.joking
            if wish and not hyperbole and plain:
                hits.append(Hit("suicide", True, False, f"wish-to-die:{word}"))
        english_wish = {"want", "wanna", "wish"} & set(m.words[max(0, i - 3) : i])
        if word == "die" and english_wish and not m.negated(i) and not m.framed:
            idiom = bool(set(m.words[i + 1 : i + 2]) & _HYPERBOLE_AFTER) or "rather" in m.set
            reported = m.reported and not m.told_own(i)
            if not reported and not m.joking and not idiom:
                hits.append(Hit("suicide", True, False, "wish-to-die:die"))
        negated_life = {"niet", "nooit", "never", "not"} & set(m.words[max(0, i - 3) : i])
        without = m.words[i + 1 : i + 2] in (["zonder"], ["without"])  # "leven zonder ijs"
        if word in _LIFE and "me" in m.all and not m.framed and not m.reported and negated_life:
            if without:
                continue
            hits.append(Hit("suicide", True, False, f"not-living:{word}"))
    hits += _hopeless(m)
    return hits


def _hopeless(m: _Msg) -> list[Hit]:
    """Hopelessness and being a burden: "beter af zonder mij", "ik zie geen uitweg meer", "als ik
    er niet meer ben", a friend who wants to die."""
    if m.framed or m.hate_to_report:
        return []
    hits = []
    w = m.words
    for i, word in enumerate(w):
        pair = tuple(w[i : i + 2])
        without_me = pair in {("zonder", "mij"), ("zonder", "me"), ("without", "me")}
        if without_me and _BETTER & set(w[max(0, i - 6) : i + 4]) and not m.negated(i):
            hits.append(Hit("suicide", True, False, "better-off-without-me"))
        if (
            pair in {("geen", "uitweg"), ("no", "way")}
            and (word == "geen" or w[i + 2 : i + 3] == ["out"])
            and "me" in m.all
        ):
            hits.append(Hit("suicide", True, False, "no-way-out"))
        if pair in {("er", "niet"), ("er", "nie")} and w[i + 2 : i + 3] == ["meer"]:
            after = w[i + 3 : i + 4]
            if "me" in m.all and not (after and after[0] in {"naar", "bij", "in", "op", "aan"}):
                hits.append(Hit("suicide", True, False, "not-here-any-more"))
        anymore = word in {"around", "here"} and w[i + 1 : i + 2] == ["anymore"]
        if anymore and "me" in m.all and {"be", "will", "not"} & set(w[max(0, i - 4) : i]):
            hits.append(Hit("suicide", True, False, "not-here-any-more"))
        something = word in _SELF_OBJECT and {"iets", "something"} & set(w[i + 1 : i + 3])
        negated = any("neg" in t for t in m.tags[max(0, i - 3) : i + 4])
        if something and {"aandoen", "aan", "doen", "do"} & set(w[i + 1 : i + 5]) and not negated:
            hits.append(Hit("suicide", True, False, "harm-myself"))
        if word in {"dood", "die"} and {"wil", "wilt", "wants", "want"} & set(w[max(0, i - 3) : i]):
            friend = {"ze", "zij", "hij", "she", "he", "vriend", "vriendin", "friend", "ie"}
            near = set(w[max(0, i - 5) : i])
            if friend & near and not {"ik", "me", "mij", "i", "jij", "je", "you"} & near:
                hits.append(Hit("suicide", True, False, "friend-wants-to-die"))
    return hits


# Scars that are old, fading or from an operation: a story of healing, not of harm now.
_HEALED: Final = frozenset(
    [
        *("oud", "oude", "old", "vervaagd", "vervaagt", "faded", "fading", "genezen", "healed"),
        *("operatie", "surgery", "ruit", "trots", "proud", "blindedarmoperatie"),
    ]
)


def _self_harm(m: _Msg) -> list[Hit]:
    """Cutting or hurting oneself, told by the self or with "again"; self-harm nouns with the self.

    Kitchen, sport and accidents ("snijden voor de salade", "gesneden aan papier") are plain use.
    """
    if m.framed or m.reported or m.harmless_context:
        return []
    hits = []
    for i, word in enumerate(m.words):
        if "cut" not in m.tags[i] or m.negated(i):
            continue
        own = m.near(i, "me", 4, 3) and not m.near(i, "they", 3, 0)
        again = any(w in _AGAIN for w in m.words[max(0, i - 3) : i + 3])
        wish = bool(_WISH & set(m.words[max(0, i - 4) : i]))
        self_object = bool(_SELF_OBJECT & set(m.words[max(0, i - 4) : i + 3]))
        idiom = bool(_IDIOM_AFTER & set(m.words[max(0, i - 3) : i + 3]))
        if (own and (again or wish)) or (again and len(m.words) <= 4):
            hits.append(Hit("self_harm", True, False, f"cut:{word}"))
        elif self_object and not idiom:
            hits.append(Hit("self_harm", True, False, f"cut-myself:{word}"))
        elif word.startswith(_STRONG_HARM_NOUNS) and ("me" in m.all or len(m.words) <= 3):
            hits.append(Hit("self_harm", True, False, f"self-harm-noun:{word}"))
        elif word.startswith(_HARM_NOUNS) and (own or again) and not _HEALED & m.set:
            hits.append(Hit("self_harm", False, False, f"self-harm-noun:{word}"))
    return hits


_REFLEXIVE: Final = frozenset(["mezelf", "mijzelf", "mzelf", "jezelf", "zichzelf", "myself"])


def _violence(m: _Msg) -> list[Hit]:
    """Someone else will harm me, or a weapon with harm; people on their way makes it acute."""
    hits = []
    acute = bool(_NOW & m.set) and "come" in m.all
    for i, word in enumerate(m.words):
        if "harm" not in m.tags[i] or m.negated(i) or m.framed or m.joking:
            continue
        if m.family_hyperbole or ("sport" in m.all and "weapon" not in m.all):
            continue
        if _SOFT & m.set:
            continue  # "hij ging me slaan met een kussen"
        if set(m.words[i + 1 : i + 2]) & {"yourself", "jezelf", "urself", "myself", "mezelf"}:
            continue  # "kill yourself" is hate telling someone to die, not a threat of violence
        if set(m.words[i - 1 : i] if i else []) & _REFLEXIVE:
            continue  # "nu wil ik mezelf pijn doen": harm to oneself, read by the self-harm rules
        victim = bool(_VICTIM & set(m.words[max(0, i - 4) : i + 4])) or bool(
            _FAMILY & set(m.words[max(0, i - 4) : i + 4])
            and _MINE & set(m.words[max(0, i - 5) : i])
        )
        other = m.near(i, "they", 8, 0) or bool(_SAID & m.set)
        if m.where == "draft" and m.near(i, "you", 3, 3) and not victim:
            continue  # "kill yourself is never ok" typed as a reply: counter speech
        if victim and other:
            hits.append(Hit("violence", True, acute, f"threat:{word}"))
        elif m.near(i, "weapon", 5, 5):
            hits.append(Hit("violence", True, acute, f"weapon:{word}"))
    door = any(
        w == "deur" or (w == "door" and i and m.words[i - 1] in {"the", "my", "our", "front"})
        for i, w in enumerate(m.words)
    )
    door = door and "come" in m.all and "they" in m.all
    if door and not m.harmless_context and not m.framed:
        hits.append(Hit("violence", True, True, "at-the-door"))
    w = m.words
    if m.where != "draft" and not m.framed:
        for i in range(len(w) - 2):
            if (w[i], w[i + 1]) in _YOU_ARE and w[i + 2] in {"dood", "dead"}:
                hits.append(Hit("violence", True, False, "you-are-dead"))
            knows = w[i] in _KNOW and {"waar", "where"} & set(w[i + 1 : i + 3]) and not m.negated(i)
            unwanted = {"niet", "not", "dont"} & set(w[max(0, i - 5) : i]) and {
                "wil",
                "want",
            } & set(w[max(0, i - 6) : i])  # "wil niet dat random mensen weten waar ik woon"
            if knows and _WHERE_YOU & set(w[i + 2 : i + 5]) and not m.a_joke and not unwanted:
                hits.append(Hit("violence", True, False, "knows-where-i-live"))
    return hits


def _doxing(m: _Msg) -> list[Hit]:
    """My address, phone or school shared, or people who know where I live."""
    hits: list[Hit] = []
    if m.framed:
        return hits
    asking = bool(m.words) and m.words[0] in _ASKING  # "can ppl see my address if i post"
    for i, word in enumerate(m.words):
        if "data" not in m.tags[i] or word == "school" or asking:
            continue
        before = set(m.words[max(0, i - 3) : i])
        mine = bool(_MINE & before) or (i == 0 and not _OTHERS_DATA & m.set)
        by_me = {"i", "ik"} & set(m.words[max(0, i - 5) : i])
        others = bool(_OTHERS_DATA & before)
        if mine and not others and m.near(i, "expose", 6, 6) and not m.negated(i) and not by_me:
            hits.append(Hit("doxing", True, False, f"exposed:{word}"))
    knows = "weet" in m.set and "waar" in m.set and bool({"woon", "woont"} & m.set)
    if knows and not m.a_joke and not m.joking:
        hits.append(Hit("doxing", True, False, "knows-where-i-live"))
    return hits


def _sextortion(m: _Msg) -> list[Hit]:
    """Images of me plus money, a threat, or "anders" / "or else"."""
    if "image" not in m.all or m.framed:
        return []
    pressure = m.all & {"money", "unless", "threat"}
    threat = "threat" in m.all and ("send" in m.all or "report" not in m.all)
    counter_speech = m.where == "draft" and "me" not in m.all
    if (m.all & {"money", "unless"} or threat) and not m.joking and not counter_speech:
        return [Hit("sextortion", True, False, "images+" + "+".join(sorted(pressure)))]
    return []


_REASON: Final = frozenset(["reden", "reason", "worth", "point", "zin", "waard", "waarde"])
_HOLD: Final = frozenset(["trek", "hou", "houd", "kan", "handle"])
_IT: Final = frozenset(["dit", "het", "alles", "this", "it", "leven"])
_END_OF_WISH: Final = frozenset(
    ["hoor", "echt", "egt", "iedereen", "alles", "man", "toch", "klaar"]
)
_THIRD: Final = frozenset(
    ["hem", "haar", "hen", "iedereen", "him", "her", "them", "everyone", "everybody", "kid"]
)
_PERPETRATOR: Final = frozenset(["ik", "i", "ga", "gonna", "going", "will", "wil", "want"])
_EXPLICIT_EXTORTION: Final = ("sextort", "chanteer", "chantage", "gechanteerd", "afgeperst")
_NUDE: Final = ("naakt", "nude", "noodz", "sekstape", "sextape", "explicit", "intiem")
_PERIODS: Final = frozenset(
    ["week", "weekend", "maand", "jaar", "dag", "week", "month", "year", "day", "les", "lesson"]
)
# "the next stop", "de volgende ronde": the next of something, not "you're next".
_NEXT_THING: Final = frozenset(
    [
        *("stop", "halte", "bus", "tram", "trein", "train", "game", "match", "ronde", "round"),
        *("level", "aflevering", "episode", "stap", "step", "vraag", "question"),
    ]
)
_HIDE: Final = frozenset(["verberg", "verbergen", "hide", "hiding", "cover", "bedekken"])


def _phrasings(m: _Msg) -> list[Hit]:
    """Ways of saying it the word-pair rules above miss, each still a combination of concepts.

    Why: out-of-fold figures showed these shapes among the misses: a burden, no reason to live,
    never born, "ik trek het niet meer", hiding scars, death threats, "je bent de volgende", the
    writer who plans harm, being doxed or sextorted named as such, nudes of me shared.
    """
    if m.framed or (m.reported and "report" in m.all):
        return []
    w, hits = m.words, []
    mine = "me" in m.all
    for i, word in enumerate(w):
        window = set(w[max(0, i - 3) : i + 4])
        negated = m.negated(i)
        if (
            word in {"burden", "last"} and mine and {"ben", "am", "a", "een", "like"} & window
        ) and (word == "burden" or "voor" in w[i + 1 : i + 2]):
            hits.append(Hit("suicide", True, False, "a-burden"))
        if word in _LIFE and _REASON & set(w[max(0, i - 4) : i + 2]) and "neg" in m.all:
            hits.append(Hit("suicide", True, False, "no-reason-to-live"))
        if word in {"geboren", "born"} and {"nooit", "never"} & set(w[max(0, i - 3) : i]):
            hits.append(Hit("suicide", True, False, "never-born"))
        if (word in _HOLD and _IT & set(w[i + 1 : i + 3]) and {"niet", "nie", "not"} & window) and (
            {"meer", "langer", "anymore"} & set(w[i + 1 : i + 6]) and mine
        ):
            hits.append(Hit("suicide", True, False, "cannot-go-on"))
        if word == "zitten" and w[max(0, i - 2) : i] in (["niet", "meer"], ["nie", "meer"]):
            hits.append(Hit("suicide", True, False, "no-way-forward"))
        if word in {"sleep", "slapen"} and {"forever", "altijd"} & set(w[i + 1 : i + 3]):
            hits.append(Hit("suicide", True, False, "sleep-forever"))
        if word == "meer" and w[max(0, i - 2) : i] in (["wil", "niet"], ["wil", "nie"]):
            after = w[i + 1 : i + 2]
            if (not after or after[0] in _END_OF_WISH) and not m.harmless_context:
                hits.append(Hit("suicide", False, False, "do-not-want-any-more"))
        hyperbole = bool({"is", "echt", "puur", "pure"} & set(w[max(0, i - 2) : i]))
        if (
            (word.startswith(_EXPLICIT_SUICIDE) and not m.reported and not negated)
            and (
                not mine
                and "they" not in m.all
                and not m.joking
                and not hyperbole
                and not _topic(word)
            )
            and not _about_it(m, i)
        ):
            hits.append(Hit("suicide", True, False, f"explicit:{word}"))
        if word in _HIDE and any(
            v.startswith(_HARM_NOUNS) or v in {"cuts", "armen", "arms", "polsen", "wrists"}
            for v in w[i + 1 : i + 5]
        ):
            hits.append(Hit("self_harm", True, False, "hiding-it"))
        if ("cut" in m.tags[i] and any(v in _AGAIN for v in w[max(0, i - 3) : i + 3])) and (
            not m.near(i, "they", 3, 0) and not m.harmless_context and not negated
        ):
            hits.append(Hit("self_harm", True, False, f"again:{word}"))
        at_me = "me" in {t for tags in m.tags[max(0, i - 5) : i] for t in tags} or bool(
            _VICTIM & set(w[i + 1 : i + 4])
        )  # "ik krijg doodsbedreigingen", not "die influencer krijgt doodsbedreigingen, ik ..."
        if (word.startswith("doodsbedreig") or w[i : i + 2] in (["death", "threats"],)) and (
            at_me and not negated
        ):
            hits.append(Hit("violence", True, False, "death-threats"))
        when = set(w[i + 1 : i + 2]) & (_PERIODS | _NEXT_THING)  # "next year", "next stop"
        if (word in {"volgende", "next"} and {"ben", "bent", "be", "am", "ik", "i"} & window) and (
            mine and not m.joking and not m.harmless_context and not when
        ):
            hits.append(Hit("violence", True, False, "you-are-next"))
        if (
            word in {"dood", "dead"} and {"ben", "am", "im", "bent"} & set(w[max(0, i - 2) : i])
        ) and (
            ({"als", "when", "if", "zodra"} & set(w[i + 1 : i + 4]) and "laugh" not in m.all)
            and (not m.family_hyperbole and not m.harmless_context)
        ):
            hits.append(Hit("violence", True, False, "dead-when-seen"))
        if ("harm" in m.tags[i] and _PERPETRATOR & set(w[max(0, i - 3) : i])) and (
            (_THIRD & set(w[max(0, i - 2) : i + 3]) and not (m.joking or m.family_hyperbole))
            and (not m.harmless_context and not negated and m.where != "draft")
        ):
            hits.append(Hit("violence", True, False, f"i-will-harm:{word}"))
        if ("weapon" in m.tags[i] and "school" in m.set and _PERPETRATOR & m.set) and (
            not m.harmless_context and not negated
        ):
            hits.append(Hit("violence", True, True, "weapon-to-school"))
        if ("dox" in word and word not in {"doxing", "doxxing"} and mine) and (
            not negated and not m.framed and not m.joking
        ):
            hits.append(Hit("doxing", True, False, f"doxed:{word}"))
        if (word.startswith(_EXPLICIT_EXTORTION) or word.startswith("blackmail")) and (
            (mine or len(w) <= 2) and not negated and not m.joking and not _about_it(m, i)
        ):
            hits.append(Hit("sextortion", True, False, f"extorted:{word}"))
        if (word.startswith(_NUDE) and _MINE & set(w[max(0, i - 3) : i])) and (
            m.near(i, "expose", 5, 5) and not negated
        ):
            hits.append(Hit("sextortion", True, False, "my-nudes-shared"))
    return hits


_WHY: Final = frozenset(["waarom", "why", "wrm", "waarvoor"])
_STILL: Final = frozenset(["nog", "still"])
_ALIVE: Final = frozenset(["alive", "levend", "here", "er", "leef", "live", "living", "bestaan"])
_I: Final = frozenset(["ik", "i", "im"])
_DOSE: Final = frozenset(
    ["dodelijk", "dodelijke", "lethal", "fatal", "overdosis", "overdose", "od"]
)
_HIGH_PLACE: Final = frozenset(
    ["balkon", "balcony", "dak", "roof", "brug", "bridge", "flat", "spoor", "rails", "tracks"]
)
_EDGE: Final = frozenset(["rand", "edge", "ledge", "richel", "reling", "railing"])
_FAULT: Final = frozenset(["schuld", "fault"])
_PAIN: Final = frozenset(["pijn", "pain"])
_PAIN_NEEDS: Final = frozenset(
    ["verdien", "verdient", "deserve", "deserves", "nodig", "need", "helpt", "helps", "voelen"]
)
_END: Final = frozenset(["eind", "einde", "end"])
_URGE: Final = ("urge", "drang", "neiging")
# A posture verb that opens a message drops its subject: "zit al een uur op de rand van ...".
_POSTURE: Final = frozenset(["zit", "sta", "lig", "sitting", "standing", "zitten", "staan"])
_PAINLESS: Final = frozenset(["pijnloos", "pijnloze", "painless", "painlessly"])
_WAY: Final = frozenset(["manier", "way", "how", "hoe", "snelste", "fastest", "quickest"])
_GO: Final = frozenset(["gaan", "go", "sterven", "dood", "die", "doodgaan", "eruit"])
_RELIEF: Final = frozenset(
    [
        *("peaceful", "vredig", "rustig", "rustiger", "rust", "beter", "better", "easier"),
        *("relief", "makkelijker", "opluchting", "fijner", "minder"),
    ]
)
_DEATH: Final = frozenset(["death", "doodgaan", "sterven", "dying"])  # being dead, not "dead phone"
_PETS: Final = frozenset(
    [
        "dier",
        "dieren",
        "huisdier",
        "hond",
        "kat",
        "konijn",
        "animal",
        "animals",
        "pet",
        "dog",
        "cat",
    ]
)


def _endings(m: _Msg) -> list[Hit]:
    """The writer's own end and pain in shapes the rules above miss.

    Why: out-of-fold misses (2026-12-04) held plain, explicit messages: "waarom leef ik nog",
    "why am i still alive", "geef me een reden om niet dood te gaan", "ik voel me niet meer
    levend", "what is a lethal dose of ...", on the edge of a roof, "tell mum it was not her
    fault", "er een eind aan maken", "i deserve the pain", "the urge is back". The writer must be
    the subject ("ik", "i"), so "my phone is not alive anymore" stays harmless.
    """
    if "fiction" in m.all or m.reported or m.joking:
        return []
    # "wat is een dodelijke dosis ..." asks for a method: a how-to question frames everything
    # here but the two method rules.
    w, hits, asked = m.words, [], m.framed
    nobody_else = "they" not in m.all and not _FAMILY & m.set  # "opa is dood, hij heeft rust"
    for i, word in enumerate(w):
        if word in _DOSE and any("method" in t for t in m.tags[max(0, i - 5) : i + 6]):
            hits.append(Hit("suicide", False, False, "lethal-dose"))
        painless = word in _PAINLESS or w[i : i + 2] == ["zonder", "pijn"]
        way = _WAY & set(w[max(0, i - 6) : i]) and not _PETS & m.set  # a vet puts a pet down
        if painless and way and _GO & set(w[max(0, i - 5) : i + 4]):
            hits.append(Hit("suicide", False, False, "painless-way"))
        if asked:
            continue
        ahead = set(w[i + 1 : i + 6])
        around = set(w[max(0, i - 4) : i + 5])
        if word in _WHY and _I & ahead and _STILL & ahead and _ALIVE & ahead:
            hits.append(Hit("suicide", True, False, "why-still-alive"))
        if word in _REASON and any("neg" in t for t in m.tags[i + 1 : i + 5]):
            dying = any(
                "die" in t and v not in _WEAK_DIE - {"die"}
                for v, t in zip(w[i + 1 : i + 7], m.tags[i + 1 : i + 7], strict=False)
            )
            if dying and "me" in m.all:
                hits.append(Hit("suicide", True, False, "no-reason-not-to-die"))
        subject = _I & set(w[max(0, i - 5) : i])
        gone = {"meer", "anymore"} & set(w[i - 1 : i + 3] if i else w[:3])
        if word in {"alive", "levend"} and subject and gone and "neg" in m.all:
            hits.append(Hit("suicide", True, False, "not-alive-any-more"))
        writer = bool(_I & set(w[max(0, i - 8) : i])) or w[0] in _POSTURE
        if word in _EDGE and _HIGH_PLACE & set(w[i + 1 : i + 5]) and writer:
            hits.append(Hit("suicide", True, True, "at-the-edge"))
        told = bool({"zeg", "tell", "vertel", "weten", "know"} & set(w[max(0, i - 8) : i]))
        told = told and bool({"was", "is"} & around)
        last = i >= len(w) - 3  # the goodbye ends there: not "... schuld was dat we verloren"
        if word in _FAULT and told and last and any("neg" in t for t in m.tags[max(0, i - 4) : i]):
            hits.append(Hit("suicide", False, False, "not-your-fault-goodbye"))
        before = set(w[max(0, i - 5) : i])
        relief = _RELIEF & set(w[i + 1 : i + 6]) and not m.negated(i) and not m.past
        dead = word in _DEATH or (word, *w[i + 1 : i + 2]) in {("dood", "zijn"), ("dood", "gaan")}
        dead = dead or (word == "dead" and i > 0 and w[i - 1] in {"being", "be"})
        if dead and relief and nobody_else and not m.harmless_context:
            hits.append(Hit("suicide", False, False, "death-as-relief"))
        to_it = word in _END and w[i + 1 : i + 2] == ["aan"] and "maken" in w[i + 2 : i + 4]
        if to_it and "er" in before and "me" in m.all:
            hits.append(Hit("suicide", True, False, "end-to-it"))
        ending = w[i + 1 : i + 3] in (["it", "all"], ["my", "life"], ["it", "now"])
        if word == "end" and ending and _I & before and not m.negated(i):
            hits.append(Hit("suicide", True, False, "end-it-all"))
        plain = not m.harmless_context and not m.negated(i) and "they" not in m.all
        medicine = set(w[i + 1 : i + 2]) & {"killers", "killer", "stillers", "stiller", "pill"}
        if word in _PAIN and _PAIN_NEEDS & before and _I & set(w[:i]) and plain and not medicine:
            hits.append(Hit("self_harm", False, False, "needs-the-pain"))
        harm_near = any("cut" in t for t in m.tags) or bool(_AGAIN_NOW & m.set) or "help" in m.set
        own = "me" in m.all or "they" not in m.all  # "the urge is back" is the writer's
        if word.startswith(_URGE) and own and not m.harmless_context and harm_near:
            hits.append(Hit("self_harm", False, False, "the-urge"))
    return hits


_STOP_EATING: Final = frozenset(["stopped", "gestopt", "skip", "skipped", "sla", "oversla"])
_DAYS: Final = frozenset(
    [
        *("dagen", "days", "week", "weken", "weeks", "third", "gisteren", "yesterday"),
        *("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
        *("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    ]
)
_ONLY: Final = frozenset(["alleen", "maar", "only", "just"])
_PUNISH: Final = frozenset(
    ["straf", "punishment", "punish", "verdien", "deserve", "deserved", "verdiend", "expres"]
)
_BODY_SHAME: Final = frozenset(
    [
        *("dik", "dikke", "dikzak", "vet", "vette", "fat", "fatty", "koe", "cow", "pig", "pigs"),
        *("varken", "walvis", "whale", "lichaam", "body", "gewicht", "weight"),
    ]
)
_SICK: Final = frozenset(
    [
        *("ziek", "griep", "buikgriep", "misselijk", "sick", "flu", "nauseous", "zwanger"),
        *("pregnant", "ramadan", "vasten", "fasting", "fast", "operatie", "surgery", "dokter"),
        *("doctor", "kater", "hangover", "drunk", "dronken", "wagenziek", "carsick"),
    ]
)


def _eating(m: _Msg) -> list[Hit]:
    """Starving or purging as self-harm: "ik heb al drie dagen niet gegeten", "i don't deserve
    food", "ze noemden me een vette koe dus ik heb niet gegeten", "i throw up after dinner".

    Why: blind part 12 (2026-12-04) missed seven such messages; none of the words is a harm
    word. Not eating for a day, fasting, being ill or a hangover stay harmless.
    """
    if "me" not in m.all or _SICK & m.set or m.framed or m.joking:
        return []
    w = m.words
    for i, t in enumerate(m.tags):
        around = set(w[max(0, i - 6) : i + 7])
        if "eat" in t:
            refused = m.negated(i) or bool(_STOP_EATING & set(w[max(0, i - 3) : i]))
            lasting = bool(_DAYS & around) or bool(_PUNISH & around)
            shamed = bool(_BODY_SHAME & m.set) and "they" in m.all
            little = "neg" in m.all or bool(_ONLY & around)  # "only one apple, punishment"
            if (refused and (lasting or shamed)) or (bool(_PUNISH & around) and little):
                return [Hit("self_harm", False, False, "starving")]
        without = {"zonder", "without"} & set(w[max(0, i - 2) : i])  # "a year without purging"
        if "purge" in t and not m.negated(i) and not without:
            return [Hit("self_harm", False, False, "purging")]
    return []


def apply(words: list[str], tags: list[frozenset[str]], where: str) -> list[Hit]:
    """Every rule that fires on the tagged message."""
    m = _Msg(words, tags, where)
    if m.past:  # a story of something over: the model alone decides, with the guard
        return []
    return [
        *_suicide(m),
        *_self_harm(m),
        *_violence(m),
        *_doxing(m),
        *_sextortion(m),
        *_phrasings(m),
        *_endings(m),
        *_eating(m),
    ]


# Death words as a figure of speech: "dood van de honger", "verveel me dood", "dying to know",
# "death of me", "dead tired", "ik lach me dood", "im so dead" (in trouble).
_FIGURE_AFTER: Final = frozenset(["van", "of", "tired", "moe", "serious", "funny", "grappig"])
_FIGURE_BEFORE: Final = frozenset(["verveel", "schaam", "lach", "lachen", "schrik", "so", "bored"])
_DEATH_WORDS: Final = frozenset(["dood", "dead", "dying", "death", "sterf", "sterven", "die"])


def _figure_of_speech(words: list[str]) -> bool:
    """A death word used as an idiom of annoyance, boredom, shame or laughter."""
    for i, word in enumerate(words):
        if word not in _DEATH_WORDS:
            continue
        after, before = set(words[i + 1 : i + 2]), set(words[max(0, i - 2) : i])
        if after & _FIGURE_AFTER or before & _FIGURE_BEFORE or (word, *after) == ("dying", "to"):
            return True
    return False


# Someone known to many, to whom hate is aimed in public: "onder de post van een streamer".
_PUBLIC_FIGURE: Final = frozenset(
    [
        *("streamer", "streamers", "youtuber", "youtubers", "influencer", "influencers"),
        *("tiktokker", "tiktokkers", "celebrity", "celeb", "bekende", "artiest", "zanger"),
        *("zangeres", "singer", "voetballer", "footballer", "politicus", "politician"),
    ]
)


def aimed_elsewhere(words: list[str], tags: list[frozenset[str]]) -> bool:
    """Quoted words the rest of the message marks as a joke ("als grap", "het was mijn broer
    haha") or as aimed at a public figure ("onder de post van een youtuber"): read alone, the
    quote would sound like a threat to the writer."""
    m = _Msg(words, tags, "chat")
    return m.a_joke or m.joking or bool(_PUBLIC_FIGURE & m.set)


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
    if m.hate_to_report:
        found.append("hate")
    if m.harmless_context:
        found.append("plain")
    if m.family_hyperbole:
        found.append("family")
    if "report" in m.all:
        found.append("report")
    if "place" in m.all:
        found.append("place")
    if m.past:
        found.append("past")  # over and done: "twee jaar geleden deed ik dat, nu gaat het goed"
    if _figure_of_speech(words):
        found.append("figure")
    if any(w in _REPORTED and words[i - 1] in {"ik", "i"} for i, w in enumerate(words) if i):
        found.append("own-words")  # "ik schreef 'is dat echt nodig?'": the writer's own reply
    if "me" not in m.all and "myself" not in m.all and "you" not in m.all:
        found.append("nobody")  # news, a film, someone else: no "I" and no "you" in it
    return found
