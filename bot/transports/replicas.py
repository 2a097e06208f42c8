"""Replicas: several webhook processes on one PostgreSQL database, each update handled once.

Behind a load balancer any replica may be posted any update. The replica that is posted an
update only keeps it in the shared inbox (before its 200); which replica handles it is decided
by `inbox.claim`: the oldest open update of each chat, so one person's updates are handled one
at a time and in order even when they arrived at different replicas. `SharedInbox` is that
claim loop in one replica: it claims as many heads as it has room for, hands each to the
transport, renews its leases while they are handled, and gives them back when it stops. After
a SIGKILL nothing is given back: the leases run out (`STERK_INBOX_LEASE_SECONDS`) and another
replica claims the updates again.

Woken at once when this replica keeps an update or finishes one (the chat's next update may be
waiting); otherwise it looks every `POLL_SECONDS`, which is how it sees updates other replicas
were posted while they are busy, and claims a killed replica left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable

from bot.storage import db, inbox
from bot.storage.repository import Repository

log = logging.getLogger(__name__)

POLL_SECONDS = 0.2
ERROR_PAUSE = 1.0  # after a database error before the next claim

# (update id, JSON, received at in epoch seconds) of one claimed update
Hand = Callable[[int, str, int], Awaitable[None]]


def replica_name() -> str:
    """Who holds a claim: host and process, plus a random part (a PID comes back)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class SharedInbox:
    """Claims the updates this replica handles; see the module docstring."""

    def __init__(self, repo: Repository, capacity: int, lease: float, hand: Hand) -> None:
        self.repo = repo
        self.capacity = capacity  # updates in this replica's hands at most
        self.lease = lease
        self.name = replica_name()
        self._hand = hand
        self._held: set[int] = set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._renewed = 0.0

    def wake(self) -> None:
        """Something may be claimable now (an update kept or finished here)."""
        self._wake.set()

    def done(self, update_id: int) -> None:
        """The update is answered (its row is gone): room for the next one."""
        self._held.discard(update_id)
        self._wake.set()

    def start(self) -> None:
        """Start claiming."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="shared-inbox")

    async def stop(self) -> None:
        """Stop claiming (call before the transport stops handling)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def release(self) -> None:
        """Give back what this replica still holds (after handling stopped): another replica
        takes it over at once instead of after the lease."""
        with contextlib.suppress(*db.Error):
            given = await inbox.release(self.repo, self.name)
            if given:
                log.info("gave back %d claimed update(s) to the other replicas", given)
        self._held.clear()

    async def _run(self) -> None:
        while True:
            try:
                await self._step()
            except db.Error as exc:
                log.warning("inbox claim failed: %s", type(exc).__name__)
                await asyncio.sleep(ERROR_PAUSE)
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(POLL_SECONDS):
                    await self._wake.wait()

    async def _step(self) -> None:
        """Renew when a third of the lease has passed, then claim while there is room."""
        now = time.monotonic()
        if self._held and now - self._renewed >= self.lease / 3:
            await inbox.renew(self.repo, self.name, self.lease)
            self._renewed = now
        while (room := self.capacity - len(self._held)) > 0:
            claimed = await inbox.claim(self.repo, self.name, room, self.lease)
            if not self._held:
                self._renewed = time.monotonic()
            for update_id, payload, received_at in claimed:
                if update_id in self._held:  # renewed by this claim; already in hand
                    continue
                self._held.add(update_id)
                await self._hand(update_id, payload, received_at)
            if len(claimed) < room:
                return
