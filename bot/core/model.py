"""The small vocabulary between transports and the core: events in, replies out.

Nothing here knows about Telegram, so flows can be tested as plain async functions and a new
channel (WhatsApp) only needs an adapter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    """What the person did."""

    TEXT = "text"
    CHOICE = "choice"
    COMMAND = "command"
    MEDIA = "media"
    EDITED = "edited"


@dataclass(frozen=True, slots=True)
class Event:
    """One thing a person did in a private chat, already stripped of channel details."""

    channel: str
    user: str
    kind: EventKind
    text: str = ""
    command: str = ""
    args: str = ""
    choice: str = ""
    media: str = ""
    language_hint: str | None = None
    first_name: str | None = None
    message_id: int | None = None  # the channel's id of the person's message (for relaying copies)
    chat: str | None = None  # the chat it came from when that is not the private chat (staff group)
    reply_to: int | None = None  # the message this one swipe-replies to (routes staff replies)


@dataclass(frozen=True, slots=True)
class Button:
    """A tappable option: `data` goes back to the core, `url` opens a link."""

    label: str
    data: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """A file sent along a reply, e.g. the `/mijndata` JSON export."""

    filename: str
    content: bytes


@dataclass(frozen=True, slots=True)
class Reply:
    """One message the person will see; buttons are rows of `Button`."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    image: bytes | None = None
    document: Document | None = None
    # A mass message (a broadcast): a channel may send it on a paid bulk lane when the deployment
    # opted in (Telegram's allow_paid_broadcast, STERK_TELEGRAM_PAID_BROADCAST).
    bulk: bool = False
    # A message of its own, never merged with the texts around it: something a person keeps or
    # forwards as it is (the plan card). Other texts of a turn go out as one message.
    alone: bool = False

    def to_json(self) -> dict[str, Any]:
        """Serialise text and buttons so a prompt can be shown again after a restart."""
        return {
            "text": self.text,
            "buttons": [
                [{"label": b.label, "data": b.data, "url": b.url} for b in row]
                for row in self.buttons
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reply:
        """Inverse of `to_json` (images and documents are never re-sent)."""
        rows = tuple(
            tuple(Button(b["label"], b.get("data"), b.get("url")) for b in row)
            for row in data.get("buttons", [])
        )
        return cls(text=str(data["text"]), buttons=rows)


@dataclass(slots=True)
class Outcome:
    """What the engine decided for one event: replies plus facts the transport may need."""

    replies: list[Reply] = field(default_factory=list)
    notice: str | None = None  # short toast for a button tap (answerCallbackQuery text)
    user_id: int | None = None  # the stored person answered (None: not stored, or just deleted)
    forgotten: bool = False  # the turn deleted the person (/vergeetmij, under 16)
    urgent: bool = False  # a crisis answer: delivered before anything else that waits
