"""What the staff side needs from a channel beyond sending replies to a person.

Cases are posted to a staff group and edited when someone claims them, and messages are relayed
as copies (never forwards, which would show the young person's account). Staff get their own
"/" menu per chat, and someone whose role is revoked leaves the staff group. A transport that can
do this (Telegram) implements `StaffChannel`; chats are the channel's own ids as strings. Errors
are the core's delivery errors (`Unreachable`, `RetryLater`, `DeliveryFailed`).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from bot.core.delivery import Sender
from bot.core.model import Button, Reply
from bot.storage.repository import User


@runtime_checkable
class StaffChannel(Sender, Protocol):
    """A `Sender` that can also post to and edit in any chat, and copy messages."""

    async def send_ids(self, user: User, replies: list[Reply]) -> list[int]:
        """`send`, returning the ids of the messages sent (in order)."""
        ...

    async def post(self, chat: str, reply: Reply) -> int:
        """Send one message to a chat (the staff group); returns its message id."""
        ...

    async def edit(self, chat: str, message_id: int, reply: Reply) -> None:
        """Replace the text and buttons of a message the bot sent earlier."""
        ...

    async def copy(
        self,
        from_chat: str,
        message_id: int,
        to_chat: str,
        caption: str | None = None,
        buttons: tuple[tuple[Button, ...], ...] = (),
    ) -> int:
        """Copy a message without its sender; `caption` replaces a media caption."""
        ...

    async def set_commands(self, chat: str, commands: list[tuple[str, str]]) -> None:
        """The "/" command menu of one private chat; an empty list restores the default."""
        ...

    async def remove_from_group(self, chat: str, user: str) -> None:
        """Take a person out of a group (they may join again with a new invite)."""
        ...

    def deep_link(self, payload: str) -> str | None:
        """A link that opens the bot with `/start <payload>`, if the channel has one."""
        ...


@runtime_checkable
class Relayer(Protocol):
    """A channel whose messages another channel cannot copy (WhatsApp): it hands over their
    content as replies instead (text as text, media downloaded to be re-uploaded)."""

    async def replies_for(
        self,
        source: User,
        message_id: int,
        caption: str | None,
        buttons: tuple[tuple[Button, ...], ...],
    ) -> list[Reply] | None:
        """The message as replies any channel can send; None when it is gone."""
        ...
