"""Pacing for the scheduler's lane (broadcasts): a token bucket plus one message a second per chat.

Telegram allows about 30 messages a second in bulk and about one a second per chat, and a 429
pauses the whole bot. The transport's `AIORateLimiter` only smooths bursts (STERK_TELEGRAM_MAX_RATE)
and does not space messages per chat, so thousands of broadcast messages get their own, lower
pace (STERK_BROADCAST_RATE, default 25/s under 30/s), which leaves room for answering the people
who are chatting at the same time.

With replicas (PostgreSQL) the bucket is a row every replica takes from (`reserve`, see
bot/storage/shared.py), so the pace holds for the whole deployment; the per-chat gap stays
per process (one person gets one broadcast message).

The bucket holds at most 20 ms worth of tokens: enough to make up for the event loop waking a
little late, too little to exceed the rate in any one-second window by more than a message or two.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable

BURST_SECONDS = 0.02


class Pacer:
    """`await pacer.wait(chat)` before each message; returns when it may go out."""

    def __init__(
        self,
        rate: float,
        per_chat_seconds: float = 1.0,
        *,
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        reserve: Callable[[float, float], Awaitable[float]] | None = None,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.capacity = max(1.0, rate * BURST_SECONDS)
        self.per_chat_seconds = per_chat_seconds
        self._now = now
        self._sleep = sleep
        self._reserve = reserve  # (rate, burst) -> seconds to wait, from a shared bucket
        self._tokens = self.capacity
        self._stamp = now()
        self._last: OrderedDict[Hashable, float] = OrderedDict()  # chat -> last send, oldest first

    async def wait(self, chat: Hashable) -> None:
        """Wait for this chat's gap, then take a token (waiting until it is earned)."""
        last = self._last.get(chat)
        if last is not None:
            gap = last + self.per_chat_seconds - self._now()
            if gap > 0:
                await self._sleep(gap)
        if self._reserve is not None:
            wait = await self._reserve(self.rate, self.capacity)
            if wait > 0:
                await self._sleep(wait)
            self._remember(chat, self._now())
            return
        now = self._now()
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        self._tokens -= 1  # reserved now; a deficit is paid for by waiting
        if self._tokens < 0:
            await self._sleep(-self._tokens / self.rate)
        self._remember(chat, self._now())

    def _remember(self, chat: Hashable, at: float) -> None:
        """Keep send times only as long as they can still delay someone."""
        self._last[chat] = at
        self._last.move_to_end(chat)
        horizon = at - self.per_chat_seconds
        while self._last:
            oldest = next(iter(self._last))
            if self._last[oldest] > horizon:
                break
            del self._last[oldest]
