"""The local terminal chat: the same engine, buttons shown as numbered choices.

Used when no Telegram token is set, so anyone can try the bot (and content editors can test
their texts) without an account or network.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TextIO

from bot.app import Core
from bot.core.model import Button, Event, EventKind, Reply
from bot.storage.repository import User

CHANNEL = "terminal"
QUIT_WORDS = {"quit", "exit", "/quit", "/exit", "stop chat"}


class TerminalChat:
    """Reads lines, turns them into events, prints the replies."""

    def __init__(
        self,
        core: Core,
        stdin: TextIO = sys.stdin,
        stdout: TextIO = sys.stdout,
        user: str = "local",
        files_dir: Path | None = None,
    ) -> None:
        self.core = core
        self.stdin = stdin
        self.stdout = stdout
        self.user = user
        self.files_dir = files_dir or core.settings.db_path.parent / "exports"
        self.buttons: list[Button] = []
        core.senders[CHANNEL] = self

    async def send(self, user: User, replies: list[Reply]) -> None:
        """`Sender` protocol: proactive messages (check-ins) appear between typed lines."""
        self.show(replies)

    def _print(self, text: str = "") -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def show(self, replies: list[Reply]) -> None:
        """Print replies; the last message's buttons become the current numbered choices."""
        for reply in replies:
            self._print()
            self._print(reply.text)
            if reply.document is not None:
                self.files_dir.mkdir(parents=True, exist_ok=True)
                path = self.files_dir / reply.document.filename
                path.write_bytes(reply.document.content)
                self._print(f"  [file saved: {path}]")
            if reply.image is not None:
                self.files_dir.mkdir(parents=True, exist_ok=True)
                path = self.files_dir / "chart.png"
                path.write_bytes(reply.image)
                self._print(f"  [image saved: {path}]")
            buttons = [b for row in reply.buttons for b in row]
            if buttons:
                self.buttons = buttons
                for number, button in enumerate(buttons, start=1):
                    target = f" -> {button.url}" if button.url else ""
                    self._print(f"  {number}) {button.label}{target}")

    def to_event(self, line: str) -> Event | None:
        """A typed line as an event: a number or a label picks a button, / starts a command."""
        text = line.strip()
        if not text:
            return None
        if text.startswith("/"):
            command, _, args = text[1:].partition(" ")
            return Event(
                CHANNEL, self.user, EventKind.COMMAND, text=text, command=command, args=args.strip()
            )
        picked: Button | None = None
        if text.isdigit() and 1 <= int(text) <= len(self.buttons):
            picked = self.buttons[int(text) - 1]
        else:
            picked = next((b for b in self.buttons if b.label.casefold() == text.casefold()), None)
        if picked is not None and picked.data:
            return Event(CHANNEL, self.user, EventKind.CHOICE, choice=picked.data)
        return Event(CHANNEL, self.user, EventKind.TEXT, text=text)

    async def run(self) -> None:
        """Chat until end of input or a quit word."""
        self._print(
            "Sterk Online (terminal). Type a number to pick a button, /hulp for help, "
            "'quit' to leave."
        )
        first = Event(CHANNEL, self.user, EventKind.COMMAND, text="/start", command="start")
        self.show((await self.core.engine.handle(first)).replies)
        while True:
            line = await asyncio.to_thread(self.stdin.readline)
            if not line or line.strip().lower() in QUIT_WORDS:
                self._print("Tot ziens! / Bye!")
                return
            event = self.to_event(line)
            if event is not None:
                self.show((await self.core.engine.handle(event)).replies)
