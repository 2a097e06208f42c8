"""What the scheduler can deliver (kinds) and what it runs daily (digest and retention hooks).

A kind names a type of `scheduled` row and says how to turn it into replies and under which
rules it may go out. Each feature module keeps its own `jobs = JobRegistry()` and registers on
it, the way flow actions register on the module's `bot.core.registry.Registry`:

    @jobs.kind("checkin", grace=timedelta(hours=24), asked=True, opt_in=lambda u: u.checkins)
    async def checkin(delivery: Delivery) -> list[Reply] | None: ...

    @jobs.daily_digest
    async def staff_digest(core: Core, now: datetime) -> None: ...

A `lane` kind (broadcasts) is not delivered in the tick's concurrent batches but one item at a
time, paced, by the scheduler's lane task; `every_tick` hooks run at the end of each tick (the
broadcast progress report).

This module also holds the one kind the scheduler itself offers: staff reminders.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.core.clock import SystemClock
from bot.core.model import Button, Reply
from bot.core.registry import merge
from bot.storage import scheduled
from bot.storage.repository import Repository, User
from bot.storage.scheduled import Item

if TYPE_CHECKING:
    from bot.app import Core

REMINDER_MAX = 1000  # characters of a staff reminder text
REMINDER_GRACE = timedelta(days=7)
CASE_BUTTON = "case:show:{case_id}"  # callback data the staff module answers


@dataclass(frozen=True, slots=True)
class Delivery:
    """One due item with what a handler needs to build its messages."""

    core: Core
    item: Item
    user: User
    now: datetime


Build = Callable[[Delivery], Awaitable[list[Reply] | None]]
Hook = Callable[["Core", datetime], Awaitable[None]]


class Postpone(Exception):
    """Raised by a handler to send the item later, at `until`."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"postponed until {until.isoformat()}")
        self.until = until


def _anyone(_user: User) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class Kind:
    """A type of scheduled item and the rules it is delivered under.

    - `grace`: how late it may still go out (e.g. after the bot was down); older is expired.
    - `asked`: the person explicitly asked for it (a check-in moment they chose), so the
      one-unasked-message-per-day limit does not hold it back. It still counts as that day's
      message for unasked ones.
    - `quiet`: waits for the end of quiet hours.
    - `opt_in`: for proactive items, checked again at send time (with `stopped`/`unreachable`).
    - `patient`: waits while the person is busy in another flow, rather than interrupting.
    - `lane`: delivered one at a time by the scheduler's lane task, paced at STERK_BROADCAST_RATE
      and one message a second per chat, so a big broadcast never leaves more than one message
      in doubt after a crash and never holds up the tick's other kinds.

    `build` returns the replies to send, or None when there is nothing to say any more
    (the item is then recorded as cancelled).
    """

    name: str
    build: Build
    grace: timedelta
    asked: bool = False
    quiet: bool = True
    opt_in: Callable[[User], bool] = _anyone
    patient: bool = False
    lane: bool = False


@dataclass(slots=True)
class JobRegistry:
    """Kinds by name plus the periodic hooks. Each feature module keeps its own and the app
    factory merges them (`bot/app.py`, `FEATURES`); the scheduler gets the merged one."""

    kinds: dict[str, Kind] = field(default_factory=dict)
    digest_hooks: list[Hook] = field(default_factory=list)
    retention_hooks: list[Hook] = field(default_factory=list)
    tick_hooks: list[Hook] = field(default_factory=list)

    def add(self, kind: Kind) -> Kind:
        """Register a kind; a second kind with the same name is a programming error."""
        if kind.name in self.kinds:
            raise ValueError(f"scheduled kind {kind.name} registered twice")
        self.kinds[kind.name] = kind
        return kind

    def kind(
        self,
        name: str,
        *,
        grace: timedelta,
        asked: bool = False,
        quiet: bool = True,
        opt_in: Callable[[User], bool] = _anyone,
        patient: bool = False,
        lane: bool = False,
    ) -> Callable[[Build], Build]:
        """Decorator form of `add` for a handler function."""

        def register(build: Build) -> Build:
            self.add(Kind(name, build, grace, asked, quiet, opt_in, patient, lane))
            return build

        return register

    def daily_digest(self, hook: Hook) -> Hook:
        """Run `hook(core, now)` once a day (the staff digest registers here)."""
        self.digest_hooks.append(hook)
        return hook

    def retention(self, hook: Hook) -> Hook:
        """Run `hook(core, now)` with the daily retention sweep (for other free-text tables)."""
        self.retention_hooks.append(hook)
        return hook

    def every_tick(self, hook: Hook) -> Hook:
        """Run `hook(core, now)` at the end of every tick (keep it cheap: one query when idle)."""
        self.tick_hooks.append(hook)
        return hook

    def include(self, other: JobRegistry) -> None:
        """Take over another feature's kinds and hooks (a kind both name is an error)."""
        merge(self.kinds, other.kinds, "scheduled kind")
        self.digest_hooks += other.digest_hooks
        self.retention_hooks += other.retention_hooks
        self.tick_hooks += other.tick_hooks


jobs = JobRegistry()


async def push_flow(delivery: Delivery, target: str, answers: dict[str, Any]) -> list[Reply] | None:
    """Start a bot-initiated flow (check-in, self-report) and return its first messages.

    The item id goes into the flow's answers. When an earlier attempt of the same item already
    moved the person into the flow (the send then failed or the process stopped), its question
    is sent again instead of pushing twice, which would lose where the person was before.
    """
    user, item = delivery.user, delivery.item
    engine = delivery.core.engine
    if item.attempts > 1:
        loaded = await engine.repo.load(user.channel, user.external_id)
        state = loaded[1] if loaded is not None else {}
        if state.get("answers", {}).get("item") == item.id and state.get("prompt"):
            return [Reply.from_json(state["prompt"])]
    pushed = await engine.push(user.id, target, {**answers, "item": item.id})
    return pushed[1] if pushed is not None else None


async def schedule_reminder(
    repo: Repository,
    user_id: int,
    due_at: datetime,
    text: str,
    case_id: int | None = None,
    *,
    now: datetime | None = None,
) -> int:
    """Remind a staff member of something at `due_at`, optionally with a button to a case.

    Not proactive: /stop and the check-in switch do not cancel staff duties. Quiet hours do
    apply (peer educators are young volunteers too).
    """
    text = text.strip()
    if not text or len(text) > REMINDER_MAX:
        raise ValueError(f"a reminder needs 1 to {REMINDER_MAX} characters")
    payload: dict[str, object] = {"text": text}
    if case_id is not None:
        payload["case_id"] = case_id
    created = now or SystemClock().now()
    return await scheduled.schedule(
        repo, "reminder", user_id, due_at, created, payload, proactive=False
    )


@jobs.kind("reminder", grace=REMINDER_GRACE)
async def reminder(delivery: Delivery) -> list[Reply]:
    """The reminder text, framed as one, with the case button when it concerns a case."""
    content, lang = delivery.core.content, delivery.user.language
    payload = delivery.item.payload
    text = content.text(lang, "scheduler.reminder", text=str(payload.get("text", "")))
    case_id = payload.get("case_id")
    if case_id is None:
        return [Reply(text)]
    button = Button(
        content.text(lang, "scheduler.open_case"), CASE_BUTTON.format(case_id=int(case_id))
    )
    return [Reply(text, ((button,),))]
