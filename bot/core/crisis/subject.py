"""Whose crisis is it? Someone close to the writer, or the writer.

Why: "mn vriendin zegt dat ze dood wil, wat moet ik doen" has the words of a crisis, but the
one in danger is the friend; the writer asks how to help. The product answers such a message
calmly with 113, without the alarm and without an urgent case (README, "Helping a friend"). A
friend's crisis is read only when a friend, a sibling or a classmate is named, someone else is
the subject, and the writer is nowhere beside a danger word ("mn vriendin weet het niet maar ik
wil dood" stays the writer's own).
"""

from __future__ import annotations

from typing import Final

__all__ = ["asks_how_to_help", "friend_subject"]

# Concepts of the danger words whose subject is read (``concepts.py``).
_DANGER: Final = frozenset(["die", "done", "method", "means", "cut", "harm", "weapon", "threat"])
_I: Final = frozenset(["ik", "i", "im", "me", "mij", "mezelf", "mijzelf", "myself", "mzelf", "k"])
_THIRD: Final = frozenset(
    [
        "ze",
        "zij",
        "hij",
        "ie",
        "haar",
        "hem",
        "zichzelf",
        "she",
        "he",
        "her",
        "him",
        "herself",
        "himself",
        "themselves",
        "zn",
        "zijn",
        "hun",
        "shes",
        "hes",
    ]
)
# "told me she cuts herself": "me" before a danger word is who was told, not who is in danger.
_I_SUBJECT: Final = _I - frozenset(["me", "mij"])
_I_OBJECT: Final = frozenset(["me", "mij", "mezelf", "mijzelf", "myself", "mzelf"])
# People close to the writer whom the writer may want to help.
_CLOSE: Final = frozenset(
    [
        "vriend",
        "vriendin",
        "vriendje",
        "vriendinnetje",
        "vriendinnen",
        "vrienden",
        "bestie",
        "bff",
        "maat",
        "mattie",
        "friend",
        "friends",
        "mate",
        "bf",
        "gf",
        "boyfriend",
        "girlfriend",
        "broer",
        "broertje",
        "zus",
        "zusje",
        "brother",
        "sister",
        "sis",
        "bro",
        "nicht",
        "nichtje",
        "neef",
        "neefje",
        "cousin",
        "klasgenoot",
        "klasgenote",
        "classmate",
        "roommate",
        "meisje",
        "jongen",
        "girl",
        "boy",
    ]
)


# Close words young people also use to address anyone ("bro ik wil nie meer", "zus als er iets
# met mij gebeurt"): they name a person only after a possessive or an article ("mn bro").
_VOCATIVE: Final = frozenset(
    [
        "bro",
        "sis",
        "mattie",
        "maat",
        "mate",
        "broer",
        "zus",
        "girl",
        "boy",
        "meisje",
        "jongen",
        "bestie",
        "bff",
    ]
)
_NAMING: Final = frozenset(
    [
        "mn",
        "mijn",
        "my",
        "onze",
        "ons",
        "our",
        "een",
        "a",
        "die",
        "dat",
        "that",
        "the",
        "de",
        "zn",
        "zijn",
        "haar",
        "his",
        "her",
        "beste",
        "best",
        "kleine",
        "little",
        "grote",
        "big",
        "oudere",
        "jongere",
        "older",
        "younger",
        "eigen",
        "own",
    ]
)
_FIRST: Final = _I | frozenset(["mn", "mijn", "my", "mine", "ikke", "kben", "kheb", "kzit"])
# Asking how to help, or worry: what a friend's message is for ("wat moet ik doen", "how do i
# help her", "ik maak me zorgen"). Read as word sequences of the normalised text; a sequence
# that contains a shorter one here is left out ("moet ik" covers "wat moet ik").
_HELPING: Final = (
    ("helpen",),
    ("help",),
    ("steunen",),
    ("support",),
    ("wat", "kan", "ik", "doen"),
    ("wat", "zeg", "ik"),
    ("wat", "moeten", "we"),
    ("hoe", "praat", "ik"),
    ("hoe", "begin", "ik"),
    ("hoe", "vraag", "ik"),
    ("moet", "ik"),
    ("what", "do", "i"),
    ("what", "should", "i"),
    ("what", "can", "i"),
    ("should", "i"),
    ("wat", "ik", "moet"),
    ("what", "to", "do"),
    ("who", "do", "i"),
    ("terecht",),
    ("ik", "denk", "dat", "ze"),
    ("ik", "denk", "dat", "hij"),
    ("i", "think", "she"),
    ("i", "think", "he"),
    ("i", "think", "shes"),
    ("i", "think", "hes"),
    ("geloof", "haar"),
    ("geloof", "hem"),
    ("freaking", "out"),
    ("not", "to", "tell"),
    ("zorgen",),
    ("worried",),
    ("worry",),
)


def _names_close(words: list[str]) -> list[int]:
    """Positions of words that name someone close ("mn vriendin", "my bro", "klasgenoot")."""
    return [
        i
        for i, w in enumerate(words)
        if w in _CLOSE and (w not in _VOCATIVE or (i and words[i - 1] in _NAMING))
    ]


def asks_how_to_help(words: list[str]) -> bool:
    """Whether the writer asks how to help or says they worry ("hoe kan ik haar helpen")."""
    return any(tuple(words[i : i + len(seq)]) == seq for seq in _HELPING for i in range(len(words)))


def _danger_at(tags: list[frozenset[str]]) -> list[int]:
    """Positions of the words that carry danger."""
    return [i for i, t in enumerate(tags) if t & _DANGER]


def _own(words: list[str], i: int) -> bool:
    """The writer beside the danger word: "ik" just before, "me"/"myself" just after, "my"
    right before ("my arms")."""
    before, after = set(words[max(0, i - 4) : i]), set(words[i + 1 : i + 3])
    mine = bool(i) and words[i - 1] in {"mijn", "my", "mn"}
    return bool(_I_SUBJECT & before) or bool(_I_OBJECT & after) or mine


def friend_subject(words: list[str], tags: list[frozenset[str]]) -> bool:
    """Someone close (a friend, a sibling, a classmate) is the one in danger, not the writer.

    "mn vriendin zegt dat ze dood wil, wat moet ik doen": a friend and "ze", and no "ik"/"me"
    beside the death word. "my friend saw my arms" is the writer's own: "my" right before the
    arms.
    """
    close = _names_close(words)
    if not close:
        return False
    danger = _danger_at(tags)
    if not danger or any(_own(words, i) for i in danger):
        return False
    if not (bool(_THIRD & set(words)) or close[0] < danger[0]):
        return False
    # The writer speaks of themselves too ("mn zusje zag bloed op mn laken, ik zei ..."): a
    # friend's crisis only when they ask how to help; a possessive naming the friend is not it.
    naming = set()  # "my little brother": the words that name the friend
    for i in close:
        while i and words[i - 1] in _NAMING:
            i -= 1
            naming.add(i)
    speaks = any(w in _FIRST for i, w in enumerate(words) if i not in naming)
    return not speaks or asks_how_to_help(words)
