"""The town and organisation fields: a place name, never an address that points at a person.

What someone types is checked before it is stored. Anything that looks like a street address,
a postcode, a phone number or an e-mail address is refused with a line saying why, and the
question comes again; only the name of a town or an organisation is kept.
"""

from __future__ import annotations

import re

from bot.core.engine import Turn
from bot.core.registry import Registry

router = Registry()  # this feature's flow actions and commands (bot/app.py)

POSTCODE = re.compile(r"\b\d{4}\s?[a-z]{2}\b", re.IGNORECASE)
PHONE = re.compile(r"\+?\d(?:[\s().-]?\d){5,}")  # six digits or more, however written
EMAIL = re.compile(r"\S+@\S+\.\S+")
STREET = re.compile(
    r"\b\w*(?:straat|weg|laan|plein|gracht|kade|singel|dijk|dreef|steeg|pad|hof|street|road"
    r"|avenue|lane)\b\.?,?\s*\d",
    re.IGNORECASE,
)


def personal_detail(text: str, town: bool) -> str | None:
    """Which kind of personal detail the text looks like (None: a plain name).

    A town name never holds a digit, so any number is read as part of an address; an
    organisation may ("Jongerenwerk 040"), so there only a street with a number counts.
    """
    if EMAIL.search(text):
        return "email"
    if POSTCODE.search(text):
        return "postcode"
    if PHONE.search(text):
        return "phone"
    if STREET.search(text) or (town and re.search(r"\d", text)):
        return "address"
    return None


async def _save(turn: Turn, field: str) -> None:
    """Store the name, or say why not and ask again."""
    text = (turn.arg or "").strip()
    found = personal_detail(text, town=field == "city")
    if found is not None:
        turn.say(f"settings.refused.{found}")
        turn.outcome("refused")  # the same question again
        return
    setattr(turn.user, field, text)  # the step's `next` follows


@router.action("place.city", outcomes=("refused",))
async def save_city(turn: Turn) -> None:
    """The town field."""
    await _save(turn, "city")


@router.action("place.organisation", outcomes=("refused",))
async def save_organisation(turn: Turn) -> None:
    """The organisation field."""
    await _save(turn, "organisation")
