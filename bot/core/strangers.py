"""People who have not said their age yet: kept in memory, never written to the database.

Issue 13: nothing about an under-16 may be written at all, and the bot learns the age only at
onboarding's age question. So a first-time visitor is a *stranger* while they are in the steps
before it (`BEFORE_AGE`) and only tap those buttons or ask for help or the privacy notice: their
language choice and conversation state live here, in memory. They are written to the database
when they say they are 16 or older (the turn ends past the age question), or first, before
anything that may store rows about them is handled (a typed text, which the crisis check reads,
another command, a deep link). "Younger than 16" drops the entry: nothing was ever stored.

A restart forgets strangers, and another replica never knew them. A tap on one of their buttons
is still understood there: its option belongs to one step before the age question, and the
button carries the language they chose (`f:3.en:ok`, `Engine._forgotten_tap`). Only a typed
text or /start begins onboarding again.
The number kept is capped, so a flood of new ids cannot grow memory without bound.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from bot.core.model import Event, EventKind
from bot.storage.repository import User

ONBOARDING = "onboarding"
# The onboarding steps before the age is known (bot/content/flows/onboarding.yaml).
BEFORE_AGE = frozenset({"language", "intro", "privacy", "age"})
# Commands a stranger may use without being stored: they only show texts.
SHOW_ONLY = frozenset({"hulp", "help", "privacy"})
MAX_KEPT = 10_000  # the oldest stranger is forgotten beyond this


@dataclass(slots=True)
class Stranger:
    """A visitor not stored yet: the profile so far (id 0: no row) and the state as JSON."""

    user: User
    state: dict[str, Any]


def stays_unstored(event: Event) -> bool:
    """Whether a stranger's event can be handled without any row about them: a tap on a
    flow or navigation button, a plain /start, or a command that only shows a text."""
    if event.kind is EventKind.CHOICE:
        return event.choice.startswith(("f:", "n:"))
    if event.kind is EventKind.COMMAND:
        name = event.command.lower()
        return (name == "start" and not event.args.strip()) or name in SHOW_ONLY
    return False


def before_age(user: User, flow: str, step: str) -> bool:
    """Whether a not-onboarded person is still before the age question."""
    return not user.onboarded and flow == ONBOARDING and step in BEFORE_AGE


class Strangers:
    """The strangers of this process, oldest first."""

    def __init__(self, limit: int = MAX_KEPT) -> None:
        self._kept: OrderedDict[tuple[str, str], Stranger] = OrderedDict()
        self._limit = limit

    def get(self, channel: str, external_id: str) -> Stranger | None:
        """The kept stranger, or None."""
        return self._kept.get((channel, external_id))

    def keep(self, stranger: Stranger) -> None:
        """Remember (or update) a stranger; forget the oldest beyond the cap."""
        key = (stranger.user.channel, stranger.user.external_id)
        self._kept[key] = stranger
        self._kept.move_to_end(key)
        while len(self._kept) > self._limit:
            self._kept.popitem(last=False)

    def drop(self, channel: str, external_id: str) -> None:
        """Forget a stranger (stored now, or under 16)."""
        self._kept.pop((channel, external_id), None)

    def __len__(self) -> int:
        return len(self._kept)
