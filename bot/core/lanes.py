"""Who goes first under a channel's global limit: lanes, and a gate that serves them in order.

Telegram takes about 30 messages a second for the whole bot. In a surge (200 people opening the
bot after a campaign) or during a 10,000-person broadcast, messages wait for that limit; first
come, first served made a crisis answer wait behind broadcast messages. Every outgoing message
now waits in a lane: a crisis answer first, then answers to people who are chatting, then staff
relays, then check-ins and reminders, then broadcasts (issue 17). The lane travels with the
call in a context variable, so code far from the transport (the scheduler, the staff desk) sets
it once around what it sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from enum import IntEnum


class Lane(IntEnum):
    """Lower goes first."""

    CRISIS = 0
    REPLY = 1
    STAFF = 2
    SCHEDULED = 3
    BROADCAST = 4


_LANE: ContextVar[Lane] = ContextVar("lane", default=Lane.REPLY)


@contextlib.contextmanager
def lane(value: Lane) -> Iterator[None]:
    """Send what is sent inside this block in `value`'s lane."""
    token = _LANE.set(value)
    try:
        yield
    finally:
        _LANE.reset(token)


def current() -> Lane:
    """The lane of the message being sent now (an answer to a person when nobody said)."""
    return _LANE.get()


BURST_SECONDS = 0.02  # a gate's bucket holds 20 ms worth: no 1-second window gets much more


class PriorityGate:
    """A token bucket (`rate` a second) whose waiters are served by lane, then in order of
    arrival: a crisis answer that arrives behind 500 waiting broadcast messages is the next to
    go. The bucket is small (`burst`, by default 20 ms worth), because Telegram counts in any
    one-second window: a full second's burst on top of the rate would earn 429s."""

    def __init__(
        self, rate: float, burst: float | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self._rate = rate
        self._capacity = max(1.0, burst if burst is not None else rate * BURST_SECONDS)
        self._clock = clock
        self._tokens = self._capacity
        self._stamp = clock()
        self._order = itertools.count()
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._server: asyncio.Task[None] | None = None

    def waiting(self, level: Lane | None = None) -> int:
        """Callers waiting now (in one lane, or in all)."""
        return sum(
            1 for lvl, _, f in self._waiting if not f.done() and (level is None or lvl == level)
        )

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self._capacity, self._tokens + (now - self._stamp) * self._rate)
        self._stamp = now

    def hold(self, seconds: float) -> None:
        """Hand out nothing for `seconds` (Telegram answered 429 "retry after"); who waits
        meanwhile goes afterwards at the rate, by lane, not all at once. Holds do not add up:
        the calls in flight when Telegram says 429 all get it, for the same pause."""
        self._refill()
        self._tokens = min(self._tokens, 1.0 - seconds * self._rate)

    async def acquire(self, level: Lane) -> None:
        """Wait for a token; callers in a lower lane are served first."""
        self._refill()
        if not self._waiting and self._tokens >= 1:
            self._tokens -= 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (int(level), next(self._order), future))
        if self._server is None or self._server.done():
            self._server = asyncio.create_task(self._serve())
        await future  # a cancelled waiter is skipped by `_serve`

    async def _serve(self) -> None:
        """Hand out tokens as they come, lowest lane first, until nobody waits."""
        while self._waiting:
            self._refill()
            if self._tokens < 1:
                await asyncio.sleep((1 - self._tokens) / self._rate)
                continue
            _, _, future = heapq.heappop(self._waiting)
            if future.done():  # cancelled while it waited
                continue
            self._tokens -= 1
            future.set_result(None)


class ChatPacer:
    """Telegram's limit of one message a second per chat, counted from the moment a message
    leaves (after its wait for the global gate), with a little margin: Telegram counts arrivals
    and the network bunches messages up. What the bot starts itself keeps to it; an answer
    goes at the pace the person writes, unless Telegram said 429 for that chat (`hold`)."""

    MAX_CHATS = 20_000  # forget chats that are quiet again beyond this many

    def __init__(self, gap: float = 1.05, clock: Callable[[], float] = time.monotonic) -> None:
        self.gap = gap
        self._clock = clock
        self._last: dict[int, float] = {}  # chat -> when its last message left
        self._held: dict[int, float] = {}  # chat -> until when Telegram refused it (429)

    def wait(self, chat: int) -> float:
        """Seconds until a message the bot starts may leave for this chat (0: now)."""
        last = self._last.get(chat)
        paced = 0.0 if last is None else max(0.0, last + self.gap - self._clock())
        return max(paced, self.held(chat))

    def held(self, chat: int) -> float:
        """Seconds this chat is still held after a 429 (0: not held)."""
        until = self._held.get(chat)
        if until is None:
            return 0.0
        left = until - self._clock()
        if left <= 0:
            del self._held[chat]
        return max(0.0, left)

    def hold(self, chat: int, seconds: float) -> None:
        """Telegram answered 429 for this chat: nothing leaves for it for `seconds`."""
        self._held[chat] = self._clock() + seconds

    def sent(self, chat: int) -> float | None:
        """A message leaves for this chat now; when the one before it left (None: none)."""
        now = self._clock()
        before = self._last.get(chat)
        self._last[chat] = now
        if len(self._last) > self.MAX_CHATS:
            self._last = {c: t for c, t in self._last.items() if t + self.gap > now}
        return before

    def recent(self, before: float | None) -> bool:
        """Whether a message that left at `before` is within the chat's second."""
        return before is not None and self._clock() - before < self.gap
