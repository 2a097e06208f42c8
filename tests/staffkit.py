"""Helpers for the staff tests: a recording staff channel, people with roles, group taps."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pytest

from bot.app import Core, load_checked_content, open_core
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.content import Content
from bot.core.delivery import Unreachable
from bot.core.model import Button, Event, EventKind, Reply
from bot.hours import StaffedHours
from bot.storage import staff as store
from bot.storage.repository import User
from scheduler.service import Scheduler
from tests.driver import ChatDriver
from tests.e2e import RunningBot, running_bot, texts
from tests.fakebot import Call

CHANNEL = "telegram"  # admins are Telegram ids, so the staff tests talk on that channel
GROUP = -100777
ADMIN = 9001
_message_ids = itertools.count(1000)


@dataclass
class Sent:
    """One thing the bot did on the fake channel."""

    kind: str  # send | post | edit | copy | remove
    chat: str
    text: str = ""
    buttons: tuple[tuple[Button, ...], ...] = ()
    message_id: int = 0
    source: tuple[str, int] | None = None  # copy: (from chat, message id)


@dataclass
class FakeStaffChannel:
    """Implements `StaffChannel` in memory and records everything."""

    log: list[Sent] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)
    commands: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    async def send(self, user: User, replies: list[Reply]) -> None:
        await self.send_ids(user, replies)

    async def send_ids(self, user: User, replies: list[Reply]) -> list[int]:
        if user.external_id in self.blocked:
            raise Unreachable("blocked")
        ids = []
        for reply in replies:
            ids.append(next(_message_ids))
            self.log.append(Sent("send", user.external_id, reply.text, reply.buttons, ids[-1]))
        return ids

    async def post(self, chat: str, reply: Reply) -> int:
        message_id = next(_message_ids)
        self.log.append(Sent("post", chat, reply.text, reply.buttons, message_id))
        return message_id

    async def edit(self, chat: str, message_id: int, reply: Reply) -> None:
        self.log.append(Sent("edit", chat, reply.text, reply.buttons, message_id))

    async def copy(
        self,
        from_chat: str,
        message_id: int,
        to_chat: str,
        caption: str | None = None,
        buttons: tuple[tuple[Button, ...], ...] = (),
    ) -> int:
        if to_chat in self.blocked:
            raise Unreachable("blocked")
        copied = next(_message_ids)
        self.log.append(
            Sent("copy", to_chat, caption or "", buttons, copied, (from_chat, message_id))
        )
        return copied

    async def set_commands(self, chat: str, commands: list[tuple[str, str]]) -> None:
        self.commands[chat] = list(commands)

    async def remove_from_group(self, chat: str, user: str) -> None:
        self.log.append(Sent("remove", chat, user))

    def deep_link(self, payload: str) -> str | None:
        return f"https://t.me/sterk_test_bot?start={payload}"

    def to(self, chat: int | str, kind: str | None = None) -> list[Sent]:
        """What went to one chat (optionally one kind of call)."""
        return [s for s in self.log if s.chat == str(chat) and kind in (None, s.kind)]

    def texts(self, chat: int | str) -> str:
        return "\n".join(s.text for s in self.to(chat))


class Person(ChatDriver):
    """A ChatDriver with a first name and message ids, as the Telegram transport sends."""

    def __init__(self, core: Core, user: int, first_name: str = "Sam") -> None:
        super().__init__(core, user=str(user), channel=CHANNEL)
        self.first_name = first_name
        self.last_message_id = 0

    def _event(self, kind: EventKind, **fields: Any) -> Event:
        self.last_message_id = next(_message_ids)
        return Event(
            self.channel,
            self.user,
            kind,
            first_name=self.first_name,
            message_id=self.last_message_id,
            **fields,
        )

    async def send(self, text: str) -> list[Reply]:
        if text.startswith("/"):
            command, _, args = text[1:].partition(" ")
            event = self._event(EventKind.COMMAND, text=text, command=command, args=args)
        else:
            event = self._event(EventKind.TEXT, text=text)
        return await self._handle(event)

    async def reply(self, text: str, to: int) -> list[Reply]:
        """A swipe-reply to the bot's message `to` (routes a staff message to its case)."""
        return await self._handle(self._event(EventKind.TEXT, text=text, reply_to=to))

    async def photo(self, caption: str = "") -> list[Reply]:
        return await self._handle(self._event(EventKind.MEDIA, media="photo", text=caption))

    async def group_tap(self, data: str) -> str | None:
        """Tap a button in the staff group; returns the toast."""
        event = Event(self.channel, self.user, EventKind.CHOICE, choice=data, chat=str(GROUP))
        outcome = await self.core.engine.handle(event)
        self.replies = outcome.replies
        return outcome.notice

    async def group_say(self, text: str) -> list[Reply]:
        """Write in the staff group (commands only count)."""
        kind = EventKind.COMMAND if text.startswith("/") else EventKind.TEXT
        command, _, args = text[1:].partition(" ")
        event = Event(
            self.channel,
            self.user,
            kind,
            text=text,
            command=command if kind is EventKind.COMMAND else "",
            args=args if kind is EventKind.COMMAND else "",
            chat=str(GROUP),
        )
        return await self._handle(event)

    async def user_id(self) -> int:
        loaded = await self.core.repo.load(self.channel, self.user)
        assert loaded is not None
        return loaded[0].id


