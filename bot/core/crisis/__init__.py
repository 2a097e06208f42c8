"""The parts of the crisis detector; ``bot.core.safety`` puts them together and explains how."""

from __future__ import annotations

import re
from functools import cache
from typing import Final

from bot.core.crisis import concepts, text

__all__ = ["addressed", "quoted", "read", "unquoted"]

# Quoted words in a draft reply are someone else's ("Jij schreef 'ik maak je af', dat is niet oké").
_QUOTED = re.compile(
    r"[\"“”„«»]([^\"“”„«»]{1,300})[\"“”„«»]|(?<!\w)['‘’]([^'‘’]{1,300})['‘’](?!\w)"
)


@cache
def _ready() -> None:
    """Give the normaliser the concept vocabulary to read typing slips against (once)."""
    text.set_vocabulary(set(concepts.vocabulary()))


def unquoted(message: str) -> str | None:
    """The message with quoted words left out, or ``None`` when nothing is quoted.

    Why: in a chat, words in quotes are someone else's ("op tiktok zingt iedereen 'i wanna die'",
    "hij schreef 'ga dood'"): they can be a threat against the writer, but they are not the
    writer's own wish to die or to get hurt.
    """
    stripped = _QUOTED.sub(" ", message)
    return None if stripped == message else stripped


# Inside a quote sent to the writer, "you" is the writer and "I" is the sender.
_TURN: Final = {
    "je": "mij",
    "jij": "mij",
    "jou": "mij",
    "jouw": "mijn",
    "you": "me",
    "u": "me",
    "ya": "me",
    "your": "my",
    "ur": "my",
    "ik": "hij",
    "i": "he",
    "we": "ze",  # the senders: "we steken je huis in de fik"
    "wij": "zij",
    "mijn": "zijn",
    "my": "his",
}
_PRONOUN = re.compile(r"\b(" + "|".join(_TURN) + r")\b", re.IGNORECASE)


def addressed(message: str) -> str | None:
    """The quoted words told from the writer's side, or ``None`` when nothing is quoted.

    Why: "hij stuurde 'ik steek je neer'" is a threat against the writer, but the rules look for
    "someone ... me". Inside the quotes "je" becomes "mij" and "ik" becomes "hij", so the same
    rules read the threat the writer received.
    """
    quotes = quoted(message)
    if not quotes:
        return None
    return " , ".join(_PRONOUN.sub(lambda m: _TURN.get(m.group(1).lower(), " "), q) for q in quotes)


def quoted(message: str) -> list[str]:
    """The text inside each pair of quotes, as written (empty when nothing is quoted).

    Why: in "check my reply" the quotes often hold the writer's own draft ("kan ik dit posten:
    'jullie hebben gewonnen, morgen ben ik er niet meer'"), so a crisis in them is the writer's.
    """
    return [a or b for a, b in _QUOTED.findall(message)]


def read(message: str, where: str) -> tuple[list[str], list[frozenset[str]]]:
    """The message's normalised words and their concept tags; quotes left out of drafts."""
    _ready()
    if where == "draft":
        message = _QUOTED.sub(" ", message)
    words = text.tokens(message)
    return words, concepts.tag(words)
