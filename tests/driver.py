"""Drive the engine like a person would: send text, tap a button by its label, read replies."""

from __future__ import annotations

from bot.app import Core
from bot.core.model import Button, Event, EventKind, Reply


class ChatDriver:
    """One simulated person talking to the core directly (no network)."""

    def __init__(self, core: Core, user: str = "1001", channel: str = "test") -> None:
        self.core = core
        self.user = user
        self.channel = channel
        self.replies: list[Reply] = []
        self.buttons: list[Button] = []

    async def _handle(self, event: Event) -> list[Reply]:
        outcome = await self.core.engine.handle(event)
        self.replies = outcome.replies
        for reply in outcome.replies:
            found = [b for row in reply.buttons for b in row]
            if found:
                self.buttons = found
        return self.replies

    async def send(self, text: str) -> list[Reply]:
        """Type a message; a leading slash makes it a command."""
        if text.startswith("/"):
            command, _, args = text[1:].partition(" ")
            event = Event(
                self.channel, self.user, EventKind.COMMAND, text=text, command=command, args=args
            )
        else:
            event = Event(self.channel, self.user, EventKind.TEXT, text=text)
        return await self._handle(event)

    async def media(self, kind: str = "sticker", caption: str = "") -> list[Reply]:
        """Send a sticker, photo or other non-text message."""
        return await self._handle(
            Event(self.channel, self.user, EventKind.MEDIA, media=kind, text=caption)
        )

    async def edit(self, text: str) -> list[Reply]:
        """Edit an earlier message."""
        return await self._handle(Event(self.channel, self.user, EventKind.EDITED, text=text))

    def button(self, label: str) -> Button:
        """The current button whose label contains `label` (case-insensitive)."""
        matches = [b for b in self.buttons if label.casefold() in b.label.casefold()]
        if not matches:
            raise AssertionError(
                f"no button like {label!r}; have {[b.label for b in self.buttons]}"
            )
        return matches[0]

    async def tap(self, label: str) -> list[Reply]:
        """Tap the current button whose label contains `label`."""
        return await self.press(self.button(label).data or "")

    async def press(self, data: str) -> list[Reply]:
        """Send raw callback data (for stale or forged buttons)."""
        return await self._handle(Event(self.channel, self.user, EventKind.CHOICE, choice=data))

    @property
    def text(self) -> str:
        """All reply texts of the last turn, joined."""
        return "\n".join(r.text for r in self.replies)

    def labels(self) -> list[str]:
        """Labels of the current buttons."""
        return [b.label for b in self.buttons]

    async def onboard(
        self, language: str = "Nederlands", checkins: bool = True, followups: bool = True
    ) -> None:
        """Walk onboarding with defaults, ending in the main menu."""
        await self.send("/start")
        await self.tap(language)
        await self.press(self.buttons[0].data or "")  # intro: continue
        await self.press(self.buttons[0].data or "")  # privacy: ok
        await self.press(self.buttons[0].data or "")  # age: 16 or older
        await self.press(self.buttons[0 if checkins else 1].data or "")
        await self.press(self.buttons[0 if followups else 1].data or "")
        await self.press(self.buttons[-1].data or "")  # place: skip