@pytest.fixture(name="tg")
async def staff_tg(settings: Settings, clock: ManualClock) -> AsyncIterator[RunningBot]:
    """The `tg` fixture with staff: the real bot over the fake Bot API with an admin and a
    staff group (`staff_settings`). A test module takes it with `import staff_tg`."""
    async with running_bot(staff_settings(settings), clock) as running:
        yield running


def staff_settings(settings: Settings, **changes: object) -> Settings:
    """Test settings with an admin and a staff group, round-the-clock staffing by default."""
    update: dict[str, object] = {
        "admin_ids": frozenset({ADMIN}),
        "staff_group_id": GROUP,
        "staffed_hours": StaffedHours.parse("always"),
    }
    update.update(changes)
    return settings.model_copy(update=update)


@dataclass
class Office:
    """A core with the fake staff channel, a scheduler and ways to create people."""

    core: Core
    channel: FakeStaffChannel
    clock: ManualClock
    scheduler: Scheduler

    async def staff(self, user: int, role: str, first_name: str) -> Person:
        """Someone who joined with an invite for `role` (made by the admin)."""
        admin = await self.admin()
        await admin.send(f"/uitnodigen {role}")
        code = admin.text.split("start=")[1].split()[0]
        person = Person(self.core, user, first_name)
        await person.send(f"/start {code}")
        assert role in await store.roles_of(self.core.repo, await person.user_id())
        await person.send(f"/naam {first_name}")  # the name young people see
        return person

    async def admin(self) -> Person:
        person = Person(self.core, ADMIN, "Ada")
        await person.send("/privacy")
        return person

    async def young(self, user: int = 5001, first_name: str = "Jip") -> Person:
        """An onboarded young person."""
        person = Person(self.core, user, first_name)
        await person.onboard()
        return person

    async def ask_for_help(self, person: Person) -> store.Case:
        """Menu → talk → about → the case."""
        await person.send("/menu")
        await person.tap("Praat met een peer educator")
        await person.tap("Ja, graag")
        await person.tap("Het gaat om mij")
        case = await store.active_case_of(self.core.repo, await person.user_id())
        assert case is not None
        return case

    async def case(self, case_id: int) -> store.Case:
        found = await store.case(self.core.repo, case_id)
        assert found is not None
        return found

    def card(self) -> Sent:
        """The latest card posted to the staff group."""
        return self.channel.to(GROUP, "post")[-1]


