"""The parts of the crisis detector; ``bot.core.safety`` puts them together and explains how."""

from __future__ import annotations

import re
from functools import cache

from bot.core.crisis import concepts, text

__all__ = ["read"]

# Quoted words in a draft reply are someone else's ("Jij schreef 'ik maak je af', dat is niet oké").
_QUOTED = re.compile(
    r"[\"“”„«»]([^\"“”„«»]{1,300})[\"“”„«»]|(?<!\w)['‘’]([^'‘’]{1,300})['‘’](?!\w)"
)


@cache
def _ready() -> None:
    """Give the normaliser the concept vocabulary to read typing slips against (once)."""
    text.set_vocabulary(set(concepts.vocabulary()))


def read(message: str, where: str) -> tuple[list[str], list[frozenset[str]]]:
    """The message's normalised words and their concept tags; quotes left out of drafts."""
    _ready()
    if where == "draft":
        message = _QUOTED.sub(" ", message)
    words = text.tokens(message)
    return words, concepts.tag(words)
