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

__all__ = ["friend_subject"]

# Concepts of the danger words whose subject is read (``concepts.py``).
_DANGER: Final = frozenset(["die", "done", "method", "cut", "harm", "weapon", "threat"])
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


def _danger_at(tags: list[frozenset[str]]) -> list[int]:
    """Positions of the words that carry danger."""
    return [i for i, t in enumerate(tags) if t & _DANGER]


def _own(words: list[str], i: int) -> bool:
    """The writer beside the danger word: "ik" just before, "me"/"myself" just after, "my"
    right before ("my arms")."""
    before, after = set(words[max(0, i - 4) : i]), set(words[i + 1 : i + 3])
    mine = bool(i) and words[i - 1] in {"mijn", "my", "mn"}
    return bool(_I & before) or bool(_I_OBJECT & after) or mine


def friend_subject(words: list[str], tags: list[frozenset[str]]) -> bool:
    """Someone close (a friend, a sibling, a classmate) is the one in danger, not the writer.

    "mn vriendin zegt dat ze dood wil, wat moet ik doen": a friend and "ze", and no "ik"/"me"
    beside the death word. "my friend saw my arms" is the writer's own: "my" right before the
    arms.
    """
    if not _CLOSE & set(words):
        return False
    danger = _danger_at(tags)
    if not danger or any(_own(words, i) for i in danger):
        return False
    return bool(_THIRD & set(words)) or bool(_CLOSE & set(words[: danger[0]]))
