"""Helpers for scheduler tests: a recording channel, onboarded people, moving the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.app import Core
from bot.core.clock import ManualClock
from bot.core.model import Reply
from bot.storage.repository import User
from scheduler.service import Scheduler
from tests.driver import ChatDriver

AMS = ZoneInfo("Europe/Amsterdam")


def ams(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An Amsterdam wall-clock time as the aware UTC instant the code works with."""
    return datetime(year, month, day, hour, minute, tzinfo=AMS).astimezone(UTC)


class RecordingSender:
    """A channel that records what the scheduler sends and can fail on demand."""

    def __init__(self, clock: ManualClock | None = None) -> None:
        self.clock = clock
        self.sent: list[tuple[int, list[Reply], datetime | None]] = []
        self.failures: list[Exception] = []

    @classmethod
    def install(cls, core: Core, clock: ManualClock) -> RecordingSender:
        """Become the `test` channel's sender, recording with the clock's time."""
        recording = cls(clock)
        core.senders["test"] = recording
        return recording

    async def send(self, user: User, replies: list[Reply]) -> None:
        """Raise the next queued failure, else record the replies (with the clock time)."""
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((user.id, replies, self.clock.now() if self.clock else None))

    def to(self, user_id: int) -> list[list[Reply]]:
        """The deliveries to one person."""
        return [replies for uid, replies, _at in self.sent if uid == user_id]

    @property
    def times(self) -> list[datetime | None]:
        """When each delivery happened."""
        return [at for _uid, _replies, at in self.sent]


def show(chat: ChatDriver, replies: list[Reply]) -> None:
    """Let the driver see pushed messages as if they had arrived in the chat."""
    chat.replies = replies
    for reply in replies:
        found = [b for row in reply.buttons for b in row]
        if found:
            chat.buttons = found


async def onboarded(
    core: Core,
    external: str = "1001",
    checkins: bool = True,
    language: str = "Nederlands",
    selfreport: bool = False,
) -> tuple[ChatDriver, User]:
    """A person who finished onboarding on the `test` channel.

    Onboarding plans the first self-report; it is cancelled unless `selfreport`, so tests
    about other items count only their own messages.
    """
    chat = ChatDriver(core, user=external)
    await chat.onboard(language=language, checkins=checkins)
    loaded = await core.repo.load("test", external)
    assert loaded is not None
    if not selfreport:
        await core.repo.cancel_scheduled(loaded[0].id, ("selfreport",), core.clock.now())
    return chat, loaded[0]


async def tick_until(
    scheduler: Scheduler, clock: ManualClock, until: datetime, step: timedelta
) -> None:
    """Tick, then move the clock by `step`, up to and including `until`."""
    while clock.now() <= until:
        await scheduler.tick()
        clock.advance(seconds=step.total_seconds())
