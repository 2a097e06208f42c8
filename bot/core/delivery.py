"""How the core asks a channel to deliver messages it starts itself (check-ins, relays)."""

from __future__ import annotations

from typing import Protocol

from bot.core.model import Reply
from bot.storage.repository import User


class Unreachable(Exception):
    """The person blocked the bot or deleted their account: stop sending."""


class RetryLater(Exception):
    """The channel asked us to slow down; try again after `seconds`."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds}s")
        self.seconds = seconds


class DeliveryFailed(Exception):
    """A temporary failure (network, server error); the item may be retried."""


class Sender(Protocol):
    """A channel that can send replies to a known user without an incoming event."""

    async def send(self, user: User, replies: list[Reply]) -> None:
        """Deliver in order; raise `Unreachable`, `RetryLater` or `DeliveryFailed`."""
        ...
