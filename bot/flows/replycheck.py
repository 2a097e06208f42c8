"""'Check my reply': spot what may escalate a counter-reply or expose someone, before posting.

A pure function so it can be tested without the engine. It returns finding ids only; the texts
(suggestions, never a verdict) live in content under `coach_check.findings.<id>`. The typed draft
is never stored: the caller passes it in and throws it away.

Word lists hold Dutch and English together on purpose: young people in the Netherlands switch
between both in one sentence, whatever language they chose for the bot.
"""

from __future__ import annotations

import re

# Positives first, then tone, then personal data: the order feedback is shown in.
POSITIVE = ("question", "empathy")
TONE = ("insult", "caps", "long")
PRIVACY = ("phone", "email", "address", "postcode", "school", "name")
FINDINGS = POSITIVE + TONE + PRIVACY


LONG_REPLY = 300  # characters; longer replies are read less, especially under a busy post
CAPS_MIN_LETTERS = 8
CAPS_RATIO = 0.7
CAPS_RUN = 3  # this many shouted words in a row counts as shouting, even in a longer text


def _words(text: str) -> frozenset[str]:
    """Word lists are written as plain text so editors can extend them easily."""
    return frozenset(text.split())


# Words that escalate (exact tokens, after lower-casing and undoing simple disguises).
_INSULT_WORDS = _words(
    # Dutch
    "kk kut lul eikel klootzak klootzakken hoer hoeren slet sloerie trut sukkel sukkels "
    "idioot idioten debiel debielen mongool mongolen achterlijk achterlijke dombo domkop "
    "dom dommerik randdebiel zwakzinnig gestoord gestoorde loser losers lelijk lelijke "
    "vetzak dikzak hufter hufters klojo mafkees flikker flikkers neger negers "
    "geitenneuker spleetoog kaaskop tyf oprotten sodemieter klere kolere "
    # English
    "idiot idiots stupid moron morons dumb dumbass retard retarded bitch bitches fck fk "
    "fkn sht bullshit asshole assholes arsehole dick dickhead prick cunt bastard scum twat "
    "wanker pathetic clown stfu freak ugly"
)
# Word starts that escalate, incl. Dutch disease swearing and compounds (kankerlijer, kutwijf).
# Chosen so that ordinary words do not start with them ('pest' would hit 'pesten', 'klere'
# would hit 'kleren', so those two are matched as whole words or phrases instead).
_INSULT_PREFIXES = tuple(
    _words("kanker tering tyfus tiefus typhus pleur pokke kut klootzak hoeren fuck shit idiot")
)
_INSULT_PHRASES = re.compile(
    r"\b(?:hou(?:d|dt)? je (?:bek|kop|mond)|bek dicht|kop dicht|rot op|flikker op|"
    r"krijg de (?:pest|tering|tyfus|kolere|klere|pleuris)|shut up|piss off|go to hell|"
    r"f+ off|screw you)\b"
)
# Simple disguises: k@nker, sh1t, f*ck.
_DISGUISE = str.maketrans({"@": "a", "4": "a", "3": "e", "1": "i", "0": "o", "$": "s", "*": ""})

