"""How the core asks a channel to deliver messages, and keeps what could not be delivered yet.

`Sender` is what the scheduler and the staff desk use for messages the bot starts itself;
`Outbox` holds answers a channel could not deliver (an outage, a 429) and retries them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from bot.core.clock import Clock, epoch
from bot.core.model import Reply
from bot.storage import db, outbox
from bot.storage.files import disk_trouble
from bot.storage.repository import Repository, User

log = logging.getLogger(__name__)


class Unreachable(Exception):
    """The person blocked the bot or deleted their account: stop sending."""


class RetryLater(Exception):
    """The channel asked us to slow down; try again after `seconds`."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds}s")
        self.seconds = seconds


class DeliveryFailed(Exception):
    """A temporary failure (network, server error); the item may be retried."""


class InDoubt(DeliveryFailed):
    """The request went out but no answer came in time: it may well have arrived.

    Telegram has no way to ask whether a message arrived and no idempotency key, so sending it
    again risks a second copy (found by bench/load.py --faults). Transports wait long for an
    answer (a stuck Telegram answers 5xx) and do not send such a message again.
    """


class Sender(Protocol):
    """A channel that can send replies to a known user without an incoming event."""

    async def send(self, user: User, replies: list[Reply]) -> None:
        """Deliver in order; raise `Unreachable`, `RetryLater` or `DeliveryFailed`."""
        ...


@runtime_checkable
class KindSender(Sender, Protocol):
    """A `Sender` that needs to know which scheduled kind starts a message: outside its
    24-hour window WhatsApp may only announce it with the approved template for that kind."""

    async def send_kind(self, user: User, replies: list[Reply], kind: str) -> None:
        """`send`, for a message of the scheduled `kind`."""
        ...


class Rejected(DeliveryFailed):
    """The channel refused this message for good (Telegram 400): sending it again cannot help."""


SendOne = Callable[[str, Reply], Awaitable[None]]
ChatGone = Callable[[str], Awaitable[None]]

BACKOFF_FIRST = 1.0  # seconds after the first failure in a row
BACKOFF_MAX = 10.0  # the longest pause between tries while the channel is down


@dataclass(slots=True)
class _Held:
    seq: int  # the order of holding; for stored replies their row id
    row: int | None  # None: kept in memory only (the person is not stored, or the disk is full)
    reply: Reply
    urgent: bool


@dataclass(slots=True)
class OutboxCounts:
    """What the outbox did since start (bench/outage.py and the log read these)."""

    held: int = 0
    delivered: int = 0
    unreachable: int = 0  # dropped: the person blocked the bot or the chat is gone
    rejected: int = 0  # dropped: the channel refused the message itself
    in_doubt: int = 0  # timed out after sending: counted as sent, never sent twice


