"""Text normalisation for the crisis detector: one plain spelling for the many ways people type.

Why: young people type "ik wil gwn nie meer lven", "k1ll mys3lf", "m'r", "z e l f m o o r d".
The rules and the model only know one spelling of each word, so every message is first folded:
case, accents, invisible characters, look-alike letters, leetspeak, stretched and spaced-out
letters, contractions and texting shorthand. Then every word that is not a known Dutch or English
word is compared with the detector's own vocabulary and read as the nearest vocabulary word when it
is one typing slip away ("lven" -> "leven", "wnat" -> "want"). Real words are never "corrected"
("dod" stays, it is an English word): the known-word list comes from the wordfreq frequency lists
(top 30,000 per language, shipped as ``known_words.txt.gz``; rebuilt by ``bench/train_crisis.py``).

:func:`normalise` never raises, whatever the input: a crash here would hide a crisis behind an
error message.
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from functools import cache
from importlib import resources
from typing import Final

__all__ = ["normalise", "set_vocabulary", "tokens"]

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
    "m'r": "maar",
    "d'n": "de",
    "z'r": "haar",
    "h'm": "hem",
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
    spelled = _CONTRACTION_WORDS.get(found) or _CONTRACTION_TAILS.get(found)
    return (
        spelled if spelled is not None else found.replace("'", "")
    )  # "m'r", "d'n": never a KeyError


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
    "t": "het",
    "ni": "niet",
    "nimeer": "niet meer",
    "nmr": "niet meer",
    "lvn": "leven",
    "lven": "leven",
    "wnat": "want",
    "wnt": "want",
    "dnk": "denk",
    "w8": "wacht",
    "ff": "even",
    "ofzo": "of zo",
    "jwz": "je weet zelf",
    "n00ds": "nudes",
    "noods": "nudes",
    "nudez": "nudes",
    "pix": "pics",
    "vid": "video",
    "vids": "videos",
    "facetimen": "facetime",
    "cammen": "cam",
    "ofc": "of course",
    "omw": "on my way",
    "jezelv": "jezelf",
    "diie": "die",
    "addy": "address",
    "adress": "address",
    "d0xxed": "doxxed",
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


_WORD: Final = re.compile(r"[a-z]+")


@cache
def _known() -> frozenset[str]:
    """Dutch and English words that are never "corrected" (wordfreq, top 30,000 per language)."""
    blob = resources.files(__package__).joinpath("known_words.txt.gz").read_bytes()
    return frozenset(gzip.decompress(blob).decode("ascii").split())


def _deletes(word: str) -> set[str]:
    """The word with each single letter left out (SymSpell's trick for edit distance one)."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


_VOCAB: dict[str, str] = {}  # a delete (or the word itself) -> the vocabulary word it comes from
_FIXED: dict[str, str] = {}  # unknown tokens seen before -> their reading (bounded)
_FIXED_MAX: Final = 20_000


def set_vocabulary(words: set[str]) -> None:
    """Tell the normaliser which words the detector cares about, to fuzz unknown tokens against.

    Only words of five or more letters take part: shorter ones are too close to other words.
    """
    _VOCAB.clear()
    _FIXED.clear()
    for word in sorted(words):
        if len(word) < 5 or not word.isalpha():
            continue
        _VOCAB.setdefault(word, word)
        for d in _deletes(word):
            _VOCAB.setdefault(d, word)


def _fuzz(token: str) -> str:
    """Read an unknown token as the vocabulary word one typing slip away, else leave it."""
    if len(token) < 4 or token in _known() or not _VOCAB:
        return token
    if token in _FIXED:
        return _FIXED[token]
    found = _VOCAB.get(token)  # a letter missing ("lven") or the word itself
    if found is None:
        # A letter too many, swapped or wrong ("wnat", "snijen"); in sorted order, so a tie
        # is read the same way in every process (a set's order changes with the hash seed).
        for d in sorted(_deletes(token)):
            found = _VOCAB.get(d)
            if found is not None and abs(len(found) - len(token)) <= 1:
                break
            found = None
    reading = found or token
    if len(_FIXED) < _FIXED_MAX:
        _FIXED[token] = reading
    return reading


_MAX_WORDS: Final = 2_000  # a Telegram message holds at most about 800 words
_MAX_REPEAT: Final = 3


def tokens(text: str) -> list[str]:
    """The normalised words of a message, typing slips read as vocabulary words.

    A word repeated over and over ("lol lol lol ...", 20,000 emoji) counts three times, and of a
    very long text the first and last thousand words are read, so any input stays fast.
    """
    words: list[str] = []
    run = 0
    for word in _WORD.findall(normalise(text)):
        run = run + 1 if words and words[-1] == word else 1
        if run <= _MAX_REPEAT:
            words.append(word)
    if len(words) > _MAX_WORDS:
        half = _MAX_WORDS // 2
        words = words[:half] + words[-half:]
    return [_fuzz(word) for word in words]


def normalise(text: str) -> str:
    """Fold a message to one plain spelling so patterns need not list every variant.

    Lowercases, drops zero-width and bidi characters, folds accents and look-alike letters, reads
    leetspeak inside words, collapses three or more repeated letters to two, joins spaced-out
    letters, expands texting abbreviations (kms, kys, zm, gonna, mn, ...) and squeezes whitespace.
    """
    return _finish(_prepare(text))
