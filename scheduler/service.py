"""The one scheduler in the bot process: claims due rows and delivers them through the core.

The database is the source of truth; APScheduler (3.x `AsyncIOScheduler`) only runs two
periodic jobs: a tick every few seconds (which also runs the retention sweep at start and then
every 24 hours) and the daily digest hooks.
Tests call `tick()`, `digest()` and `sweep()` directly and move an injected clock.

Delivery guarantees:
- A tick claims due rows in one `BEGIN IMMEDIATE` statement with this scheduler's token, so two
  ticks (or processes) never get the same row; every later change names the token.
- A normal stop lets the items being sent finish, then hands every other claimed row back
  unchanged: nothing is lost or sent twice across a restart.
- Replicas: each runs a scheduler. Claims are leases: a periodic job renews this scheduler's
  (`renew`), so only a dead scheduler's claims grow older than `stale_after`. The digest and
  the retention sweep run in the one replica that takes their turn (`bot.storage.shared`), and
  on PostgreSQL the lane's pace is one bucket row for the whole deployment.
- After a crash, claims older than `stale_after` are taken back by the next tick of any
  scheduler. An item that was sent just before the crash (but not marked) is sent once more;
  one that was not sent yet goes out once. Nothing is lost.
- Items due while the bot was down go out after start if still within their kind's grace
  window; older ones are recorded as `expired`.

Respect rules, checked at send time (so a change of mind counts until the last moment):
- Proactive items need the kind's opt-in and a person who has not used /stop and has not
  blocked the bot; otherwise the item is `cancelled`.
- Quiet hours (STERK_QUIET_HOURS_START/END in STERK_TIMEZONE): the item waits for the morning.
- One unasked proactive message per person per local calendar day: if any proactive message
  went out that day, an unasked one waits for the next day's first allowed moment. Asked items
  (a check-in moment the person chose, or a row whose payload has `"asked": true`) are not
  held back, but they do count as that day's message, and go first when both are due.
- `patient` kinds wait while the person is busy in another flow (any flow but the menu, with a
  step less than `busy_window` ago) instead of interrupting it.
- Blocked (`Unreachable`, Telegram 403): the row fails, the person is marked unreachable and
  their pending proactive items are cancelled. Staff reminders are still tried one by one.
- Rate limited (`RetryLater`, Telegram 429): the row goes back to pending at now + retry_after,
  and the whole scheduler pauses until then (Telegram's limit is per bot, not per chat).
- Other failures retry with backoff up to `max_attempts`, then the row fails.

The lane (kinds registered with `lane=True`: broadcasts) is delivered by a task of its own, not
by the tick: one item at a time in due order, each marked before the next is sent, paced by a
token bucket (STERK_BROADCAST_RATE) and one message a second per chat. So after a crash at most
one lane message can repeat (the one sent but not yet marked), and a broadcast to thousands of
people does not hold up check-ins and reminders. The rules above apply to lane items unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time as _time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.clock import Clock, from_epoch
from bot.core.delivery import KindSender, RetryLater, Unreachable
from bot.core.lanes import Lane, lane
from bot.storage import db, retention, scheduled, shared
from bot.storage.files import disk_trouble
from bot.storage.repository import User
from bot.storage.scheduled import Finished, Item
from scheduler.jobs import Delivery, Hook, JobRegistry, Kind, Postpone
from scheduler.pacing import Pacer
from scheduler.timing import QuietHours

if TYPE_CHECKING:  # a type only: importing the app factory here made scheduler <-> app a cycle
    from bot.app import Core

log = logging.getLogger(__name__)

IDLE_FLOWS = frozenset({"", "menu"})  # where a pushed flow interrupts nothing
NO_SENDER_DELAY = timedelta(minutes=10)  # the person's channel is not running in this process
# The retention sweep runs from the tick: at the first tick after start and then every 24 hours
# of the scheduler's clock, so a bot that is never up at a fixed hour still sweeps daily.
SWEEP_EVERY = timedelta(days=1)
SWEEP_CHECK = timedelta(minutes=1)  # how often a replica asks whether the sweep is its turn
# The digest runs at a fixed local time in every replica; the first takes the turn, which holds
# long enough to cover clocks a little apart and short enough for tomorrow's run.
DIGEST_TURN = timedelta(hours=20)
LANE_BATCH = 50  # lane items claimed at once; claimed but unsent ones are never in doubt


class Scheduler:
    """Delivers due `scheduled` rows through `core.senders`; one instance per process run."""

    def __init__(
        self,
        core: Core,
        clock: Clock | None = None,
        *,
        registry: JobRegistry | None = None,
        tick_seconds: float = 2.0,
        batch: int = 200,
        concurrency: int = 8,
        stale_after: timedelta = timedelta(minutes=5),
        max_attempts: int = 5,
        busy_window: timedelta = timedelta(minutes=10),
        digest_at: time | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        self.core = core
        self.clock = clock or core.clock
        self.registry = registry or core.jobs  # the kinds and hooks of every feature
        self.quiet = QuietHours.from_settings(core.settings)
        self.tick_seconds = tick_seconds
        self.batch = batch
        self.concurrency = concurrency
        self.stale_after = stale_after
        self.max_attempts = max_attempts
        self.busy_window = busy_window
        self.digest_at = digest_at or core.settings.quiet_hours_end
        self.token = secrets.token_hex(8)  # identifies this run's claims
        self.pacer = pacer or Pacer(
            core.settings.broadcast_rate,
            reserve=self._reserve if core.repo.dialect == "postgresql" else None,
        )
        self._aps: AsyncIOScheduler | None = None
        self._tick_lock = asyncio.Lock()
        self._lane_lock = asyncio.Lock()
        self._lane_task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._stopping = False
        self._paused_until: datetime | None = None
        self._next_sweep: datetime | None = None  # None: sweep at the first tick

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        """Start the periodic jobs on the running event loop; the first tick runs at once."""
        if self._aps is not None or self._stopping:
            raise RuntimeError("a Scheduler runs once; make a new one after stop()")
        tz = self.quiet.tz
        aps = AsyncIOScheduler(timezone=tz)
        aps.add_job(
            self._periodic_tick,
            IntervalTrigger(seconds=self.tick_seconds, timezone=tz),
            id="tick",
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(tz),
        )
        aps.add_job(  # outside the tick's lock: a long batch keeps its claims fresh
            self._periodic_renew,
            IntervalTrigger(seconds=self.stale_after.total_seconds() / 3, timezone=tz),
            id="renew",
            max_instances=1,
            coalesce=True,
        )
        daily: dict[str, Any] = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 3600}
        aps.add_job(
            self._daily_digest,
            CronTrigger(hour=self.digest_at.hour, minute=self.digest_at.minute, timezone=tz),
            id="digest",
            **daily,
        )
        aps.start()
        self._aps = aps
        if self._lane_kinds():
            self._lane_task = asyncio.create_task(self._lane_loop(), name="scheduler-lane")

    async def stop(self) -> None:
        """Finish the items being sent, hand every other claim back, stop the periodic jobs."""
        self._stopping = True
        aps, self._aps = self._aps, None
        if aps is not None and aps.running:
            aps.pause()
        lane, self._lane_task = self._lane_task, None
        if lane is not None:
            self._wake.set()
            await lane  # returns after the item being sent is marked
        async with self._tick_lock:  # a running tick returns after its current items
            if aps is not None and aps.running:
                aps.shutdown(wait=False)
                await asyncio.sleep(0)  # APScheduler shuts down in a loop callback
            await scheduled.release(self.core.repo, self.token)

    @property
    def is_up(self) -> bool:
        """Started, not stopping, and its periodic jobs are scheduled (/healthz)."""
        return self._aps is not None and self._aps.running and not self._stopping

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Scheduler]:
        """`async with Scheduler(core).running():` around a transport's lifetime."""
        self.start()
        try:
            yield self
        finally:
            await self.stop()

    # -- periodic jobs ------------------------------------------------------------------------

    async def _periodic_tick(self) -> None:
        try:
            await self.tick()
        except db.Error as exc:  # disk full or read-only: one line a minute, rows wait
            disk_trouble.report("due messages wait", exc)
        except Exception:
            log.exception("scheduler tick failed")

    async def _periodic_renew(self) -> None:
        with contextlib.suppress(*db.Error):  # the tick reports database trouble
            await self.renew()

    async def tick(self) -> int:
        """Deliver everything due now; returns how many claimed items were handled."""
        async with self._tick_lock:
            if self._stopping:
                return 0
            await self._sweep_when_due()
            if self._paused():
                return 0
            repo, now = self.core.repo, self.clock.now()
            kinds = self.registry.kinds
            reclaimed = await scheduled.reclaim_stale(repo, self.token, now - self.stale_after)
            if reclaimed:
                log.warning("took back %d items claimed by a scheduler that stopped", reclaimed)
            await scheduled.expire_overdue(repo, {n: k.grace for n, k in kinds.items()}, now)
            handled = 0
            batched = [name for name, kind in kinds.items() if not kind.lane]
            while not self._stopping and not self._paused():
                items = await scheduled.claim_due(
                    repo, batched, self.clock.now(), self.token, self.batch
                )
                handled += await self._run_batch(items)
                if len(items) < self.batch:
                    break
            if not self._stopping and not self._paused():
                await self._run_hooks(self.registry.tick_hooks, self.clock.now())
                self._wake.set()  # a hook may have started a broadcast: the lane looks now
            return handled

    async def drain(self) -> int:
        """Deliver the due lane items one at a time, paced, until none is due; how many.

        The lane task calls this after every tick (and at least every `tick_seconds`); tests
        call it directly.
        """
        names = self._lane_kinds()
        repo, handled = self.core.repo, 0
        async with self._lane_lock:
            while names and not self._stopping and not self._paused():
                items = await scheduled.claim_due(
                    repo, names, self.clock.now(), self.token, LANE_BATCH
                )
                done = 0
                try:
                    for item in items:
                        if self._stopping or self._paused():
                            break
                        await self._deliver(item)
                        done += 1
                finally:  # hand back what was claimed but not attempted
                    if done < len(items):
                        await scheduled.release(repo, self.token, [i.id for i in items[done:]])
                handled += done
                if len(items) < LANE_BATCH:
                    break
        return handled

    def _lane_kinds(self) -> list[str]:
        return [name for name, kind in self.registry.kinds.items() if kind.lane]

    async def _lane_loop(self) -> None:
        while not self._stopping:
            try:
                await self.drain()
            except db.Error as exc:
                disk_trouble.report("broadcast messages wait", exc)
            except Exception:
                log.exception("lane delivery failed")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.tick_seconds):
                    await self._wake.wait()  # set after each tick, and by stop()
            self._wake.clear()

    async def digest(self) -> None:
        """Run the daily digest hooks (registered by the staff module)."""
        await self._run_hooks(self.registry.digest_hooks, self.clock.now())

    async def _daily_digest(self) -> None:
        """The morning's digest, in the one replica that takes the day's turn."""
        try:
            if await shared.take_turn(
                self.core.repo, "digest", self.token, self.clock.now(), DIGEST_TURN
            ):
                await self.digest()
        except db.Error as exc:
            disk_trouble.report("the daily digest waits", exc)

    async def _reserve(self, rate: float, burst: float) -> float:
        """The lane's share of the deployment's broadcast pace (a bucket row)."""
        return await shared.reserve(self.core.repo, "broadcast", rate, burst, _time.time())

    async def renew(self) -> int:
        """Refresh this scheduler's claims, so a long batch is not taken for a dead one's."""
        return await scheduled.renew(self.core.repo, self.token, self.clock.now())

    async def _sweep_when_due(self) -> None:
        """At the first tick and then every 24 hours, in one replica (the one taking the turn)."""
        now = self.clock.now()
        if self._next_sweep is not None and now < self._next_sweep:
            return
        self._next_sweep = now + SWEEP_CHECK
        repo = self.core.repo
        if not await shared.take_turn(repo, "retention", self.token, now, SWEEP_EVERY):
            return
        try:
            await self.sweep()
        except db.Error as exc:  # disk full: try again at the next tick (of any replica)
            self._next_sweep = None
            await shared.give_back(repo, "retention", self.token, now)
            disk_trouble.report("the retention sweep waits", exc)

    async def sweep(self) -> dict[str, int]:
        """Delete what is past STERK_RETENTION_DAYS (see `bot.storage.retention`), then hooks."""
        before = self.clock.now() - timedelta(days=self.core.settings.retention_days)
        counts = await retention.sweep(self.core.repo, before, self.clock.now())
        log.info("retention sweep: %s", counts)
        await self._run_hooks(self.registry.retention_hooks, before)
        await self.core.repo.checkpoint()  # no copy of what was deleted stays in the -wal file
        return counts

    async def _run_hooks(self, hooks: list[Hook], when: datetime) -> None:
        """Every hook runs, even after an earlier one failed."""
        for hook in hooks:
            try:
                await hook(self.core, when)
            except Exception:
                log.exception("daily hook %s failed", getattr(hook, "__name__", hook))

    # -- delivery -----------------------------------------------------------------------------

    def _paused(self) -> bool:
        return self._paused_until is not None and self.clock.now() < self._paused_until

    async def _run_batch(self, items: list[Item]) -> int:
        """Per person in due order, different people concurrently (bounded)."""
        by_user: dict[int, list[Item]] = {}
        for item in items:
            by_user.setdefault(item.user_id, []).append(item)
        for queue in by_user.values():  # asked items first: an unasked one then waits a day
            queue.sort(key=lambda item: not self._asked(item))
        gate = asyncio.Semaphore(self.concurrency)
        untouched: list[int] = []

        async def run(queue: list[Item]) -> None:
            async with gate:
                for item in queue:
                    if self._stopping or self._paused():
                        untouched.append(item.id)
                    else:
                        await self._deliver(item)

        results = await asyncio.gather(
            *(run(queue) for queue in by_user.values()), return_exceptions=True
        )
        for error in results:  # e.g. the database failed while recording an outcome
            if isinstance(error, BaseException):
                log.error("delivery aborted: %s", type(error).__name__, exc_info=error)
        if untouched:
            await scheduled.release(self.core.repo, self.token, untouched)
        return len(items) - len(untouched)

    async def _deliver(self, item: Item) -> None:
        """One attempt; every outcome leaves the row finished or pending again."""
        repo, now = self.core.repo, self.clock.now()
        try:
            await self._attempt(self.registry.kinds[item.kind], item, now)
        except RetryLater as exc:
            self._paused_until = now + timedelta(seconds=exc.seconds)
            await self._postpone(item, self._paused_until, now)
        except Unreachable:
            await self._finish(item, "failed")
            await repo.mark_unreachable(item.user_id)
            await repo.cancel_scheduled(item.user_id, None, now)
        except Exception as exc:  # DeliveryFailed, or a bug in a handler: retry, then give up
            log.warning(
                "item %d (%s) attempt %d failed: %s",
                item.id,
                item.kind,
                item.attempts,
                type(exc).__name__,
                exc_info=not isinstance(exc, OSError | TimeoutError),
            )
            if item.attempts >= self.max_attempts:
                await self._finish(item, "failed")
            else:
                backoff = timedelta(minutes=min(2 ** (item.attempts - 1), 60))
                await self._postpone(item, now + backoff, now)

    async def _attempt(self, kind: Kind, item: Item, now: datetime) -> None:
        repo = self.core.repo
        user = await repo.user_by_id(item.user_id)
        if user is None:  # deleted (/vergeetmij): the row went with them
            return
        if item.proactive and not self._wanted(kind, user):
            await self._finish(item, "cancelled")
            return
        later = await self._not_before(kind, item, user, now)
        sender = self.core.senders.get(user.channel)
        if later is None and sender is None:
            later = now + NO_SENDER_DELAY
        if later is not None:
            await self._postpone(item, later, now)
            return
        assert sender is not None
        try:
            replies = await kind.build(Delivery(self.core, item, user, now))
        except Postpone as wait:
            await self._postpone(item, wait.until, now)
            return
        if not replies:
            await self._finish(item, "cancelled")
            return
        if kind.lane:
            await self.pacer.wait(user.id)
        with lane(Lane.SCHEDULED):  # behind crisis answers, replies and staff relays
            if isinstance(sender, KindSender):
                await sender.send_kind(user, replies, item.kind)
            else:
                await sender.send(user, replies)
        await self._finish(item, "sent")

    def _asked(self, item: Item) -> bool:
        """The person asked for this one (the kind says so, or the row itself)."""
        return self.registry.kinds[item.kind].asked or bool(item.payload.get("asked"))

    @staticmethod
    def _wanted(kind: Kind, user: User) -> bool:
        """Opt-in and reachability, read fresh at send time."""
        return not user.stopped and not user.unreachable and kind.opt_in(user)

    async def _not_before(
        self, kind: Kind, item: Item, user: User, now: datetime
    ) -> datetime | None:
        """When the item may go out if not now: quiet hours, the daily limit, a busy person."""
        if kind.quiet and self.quiet.is_quiet(now):
            return self.quiet.release(now)
        repo = self.core.repo
        if item.proactive and not self._asked(item):
            today = self.quiet.day_start(now)
            if await scheduled.proactive_sent_since(repo, user.id, today):
                return self.quiet.next_day(now)
        if kind.patient:
            step = await scheduled.last_step(repo, user.id)
            # Busy: in a flow other than the menu that this very item did not push.
            if step is not None and step.flow not in IDLE_FLOWS and step.item_id != item.id:
                idle_at = from_epoch(step.updated_at) + self.busy_window
                if idle_at > now:
                    return idle_at
        return None

    async def _postpone(self, item: Item, until: datetime, now: datetime) -> None:
        """Back to pending, at least a second ahead so the running tick does not retake it."""
        later = max(until, now + timedelta(seconds=1))
        if not await scheduled.postpone(self.core.repo, item.id, self.token, later):
            log.warning("item %d was taken over before it could be postponed", item.id)

    async def _finish(self, item: Item, status: Finished) -> None:
        if not await scheduled.finish(
            self.core.repo, item.id, self.token, status, self.clock.now()
        ):
            log.warning("item %d was taken over before it could be marked %s", item.id, status)
