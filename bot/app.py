"""One factory that opens everything the bot needs, used by every transport and by tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.config import Settings
from bot.coordinator import compose, sending, stats, tags
from bot.core import safety, understand
from bot.core.clock import Clock, SystemClock
from bot.core.content import Content, load_content
from bot.core.delivery import Sender
from bot.core.engine import Engine
from bot.core.registry import Registry
from bot.flows import (
    checkin,
    coach,
    crisis,
    explainer,
    journey,
    place,
    plans,
    quiz,
    system,
    typed,
)
from bot.staff import cases, casework, endings, handover, reminders, routing, talk, team
from bot.staff.commands import StaffActions
from bot.staff.desk import Desk
from bot.staff.router import StaffRouter
from bot.storage import staff as staff_store
from bot.storage.repository import Repository
from scheduler import jobs as scheduler_jobs
from scheduler.jobs import JobRegistry


@dataclass(frozen=True, slots=True)
class Feature:
    """One feature's part of the bot, each kept by its own modules: flow actions, predicates
    and commands (`routers`), staff commands and buttons (`staff`), and scheduled kinds with
    their daily hooks (`jobs`)."""

    name: str
    routers: tuple[Registry, ...] = ()
    staff: tuple[StaffActions, ...] = ()
    jobs: tuple[JobRegistry, ...] = ()


# Everything the bot can do, in one list. A module registers on its own `router`, `staff` or
# `jobs`; only what is listed here is part of the bot (a name used twice stops start-up).
FEATURES: tuple[Feature, ...] = (
    Feature("menu, settings, onboarding, /hulp, /mijndata, /vergeetmij", (system.router,)),
    Feature("town and organisation", (place.router,)),
    Feature("crisis answer", (crisis.router,)),
    Feature("coaching", (coach.router, typed.router, journey.router, plans.router)),
    Feature("quiz", (quiz.router,)),
    Feature("free speech or hate", (explainer.router,)),
    Feature("check-ins", (checkin.router,), jobs=(checkin.jobs,)),
    Feature(
        "staff desk",
        (talk.router, reminders.router),
        staff=(team.staff, casework.staff, handover.staff, routing.staff, reminders.staff),
        jobs=(cases.jobs, reminders.jobs, scheduler_jobs.jobs),
    ),
    Feature(
        "coordinators",
        (compose.router, sending.router),
        staff=(compose.staff, sending.staff, stats.staff, tags.staff),
        jobs=(sending.jobs,),
    ),
)


@dataclass(frozen=True, slots=True)
class Wiring:
    """The features merged: what the engine, the staff desk and the scheduler look up."""

    registry: Registry
    staff: StaffActions
    jobs: JobRegistry


def wire(features: tuple[Feature, ...]) -> Wiring:
    """Merge the features' parts (`ValueError` when two use one name)."""
    wiring = Wiring(Registry(), StaffActions(), JobRegistry())
    for feature in features:
        for router in feature.routers:
            wiring.registry.include(router)
        for actions in feature.staff:
            wiring.staff.include(actions)
        for jobs in feature.jobs:
            wiring.jobs.include(jobs)
    return wiring


WIRING = wire(FEATURES)


@dataclass(slots=True)
class Core:
    """The channel-independent bot: settings, storage, content and the engine."""

    settings: Settings
    repo: Repository
    content: Content
    engine: Engine
    clock: Clock
    wiring: Wiring = WIRING
    senders: dict[str, Sender] = field(default_factory=dict)  # channel -> transport

    @property
    def staff(self) -> StaffActions:
        """Every staff command and button."""
        return self.wiring.staff

    @property
    def jobs(self) -> JobRegistry:
        """Every scheduled kind and periodic hook (what the scheduler runs)."""
        return self.wiring.jobs

    async def close(self) -> None:
        """Release the database."""
        await self.repo.close()


def load_checked_content(content_dir: Path | None = None) -> Content:
    """Content validated against the registered actions, their outcomes and the predicates
    (raises `ContentError`)."""
    return load_content(
        content_dir,
        known_hooks=WIRING.registry.actions,
        predicates=WIRING.registry.predicates,
        outcomes=WIRING.registry.outcomes,
    )


async def open_core(
    settings: Settings, clock: Clock | None = None, content: Content | None = None
) -> Core:
    """Validate content, open the database (running migrations) and build the engine."""
    content = content or load_checked_content()
    repo = await Repository.open(settings.database)
    lang = settings.default_language
    await staff_store.retire_legacy_codes(
        repo, lambda code: content.text(lang, "staff.name.default", code=code)
    )
    clock = clock or SystemClock()
    engine = Engine(settings, content, repo, WIRING.registry, clock)
    core = Core(settings, repo, content, engine, clock)
    staff = StaffRouter(Desk(core))  # staff commands, case relay and invites (bot/staff)
    # Every typed text passes these in this order; the first that takes it ends the turn.
    engine.text_filters += [
        compose.text_filter,  # a broadcast being written: a message for others, taken as typed
        staff.before_safety,  # group chats, /start of staff and invites, staff at work, relay
        crisis.crisis_filter,  # the crisis check, before any flow sees the text
    ]
    engine.interceptors += [staff.intercept]  # case buttons; an open case relays what is sent
    engine.text_readers += [typed.read_typed]  # a story typed at the menu or in coaching
    engine.leave_hooks += [journey.keep]  # an interrupted coaching journey can be taken up again
    engine.start_hooks += [tags.join]  # `/start tag_<code>` joins a group (bot/coordinator)
    engine.forget_hooks += [endings.forgetting]  # /vergeetmij ends an open case first
    safety.warm_up()  # the models load now, not while the first person waits for an answer
    understand.warm_up()
    return core
