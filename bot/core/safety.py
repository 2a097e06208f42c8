# ruff: noqa: E501 - one regex per line reads and diffs best; splitting them hides the words.
"""Crisis detection for every free text a young person types.

Why: the coach must never answer someone who is suicidal, threatened, doxed or sextorted with an
ordinary coaching step. The detector is deliberately plain: curated Dutch and English regexes over
a normalised text. That keeps it fast, dependency-free and explainable to the peer educators, and
it is measured against a labelled corpus (``tests/data/crisis_corpus.yaml``, ``bench/crisis.py``).

Pipeline, per message:

1. :func:`normalise` folds case, accents, invisible characters, leetspeak, stretched and spaced-out
   letters and texting abbreviations, so patterns only have to know one spelling of each word.
2. Clear idioms are blanked out ("dood van het lachen", "killing it", "nude lipstick"), so their
   words cannot feed a pattern, while the rest of the message is still checked.
3. Each rule is a regex for one concept of one kind. Explicit first-person statements ("ik wil
   dood", "kms", "they said they'll kill me") always count. Mentions of a topic ("zelfmoord",
   "doxing", "death threats") are suppressed by context guards: a learning question, news, fiction
   or, for threats, game talk and laughter. A negation just before a hit ("i would never") or in a
   gap ("ik ga je niet ...") cancels it.
4. Speed: the words each rule cannot match without are read from the regex itself; one scan finds
   which of them occur, and only those rules run (typically a few dozen µs per message).

Decisions (the corpus follows them): a false alarm costs one kind check-in and a miss can cost a
life, so ambiguous distress ("ik kan niet meer.", "i can't do this anymore") counts, and so does an
explicit "kms" or "ik wil dood" with "lol". Questions about what doxing or sextortion is, news,
fiction and game talk do not. Haters telling the user to kill themselves ("kys" under a video) is
hate for the coach, not the user's crisis, unless the user starts to agree ("maybe they're right").
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import sre_constants as _constants
    import sre_parse as _parser
else:  # the parser behind `re`, read to find the words every match must contain
    from re import _constants, _parser

__all__ = ["CrisisKind", "CrisisSignal", "detect_crisis", "normalise"]


class CrisisKind(enum.StrEnum):
    """What kind of danger a message shows; each kind has its own helplines."""

    SUICIDE = "suicide"
    VIOLENCE = "violence"
    DOXING = "doxing"
    SEXTORTION = "sextortion"


_URGENCY: Final[tuple[CrisisKind, ...]] = (
    CrisisKind.SUICIDE,
    CrisisKind.VIOLENCE,
    CrisisKind.SEXTORTION,
    CrisisKind.DOXING,
)


@dataclass(frozen=True, slots=True)
class CrisisSignal:
    """The crisis kinds found in one message; never empty."""

    kinds: frozenset[CrisisKind]

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


# --------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    """Split a space-separated word list (keeps long vocabularies compact)."""
    return text.split()


def _char_table() -> dict[int, str | None]:
    """Build the one-pass character table: invisibles out, look-alikes and laughter emoji in."""
    table: dict[int, str | None] = {}
    invisible = [
        0x00AD,  # soft hyphen
        0x034F,  # combining grapheme joiner
        0x061C,  # arabic letter mark (bidi)
        0x115F,
        0x1160,
        0x17B4,
        0x17B5,
        0x180E,
        0x3164,  # hangul filler
        0xFEFF,
        0xFFA0,
        *range(0x200B, 0x2010),  # zero-width space/joiners, LRM, RLM
        *range(0x202A, 0x202F),  # bidi embeddings and overrides
        *range(0x2060, 0x2070),  # word joiner, invisible operators, bidi isolates
        *range(0xFE00, 0xFE10),  # variation selectors (emoji presentation)
        *range(0xE0000, 0xE0080),  # tag characters
    ]
    for cp in invisible:
        table[cp] = None
    for quote in "’‘‛`´ʼʹ′":  # one apostrophe, so contractions are read alike
        table[ord(quote)] = "'"
    # Cyrillic and Greek look-alikes, used to dodge filters ("kіll" with a Cyrillic i).
    for src, dst in zip("аеорсухіјѕкмтвнοαειкνρτυ", "aeopcyxijskmtbhoaeikvptu", strict=True):
        table[ord(src)] = dst
    # Laughter emoji read as "lol": they mark hyperbole for the guards, never a crisis.
    for emoji in "😂🤣😆😹💀":
        table[ord(emoji)] = " lol "
    return table


_CHAR_TABLE: Final = _char_table()
_COMBINING: Final = re.compile(
    "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)

# Contractions in one pass: "i'll" must not become "ill", "m'n" is "mijn".
_CONTRACTION_WORDS: Final = {
    "can't": "can not",
    "won't": "will not",
    "ain't": "am not",
    "m'n": "mijn",
    "z'n": "zijn",
    "d'r": "haar",
    "'t": "het",
    "'k": "ik",
    "'n": "een",
}
_CONTRACTION_TAILS: Final = {
    "n't": " not",
    "'ll": " will",
    "'re": " are",
    "'ve": " have",
    "'m": " am",
    "'d": " would",
}
_CONTRACTIONS: Final = re.compile(
    r"\bi'?m+a\b|\b(?:can|won|ain)'t\b|\b[mzd]'[nr]\b|(?<!\w)'[tkn]\b|(?<=\w)(?:n't|'ll|'re|'ve|'m|'d)\b|'"
)


def _contraction(match: re.Match[str]) -> str:
    """Spell out one contraction; any other apostrophe goes ("foto's" -> "fotos")."""
    found = match.group(0)
    if found == "'":
        return ""
    if found.startswith("i"):
        return "i am going to"
    return _CONTRACTION_WORDS.get(found) or _CONTRACTION_TAILS[found]


# Runs of single characters joined back into a word: "z e l f m o o r d", "k.y.s".
_SPACED: Final = re.compile(
    r"(?<![a-z0-9@$])[a-z0-9@$](?![a-z0-9@$])(?:[ .\-_*]{1,3}[a-z0-9@$](?![a-z0-9@$])){2,}"
)
_SPACED_CHAR: Final = re.compile(r"[a-z0-9@$]")
# Single letters that are words of their own in texting; a run of only these stays apart.
_STANDALONE: Final = frozenset("iaunrykoe24")

_HAS_LEET: Final = re.compile(r"[a-z][0-9@$]|[0-9@$][a-z]|[a-z]![a-z]")
_LEET_TOKEN: Final = re.compile(r"[a-z0-9@$!]*(?:[a-z][0-9@$!]|[0-9@$][a-z])[a-z0-9@$!]*")
_LEET: Final = {"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
_ONE_WORDS: Final = {"every1": "everyone", "some1": "someone", "any1": "anyone", "no1": "noone"}

_SYMBOLS: Final = re.compile(r"[^\w\s.,!?]|_")
_REPEATED_PUNCT: Final = re.compile(r"([.,!?])[.,!?]+")
_RUN3: Final = re.compile(r"([a-z])\1{2,}")

_ABBREVIATIONS: Final[dict[str, str]] = {
    # crisis shorthand and algospeak
    "kms": "kill myself",
    "kys": "kill yourself",
    "zm": "zelfmoord",
    "unalive": "kill",
    "unalived": "killed",
    "unaliving": "killing",
    "sewerslide": "suicide",
    "suicied": "suicide",
    "selfdelete": "kill myself",
    "kil": "kill",
    "myslef": "myself",
    "myselfe": "myself",
    "urself": "yourself",
    "mzelf": "mezelf",
    "mezelv": "mezelf",
    # English texting
    "u": "you",
    "ur": "your",
    "r": "are",
    "ya": "you",
    "im": "i am",
    "ive": "i have",
    "youre": "you are",
    "theyre": "they are",
    "theyll": "they will",
    "youll": "you will",
    "hes": "he is",
    "shes": "she is",
    "thats": "that is",
    "whats": "what is",
    "theres": "there is",
    "dont": "do not",
    "doesnt": "does not",
    "didnt": "did not",
    "cant": "can not",
    "cannot": "can not",
    "wont": "will not",
    "isnt": "is not",
    "arent": "are not",
    "wasnt": "was not",
    "havent": "have not",
    "wouldnt": "would not",
    "couldnt": "could not",
    "shouldnt": "should not",
    "wanna": "want to",
    "wana": "want to",
    "wannna": "want to",
    "gonna": "going to",
    "gona": "going to",
    "gunna": "going to",
    "finna": "going to",
    "gotta": "got to",
    "tryna": "trying to",
    "ima": "i am going to",
    "imma": "i am going to",
    "boutta": "about to",
    "pls": "please",
    "plz": "please",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "tmrow": "tomorrow",
    "2moro": "tomorrow",
    "2morrow": "tomorrow",
    "tonite": "tonight",
    "2nite": "tonight",
    "ppl": "people",
    "bc": "because",
    "cuz": "because",
    "coz": "because",
    "idk": "i do not know",
    "idc": "i do not care",
    "idw": "i do not want",
    "idwt": "i do not want to",
    "rn": "right now",
    "noone": "no one",
    "nobdy": "nobody",
    "evry1": "everyone",
    "sum1": "someone",
    # Dutch texting
    "k": "ik",
    "der": "er",
    "mn": "mijn",
    "zn": "zijn",
    "wrm": "waarom",
    "nie": "niet",
    "nt": "niet",
    "mss": "misschien",
    "gwn": "gewoon",
    "gewn": "gewoon",
    "egt": "echt",
    "ech": "echt",
    "hb": "heb",
    "bn": "ben",
    "wl": "wil",
    "wll": "wil",
    "iedereeen": "iedereen",
    "zelfmoor": "zelfmoord",
    "doodgaan": "dood gaan",
}
# Dutch texting glues "ik" to the verb: "kwil", "kzie", "ikwil".
_GLUED_VERBS: Final = _words(
    "wil ga ben heb zal kan denk voel weet moet doe wou hoop zit maak vind zie snap word hou "
    "haat krijg kom sta leef schaam mis kreeg wilde dacht was had"
)
_ABBREVIATIONS.update((f"k{verb}", f"ik {verb}") for verb in _GLUED_VERBS)
_ABBREVIATIONS.update((f"ik{verb}", f"ik {verb}") for verb in _GLUED_VERBS)
_SELF_HEADS: Final = frozenset(
    {"my", "your", "him", "her", "them", "our", "me", "mij", "m", "zich"}
)
_SELF_TAILS: Final = frozenset({"self", "selves", "zelf"})


def _fold_leet(match: re.Match[str]) -> str:
    """Read digits and symbols inside a word as letters ("z3lfm00rd", "k1ll", "su!c!de")."""
    token = match.group(0)
    if token in _ONE_WORDS:
        return _ONE_WORDS[token]
    out: list[str] = []
    last = len(token) - 1
    for i, ch in enumerate(token):
        if ch == "1":
            # "k1ll" → kill, "ki11" → kill: after an i or l a 1 is more often an l.
            ch = "l" if out and out[-1] in "il" else "i"
        elif ch == "!":
            ch = "i" if 0 < i < last and token[i + 1].isalnum() else "!"
        elif ch == "@" and i == 0:
            ch = "@"  # a mention, not a letter
        else:
            ch = _LEET.get(ch, ch)
        out.append(ch)
    return "".join(out)


def _join_spaced(match: re.Match[str]) -> str:
    """Join "z e l f m o o r d" into one word unless it is only texting words ("u r a")."""
    chars = _SPACED_CHAR.findall(match.group(0))
    if all(ch in _STANDALONE for ch in chars):
        return match.group(0)
    return "".join(chars)


def _prepare(text: str) -> str:
    """Everything of :func:`normalise` except letter-run collapsing and abbreviations."""
    s = text.casefold()
    if not s.isascii():
        s = _COMBINING.sub("", unicodedata.normalize("NFKD", s)).translate(_CHAR_TABLE)
    elif "`" in s:
        s = s.replace("`", "'")
    if "'" in s:
        s = _CONTRACTIONS.sub(_contraction, s)
    s = _SPACED.sub(_join_spaced, s)
    if _HAS_LEET.search(s):
        s = _LEET_TOKEN.sub(_fold_leet, s)
    s = _SYMBOLS.sub(" ", s)
    return _REPEATED_PUNCT.sub(r"\1", s)


def _finish(prepared: str, *, stretched: bool = True, squeeze: bool = False) -> str:
    """Collapse stretched letters (to two, or to one when squeezing) and expand abbreviations."""
    if stretched:
        prepared = _RUN3.sub(r"\1" if squeeze else r"\1\1", prepared)
    out: list[str] = []
    for word in prepared.split():
        full = _ABBREVIATIONS.get(word)
        if full is None and word[-1] in ".,!?":
            core = word.rstrip(".,!?")
            full = _ABBREVIATIONS.get(core)
            if full is not None:
                full += word[len(core) :]
        if full is not None and not (word.startswith("km") and out and out[-1][-1].isdigit()):
            out.append(full)  # but "5 kms" stays kilometres
        elif word in _SELF_TAILS and out and out[-1] in _SELF_HEADS:
            out[-1] += word  # "kill my self" -> "kill myself"
        else:
            out.append(word)
    return " ".join(out)


def normalise(text: str) -> str:
    """Fold a message to one plain spelling so patterns need not list every variant.

    Lowercases, drops zero-width and bidi characters, folds accents and look-alike letters, reads
    leetspeak inside words, collapses three or more repeated letters to two, joins spaced-out
    letters, expands texting abbreviations (kms, kys, zm, gonna, mn, ...) and squeezes whitespace.
    """
    return _finish(_prepare(text))


# --------------------------------------------------------------------------------------------
# Pattern building blocks (all over normalised text)
# --------------------------------------------------------------------------------------------


def _alt(*parts: str) -> str:
    """A non-capturing alternation."""
    return "(?:" + "|".join(parts) + ")"


def _sep(prefix: str, verb: str) -> str:
    """A Dutch separable verb with an optional "te": "neersteken", "neer te steken"."""
    return rf"{prefix}\s?(?:te\s)?{verb}"


_NEGATORS = r"(?:niet|nooit|geen|nie|niemand|not|never|no|nothing|niks|niets|nobody)"
# Gap words may not be a negation: "ik ga je morgen ..." counts, "ik ga je niet ..." does not.
# Patterns are written with plain (?:\w+\s+) / (?:\s+\w+) gaps; _rule() swaps these in.
_G = rf"(?:(?!{_NEGATORS}\b)\w+\s+)"
_G_AFTER = rf"(?:\s+(?!{_NEGATORS}\b)\w+)"
_ADV = _alt(
    *_words(
        "echt gewoon soms vaak steeds nog al ook nu zo heel erg serieus eigenlijk alleen maar liever "
        "graag best wel misschien weer even toch dus dan morgen vandaag vanavond straks really just "
        "so honestly literally actually seriously sometimes often always kinda still again truly "
        "genuinely lowkey fr ngl tbh rly also now fucking fking freaking legit deadass only kind "
        "sorta totally definitely tomorrow tonight today"
    ),
    "zo graag",
    "het liefst",
    "echt waar",
    "elke dag",
    "de laatste tijd",
    "kind of",
    "sort of",
    "right now",
)
_ADVS = rf"(?:{_ADV}\s+){{0,3}}"

_MYSELF = r"(?:myself|meself|mself)"
_MEZELF = r"(?:mezelf|mijzelf|mzelf)"
_THEMSELF = r"(?:himself|herself|themselves|themself|zichzelf)"

# zelfmoord, zelmoord, zlfmoord, zelfmoort, zelf moord; never "zelf maar" or "zelf morgen".
_ZELFMOORD = r"\b[zs](?:el|l|e)f?(?:mo{1,2}r[dt]?\w*|\smoo?r[dt]\w*)"
# suicide, suicidal, suïcidaal, suicde, suiside, sucide; never "succeed".
_SUICIDE_WORD = r"\bsu+[ie]{0,2}[cs]{1,2}[ie]?d(?:e|es|al|aal|ale|ality|ally)?\b"
_SUI = _alt(_ZELFMOORD, _SUICIDE_WORD, r"\bzelfdoding\b")

_PILLS = _alt(
    r"pil(?:len)?",
    r"pills?",
    r"paracetamol\w*",
    r"tylenol",
    r"ibuprofen",
    r"slaappil\w*",
    r"sleeping pills",
    r"tablet\w*",
    r"medicijn\w*",
    r"meds",
    r"medication",
    r"antidepress\w*",
    r"xanax",
    r"oxazepam",
    r"insulin\w*",
    r"advil",
    r"aspirin\w*",
    r"strips?",
    r"strippen",
)
_HIGH_PLACE = _alt(
    *_words(
        "brug flat dak gebouw balkon toren klif rots parkeergarage trein metro tram bus vrachtwagen "
        "auto snelweg bridge roof rooftop building balcony cliff tower train subway tube truck lorry "
        "car traffic highway"
    )
)

# --------------------------------------------------------------------------------------------
# Suicide and self-harm
# --------------------------------------------------------------------------------------------

_DIE_NL = _alt(  # what can follow "ik wil": dood, sterven, er niet meer zijn, ...
    r"dood(?:\s?gaan)?",
    r"sterven?",
    r"overlijden?",
    r"niet (?:meer|langer) (?:leven?|bestaan|wakker (?:worden?|te worden?)|ademen?)",
    rf"er\s+{_ADVS}niet meer (?:zijn|te zijn)",
    r"hier niet meer zijn(?! op| in| bij)",
    r"(?:voor altijd|voorgoed) (?:verdwijnen|weg(?:gaan|zijn)?|slapen)",
    r"verdwijnen (?:voor altijd|voorgoed)",
    r"mijn leven (?:beeindigen|stoppen)",
)
_WANT_NL = r"(?:wil|wou|wilde|zou willen|zou)"
_DIE_EN = _alt(
    r"die(?!\s+(?:my|her|his|your|it)\s+hair)",
    "be dead",
    r"not (?:be alive|exist|live|wake up)",
    r"stop (?:existing|living|breathing)",
    r"(?:just )?(?:disappear|vanish|go to sleep|sleep) (?:forever|for good|permanently)",
    r"end (?:it all|my life|my own life|everything|it (?:tonight|today|now|soon|for good|forever))",
    r"be gone (?:forever|for good)",
)
_WANT_EN = r"(?:want|wanted|wish|wished|need|would like|would love)"

# A wish to die or not to exist, in so many words.
_SUICIDE_WISH: Final[tuple[str, ...]] = (
    rf"\b(?:ik\s+{_ADVS}{_WANT_NL}|{_WANT_NL}\s+ik)\s+{_ADVS}{_DIE_NL}\b",
    rf"(?:^|[.,!?]\s*){_ADVS}(?:wil|wou)\s+{_ADVS}{_DIE_NL}\b",
    rf"\bik\s+{_ADVS}(?:dood|sterven|dood gaan|er niet meer zijn|niet meer leven)\s+(?:wil|wou|wilde)\b",
    rf"\bik\s+{_ADVS}(?:niet meer|niet langer|er niet meer)\s+(?:wil|wilde|wou)\s+(?:leven|bestaan|zijn|wakker worden)\b",
    rf"\bik\s+{_ADVS}(?:hoop|wens)\s+(?:dat ik\s+)?(?:\w+\s+){{0,3}}?(?:dood\s?ga|sterf|dood te gaan|nooit meer wakker|niet (?:meer )?wakker word)",
    r"\b(?:was|ware) ik (?:maar |gewoon )?(?:dood|nooit geboren|er niet)",
    r"\b(?:wou|wilde|wens|wenste|zou willen) (?:ik )?dat ik\s+(?:\w+\s+){0,2}?(?:dood|nooit (?:was |ben )?geboren|er niet (?:meer )?(?:was|ben|zou zijn)|niet (?:meer )?(?:besta|bestond|leefde))",
    r"\bik (?:ben|zou|was|kan)\s+(?:\w+\s+)?beter (?:af )?dood\b",
    # death "seems calmer" / "would be a relief"
    r"\b(?:dood\s?gaan|dood zijn|sterven|er niet meer zijn|niet meer leven|dying|death|being dead|not existing)\s+(?:lijkt|leek|is|voelt|zou|seems|feels|would be|sounds|looks)\s+(?:me\s+|mij\s+|like\s+)?(?:\w+\s+){0,2}?(?:beter|fijner|rustiger|makkelijker|prettiger|een opluchting|de oplossing|de enige (?:uitweg|oplossing)|better|easier|peaceful|nicer|a relief|the only (?:way|option|solution)|the answer)\b",
    r"\b(?:lijkt|leek|voelt|seems|feels|would be|zou)\s+(?:me\s+|mij\s+|het\s+|like\s+|it\s+)?(?:\w+\s+)?(?:beter|fijner|rustiger|makkelijker|better|easier|nicer|more peaceful)\s+(?:om|to|als|if)\s+(?:ik\s+|i\s+)?(?:\w+\s+)?(?:dood te (?:zijn|gaan)|te sterven|er niet (?:meer )?te zijn|be dead|die|not exist|not be alive|dood (?:was|ben|ging)|dead|was dead|were dead|was gone)",
    rf"\b(?:i|me)\s+{_ADVS}{_WANT_EN}\s+(?:to\s+|i could\s+|that i could\s+|i\s+)?{_ADVS}{_DIE_EN}\b",
    r"\bwish(?:ed)? (?:that )?i (?:was|were|would|had|could)?\s?(?:just )?(?:dead|die|never (?:been )?born|not (?:born|alive)|gone forever|never existed|disappear forever)",
    rf"\bi\s+{_ADVS}(?:do|did|really do|just do)?\s*not\s+{_ADVS}(?:want|wish)\s+to\s+{_ADVS}(?:live|be alive|exist|wake up|go on|keep (?:going|living)|be here anymore|be here any more|be on this earth)",
    r"\b(?:no|lost (?:the|my|all)?\s?|zero|any) (?:will|reason|desire) to live\b",
    r"\bi hope i\s+(?:\w+\s+)?(?:die|do not wake up|never wake up|will not wake up)",
    r"\b(?:end|ending|take|taking|ended|took)\s+(?:my|my own)\s+life\b",
    r"\bend(?:ing)?\s+it\s+(?:all|tonight|forever|for good)\b",
    r"\bwant (?:it all|it|everything|all of it|the pain|my life|this) to (?:stop|end)[.,!\s]+(?:forever|for good|permanently)\b",
    r"\b(?:eind|einde)\s+(?:\w+\s+)?(?:aan|maken aan)\s+(?:mijn|me|m)\s+leven\b",
    r"\bmijn leven\s+(?:\w+\s+){0,2}?(?:beeindigen|beeindig|te beeindigen|stopzetten)\b",
    r"\b(?:ik|wil|ga|maak|zal|om)\b[^.,!?~]{0,25}?\ber\s+(?:\w+\s+){0,2}?(?:een\s+)?(?:eind|einde)\s+aan(?:\s+(?:maken|breien|te maken|te breien))?(?!\s+(?:het|de|dat|die|dit|deze|al|alle|zijn|haar|hun|jouw|je|komen|gemaakt)\b)",
    r"\bals ik (?:er )?(?:straks |morgen |binnenkort )?niet meer (?:ben|leef|besta)\b",
    r"\b(?:slapen en nooit meer wakker|nooit meer wakker (?:te )?worden|niet meer wakker (?:te )?worden)\b",
    r"\b(?:sleep|sleeping|slapen|gaan slapen)\s+(?:and|&|en)\s+(?:never|not|nooit|niet)\s+(?:\w+\s+)?(?:wake up|waking up|wakker)",
    r"\b(?:feel like|want to|going to|thinking about|thinking of|think about|considering|planning to|planning on|ready to)\s+(?:\w+\s+)?end(?:ing)? it\b(?!\s+(?:with|between|for|met)\b)",
    r"\bpunt achter (?:mijn|me|m) leven\b",
    r"\ber\s+(?:\w+\s+){0,3}?(?:een\s+)?(?:eind|einde|punt)\s+(?:aan|achter)\s+(?:\w+\s+)?(?:maken|zetten|zet|maak|breien)?[,\s]*(?:voor altijd|voorgoed)\b",
    r"\bnever wake up (?:again|tomorrow)\b",
    r"\b(?:goodbye|bye|vaarwel|doei|dag)\s+(?:cruel )?(?:world|wereld|forever|voor altijd|voorgoed)\b",
    r"\b(?:i am done|ik ben klaar|ik ben er klaar mee|ik stop ermee|i give up)\b[.,!\s]+(?:goodbye|bye|vaarwel|doei|dag)\s+(?:everyone|everybody|iedereen|allemaal|all|world|wereld)\b",
)
# Turning the violence on oneself, self-harm included.
_SUICIDE_SELF: Final[tuple[str, ...]] = (
    rf"\b(?:kill|killing|kills|killed|off|offing|hang|hanging|hung|shoot|shooting|drown|drowning|poison|poisoning|end|ending)\s+{_MYSELF}\b",
    rf"\b{_MEZELF}\s+(?:\w+\s+){{0,3}}?(?:van kant|om het leven|doden|dood\s?(?:te\s)?maken|dood\s?(?:te\s)?schieten|vermoorden|vermoord|ophangen|op te hangen|opknopen|verdrinken|vergiftigen|iets aan|iets aandoen|iets aan te doen|wat aan|wat aandoen|wat aan te doen|pijn (?:te )?doen|pijn gedaan|snijden|snij|gesneden|krassen|gekrast|beschadigen|verwonden|branden|een kogel)\b",
    rf"\b(?:doe|deed|doen)\s+{_MEZELF}\s+(?:\w+\s+)?(?:iets|wat|pijn)\b",
    r"\b(?:me|mij)\s+(?:\w+\s+){0,2}?van kant\s+(?:te\s+)?(?:maken|gemaakt)\b",
    rf"\b(?:snij|snijd|sneed|kras|kraste|beschadig|verwond|brand|hang|vermoord|dood|verdrink|vergiftig)\s+{_MEZELF}\b",
    rf"\b(?:cut|cutting|cuts|hurt|hurting|harm|harming|burn|burning|scratch|scratching)\s+{_MYSELF}\b",
    rf"\b(?:{_MEZELF})\s+(?:\w+\s+){{0,2}}?(?:op (?:te )?hangen|ophangen|opgehangen|opknopen)\b",
    r"\bkogel\s+(?:door|in)\s+(?:mijn|me|m)\s+(?:kop|hoofd|harses)\s+(?:jagen|schieten|te jagen|te schieten)\b",
    rf"\b(?:schiet|jaag|schieten|jagen)\s+{_MEZELF}\s+(?:\w+\s+)?kogel\b",
)
# Despair that reads as suicidal without naming death: burden, better off without me.
_SUICIDE_IMPLICIT: Final[tuple[str, ...]] = (
    r"\b(?:beter|blijer|gelukkiger|fijner|makkelijker)(?: af)? zonder (?:mij|me)\b",
    r"\b(?:better|happier|easier)(?: off)? without me\b",
    r"\b(?:beter|blijer|gelukkiger|fijner|makkelijker|better|happier|easier)\s+(?:\w+\s+){0,3}?(?:als|if|when|wanneer) (?:ik|i)\s+(?:\w+\s+){0,2}?(?:dood|dead|gone|weg was|died|disappeared|er niet (?:meer )?(?:ben|was|zou zijn)|niet meer (?:leef|besta)|not (?:here|around|alive)|never born)",
    r"\bbetter off (?:if|when) i\s+(?:\w+\s+){0,2}?(?:dead|gone|died|die|disappeared|not (?:here|around|alive)|never born|was not|were not)",
    r"\b(?:i would|i am|i)\s+(?:\w+\s+)?better off dead\b",
    r"\b(?:beter|better) (?:af )?(?:als|if|when) ik\s+(?:\w+\s+){0,3}?(?:dood|er niet (?:meer )?(?:ben|was|zou zijn)|niet meer (?:leef|besta))",
    r"\b(?:niemand|geen mens)\s+(?:zou|zal|gaat|zouden)\s+(?:\w+\s+){0,2}?(?:me|mij)\s+(?:\w+\s+)?missen\b",
    r"\b(?:niemand|geen mens)\b(?:\s+\w+){0,5}?\s+(?:als|wanneer) ik\s+(?:\w+\s+){0,2}?(?:dood|weg|er niet meer|verdwijn|verdwenen|zou sterven|sterf)",
    r"\b(?:no one|noone|nobody|no body)\s+(?:would|will|is going to|going to|even)\s+(?:\w+\s+){0,2}?miss me\b",
    r"\b(?:no one|noone|nobody)\b(?:\s+\w+){0,5}?\s+(?:if|when) i\s+(?:\w+\s+){0,2}?(?:died|die|was gone|were gone|disappeared|disappear|killed myself|was dead|were dead|was not here|was not around|left forever)",
    r"\b(?:ik ben|ik voel me|voel me|i am|i feel like|i feel|feel like)\s+(?:\w+\s+){0,3}?(?:een last|a burden)\b",
    r"\b(?:geen|no|zero|nothing|niks|niets)\s+(?:\w+\s+){0,2}?(?:reden|reason|zin|point)\s+(?:\w+\s+){0,2}?(?:om te leven|to live|(?:in|of) (?:living|life|being alive|going on))",
    r"\bnothing (?:left )?to live for\b",
    r"\b(?:niks|niets) (?:meer )?om voor te leven\b",
    r"\b(?:het|mijn|dit) leven (?:heeft|is)\s+(?:\w+\s+){0,2}?(?:geen zin|zinloos|niet (?:meer )?de moeite(?: waard)?|waardeloos|niks waard|niets waard|nutteloos)",
    r"\b(?:life|my life|living)\s+(?:is|is just|feels|has|feels so)\s+(?:\w+\s+){0,2}?(?:pointless|meaningless|worthless|useless|not worth (?:it|living)|no (?:point|meaning|purpose))",
    r"\bpoint (?:in|of) (?:living|being alive|life|going on|existing|staying alive|me being alive|my life)\b",
    r"\bnut (?:van|in) (?:het |mijn )?(?:leven|bestaan|doorgaan)\b",
    r"\bnot worth living\b",
    r"\bwhat is the point (?:of|in) (?:living|life|being alive|going on|me being alive)\b",
    r"\bwaarom leef ik (?:nog|eigenlijk|nog steeds)\b",
    r"\bwhy am i (?:still )?alive\b",
    r"\bwhy (?:do|should) i (?:even )?(?:bother )?(?:living|live|exist|keep living|stay alive)\b",
    r"\bzie (?:ik )?het\s+(?:\w+\s+)?niet (?:meer )?zitten\b",
    r"\bgeen (?:uitweg|uitkomst) meer\b",
    r"\b(?:zie|zag|vind|is|er is) geen uitweg\b",
    r"\b(?:see|find|there is|is) no way out\b",
    r"\bcan not see (?:a|any) way out\b",
    r"\bik kan (?:het |dit |gewoon |echt |ook |zo |dit echt |het echt ){0,3}niet meer(?: aan| verder| door| leven)?(?=\s*(?:[.,!?]|$))",
    r"\b(?:ik )?(?:hou|houd|trek) (?:het|dit) (?:\w+\s+)?niet (?:meer|langer)(?: vol)?\b",
    r"\bik wil (?:gewoon |echt |ook |zo ){0,3}niet meer(?=\s*(?:[.,!?]|$))",
    r"\bi can not (?:do this|take (?:it|this)|handle (?:it|this|life)|cope|keep going|go on|live like this)\s+(?:\w+\s+)?(?:anymore|any more|any longer|no more)\b",
    r"\bi can not (?:go on|keep going|live like this|do this anymore|take it anymore)(?=\s*(?:[.,!?]|$))",
    r"\bklaar\b[^.!?~]{0,30}?\bmet (?:het |mijn |dit )?leven\b",
    r"\b(?:het )?leven (?:beu|zat)\b",
    r"\b(?:beu|zat|moe)\s+(?:om\s+)?(?:te\s+)?(?:leven|bestaan)\b",
    r"\blevensmoe\w*\b",
    r"\bmoe van het leven\b",
    r"\b(?:done|finished) with (?:life|living|being alive|existing|this life)\b",
    r"\b(?:tired|sick) of (?:living|being alive|life|existing)\b",
    r"\b(?:dit is|this is) (?:mijn|my) (?:laatste|last) (?:bericht|message|text|post)(?!\s+(?:on|op|in|for|voor|before|van|of|about|over|here|hier|to|aan)\b)",
    r"\b(?:i|ik)\s+(?:\w+\s+)?(?:deserve|verdien)\s+(?:het\s+)?(?:om\s+)?(?:to die|to suffer|pain|to hurt|to be dead|dood te gaan|te sterven|pijn|te lijden)\b",
)
# Self-harm in youth words, and methods or method-seeking.
_SUICIDE_METHOD: Final[tuple[str, ...]] = (
    r"\bi\s+(?:\w+\s+){0,2}?(?:self ?harm|selfharm)",
    r"\b(?:relaps\w*|urges?|urge to|clean (?:from|of)|stopped|doing|did|started|start|do)\s+(?:on\s+|to\s+|from\s+)?(?:sh|self ?harm(?:ing)?|cutting)\b",
    r"\b(?:sh|self ?harm(?:ing)?|cutting) (?:again|urges?|scars?|relapse)\b",
    r"\bi\s+(?:\w+\s+)?cut (?:again|tonight|last night|deeper|my (?:arms?|wrists?|legs?|thighs?))\b",
    r"\bik\s+(?:\w+\s+)?kras\b(?!\s+op)",
    r"\b(?:aan het|weer|wil|drang om te|zin om te|gestopt met|stoppen met|ga|ging)\s+(?:\w+\s+)?(?:krassen|gekrast)\b(?!\s+op\b)",
    rf"\b(?:heb|had)\s+{_ADVS}gekrast\b",
    r"\b(?:snij|snijd|sneed|snijden|kras|krassen|gekrast|gesneden)\s+(?:\w+\s+){0,2}?(?:in |op )?(?:mijn|me|m) (?:arm|armen|pols|polsen|benen|been|dijen|dij|huid)\b",
    r"\b(?:mijn|me|m) (?:arm|armen|pols|polsen|benen|been|dijen|dij)\s+(?:\w+\s+){0,2}?(?:opengesneden|open te snijden|opensnijden|doorsnijden|door te snijden|gekrast)\b",
    rf"\b(?:hoeveel|how many|how much)\s+(?:\w+\s+){{0,2}}?{_PILLS}\b(?:\s+\w+){{0,6}}?\s+(?:dodelijk\w*|dood|sterven|overlijden|lethal|die|dying|kill|fatal|overdose|od|niet meer wakker)",
    rf"\b(?:lethal|deadly|fatal|dodelijke|fatale) (?:dose|dosis|amount|hoeveelheid) (?:of |van )?(?:\w+\s+)?{_PILLS}",
    r"\b(?:pijnloze|pijnloos|snelste|makkelijkste|beste|minst pijnlijke|painless|quickest|easiest|fastest|best|least painful|quick|easy)\s+(?:manier|manieren|methode|way|ways|method|methods)\s+(?:om|to)\s+(?:\w+\s+){0,2}?(?:dood|sterven|die|kill myself|kill yourself|kill oneself|end it|end my life|commit suicide|zelfmoord|suicide|niet meer wakker|te stoppen met leven|er een eind aan)",
    r"\b(?:pijnloos dood|die painlessly|painless death|pijnloos sterven)\b",
    r"\b(?:hoe hoog|how high|how tall|how many (?:floors|stories|storeys|meters?|metres?))\b(?:\s+\w+){0,6}?\s+(?:dood|sterven|to die|die|fatal|dodelijk|kill)\b",
    rf"\b(?:spring|springen|te springen|jump|jumping|throw myself|step|stepping|lopen|loop|gaan liggen|lie down|lay down|gooi {_MEZELF}|{_MEZELF} gooien)\s+(?:\w+\s+)?(?:van|vanaf|off|from|voor|onder|in front of)\s+(?:\w+\s+){{0,2}}?{_HIGH_PLACE}\b",
    rf"\b(?:van|vanaf|voor|onder)\s+(?:\w+\s+){{0,2}}?{_HIGH_PLACE}\s+(?:\w+\s+)?(?:springen|spring|springt|sprong|te springen|af springen|afspringen|af te springen|gaan liggen|lopen|gooien)\b",
    r"\b(?:slit|cut|cutting|open)\s+(?:my|her|his)\s+wrists?\b",
    r"\b(?:polsen|pols)\s+(?:\w+\s+)?(?:doorsnijden|door te snijden|opensnijden|open te snijden)\b",
    r"\b(?:gun|pistol|pistool|wapen)\s+(?:\w+\s+)?(?:to|against|tegen|op)\s+(?:my|mijn|me|m)\s+(?:head|hoofd|kop|slaap)\b",
    r"\bbullet (?:in|through) my (?:head|brain|skull)\b",
    rf"\b(?:alle|al mijn|al me|een hele|heel veel|een doos|een pot|een strip|een hele strip)\s+{_PILLS}\s+(?:\w+\s+){{0,2}}?(?:slikken|innemen|nemen|geslikt|ingenomen|in te nemen|te slikken)\b",
    rf"\b(?:take|taking|swallow|swallowing|took|swallowed)\s+(?:all|all of|a bunch of|the whole|a whole|every)\s+(?:my\s+|the\s+|of my\s+|bottle of\s+|box of\s+|pack of\s+){{0,3}}{_PILLS}\b",
    r"\b(?:take|taking|took|nemen|neem|innemen)\s+(?:an |een )?(?:overdose|overdosis)\b",
    rf"\b{_PILLS}\b(?:[\s,]+\w+){{0,8}}?[\s,]+(?:allemaal|alle|in een keer|tegelijk|all of them|all at once|at once)\s+(?:te\s+)?(?:nemen|slikken|innemen|take|swallow)\b",
    r"\b(?:how|hoe)\s+(?:do i|can i|should i|to|kan ik|moet ik|pleeg je|doe je)\s+(?:\w+\s+)?(?:kill myself|end my life|commit suicide|hang myself|overdose|zelfmoord|mezelf)",
)
# Named, but possibly as a topic ("wat zijn signalen van zelfmoord?") or about someone else.
_SUICIDE_MENTION: Final[tuple[str, ...]] = (
    _SUI,
    r"\b(?:zelfbeschadiging|zelfverwonding|automutilatie|zelfmutilatie|self ?harm\w*|selfharm\w*)\b",
    r"\b(?:want|wants|wanted|wanting|wish|wishes)\s+(?:to\s+)?(?:\w+\s+)?die\b",
    rf"\b(?:kill|killing|kills|hang|hanging|hurt|hurting|cut|cutting)\s+{_THEMSELF}\b",
    r"\bzichzelf\s+(?:\w+\s+){0,3}?(?:van kant|om het leven|doden|ophangen|op te hangen|iets aan)",
    r"\b(?:overdose|overdosis|lethal dose|dodelijke dosis|afscheidsbrief|suicide note|goodbye (?:note|letter))\b",
    r"\b(?:how|hoe)\s+(?:to|can you|do you|kan je|kun je|moet je)\s+(?:\w+\s+)?(?:die|dood gaan|sterven)\b",
    rf"\b(?:zij|hij|ze|mijn \w+|my \w+|she|he|they)\s+(?:\w+\s+){{0,2}}?(?:wil|wilt|willen|wants|want)\s+{_ADVS}(?:dood|sterven|niet meer leven|to die|er niet meer zijn)\b",
    rf"\b(?:ze|zij|hij)\s+{_ADVS}(?:niet meer|niet langer|er niet meer)\s+(?:wil|wilde|wou)\s+(?:leven|bestaan|zijn)\b",
    rf"\b(?:ze|zij|hij)\s+{_ADVS}(?:dood|sterven)\s+(?:wil|wilde|wou)\b",
)

# --------------------------------------------------------------------------------------------
# Violence
# --------------------------------------------------------------------------------------------

_INTENT_EN = _alt(
    *_words("will would should shall gon"),
    *(
        f"{verb} to"
        for verb in _words(
            "going want wants wanted trying tries tried coming come comes about swears vowed got "
            "need intend ready try"
        )
    ),
    r"threaten(?:s|ed|ing)? to",
    r"promise[sd]? to",
    r"plan(?:s|ned|ning)? to",
    r"swor?e to",
)
# Who threatens: a person, never "this exam will kill me".
_SUBJ_EN = _alt(
    *_words("i we he she they you someone somebody people guys boys girls that who"),
    r"(?:this|that|a|some|the|these|those|one|two|three|several)\s+(?:\w+\s+)?"
    r"(?:guy|guys|girl|girls|boy|boys|dude|dudes|man|men|kid|kids|person|people|gang|account"
    r"|accounts|user|users|hater|haters|group|bully|bullies|troll|trolls|stranger|strangers)",
    r"(?:my|his|her|their|our)\s+(?:\w+\s+)?(?:dad|father|stepdad|mom|mother|stepmom|brother"
    r"|sister|ex|boyfriend|girlfriend|bf|gf|uncle|cousin|neighbou?r|classmates?)",
)
_LEAD_EN = (
    rf"(?:\b{_SUBJ_EN}\s+(?:\w+\s+){{0,3}}?(?:(?:am|is|are|was|were|has been|have been|keeps?|kept)\s+)?|^)"
    rf"{_ADVS}{_INTENT_EN}\s+{_ADVS}"
    r"(?:(?:come|go|show up|find|wait|catch|track|hunt)\s+(?:\w+\s+){0,5}?and\s+"
    r"|(?:come|go)\s+(?:and\s+|to\s+)?|try\s+(?:and\s+|to\s+)?)?"
)
_V_HARD_EN = _alt(
    *_words("kill murder stab shoot rape strangle kidnap behead slaughter lynch torture"),
    r"run over",
    r"beat the (?:shit|crap|hell|life) out of",
    r"throw acid (?:on|at|in)",
)
_V_SOFT_EN = _alt(*_words("hurt attack jump punch slap smack stomp choke assault"))
_OBJ_EN = (
    r"(?P<obj>me|us|you|him|her|them|everyone|everybody|y all|yall"
    r"|(?:my|our|your|his|her|their|that|this|the)\s+(?:\w+\s+)?"
    r"(?:family|mom|mum|mother|dad|father|brother|sister|parents|friends?|girlfriend|boyfriend|gf|bf"
    r"|bro|sis|cousin|kids?|guy|girl|boy|dude|man|woman|teacher|bitch|people|class|principal|ex"
    r"|neighbou?r|classmates?|dog|cat|pets?|puppy))\b"
    r"(?!\s+(?:feelings?|chances|reputation|career|pride|ego|image|grades?|vibe|mood|off|out)\b)"
)
_OBJ_NL = (
    r"(?P<obj>(?:mijn|me|m|onze|ons|zijn|haar|jouw|je|hun|die|dat|deze)\s+\w+"
    r"|me|mij|ons|je|jou|jullie|hem|haar|ze|hun|iedereen|you)"
)
_OBJ_NL_PRON = r"(?P<obj>me|mij|ons|je|jou|jullie|hem|haar|you)"
# Texting drops the final n: "vermoorde", "neersteke".
_V_HARD_NL = _alt(
    r"verm[oa]{1,2}r[dt](?:en?)?",
    _sep("neer", r"(?:steken?|schieten?|knallen?|maaien?)"),
    _sep("dood", r"(?:steken?|schieten?|slaan|trappen?|schoppen?)"),
    _sep("lek", "steken?"),
    _sep("af", r"(?:knallen|slachten)"),
    _sep("op", "wachten"),
    r"overhoop (?:te )?schieten",
    r"in elkaar (?:te )?(?:slaan|trappen|schoppen|rammen|beuken|timmeren|tremmen)",
    r"verrot (?:te )?(?:slaan|schoppen|trappen)",
    r"in (?:de fik|brand) (?:te )?steken",
    *_words(
        "verkrachten aanranden mishandelen ontvoeren neergestoken neergeschoten doodgestoken "
        "doodgeschoten verkracht aangerand opgewacht"
    ),
    r"in elkaar (?:geslagen|getrapt|geschopt)",
)
_V_SOFT_NL = _alt(
    "slaan",
    r"pijn (?:te )?doen",
    r"(?:iets|wat) (?:aan te doen|aandoen)",
    _sep("af", "maken"),
    _sep("kapot", r"(?:maken|slaan|trappen|schoppen)"),
    _sep("dood", "maken"),
    _sep("aan", "vallen"),
    r"te grazen (?:te )?nemen",
    r"pakken",
)
_INTENT_NL = _alt(
    *_words("ga gaat gaan zal zullen wil wilt willen kom komt komen zou zouden"), r"dreig\w*"
)

_VIOLENCE_EN: Final[tuple[str, ...]] = (
    # they will kill me / i'm going to stab him / he said he'd find me and beat me up
    rf"{_LEAD_EN}{_V_HARD_EN}\s+{_OBJ_EN}",
    rf"{_LEAD_EN}{_V_SOFT_EN}\s+{_OBJ_EN}",
    rf"{_LEAD_EN}(?:beat|fuck|mess|f)\s+{_OBJ_EN}\s+up\b",
    rf"{_LEAD_EN}(?:break|smash|bash)\s+(?P<obj>my|your|his|her|their|our)\s+(?:\w+\s+)?(?:legs?|neck|face|arms?|jaw|bones|nose|teeth|skull|head)\b",
    rf"{_LEAD_EN}(?:burn|blow up|burn down)\s+(?P<obj>my|your|his|her|their|our)\s+(?:\w+\s+)?(?:house|home|car)\b",
    r"\b(?P<obj>you) (?:are|will be) (?:so dead|next|dead meat|a dead man)\b",
    r"\b(?P<obj>you are|i am|we are) (?:so )?dead (?:when|if|once|as soon as) (?:they|he|she|i|we) (?:see|find|catch|get)\b",
)
_VIOLENCE_NL: Final[tuple[str, ...]] = (
    # ik ga je vermoorden / hij zegt dat hij me gaat neersteken / hij dreigt me in elkaar te slaan
    rf"\b{_OBJ_NL}\s+(?:\w+\s+){{0,4}}?(?:te\s+)?{_V_HARD_NL}\b",
    rf"\b{_INTENT_NL}\s+(?:\w+\s+){{0,3}}?{_OBJ_NL_PRON}\s+(?:\w+\s+){{0,3}}?(?:te\s+)?{_V_SOFT_NL}\b",
    rf"\b{_OBJ_NL_PRON}\s+(?:\w+\s+){{0,3}}?{_INTENT_NL}\s+(?:\w+\s+){{0,2}}?(?:te\s+)?{_V_SOFT_NL}\b",
    rf"\b{_OBJ_NL_PRON}\s+(?:\w+\s+){{0,2}}?(?:iets|wat)\s+aan\s+(?:gaat|gaan|zal|zullen|wil|willen|komt|komen)\s+doen\b",
    rf"\b{_INTENT_NL}\s+(?:\w+\s+){{0,3}}?(?P<obj>(?:mijn|me|m|zijn|haar|onze)\s+\w+)\s+(?:\w+\s+){{0,2}}?(?:iets aan te doen|iets aandoen|pijn (?:te )?doen|te slaan|slaan|in elkaar (?:te )?slaan|te grazen (?:te )?nemen)\b",
    rf"\b(?:maak|maakt|maken)\s+{_OBJ_NL_PRON}\s+{_ADVS}(?:af|dood)\b",
    rf"\b(?:wacht|wachten|wachtte|wachtten)\s+{_OBJ_NL_PRON}\s+{_ADVS}op\b(?!\s+(?:het station|schiphol|het vliegveld)\b)",
    rf"\bverm[oa]{{1,2}}r[dt]t?\s+{_OBJ_NL}",
    rf"\b(?:steek|steekt|schiet|schieten|sla|slaat|trap|trapt|schop|schopt|knal|knalt)\s+{_OBJ_NL_PRON}\s+{_ADVS}(?:\w+\s+)?(?:neer|dood|lek|kapot|in elkaar|verrot|overhoop|in de fik)\b",
    r"\bkogel\s+(?:door|in)\s+(?P<obj>je|jouw|zijn|haar|hun)\s+(?:kop|hoofd|harses)\b",
    r"\b(?:krijg|krijgt|krijgen)\s+(?:\w+\s+)?kogel\s+(?:door|in)\s+(?P<obj>mijn|me|m|je|jouw|zijn|haar|hun)\s+(?:kop|hoofd|harses)\b",
    r"\bkogel\s+(?:door|in)\s+(?P<obj>mijn|me|m|je|jouw|zijn|haar|hun)\s+(?:kop|hoofd|harses)\s+(?:krijg|krijgt|krijgen)\b",
    r"\b(?P<obj>je|jij|jullie|jou|you)\s+(?:krijgt|krijgen)\s+(?:\w+\s+){0,2}?(?:klappen|een pak slaag|slaag|een kogel|een mes|de kogel)\b",
    r"\b(?P<obj>je|jij)\s+(?:bent|gaat)\s+(?:\w+\s+)?(?:eraan|er geweest)\b",
    r"\b(?P<obj>je bent|ik ben) (?:zo )?dood (?:als|wanneer|zodra) (?:ze|hij|zij|ik|we) (?:je|me|mij)\s+(?:\w+\s+)?(?:zien|zie|ziet|vinden|vind|pakken|pak)\b",
)
_VIOLENCE_VICTIM: Final[tuple[str, ...]] = (
    # it happened: i got jumped / ik ben neergestoken
    rf"\b(?:i|we|my \w+)\s+(?:got|get|was|were|have been|has been|had been|been|keep getting|am being|is being|just got)\s+{_ADVS}(?:stabbed|jumped|beaten(?: up)?|beat up|assaulted|raped|shot|mugged|kidnapped|threatened with a (?:knife|gun|weapon))\b(?!\s+(?:at|in|on|down|to it|so bad)\b)",
    r"\b(?:stabbed|jumped|assaulted|raped|shot at|beat up|beaten up|punched|strangled|choked|mugged)\s+(?:me|us|my \w+)\b",
    r"\b(?:ik ben|ik werd|ben ik|werd ik|ze hebben me|hij heeft me|zij heeft me|hebben ze me|heeft hij me|mijn \w+ is|mijn \w+ werd|ik word)\s+(?:\w+\s+){0,4}?(?:neergestoken|in elkaar geslagen|in elkaar getrapt|in elkaar geschopt|verrot geslagen|mishandeld|verkracht|aangerand|beroofd|ontvoerd|neergeschoten|beschoten|opgewacht|bedreigd met (?:een |een groot )?(?:mes|pistool|wapen|vuurwapen))\b",
    r"\bik\s+(?:krijg|kreeg)\s+(?:\w+\s+){0,2}?(?:klappen|een pak slaag|slaag)\b",
    r"\b(?:heeft|hebben|had|hadden)\s+(?:me|mij|ons|mijn \w+)\s+(?:\w+\s+){0,3}?(?:geslagen|geschopt|gestompt|getrapt|gewurgd|gestoken)\b",
    r"\b(?:threaten\w*|bedreig\w*|dreig\w*)\s+(?:\w+\s+){0,3}?(?:with|met)\s+(?:a |an |een |zijn |his |her |haar )?(?:knife|gun|pistol|weapon|mes|pistool|wapen|vuurwapen|geweer|bat|honkbalknuppel|knuppel|acid|zuur)\b",
    r"\bmet\s+(?:een |zijn |haar )?(?:mes|pistool|wapen|vuurwapen|geweer|knuppel|honkbalknuppel)\s+(?:\w+\s+)?(?:bedreigd|bedreigt|bedreigde|gedreigd|dreigde|dreigt|aangevallen|gestoken)\b",
    r"\b(?:pulled|held|trok|hield)\s+(?:a|an|een)\s+(?:knife|gun|mes|pistool)\s+(?:on|at|tegen|op)\s+(?:me|mij|us|ons)\b",
    r"\b(?:me|mij|ons|us)\s+(?:\w+\s+){0,3}?(?:met|with)\s+(?:een|zijn|haar|a|his|her|their|hun)\s+(?:mes|pistool|wapen|vuurwapen|knuppel|knife|gun|weapon|bat|machete)\b",
    r"\b(?:i|we|ik|wij|he|she|they|hij|zij|ze)\s+(?:\w+\s+)?(?:know|knows|weet|weten)\s+(?:\w+\s+)?(?:where|waar)\s+(?:you|je|jij|i|ik|we|wij|your \w+|jouw \w+|mijn \w+|my \w+)\s+(?:\w+\s+)?(?:live|lives|woont|woon|wonen)\b",
    r"\b(?:is|are|am) coming (?:for|after) (?:me|us)\b",
    r"\b(?:said|says|told me|tell me|wrote|texted|messaged|zei|zegt|zeggen|schreef|stuurde|appte)\s+(?:\w+\s+){0,3}?(?:watch (?:your|ur) back|you are dead|you are next|je bent dood|je bent er geweest|je gaat eraan|je bent de volgende|je bent de lul)\b",
)
_VIOLENCE_MASS: Final[tuple[str, ...]] = (
    r"\b(?:shoot|shooting|shot)\s+up\s+(?:the|my|our|this|that|a|his|her|their)?\s*(?:\w+\s+)?(?:school|class|classroom|mall|church|mosque|synagogue|party|place|concert|campus|office|building)\b",
    r"\b(?:bring|take|bringing|taking|brought|took)\s+(?:a |my |his |the |dads |my dads )?(?:gun|knife|weapon|bomb|rifle|pistol|machete)\s+(?:\w+\s+)?(?:to|into)\s+(?:the\s+)?(?:school|class|college|uni|work|party)\b",
    r"\b(?:blow|blowing)\s+up\s+(?:the|my|our|this|that)\s+(?:\w+\s+)?(?:school|class|building|mosque|church|synagogue)\b",
    r"\bbomb\s+(?:the|my|our|this|that)\s+(?:\w+\s+)?(?:school|class|building|mosque|church|synagogue|party)\b",
    r"\b(?:kill|shoot|stab|murder)\s+(?:them all|all of them|everyone|everybody|every one|all of you|all these \w+)\b",
    r"\b(?:school|klas|de school|mijn school|iedereen|de hele klas|moskee|kerk|synagoge)\s+(?:\w+\s+){0,2}?(?:opblazen|op te blazen|neerschieten|neer te schieten|neerknallen|neer te knallen|afknallen|af te knallen|overhoop (?:te )?schieten|shooten|bombarderen|in de fik (?:te )?steken|in brand (?:te )?steken)\b",
    r"\b(?:aanslag|schietpartij|bloedbad)\s+(?:\w+\s+){0,3}?(?:plegen|te plegen|aanrichten|op school|op (?:mijn|onze|de) school)\b",
    r"\b(?:bom|bommen|explosieven|mes|messen|pistool|wapen|vuurwapen|geweer|machete)\s+(?:\w+\s+){0,2}?(?:mee\s+)?(?:naar|op|in)\s+(?:de\s+|mijn\s+|onze\s+)?(?:school|klas|les)\b",
    r"\b(?:een )?(?:bom|bommen)\s+(?:leggen|plaatsen|maken)\b",
    r"\b(?:will be|going to be|gonna be|planning|plans?|tomorrow|at (?:our|my)|op (?:onze|mijn))\b(?:\s+\w+){0,4}?\s+(?:school ?shoot\w*|schietpartij)",
    r"\b(?:school ?shoot\w*|schietpartij)(?:\s+\w+){0,4}?\s+(?:tomorrow|at (?:our|my) school|morgen|op (?:onze|mijn) school)\b",
)
_VIOLENCE_MENTION: Final[tuple[str, ...]] = (
    r"\b(?:death ?threats?|doodsbedreiging\w*|doodsdreigement\w*|moorddreigement\w*|bedreigd met de dood|threatened with death|rape threats?|verkrachtingsbedreiging\w*|bedreigd met verkrachting)\b",
)
_VIOLENCE_GENERIC: Final[tuple[str, ...]] = (
    rf"\b(?:ik word|ik ben|werd ik|word ik|ben ik|ik werd)\s+{_ADVS}(?:\w+\s+)?bedreigd\b",
    r"\b(?:bedreigt|bedreigen|bedreigde|bedreigden|dreigt|dreigen|dreigde|dreigden)\s+(?:me|mij|ons)\b",
    rf"\b(?:i am|i was|i have been|i keep getting|i get|getting|i got|being|been)\s+{_ADVS}threatened\b",
    r"\bthreaten(?:s|ed|ing)?\s+(?:me|us)\b",
    r"\bthreat(?:s|ening)? (?:messages|dms|texts|comments|voice ?notes|calls)\b",
    r"\bdreig(?:berichten|ementen|mails|appjes|appje|berichtjes|berichtje|telefoontjes)\b",
)

# --------------------------------------------------------------------------------------------
# Doxing
# --------------------------------------------------------------------------------------------

_POSS_NL = r"(?:mijn|me|m|ons|onze|haar|zijn|hun|je|jouw)"
_DATA_NL = _alt(
    r"(?:huis|woon|thuis|werk|prive|post)?adres\w*",
    r"telefoonnummer\w*",
    r"telefoon ?nummer",
    r"tel ?(?:nr|nummer)",
    r"06(?: ?nummer)?",
    r"mobiele nummer",
    r"nummer",
    r"achternaam",
    r"volledige naam",
    r"echte naam",
    r"naam en (?:adres|school|nummer|woonplaats)",
    r"school",
    r"locatie",
    r"live ?locatie",
    r"ip(?: ?adres)?",
    r"bsn",
    r"paspoort",
    r"id ?kaart",
    r"identiteitskaart",
    r"persoonsgegevens",
    r"gegevens",
    r"prive ?gegevens",
    r"kenteken",
    r"postcode",
    r"straat(?:naam)?",
    r"huisnummer",
    r"woonplaats",
    r"huis",
    r"voordeur",
)
# The data, owned: "mijn adres", "het adres van mijn oma".
_DATA_NL_OF = rf"(?:{_POSS_NL}\s+(?:\w+\s+){{0,2}}?{_DATA_NL}|{_DATA_NL}\s+van\s+(?:mijn|me|m|ons|onze|haar|zijn|hun)\s+\w+)"
_PLATFORM = _alt(
    *_words(
        "internet tiktok insta instagram twitter x snap snapchat discord telegram reddit youtube "
        "groepsapp groepschat whatsapp facebook fb 4chan"
    ),
    r"\w*(?:site|forum|story|pagina|page|account|groep)",  # "haatpagina", "roddelaccount"
)
_DATA_EN = _alt(
    r"(?:home |house |full |real |school |work |email |e mail |ip |parents )?(?:address|adress|addy|adres)",
    r"(?:phone|cell|mobile) ?number",
    r"number",
    r"digits",
    r"(?:full|real|last|legal) name",
    r"surname",
    r"school",
    r"workplace",
    r"(?:live )?location",
    r"ip(?: address)?",
    r"personal (?:info|information|details|data)",
    r"private (?:info|information|details)",
    r"details",
    r"info",
    r"street",
    r"postcode",
    r"zip ?code",
    r"license plate",
    r"passport",
    r"id card",
    r"socials",
    r"house",
    r"front door",
)
_POSS_EN = r"(?:my|our|her|his|their|your|ur)"
# Data that is private in itself: "my school is online this week" is not a leak.
_DATA_EN_PRIVATE = _alt(
    r"(?:home |house |full |real |ip |parents )?(?:address|adress|addy|adres)",
    r"(?:phone|cell|mobile) ?number",
    r"number",
    r"(?:full|real|last|legal) name",
    r"surname",
    r"(?:live )?location",
    r"ip(?: address)?",
    r"personal (?:info|information|details|data)",
    r"private (?:info|information|details)",
    r"passport",
    r"id card",
)
_DATA_EN_OF = (
    rf"(?:{_POSS_EN}\s+(?:\w+\s+){{0,2}}?{_DATA_EN}|{_DATA_EN}\s+of\s+(?:my|our|her|his)\s+\w+)"
)
_EXPOSE_NL_END = _alt(
    r"online (?:ge)?(?:zet|gezet|zetten|gegooid|gooien|gedeeld|gepost)",
    rf"(?:op|in)\s+(?:\w+\s+){{0,2}}?(?:{_PLATFORM}|klassenapp|chat|groep)\s+(?:ge)?(?:zet|gezet|zetten|gegooid|gooien|geplaatst|plaatsen|gepost|posten|gedeeld|delen)",
    *_words(
        "gepost geplaatst gedeeld verspreid gelekt geleakt geleaked rondgestuurd doorgestuurd "
        "gepubliceerd getweet gedumpt"
    ),
    r"rond gestuurd",
    r"openbaar gemaakt",
    r"te (?:posten|delen|verspreiden|lekken|leaken|plaatsen|publiceren)",
    r"(?:gaan|gaat|ging|gingen|zal|zullen) (?:posten|delen|verspreiden|lekken|leaken|rond)",
    r"online (?:te )?zetten",
    r"(?:gaat|gaan|ging|gingen) rond",
    rf"(?:staat|staan|stond|stonden|is|zijn)\s+(?:\w+\s+)?(?:online|overal|(?:op|in)\s+(?:\w+\s+){{0,2}}?(?:{_PLATFORM}|comment|comments|reactie|reacties|bio|chat|groep|post))",
)
_EXPOSE_NL_FIN = _alt(
    *_words(
        "post posten postte postten deelt delen deelde deelden verspreidt verspreiden verspreidde "
        "verspreidden lekt lekken lekte lekten leakt leaken leakte plaatst plaatsen plaatste "
        "plaatsten dumpt dumpen dumpte gepost gedeeld verspreid gelekt"
    ),
    r"zetten online",
    r"zet online",
    r"stuurt rond",
    r"sturen rond",
    r"stuurde rond",
    r"online gezet",
)
_EXPOSE_EN = _alt(
    *_words(
        "posted post posting posts leaked leak leaking leaks shared share sharing shares spread "
        "spreading spreads put putting puts published publish publishing exposed expose exposing "
        "dropped drop dropping tweeted uploaded upload uploading"
    ),
    r"doxx?ed|doxx?|doxx?ing",
    r"(?:sent|sending|passed|passing|sends) (?:around|out)",
)
_NOT_PREP = r"(?!(?:at|in|on|to|around|about|op|bij|naar|rond|over|met|with|from|van)\b)"
_DOXING: Final[tuple[str, ...]] = (
    # ze hebben mijn adres online gezet / hij dreigt mijn nummer te posten
    rf"\b{_DATA_NL_OF}\b(?:\s+(?:en|of|\+|&|,)\s+(?:\w+\s+){{0,2}}?{_DATA_NL}\b){{0,3}}(?:\s+(?!(?:heeft|hebben|had|hadden)\b)\w+){{0,6}}?\s+{_EXPOSE_NL_END}\b",
    rf"\b{_EXPOSE_NL_FIN}\s+(?:{_NOT_PREP}\w+\s+){{0,3}}?{_DATA_NL_OF}\b",
    rf"\b(?:zet|zetten|zette|gooit|gooien|gooide|post|posten|postte|plaatst|plaatsen|plaatste)\s+(?:\w+\s+){{0,2}}?{_DATA_NL_OF}\s+(?:\w+\s+){{0,2}}?(?:online|op\s+(?:\w+\s+){{0,2}}?{_PLATFORM}|in\s+(?:\w+\s+){{0,2}}?(?:{_PLATFORM}|klassenapp|chat|groep))\b",
    rf"\b(?:staat|staan|stond|stonden|circuleert|circuleren|gaat rond|gaan rond)\s+(?:\w+\s+){{0,4}}?(?:met\s+)?{_DATA_NL_OF}\b(?:\s+(?:en|of)\s+(?:\w+\s+){{0,2}}?{_DATA_NL}){{0,3}}\s+(?:online|op\s+(?:\w+\s+)?{_PLATFORM}|rond)\b",
    rf"\b(?:{_EXPOSE_NL_FIN}|{_EXPOSE_NL_END})\s+(?:\w+\s+){{0,2}}?(?:waar ik woon|waar ik op school zit|op welke school ik zit|waar ik werk)\b",
    # someone posted my phone number and school / my address got leaked
    rf"\b{_EXPOSE_EN}\s+(?:{_NOT_PREP}\w+\s+){{0,3}}?{_DATA_EN_OF}\b(?!\s+(?:with|met)\s+(?:me|mij|us|ons)\b)",
    rf"\b{_POSS_EN}\s+(?:\w+\s+){{0,2}}?{_DATA_EN_PRIVATE}\b(?:\s+\w+){{0,4}}?\s+(?:got|get|was|were|is|are|has been|have been|been|now|keeps getting)\s+{_ADVS}(?:leaked|posted|shared|exposed|spread|published|out there|online|public|everywhere|all over|going around|doxx?ed|dropped|passed around|sent around|(?:on|in)\s+(?:\w+\s+){{0,2}}?(?:page|account|post|story|comments?|chat|group chat|server|site|forum|tiktok|twitter|insta\w*|snapchat|discord|reddit|telegram))\b(?!\s+bio\b)",
    rf"\b(?:sent|sending|sends|passed|passing|passes|forwarded|forwarding|texted|spread|spreading)\s+{_POSS_EN}\s+(?:\w+\s+){{0,2}}?{_DATA_EN_PRIVATE}\s+(?:around|out|round|to (?:everyone|everybody|the whole|all))\b",
    rf"\b{_EXPOSE_EN}\s+(?:\w+\s+){{0,2}}?(?:where i live|where i go to school|what school i go to|where i work)\b",
    rf"\b(?:account|page|profile)\s+(?:\w+\s+)?(?:with|posting|showing|met)\s+{_DATA_EN_OF}\b",
    r"\b(?:everyone|everybody|the whole school|whole school|people|strangers|half the school|iedereen|heel de school|de hele school|vreemden|mensen|half school)\s+(?:\w+\s+)?(?:knows|know|weet|weten|kent|kennen)\s+(?:\w+\s+)?(?:where i live|waar ik woon|my address|mijn adres|where i go to school|waar ik op school zit)\b",
    r"\b(?:found out|figured out|tracked down|worked out|ontdekt|achterhaald|uitgevonden|uitgezocht|opgezocht)\s+(?:\w+\s+)?(?:where i live|waar ik woon|my address|mijn adres|my home|where i go to school|waar ik op school zit)\b",
    r"\b(?:where i live|waar ik woon|my address|mijn adres)\s+(?:\w+\s+){0,3}?(?:found out|figured out|ontdekt|achterhaald|uitgevonden|uitgezocht|opgezocht)\b",
    r"\b(?:he|she|they|someone|somebody|iemand|hij|zij|ze|(?:a|an|some|that|this|die|een|deze)\s+(?:\w+\s+)?\w+)\s+(?:\w+\s+){0,2}?(?:found|grabbed|tracked|traced|figured out|has|have|got|heeft|hebben|achterhaald|gevonden|weet|weten|knows|know|gehackt|hacked)\s+(?:\w+\s+){0,2}?(?:my|mijn|me|m)\s+(?:ip(?: address| adres|adres)?|home address|address|adres|huisadres|woonadres|location|locatie)\b",
    # I got doxxed / ze dreigen me te doxen
    r"\b(?:dox+(?:ed|en|ing)?|ge ?dox+(?:t|ed|d))\s+(?:me|mij|us|ons|my \w+|mijn \w+)\b",
    r"\b(?:me|mij|ons)\s+(?:\w+\s+){0,3}?(?:te\s+)?(?:dox+en|ge ?dox+(?:t|ed|d))\b",
    rf"\b(?:i|ik|we|wij)\s+(?:\w+\s+){{0,2}}?(?:got|get|was|am|been|ben|word|werd|getting|being|zijn|are|were)\s+{_ADVS}(?:ge ?)?dox+(?:ed|t|d)?\b",
)
_DOXING_MENTION: Final[tuple[str, ...]] = (r"\b(?:ge)?dox+(?:ed|t|en|ing|d)?\b",)

# --------------------------------------------------------------------------------------------
# Sextortion and image abuse
# --------------------------------------------------------------------------------------------

_MEDIA = (
    r"(?:foto\w*|pics?|photos?|pictures?|images?|videos?|vids?|filmpje\w*|beelden|plaatjes?"
    r"|selfies?|snaps?|screenshots?|opnames?|recordings?|videocall\w*|video ?calls?|facetime\w*"
    r"|webcam\w*)"
)
_NUDE = _alt(
    r"naakt\s?(?:foto\w*|beeld\w*|film\w*|video\w*|pics?|selfies?|plaatje\w*)",
    *_words("naaktjes nudes nudez noodz noods nudies"),
    rf"(?:nude|naked|explicit|intimate|sexual|sexy|seksuele|sexuele|intieme|pikante|blote|naakte|expliciete|spicy|dirty|vieze|geile|private) {_MEDIA}",
    r"(?:sex|seks) ?(?:tape|filmpje\w*|video\w*|film\w*|vid\w*)",
    r"porn\w* (?:van|of) (?:me|mij)",
    r"deep ?fakes?(?: (?:porn\w*|nudes?|naakt\w*|pics?|foto\w*))?",
    rf"{_MEDIA} (?:van|of) (?:me|mij|haar|him|her|hem|my \w+|mijn \w+)\s+(?:\w+\s+){{0,2}}?(?:naakt|naked|nude|topless|undressing|uitkleden|in (?:mijn|my|me|her|haar|zijn|his) (?:ondergoed|underwear|bh|bra|lingerie|bikini|boxer)|zonder (?:kleren|kleding|shirt)|without (?:clothes|a top|my top|a shirt))",
    r"nude",
)
_NUDE_MINE = _alt(
    rf"(?:my|mijn|me|m)\s+(?:own\s+|eigen\s+|\w+s\s+)?{_NUDE}",
    rf"{_NUDE}\s+(?:of|van)\s+(?:me|mij)\b",
    rf"{_MEDIA} (?:van|of) (?:me|mij)\s+(?:\w+\s+){{0,2}}?(?:naakt|naked|nude|topless|undressing|uitkleden|in (?:mijn|my|me) (?:ondergoed|underwear|bh|bra|lingerie|bikini|boxer)|zonder (?:kleren|kleding|shirt)|without (?:clothes|a top|my top|a shirt))",
)
_SPREAD = _alt(
    *_words(
        r"versprei\w* deel\w* gedeeld post\w* gepost online rondgestuurd rondsturen rond "
        r"doorgestuurd doorsturen doorstuurt lek\w* gelekt geleakt geleaked leak\w* share\w* "
        r"spread\w* expose\w* release\w* publish\w* upload\w* chanteer\w* chantage afpers\w* "
        r"afgeperst blackmail\w* extort\w* sextort\w* dreig\w* threat\w* betalen betaal betaalt "
        r"pay paying money geld euros? bitcoin crypto cadeaukaart\w* cadeaubon\w* tenzij unless "
        r"anders otherwise everywhere overal porn\w* onlyfans"
    ),
    r"gift ?cards?",
    r"or else",
    r"going around",
    r"pers\w*\s+(?:\w+\s+)?(?:me|mij|ons|haar|hem|je)\s+af",
    r"(?:staan|staat|stond|stonden|gaan|gaat)\s+(?:\w+\s+){0,2}?(?:online|op\s+\w+|rond)",
    r"(?:send|sends|sending|sent|sturen|stuurt|stuur|gestuurd)\s+(?:\w+\s+)?(?:to|naar|aan)\s+(?:my|mijn|me|all|everyone|iedereen|every|al)\s*(?:\w+\s+)?(?:parents|ouders|friends|vrienden|school|klas|family|familie|followers|volgers|mom|dad|moeder|vader|contacts|contacten|class|teachers?|leraren|iedereen|everyone)?",
)
_BLACKMAIL = (
    r"(?:chant\w*|afpers\w*|afgeperst|pers\w*\s+(?:\w+\s+)?(?:me|mij|ons|haar|hem)\s+af"
    r"|blackmail\w*|extort\w*|sextort\w*)"
)
_MONEY = (
    r"(?:money|geld|\d+\s?(?:euro|eur|dollars?|bucks)?|euros?|bitcoin|crypto|gift ?cards?"
    r"|cadeaubonnen|cadeaukaarten|betaling|payment)"
)
_DEMAND = r"(?:wants?|wil|wilt|eist|eisen|vraagt|vragen|asks?|asking|demands?|demanding)"
# A gap word that does not turn the sentence into a rumour or a request ("rumours that i sent nudes").
_SX_GAP = (
    r"(?:[\s,]+(?!(?:rumou?rs?|geruchten|roddels?|lies|leugens?|liegen|zeggen|say|says|said|zegt"
    r"|zei|asked|asks|vraagt|vroeg|roddelen|claim\w*|beweren|beweert)\b)\w+)"
)
_SEXTORTION: Final[tuple[str, ...]] = (
    rf"\b{_NUDE_MINE}{_SX_GAP}{{0,5}}?[\s,]+{_SPREAD}\b",
    rf"\b{_SPREAD}{_SX_GAP}{{0,4}}?[\s,]+{_NUDE_MINE}",
    rf"\b(?:he|she|they|someone|somebody|hij|zij|ze|iemand|die \w+|that \w+|a guy|a girl|some guy|een jongen|een meisje|een gast|my ex|mijn ex|this guy|deze gast|een man|a man)\s+(?:\w+\s+){{0,2}}?(?:has|have|had|got|heeft|hebben|kreeg|kregen|saved|screenshotted|screenshot|bewaard|opgeslagen|recorded|opgenomen|gemaakt|made|gefilmd|filmed)\s+(?:\w+\s+){{0,2}}?{_NUDE_MINE}",
    rf"\b(?:stuur\w*|zet\w*|gooi\w*)\s+{_NUDE_MINE}\s+(?:door|online|rond)\b",
    rf"\b(?:{_BLACKMAIL}|dreig\w*|threaten\w*)\s+(?:\w+\s+){{0,4}}?(?:met|with)\s+(?:\w+\s+){{0,3}}?(?:{_MEDIA}|{_NUDE})",
    rf"\b{_BLACKMAIL}\b(?:[\s,]+\w+){{0,8}}?[\s,]+(?:{_MEDIA}|{_NUDE})\b",
    rf"\b(?:{_MEDIA}|{_NUDE})\b(?:[\s,]+\w+){{0,8}}?[\s,]+{_BLACKMAIL}",
    rf"\b{_DEMAND}\s+(?:\w+\s+){{0,3}}?{_MONEY}\b(?:[\s,]+\w+){{0,8}}?[\s,]+(?:{_MEDIA}|{_NUDE})",
    rf"\b(?:{_MEDIA}|{_NUDE})\b(?:[\s,]+\w+){{0,10}}?[\s,]+{_DEMAND}\s+(?:\w+\s+){{0,2}}?{_MONEY}\b",
    rf"\b(?:{_MEDIA}|{_NUDE})\b(?:[\s,]+\w+){{0,8}}?[\s,]+(?:tenzij|unless|als ik niet|if i do not|or else|anders|otherwise)\s+(?:\w+\s+){{0,3}}?(?:betaal|betalen|pay|geld|money|stuur|send|meer)\b",
    rf"\b(?:meer|more|nog meer|another|nog een|andere)\s+(?:{_MEDIA}|{_NUDE})\b(?:[\s,]+\w+){{0,6}}?[\s,]+(?:anders|or else|otherwise|or he|or she|or they|unless|tenzij|of hij|of ze|of zij)\b",
    rf"\b(?:ik|i)\s+(?:\w+\s+){{0,2}}?(?:ben|word|am|was|got|get|being|getting|been)\s+{_ADVS}(?:slachtoffer van |a victim of |victim of )?(?:sextort\w*|sextortie|afgeperst met \w+)",
)
_SEXTORTION_MENTION: Final[tuple[str, ...]] = (
    rf"\b{_NUDE}{_SX_GAP}{{0,5}}?[\s,]+{_SPREAD}\b",
    rf"\b{_SPREAD}{_SX_GAP}{{0,4}}?[\s,]+{_NUDE}",
    r"\b(?:sextort\w*|sextortie|seks(?:uele)? afpersing|sex ?chantage|seks ?chantage|sexual extortion|image based (?:sexual )?abuse|revenge ?porn|wraakporno)\b",
)

# --------------------------------------------------------------------------------------------
# Idioms and context guards
# --------------------------------------------------------------------------------------------

_NON_PERSON_NOUN = (
    r"(?:dit|deze|die|dat|de|het|the|this|that|these|those|my|mijn|me|m)\s+(?:\w+\s+)?"
    r"(?:examen\w*|exams?|toets\w*|tests?|huiswerk|homework|hitte|heat|warmte|weer|weather|week"
    r"|dag|day|les|lessen|class|wiskunde|math|maths|school|werk|work|job|stress|kater|hangover"
    r"|pijn|hoofdpijn|headache|cramps|buikpijn|spierpijn|training|workout|sport|reis|trip|rit"
    r"|file|traffic|rij|queue|zon|sun|kou|cold|honger|suspense|cliffhanger|song|nummer|liedje"
    r"|muziek|music|beat|show|serie|film|movie|boek|book|game|level|boss|anxiety|deadline\w*"
    r"|project|presentation|presentatie|spreekbeurt|tentamen\w*|essay|opdracht|assignment"
    r"|rooster|schedule|vak|vakken|subjects?|drama|ruzie|cringe|joke|grap|meme|video|filmpje)"
)
_KILLS_ME = (
    r"(?:(?:kill|kills|killing|murder|murders|vermoordt|vermoord|sloopt|slopen)\s+(?:me|mij)"
    r"|(?:gaat|zal|gaan|going to|will|would)\s+(?:me|mij)?\s*(?:\w+\s+)?"
    r"(?:vermoorden|afmaken|slopen|kapotmaken|kill me|murder me)"
    r"|(?:maakt|maken)\s+(?:me|mij)\s+(?:\w+\s+)?(?:af|kapot|dood))\b"
)

_IDIOMS: Final = re.compile(
    "|".join(
        (
            # hyperbole about dying
            r"\b(?:dood|die|died|dying|dies|sterven|sterf)\s+(?:van|of|from|with)\s+(?:het |de |the |pure |all that |so much )?(?:lachen|lach|laughter|laughing|lol|honger|hunger|dorst|thirst|verveling|boredom|schaamte|shame|embarrassment|cringe|hitte|warmte|heat|kou|cold|nieuwsgierigheid|curiosity|zenuwen|spanning|stress|excitement|moeheid|slaap|cuteness|jealousy|jaloezie)\b",
            r"\b(?:dying|dood|dead)\s+(?:lol|haha\w*|hihi|xd)\b",
            r"\bdying to (?:know|see|meet|try|go|tell|hear|get|watch|play|eat)\b",
            r"\bto die for\b",
            r"\bdie hard\b",
            r"\b(?:rather|liever)\s+(?:\w+\s+)?(?:die|dood|sterven)\s+(?:than|dan)\b",
            r"\bover my dead body\b",
            r"\bkill(?:ing|ed)? myself laughing\b",
            r"\b(?:almost|nearly|bijna)\s+(?:killed|kill)\s+myself\s+(?:on|with|falling|slipping|tripping|laughing|in)\b",
            r"\b(?:lach|lachen|lachte|schaam|schamen|schaamde|verveel|vervelen)\s+(?:me|mij|mezelf|ons|je)\s+(?:\w+\s+)?dood\b",
            r"\bik lig dood\b",
            r"\bdood\s?(?:moe|saai|eng|gewoon|leuk|stil|ziek|op|nerveus|zenuwachtig)\b",
            r"\bdodelijk (?:saai|vermoeiend|eng|lekker|grappig)\b",
            r"\bkan niet meer (?:van het lachen|van de lach|lol|haha\w*)",
            r"\bniet meer (?:bijkomen|bij komen)\b",
            r"\bschiet(?:en)? (?:me |ik )?in de lach\b",
            r"\bik kan niet meer(?=\s+(?:lol|haha\w*|hihi\w*|xd)\b)",
            r"\bmy (?:legs|feet|back|head|stomach|shoes) (?:are|is) killing me\b",
            # violence idioms
            r"\bkill(?:ing|ed|s)? (?:it|time|the (?:vibe|mood|game|battery|lights|music|engine|process|app|tab))\b",
            r"\b(?:you are|it is|this is|that is|he is|she is) killing me\b",
            r"\b(?:that|this|the) (?:\w+ )?(?:killed|kills|killing) me\b",
            r"\bcould kill for an? \w+\b",
            r"\bdressed to kill\b",
            r"\bif looks could kill\b",
            r"\bkiller (?:song|outfit|look|workout|beat|track|smile)\b",
            r"\bmurdered (?:it|that|this|the)\b",
            r"\bshoot (?:me|you|him|her|them|us) (?:a|an) (?:text|message|dm|email|mail|line|pic|photo|look|glance|smile|snap)\b",
            r"\bshot (?:me|you|him|her|them|us) (?:a|an) (?:look|glance|smile|text|message|dm)\b",
            r"\bbeat (?:me|you|him|her|them|us) (?:at|in|on|with)\b",
            r"\bblow(?:ing)? up (?:my|your|his|her) (?:phone|dms|notifications|inbox)\b",
            r"\bphoto ?shoot\b",
            r"\bthe bomb\b",
            r"\bmoord(?:goed|weer|wijf|vent|lekker|mooi)\b",
            r"\b(?:ik )?sla (?:mezelf|me) (?:voor|tegen) (?:mijn|me|m|de) (?:kop|hoofd)\b",
            r"\bstab(?:bed|s|bing)? (?:me|you|him|her|them|us) in the back\b",
            r"\bmes in (?:de|mijn|me|m|zijn|haar|je) rug\b",
            # exams, heat and songs that "will kill me"
            rf"\b{_NON_PERSON_NOUN}\s+(?:\w+\s+){{0,3}}?{_KILLS_ME}",
            rf"\b(?:it|this|that|dit|dat|het)\s+(?:is\s+)?{_KILLS_ME}",
            # parents and teachers who "will kill me" when they see the grades
            r"\b(?:my|mijn|me|m)\s+(?:mom|mum|mother|mommy|mama|ma|mam|dad|father|daddy|papa|pa|pap|parents|ouders|moeder|vader|teacher|coach|juf|meester|mentor|leraar|lerares|docent|boss|baas|sister|brother|zus|broer|girlfriend|boyfriend|vriendin|vriend|gf|bf|trainer)\s+(?:(?!said|says|zei|zegt|dreig\w*|threaten\w*)\w+\s+){0,3}?(?:(?:kill|murder|vermoordt|vermoord)\s+(?:me|mij)|(?:me|mij)\s+(?:\w+\s+)?(?:vermoorden|afmaken|doodmaken|af))\b(?=\s+(?:if|when|als|wanneer|once|omdat|because|lol|haha\w*|for|voor|zodra)\b|\s*[.!?]?\s*$)",
            # harmless uses of image words
            r"\bnude (?:kleur\w*|tint\w*|tinten|lipstick|lippenstift|lip\w*|nagellak|nails?|polish|make ?up|foundation|shade\w*|colou?r\w*|tone\w*|palette|pumps|heels|schoenen|shoes|sandalen|sandals|panty|tights|bh|bra|look|beige|roze|pink|eyeshadow|oogschaduw|blush|jurk|dress|top|outfit|sneakers|lak)\b",
            r"\b(?:nude|naakt)\s?(?:beach|strand|recreatie|camping|model|modellen|tekenen|schilderij|painting|art|kunst|statue)\b",
            # accidental injuries
            r"\b(?:pijn gedaan|bezeerd|geblesseerd|gesneden|gebrand|geprikt|hurt myself|injured myself|cut myself|burned myself|burnt myself)\s+(?:bij|met(?! opzet)|tijdens|door|op(?! purpose)|aan|while|when|playing|during|at|in|on(?! purpose)|with)\b",
            # suicide in war and film titles
            r"\bzelfmoord(?:aanslag|terrorist|commando|missie|actie|aanslagen|terroristen)\w*\b",
            r"\bsuicide (?:bomb\w*|attack\w*|squad|mission|doors?|run|vest)\b",
        )
    )
)

# "ze zeggen dat ik zelfmoord moet plegen", "someone commented kys": hate aimed at the user, for
# the coach, not a crisis of the user, unless the user starts to agree (_AGREES).
_TOLD_TO_DIE: Final = re.compile(
    "|".join(
        (
            r"\b(?:said|says|say|saying|told me|tell me|tells me|telling me|commented|comments?|wrote|writes|dm d|dmd|messaged|texted|replied|replies|zegt|zeggen|zei|zeiden|schreef|schrijft|schrijven|reageert|reageren|reageerde|stuurde|stuurt|sturen|roept|roepen|appte|appen)\s+(?:\w+\s+){0,4}?(?:go |just )?kill yourself\b",
            r"\b(?:told|tell|tells|telling) me (?:to )?(?:go |just )?(?:kill myself|die)\b",
            r"\b(?:said|says|say|saying|wrote|commented|comments?)\s+(?:that )?(?:i )?(?:should|need to|must|have to|deserve to|go) (?:just |go )?(?:die|kill myself)\b",
            r"\b(?:zegt|zeggen|zei|zeiden|schreef|schrijft|schrijven|reageert|reageren|reageerde|roept|roepen|sturen|stuurt|stuurde|appte|appen|vinden)\s+(?:\w+\s+){0,3}?(?:dat ik|ik moet)\s+(?:\w+\s+){0,2}?(?:(?:zelfmoord|dood)\s+(?:moet|moest)\s*(?:plegen|gaan)?|(?:moet|moest)\s+(?:\w+\s+)?(?:zelfmoord plegen|dood\s?gaan|sterven|dood))",
            r"\b(?:kill yourself|zelfmoord) (?:comments?|messages?|berichten|reacties|dms|opmerkingen)\b",
        )
    )
)
_AGREES: Final = re.compile(
    r"\b(?:maybe|misschien|perhaps|i think|ik denk|ik begin)\s+(?:\w+\s+){0,3}?(?:they are|ze hebben|hebben ze|hij heeft|she is|he is|they have|it is true|het klopt|ze gelijk hebben|gelijk hebben|right|gelijk|i should|moet ik|should i|het te geloven|to believe (?:them|it))\b"
)

_GUARD_LEARNING: Final = re.compile(
    r"\b(?:wat (?:is|zijn|betekent|bedoelen ze met|houdt)|what (?:is|are|does)|betekenis|meaning of|definitie|definition|uitleg|explain|leg (?:eens )?uit|spreekbeurt|werkstuk|presentatie|presentation|essay|assignment|opdracht|les over|lesson|class about|project over|project about|onderzoek naar|research (?:on|about|into)|how (?:do|can) (?:you|i|we) (?:recognise|recognize|spot|prevent|report|help|protect)|hoe (?:herken|voorkom|meld|help|bescherm)|strafbaar|illegal|legal|verboden|tegen de wet|against the law|wetboek|quiz|statistie\w*|statistics|percentage|procent|hoeveel (?:jongeren|mensen)|how many (?:people|teens|young people|kids)|signalen van|signs of|warning signs|preventie|prevention|awareness|campagne|campaign|voorlichting|crime|a crime|misdrijf|misdaad|learn\w*|geleerd|leren over|leerden|workshop|mentorles|mentor class|health class|in de les|in class|is (?:dit|dat|het) (?:ook )?(?:doxing|doxen|sextortion|sextortie|bedreiging)|is (?:this|that|it) (?:considered )?(?:doxx?ing|sextortion|a threat))\b"
)
_GUARD_NEWS: Final = re.compile(
    r"\b(?:nieuws|news|nos|rtl|nu\.nl|nunl|at5|krant|kranten|newspaper|artikel|article|journaal|headlines?|reportage|according to|volgens (?:de )?(?:politie|nos|krant|media)|police said|politie meldt|gearresteerd|arrested|rechtszaak|rechtbank|court|trial|rechter|verdachte|suspect|documentaire|docu|documentary|podcast|true crime|read about|las over|heard on|geschiedenis|history|ww2|wo2|oorlog|celeb\w*|famous|beroemd\w*|bekende nederlander|influencer)\b"
)
_GUARD_FICTION: Final = re.compile(
    r"\b(?:film|movie|films|movies|serie|series|tv|aflevering|episode|season|seizoen|netflix|videoland|disney|hbo|prime|boek|book|novel|roman|manga|anime|comic|character|personage|hoofdpersoon|plot|spoilers?|scene|trailer|lyrics|songtekst|song|liedje|drill|rap|script|fanfic|fanfiction|toneel|musical|acteur|actor|actress|meme|horror)\b"
)
_GUARD_GAME: Final = re.compile(
    r"\b(?:fortnite|minecraft|roblox|gta|call of duty|cod|warzone|valorant|fifa|fc ?2\d|ea fc|apex|league of legends|overwatch|csgo|cs ?go|cs2|counter ?strike|rocket league|pubg|among us|brawl stars|clash|rainbow six|r6|siege|dead by daylight|dbd|elden ring|game|games|gaming|gamen|gamer|gamers|potje|potjes|spelletje|spel|level|lvl|ranked|lobby|respawn|spawn|headshot|killcount|kills|1v1|ivi|noob|controller|console|ps5|ps4|playstation|xbox|battle royale|npc|mario ?kart|smash bros|tekken)\b"
)
_GUARD_GAME_OVERRIDE: Final = re.compile(
    r"\b(?:irl|in real life|real life|in het echt|in het echte leven|echte leven|offline|buiten de game|outside the game|not in the game|niet in de game|thuis|at home|my house|mijn huis|ons huis|my address|mijn adres|where i live|waar ik woon|at school|op school|na school|after school|mijn school|my school)\b"
)
_GUARD_LAUGH: Final = re.compile(
    r"\b(?:lol|lool|loll|lmao|lmfao|rofl|haha\w*|ahah\w*|hihi\w*|hehe\w*|xd|jk|j k|just kidding|(?<!geen )(?<!not a )(?<!no )(?<!niet )(?<!not )(?:grapje|geintje|grap|joke|joking|kidding))\b"
)
_GUARD_ACCIDENT: Final = re.compile(
    r"\b(?:per ongeluk|perongeluk|by accident|accidentally|accidental|ongeluk|accident)\b"
)
# A negation just before a hit: "i would never kill myself", "i don't want to hurt you".
_NEGATED: Final = re.compile(
    r"\b(?:not|never|niet|nooit|geen)\s+(?:(?:ever|echt|really|even|want|wanna|going|to|plan"
    r"|planning|do|does|ga|gaan|wil|zal|zou|would|will|om|te|me|mezelf|meer|van plan|gonna)\s+)"
    r"{0,3}$"
)
_VICTIM_OBJ: Final = re.compile(
    r"^(?:me|mij|ons|us|mijn|my|our|onze|m|i am|ik ben)\b|(?:\b(?:me|us|mij|ons)|\bmy \w+|\bmijn \w+)$"
)
_SELF_SUBJECT: Final = re.compile(r"\b(?:i|ik|we|wij)\s+(?:\w+\s+)?$")


class _Guard(enum.Enum):
    """A context in which a hit is not a crisis of the writer."""

    LEARNING = enum.auto()
    NEWS = enum.auto()
    FICTION = enum.auto()
    GAME = enum.auto()
    LAUGH = enum.auto()
    ACCIDENT = enum.auto()


_GUARD_RES: Final[dict[_Guard, re.Pattern[str]]] = {
    _Guard.LEARNING: _GUARD_LEARNING,
    _Guard.NEWS: _GUARD_NEWS,
    _Guard.FICTION: _GUARD_FICTION,
    _Guard.LAUGH: _GUARD_LAUGH,
    _Guard.ACCIDENT: _GUARD_ACCIDENT,
}
_MENTION: Final = frozenset({_Guard.LEARNING, _Guard.NEWS, _Guard.FICTION})
_THREAT_BY_USER: Final = frozenset(
    {_Guard.LEARNING, _Guard.NEWS, _Guard.FICTION, _Guard.GAME, _Guard.LAUGH}
)
_THREAT_TO_USER: Final = frozenset({_Guard.GAME})


# --------------------------------------------------------------------------------------------
# Anchors: the words a rule cannot match without, found from the regex itself
# --------------------------------------------------------------------------------------------

_Strings = frozenset[str]
_MAX_EXACT = 64  # give up listing every string a part can match beyond this many


def _best(candidates: list[_Strings]) -> _Strings | None:
    """The most selective usable set: longest shortest word, then fewest words."""
    usable = [c for c in candidates if c and "" not in c]
    if not usable:
        return None
    return max(usable, key=lambda c: (min(map(len, c)), -len(c)))


def _product(left: _Strings, right: _Strings) -> _Strings | None:
    """All concatenations, or None when there would be too many to list."""
    if len(left) * len(right) > _MAX_EXACT:
        return None
    return frozenset(a + b for a in left for b in right)


def _node(op: Any, av: Any) -> tuple[_Strings | None, _Strings | None]:
    """(every string this part can match, words one of which every match contains)."""
    c = _constants
    if op is c.LITERAL:
        return frozenset({chr(av)}), None
    if op is c.IN:
        if all(kind is c.LITERAL for kind, _ in av) and len(av) <= 20:
            return frozenset(chr(code) for _, code in av), None
        return None, None
    if op is c.AT or op is c.ASSERT or op is c.ASSERT_NOT:
        return frozenset({""}), None  # consumes nothing
    if op is c.SUBPATTERN:
        return _sequence(av[-1])
    if op is c.BRANCH:
        infos = [_sequence(alternative) for alternative in av[1]]
        exact: _Strings | None = frozenset()
        for alt_exact, _ in infos:
            exact = None if exact is None or alt_exact is None else exact | alt_exact
        if exact is not None and len(exact) > _MAX_EXACT:
            exact = None
        required: set[str] = set()
        for alt_exact, alt_required in infos:
            best = _best([x for x in (alt_exact, alt_required) if x is not None])
            if best is None:
                return exact, None
            required |= best
        return exact, frozenset(required)
    if op is c.MAX_REPEAT or op is c.MIN_REPEAT:
        low, high, sub = av
        sub_exact, sub_required = _sequence(sub)
        if sub_exact is not None and high <= 3:
            exact = frozenset({""}) if low == 0 else None
            power: _Strings | None = frozenset({""})
            for count in range(1, high + 1):
                power = None if power is None else _product(power, sub_exact)
                if count >= low:
                    exact = None if exact is None or power is None else exact | power
                    if count == low and exact is None and power is not None:
                        exact = power
            if exact is not None and len(exact) <= _MAX_EXACT:
                return exact, None
        if low >= 1:
            return None, _best([x for x in (sub_exact, sub_required) if x is not None])
        return None, None
    return None, None  # any character, categories, backreferences: nothing certain


def _sequence(items: Any) -> tuple[_Strings | None, _Strings | None]:
    """Fold a run of parts: neighbouring exact parts join into longer required words."""
    candidates: list[_Strings] = []
    current: _Strings | None = frozenset({""})
    all_exact = True
    for op, av in items.data:
        exact, required = _node(op, av)
        c = _constants
        if exact is None and (op is c.MAX_REPEAT or op is c.MIN_REPEAT) and av[0] >= 1:
            # x+ holds (what came before)+x and ends in x: both sides stay usable
            sub_exact = _sequence(av[2])[0]
            if sub_exact is not None and current is not None:
                joined = _product(current, sub_exact)
                if joined is not None:
                    candidates.append(joined)
                current = sub_exact
                all_exact = False
                if required is not None:
                    candidates.append(required)
                continue
        if exact is not None:
            joined = None if current is None else _product(current, exact)
            if joined is None:
                if current is not None:
                    candidates.append(current)
                current = exact
            else:
                current = joined
            continue
        all_exact = False
        if current is not None:
            candidates.append(current)
        current = frozenset({""})
        if required is not None:
            candidates.append(required)
    if current is not None:
        candidates.append(current)
    return (current if all_exact else None), _best(candidates)


def _required_words(pattern: str) -> tuple[str, ...] | None:
    """Words of which every match of `pattern` contains one, or None when unknown.

    Why: a rule whose words are absent from a message cannot match, so it is not run at all.
    Unknown (or a parser change in a later Python) only costs speed: the rule then always runs.
    """
    try:
        exact, required = _sequence(_parser.parse(pattern))
    except Exception:  # pragma: no cover - defensive: never let speed-ups break detection
        return None
    best = _best([x for x in (exact, required) if x is not None])
    return tuple(sorted(best)) if best is not None else None


@dataclass(frozen=True, slots=True)
class _Rule:
    """One compiled pattern; a leading word boundary is checked in code to keep scans fast."""

    regex: re.Pattern[str]
    boundary: bool  # the pattern began with \b: the match must start a word
    anchors: tuple[str, ...] | None  # every match contains one of these; None: always run


@dataclass(frozen=True, slots=True)
class _Group:
    """The rules of one concept of one kind, and the contexts in which they do not count."""

    name: str
    kind: CrisisKind
    rules: tuple[_Rule, ...]
    guards: frozenset[_Guard] = frozenset()
    victim_guards: frozenset[_Guard] | None = None  # guards when the target is the user or kin
    generic: bool = False  # "ik word bedreigd": violence only when no other kind explains it
    self_skip: bool = False  # "i shared my location with my mum" is not doxing


def _rule(pattern: str) -> _Rule:
    """Compile one pattern with negation-free gaps and without a leading \b."""
    pattern = pattern.replace(r"(?:\w+\s+)", _G).replace(r"(?:\s+\w+)", _G_AFTER)
    boundary = pattern.startswith(r"\b")
    return _Rule(
        re.compile(pattern[2:] if boundary else pattern), boundary, _required_words(pattern)
    )


def _group(
    name: str,
    kind: CrisisKind,
    patterns: tuple[str, ...],
    *,
    guards: frozenset[_Guard] = frozenset(),
    victim_guards: frozenset[_Guard] | None = None,
    generic: bool = False,
    self_skip: bool = False,
) -> _Group:
    """Compile the patterns of one concept."""
    rules = tuple(_rule(p) for p in patterns)
    return _Group(name, kind, rules, guards, victim_guards, generic, self_skip)


_S, _V, _D, _X = CrisisKind.SUICIDE, CrisisKind.VIOLENCE, CrisisKind.DOXING, CrisisKind.SEXTORTION
_ACCIDENT: Final = frozenset({_Guard.ACCIDENT})
_GROUPS: Final[tuple[_Group, ...]] = (
    _group("suicide:wish", _S, _SUICIDE_WISH, guards=_ACCIDENT),
    _group("suicide:self", _S, _SUICIDE_SELF, guards=_ACCIDENT),
    _group("suicide:implicit", _S, _SUICIDE_IMPLICIT),
    _group("suicide:method", _S, _SUICIDE_METHOD, guards=_ACCIDENT),
    _group("suicide:mention", _S, _SUICIDE_MENTION, guards=_MENTION | {_Guard.GAME} | _ACCIDENT),
    _group(
        "violence:en",
        _V,
        _VIOLENCE_EN,
        guards=_THREAT_BY_USER,
        victim_guards=_THREAT_TO_USER,
    ),
    _group(
        "violence:nl",
        _V,
        _VIOLENCE_NL,
        guards=_THREAT_BY_USER,
        victim_guards=_THREAT_TO_USER,
    ),
    _group("violence:victim", _V, _VIOLENCE_VICTIM, guards=_THREAT_TO_USER),
    _group("violence:mass", _V, _VIOLENCE_MASS, guards=_MENTION | {_Guard.GAME}),
    _group("violence:mention", _V, _VIOLENCE_MENTION, guards=_MENTION),
    _group("violence:threatened", _V, _VIOLENCE_GENERIC, guards=_MENTION, generic=True),
    _group("sextortion", _X, _SEXTORTION),
    _group("sextortion:mention", _X, _SEXTORTION_MENTION, guards=_MENTION),
    _group("doxing", _D, _DOXING, self_skip=True),
    _group("doxing:mention", _D, _DOXING_MENTION, guards=_MENTION),
)
# Every rule as (group number, rule), the order in which they are tried.
_ALL_RULES: Final = tuple((g, rule) for g, group in enumerate(_GROUPS) for rule in group.rules)
_ALWAYS: Final = frozenset(n for n, (_, rule) in enumerate(_ALL_RULES) if rule.anchors is None)
_TOLD: Final = -1  # pseudo rule number: words that "told to die" (_TOLD_TO_DIE) needs
_TOLD_ANCHORS: Final = ("kill", "die", "dood", "zelfmoord")

_Trie = dict[str, "_Trie"]


def _trie_regex(words: set[str]) -> str:
    """An alternation shaped as a trie, so each position costs one branch per letter."""
    trie: _Trie = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: _Trie) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


def _anchor_index() -> tuple[re.Pattern[str], dict[str, frozenset[int]]]:
    """One overlapping scan for every anchor, and which rules each found anchor wakes.

    The scan reports the longest anchor at each position; the index adds the rules of all
    shorter anchors that are its prefixes, so nothing is lost.
    """
    owners: dict[str, set[int]] = {}
    for number, (_, rule) in enumerate(_ALL_RULES):
        for anchor in rule.anchors or ():
            owners.setdefault(anchor, set()).add(number)
    for anchor in _TOLD_ANCHORS:
        owners.setdefault(anchor, set()).add(_TOLD)
    index_of: dict[str, frozenset[int]] = {}
    for anchor in owners:
        union: set[int] = set()
        for other, numbers in owners.items():
            if anchor.startswith(other):
                union |= numbers
        index_of[anchor] = frozenset(union)
    return re.compile("(?=(" + _trie_regex(set(owners)) + "))"), index_of


_ANCHOR_RE, _ANCHOR_RULES = _anchor_index()


class _Context:
    """Guard flags of one normalised message, computed only when a hit needs them."""

    __slots__ = ("_flags", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._flags: dict[_Guard, bool] = {}

    def active(self, guard: _Guard) -> bool:
        """Whether the message is in this context (game talk unless "irl" says otherwise)."""
        flag = self._flags.get(guard)
        if flag is None:
            if guard is _Guard.GAME:
                flag = bool(_GUARD_GAME.search(self._text)) and not _GUARD_GAME_OVERRIDE.search(
                    self._text
                )
            else:
                flag = bool(_GUARD_RES[guard].search(self._text))
            self._flags[guard] = flag
        return flag

    def any(self, guards: frozenset[_Guard]) -> bool:
        """Whether any of these guards applies."""
        return any(self.active(guard) for guard in guards)


def _matches(rule: _Rule, text: str) -> Iterator[re.Match[str]]:
    """Every match of a rule, one per start position, honouring its word boundary."""
    pos = 0
    while (match := rule.regex.search(text, pos)) is not None:
        start = match.start()
        pos = start + 1
        if rule.boundary and start and text[start - 1].isalnum():
            continue
        yield match


def _accepted(group: _Group, rules: list[_Rule], text: str, context: _Context) -> bool:
    """Whether one of these rules matches and survives negation and the context guards."""
    for rule in rules:
        for match in _matches(rule, text):
            before = text[max(0, match.start() - 40) : match.start()]
            if _NEGATED.search(before):
                continue
            if group.self_skip and _SELF_SUBJECT.search(before[-12:]):
                continue
            guards = group.guards
            if group.victim_guards is not None:
                targets = [v for k, v in match.groupdict().items() if v and k.startswith("obj")]
                if any(_VICTIM_OBJ.search(t) for t in targets or [match.group(0)]):
                    guards = group.victim_guards
            if guards and context.any(guards):
                continue
            return True
    return False


def _woken(text: str) -> tuple[set[int], bool]:
    """The numbers of the rules whose anchor words occur, and whether "told to die" words do."""
    numbers = set(_ALWAYS)
    for part in set(_ANCHOR_RE.findall(text)):
        numbers |= _ANCHOR_RULES[part]
    told = _TOLD in numbers
    numbers.discard(_TOLD)
    return numbers, told


def _variants(text: str) -> tuple[str, ...]:
    """The normalised text, plus a squeezed variant when letters were stretched ("diiiie")."""
    prepared = _prepare(text)
    if not _RUN3.search(prepared):
        return (_finish(prepared, stretched=False),)
    return (_finish(prepared), _finish(prepared, squeeze=True))


def _kinds(text: str) -> set[CrisisKind]:
    """All crisis kinds in one normalised variant."""
    numbers, told = _woken(text)
    hits: dict[int, list[_Rule]] = {}  # group number -> rules that match the raw text
    for number in sorted(numbers):
        g, rule = _ALL_RULES[number]
        if next(_matches(rule, text), None) is not None:
            hits.setdefault(g, []).append(rule)
    agrees = told and bool(_TOLD_TO_DIE.search(text) and _AGREES.search(text))
    if not hits and not agrees:
        return set()  # the common case: no idiom or guard work at all
    context = _Context(text)
    cleaned = _IDIOMS.sub(" ~ ", text)
    if told:
        cleaned = _TOLD_TO_DIE.sub(" ~ ", cleaned)
    kinds: set[CrisisKind] = {CrisisKind.SUICIDE} if agrees else set()
    threatened = False
    for g, rules in hits.items():
        group = _GROUPS[g]
        if group.kind in kinds or (group.generic and threatened):
            continue
        if _accepted(group, rules, cleaned, context):
            if group.generic:
                threatened = True
            else:
                kinds.add(group.kind)
    if threatened and not kinds:
        kinds.add(CrisisKind.VIOLENCE)
    return kinds


def detect_crisis(text: str) -> CrisisSignal | None:
    """Return the crisis kinds a message shows, or ``None`` when it shows none.

    Runs on every free text before any flow sees it, so it must be fast and must never raise.
    """
    if not text or text.isspace():
        return None
    kinds: set[CrisisKind] = set()
    for variant in _variants(text):
        kinds |= _kinds(variant)
    return CrisisSignal(frozenset(kinds)) if kinds else None