class Outbox:
    """Replies a channel could not deliver, retried by one worker until they go out.

    - Order per chat: a chat's replies go one by one, oldest first, and while a chat has
      replies waiting the transport puts new ones behind them (`waiting`), so a later reply
      never overtakes an earlier one.
    - Crisis answers first: chats with a crisis answer waiting are served before the others.
    - Backoff: a 5xx or network failure means the channel is down, not the chat: the worker
      pauses (1, 2, 4, 8, then every 10 s) and tries one reply, and all go once one succeeds;
      meanwhile the transport holds new replies at once (`outage`) instead of trying each. A
      429 pauses only its chat.
    - Unreachable (403 blocked, chat not found): the chat's replies are dropped and counted,
      never retried forever.
    - Survives a restart: replies to stored people are rows in the `outbox` table
      (bot/storage/outbox.py) until delivered, and `load` reads them back at start.
    """

    def __init__(
        self,
        repo: Repository,
        clock: Clock,
        channel: str,
        send_one: SendOne,
        gone: ChatGone,
        monotonic: Callable[[], float] = time.monotonic,
        replica: str | None = None,
        lease: float = 10.0,
    ) -> None:
        self.repo = repo
        # With replicas (PostgreSQL, webhook mode) every stored reply is claimed by the replica
        # holding it, with a lease it renews; one process alone claims nothing.
        self.replica = replica
        self.lease = lease
        self._upkeep: asyncio.Task[None] | None = None
        self._crossing: set[int] = set()  # rows being deleted after delivery
        self.clock = clock
        self.channel = channel
        self._send_one = send_one
        self._gone = gone
        self._monotonic = monotonic
        self._chats: dict[str, deque[_Held]] = {}
        self._not_before: dict[str, float] = {}  # a chat paused by a 429
        self._down_until = 0.0
        self._failures = 0  # failures in a row of the channel as a whole
        self._seq = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.counts = OutboxCounts()

    def waiting(self, chat: str) -> bool:
        """Whether replies to this chat wait (a new one must go behind them)."""
        return chat in self._chats

    def outage(self) -> bool:
        """Whether the channel failed recently and has not delivered since."""
        return self._failures > 0

    def depth(self) -> int:
        """Replies waiting, in memory (stored and not stored)."""
        return sum(len(queue) for queue in self._chats.values())

    async def hold(
        self, chat: str, user_id: int | None, replies: list[Reply], urgent: bool = False
    ) -> None:
        """Keep replies (stored when the person is) and wake the worker."""
        if not replies:
            return
        rows: list[int | None] = [None] * len(replies)
        if user_id is not None:
            try:
                now = self.clock.now()
                claim = self._claim(now)
                rows = list(
                    await outbox.hold(
                        self.repo, self.channel, chat, user_id, replies, urgent, now, claim
                    )
                )
            except db.Error as exc:  # full or read-only disk: in memory until delivered
                disk_trouble.report("undelivered replies are kept in memory", exc)
        queue = self._chats.setdefault(chat, deque())
        for row, reply in zip(rows, replies, strict=True):
            self._seq = max(self._seq + 1, row or 0)
            queue.append(_Held(self._seq, row, reply, urgent))
        self.counts.held += len(replies)
        self._wake.set()

    async def _cross_off(self, rows: list[int]) -> None:
        """Delete delivered (or dropped) rows; until they are gone a claim that reads them
        must not take them for new ones (`load` skips `_crossing`)."""
        self._crossing.update(rows)
        try:
            await outbox.delivered(self.repo, rows)
        finally:
            self._crossing.difference_update(rows)

    def _claim(self, now: datetime) -> outbox.Claim | None:
        if self.replica is None:
            return None
        return outbox.Claim(self.replica, epoch(now) + math.ceil(self.lease))

    async def load(self) -> int:
        """Read what a previous process (with replicas: a replica that stopped or died, or
        nobody) could not deliver; how many replies."""
        now = self.clock.now()
        claim = self._claim(now)
        if claim is None:
            rows = await outbox.waiting(self.repo, self.channel)
        else:
            rows = await outbox.claim(self.repo, self.channel, claim, now)
        known = {held.row for queue in self._chats.values() for held in queue} | self._crossing
        fresh = [row for row in rows if row.id not in known]
        for row in fresh:
            self._seq = max(self._seq, row.id)
            self._chats.setdefault(row.chat, deque()).append(
                _Held(row.id, row.id, row.reply, row.urgent)
            )
        if fresh:
            log.info("%d undelivered repl(ies) from before a restart will be sent", len(fresh))
            self._wake.set()
        return len(fresh)

    def start(self) -> None:
        """Start the worker (after the channel can send)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"outbox:{self.channel}")
        if self.replica is not None and self._upkeep is None:
            self._upkeep = asyncio.create_task(self._keep_claims(), name="outbox-claims")

    async def stop(self) -> None:
        """Stop the worker; what waits stays stored for the next start."""
        for task in (self._task, self._upkeep):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._task = self._upkeep = None

    async def _keep_claims(self) -> None:
        """Renew this replica's leases and take over what a dead replica left, every third of
        a lease (a renewal may fail once without the lease running out): one claim does both,
        as it also takes the rows this replica holds."""
        while True:
            await asyncio.sleep(self.lease / 3)
            try:
                await self.load()
            except db.Error as exc:
                disk_trouble.report("the outbox's claims could not be renewed", exc)

    async def _run(self) -> None:
        while True:
            chat = self._next()
            if chat is None:
                await self._pause()
                continue
            try:
                await self._try(chat)
            except db.Error as exc:  # the row stays; tried again after a pause
                disk_trouble.report("a delivered reply could not be crossed off", exc)
                await asyncio.sleep(BACKOFF_MAX)
            except Exception:  # a bug must not stop deliveries for everyone
                log.exception("outbox delivery failed")
                await asyncio.sleep(BACKOFF_FIRST)

    def _next(self) -> str | None:
        """The chat to serve now: crisis answers first, then the oldest reply."""
        now = self._monotonic()
        if now < self._down_until:
            return None
        best: tuple[tuple[bool, int], str] | None = None
        for chat, queue in self._chats.items():
            if self._not_before.get(chat, 0.0) > now:
                continue
            key = (not any(held.urgent for held in queue), queue[0].seq)
            if best is None or key < best[0]:
                best = (key, chat)
        return best[1] if best else None

    async def _pause(self) -> None:
        """Sleep until something is held or the next pause ends."""
        self._wake.clear()
        now = self._monotonic()
        ends = [t for t in (self._down_until, *self._not_before.values()) if t > now]
        timeout = min(ends) - now if ends else None
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._wake.wait()

    async def _try(self, chat: str) -> None:
        queue = self._chats[chat]
        held = queue[0]
        try:
            await self._send_one(chat, held.reply)
        except Unreachable:
            dropped = list(queue)
            del self._chats[chat]
            self._not_before.pop(chat, None)
            await self._cross_off([h.row for h in dropped if h.row is not None])
            await self._gone(chat)
            # Counted once stored: whoever reads the count finds the rows gone and the person
            # marked (on PostgreSQL those writes take a round trip each, long enough to see).
            self.counts.unreachable += len(dropped)
            log.info("dropped %d undelivered repl(ies): the person is unreachable", len(dropped))
            return
        except RetryLater as exc:
            self._not_before[chat] = self._monotonic() + max(exc.seconds, BACKOFF_FIRST)
            return
        except InDoubt:
            self.counts.in_doubt += 1
        except Rejected:
            self.counts.rejected += 1
            log.warning("dropped an undelivered reply the channel refused")
        except DeliveryFailed:
            self._failures += 1
            pause = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (self._failures - 1))
            self._down_until = self._monotonic() + pause
            return
        else:
            self.counts.delivered += 1
        self._failures = 0
        self._down_until = 0.0
        self._not_before.pop(chat, None)
        queue.popleft()
        if not queue:
            del self._chats[chat]
        if held.row is not None:
            await self._cross_off([held.row])