_EMPATHY = re.compile(
    r"\b(?:voel\w*|gevoel\w*|pijn\w*|raakt|raken|geraakt|kwets\w*|gekwetst|sterkte|"
    r"gaat het|echte mensen|stel je voor|begrijp\w*|niet verdiend|achter je|niet alleen|"
    r"respect|feel\w*|hurt\w*|real people|imagine|how would you|are you ok(?:ay)?|"
    r"you ok(?:ay)?|not alone|stand with|understand\w*|didn'?t deserve|be kind)\b"
)

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Digit runs of 9-14 digits with optional separators, starting with 0, 00 or + (06-12345678,
# +31 6 1234 5678, 020 123 4567); dates and years are too short to match.
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\d(?:[ .-]?\d){8,13}(?!\d)")
_STREET_SUFFIX = (
    r"(?:straatweg|straat|laan|weg|plein|gracht|kade|singel|dijk|dreef|hof|park|steeg|pad|"
    r"markt|baan|erf|allee)"
)
_ADDRESS_NL = re.compile(
    rf"\b[A-Za-zÀ-ÿ'-]{{2,}}{_STREET_SUFFIX}\s+\d{{1,4}}(?:\s?[a-zA-Z]\b|-\d+)?", re.IGNORECASE
)
_ADDRESS_EN = re.compile(
    r"\b\d{1,4}\s+(?:[A-Z][a-z]+\s+){1,3}(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|"
    r"Close|Way)\b"
)
# Dutch postcodes: 1234 AB (letters SA, SD and SS are never used); lower case only without a
# space, so "in 2024 is" does not count.
_POSTCODE = re.compile(r"\b[1-9]\d{3}(?:\s?(?!SA|SD|SS)[A-Z]{2}|(?!sa|sd|ss)[a-z]{2})\b")
_SCHOOL_WORD = r"(?:college|lyceum|school|gymnasium|atheneum|academie|academy)"
_SCHOOL = re.compile(
    rf"\b[A-Z][a-zà-ÿ'-]+{_SCHOOL_WORD}\b"  # Erasmuscollege, Montessorischool
    rf"|\b[A-Z][\w'-]+\s+(?:[A-Z][\w'-]+\s+)?(?i:{_SCHOOL_WORD})\b"  # Stedelijk Lyceum
)
# Two or more capitalised words (with Dutch name particles between), found at every start so
# "Gisteren Sanne Jansen ..." still finds "Sanne Jansen" after skipping the sentence start.
_NAME = re.compile(
    r"(?=\b([A-ZÀ-Þ][a-zß-ÿ]+(?:\s+(?:van|de|der|den|het|ter|ten|te|von|el|al|da|di|le|la))*"
    r"\s+[A-ZÀ-Þ][a-zß-ÿ]+))"
)
_SENTENCE_END = ".!?:;\"'(\n"
_NOT_NAMES = _words(
    "instagram snapchat whatsapp discord youtube facebook twitter telegram google roblox "
    "fortnite minecraft nederland netherlands amsterdam rotterdam utrecht europe europa "
    "god allah jezus jesus maandag dinsdag woensdag donderdag vrijdag zaterdag zondag "
    "monday tuesday wednesday thursday friday saturday sunday januari februari maart "
    "april mei juni juli augustus september oktober november december january february "
    "march may june july august october"
)
# English capitalises groups and languages, so "Muslim Women" is not a person's name there.
_NOT_NAMES_BY_LANG = {
    "en": _words(
        "dutch english muslim muslims jewish jews christian christians black white asian "
        "african arab moroccan turkish polish lgbtq trans gay people women men lives matter"
    ),
    "nl": _words("nederlands nederlandse marokkaanse turkse poolse"),
}


def _tokens(lowered: str) -> set[str]:
    """Words plus their variants without stretched letters (idioooot, stupiiid)."""
    found: set[str] = set()
    for word in re.findall(r"[a-zà-ÿ']+", lowered.translate(_DISGUISE)):
        found.add(word)
        found.add(re.sub(r"(.)\1{2,}", r"\1\1", word))
        found.add(re.sub(r"(.)\1+", r"\1", word))
    return found


def _has_insult(text: str) -> bool:
    lowered = text.casefold()
    if _INSULT_PHRASES.search(lowered):
        return True
    words = _tokens(lowered)
    return bool(words & _INSULT_WORDS) or any(w.startswith(_INSULT_PREFIXES) for w in words)


def _is_shouting(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= CAPS_MIN_LETTERS and sum(c.isupper() for c in letters) / len(letters) >= (
        CAPS_RATIO
    ):
        return True
    run = 0
    for word in re.findall(r"[^\W\d_]+", text):
        run = run + 1 if len(word) >= 2 and word.isupper() else 0
        if run >= CAPS_RUN:
            return True
    return False


def _has_phone(text: str) -> bool:
    return any(m.group().startswith(("0", "+")) for m in _PHONE.finditer(text))


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


def _has_full_name(text: str, lang: str, skip: list[tuple[int, int]]) -> bool:
    stop = _NOT_NAMES | _NOT_NAMES_BY_LANG.get(lang, frozenset())
    for match in _NAME.finditer(text):
        start, candidate = match.start(1), match.group(1)
        end = start + len(candidate)
        before = text[:start].rstrip()
        if not before or before[-1] in _SENTENCE_END:
            continue  # capitalised because it starts a sentence
        if any(s < end and start < e for s, e in skip):
            continue  # part of a school or street name, reported as such
        words = re.findall(r"[^\W\d_]+", candidate.casefold())
        if not stop.intersection(words):
            return True
    return False


def check_reply(text: str, lang: str) -> list[str]:
    """Finding ids for a planned reply, in display order (see `FINDINGS`)."""
    text = text.strip()
    schools = _spans(_SCHOOL, text)
    addresses = _spans(_ADDRESS_NL, text) + _spans(_ADDRESS_EN, text)
    found = {
        "question": "?" in text,
        "empathy": bool(_EMPATHY.search(text.casefold())),
        "insult": _has_insult(text),
        "caps": _is_shouting(text),
        "long": len(text) > LONG_REPLY,
        "phone": _has_phone(text),
        "email": bool(_EMAIL.search(text)),
        "address": bool(addresses),
        "postcode": bool(_POSTCODE.search(text)),
        "school": bool(schools),
        "name": _has_full_name(text, lang, schools + addresses),
    }
    return [finding for finding in FINDINGS if found[finding]]