@cache
def _content() -> Content:
    """Validated once per test run: it is the same for every office."""
    return load_checked_content()


@asynccontextmanager
async def office(settings: Settings, clock: ManualClock) -> AsyncIterator[Office]:
    """A running core with staff settings; the fake channel plays Telegram."""
    core = await open_core(settings, clock=clock, content=_content())
    channel = FakeStaffChannel()
    core.senders[CHANNEL] = channel
    try:
        yield Office(core, channel, clock, Scheduler(core, clock))
    finally:
        await core.close()


# -- the same people over real python-telegram-bot and the fake Bot API (tests/e2e.py) --------

IDLE = 0.15


async def say(tg: RunningBot, user: int, text: str, **who: Any) -> list[Call]:
    """`RunningBot.say` for a message that gets an answer: waits for it (up to 10 s on a busy
    machine), then until the bot is idle."""
    tg.fake.send_text(user, text, **who)
    first = await tg.fake.next_reply(user, timeout=10)
    return [first, *await tg.fake.replies_until_idle(user, idle=IDLE)]


async def join(tg: RunningBot, user: int, role: str, name: str) -> None:
    """The admin makes an invite link, the newcomer opens it and picks a team name."""
    calls = await say(tg, ADMIN, f"/uitnodigen {role}", first_name="Ada")
    link = texts(calls).split("https://t.me/sterk_test_bot?start=")[1].split()[0]
    joined = await say(tg, user, f"/start {link}", first_name=f"Echt{name}")
    assert "Welkom in het team" in texts(joined)
    await say(tg, user, f"/naam {name}", first_name=f"Echt{name}")


async def tap(tg: RunningBot, user: int, label: str) -> list[Call]:
    """`RunningBot.tap`, waiting (up to 5 s, on a busy machine) for the button to arrive."""
    for _ in range(50):
        try:
            tg.button(user, label)
            break
        except AssertionError:
            await tg.fake.replies_until_idle(user, idle=0.1)
    tg.fake.tap(user, tg.button(user, label))
    first = await tg.fake.next_reply(user, timeout=10)
    return [first, *await tg.fake.replies_until_idle(user, idle=IDLE)]


async def onboard(tg: RunningBot, user: int, first_name: str = "Jip") -> None:
    """A young person through onboarding, to the menu."""
    await say(tg, user, "/start", first_name=first_name)
    for label in ("Nederlands", "Verder", "Oké, verder", "16 jaar", "Ja, graag", "Ja", "Overslaan"):
        await tap(tg, user, label)


async def ask_for_help(tg: RunningBot, user: int) -> int:
    """Menu → talk → about: the case id of the request."""
    await say(tg, user, "/menu")
    for label in ("Praat met een peer educator", "Ja, graag", "Het gaat om mij"):
        await tap(tg, user, label)
    assert tg.core is not None
    loaded = await tg.core.repo.load(CHANNEL, str(user))
    assert loaded is not None
    case = await store.active_case_of(tg.core.repo, loaded[0].id)
    assert case is not None
    await tg.fake.replies_until_idle(GROUP, idle=IDLE)
    return case.id


async def claim(tg: RunningBot, educator: int, case_id: int, young: int) -> None:
    """The educator taps "Ik pak" on the case's card in the staff group; everyone is told."""
    tg.fake.tap(educator, f"case:claim:{case_id}", chat_id=GROUP)
    await tg.settle()  # the tap is handled: the card, the notices and the copies are sent
    for chat in (GROUP, young, educator):
        tg.fake.unread(chat)


def last_copy_from(tg: RunningBot, educator: int, young: int) -> int:
    """The id (in the educator's chat) of the newest copy of the young person's messages."""
    for call in reversed(tg.fake.calls_of("copyMessage")):
        if call.chat_id == educator and call.params.get("from_chat_id") == young and call.ok:
            return int(call.result["message_id"])
    raise AssertionError(f"no copy from {young} to {educator}")
