"""One factory that opens everything the bot needs, used by every transport and by tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot import flows
from bot.config import Settings
from bot.coordinator import compose, tags
from bot.core import safety, understand
from bot.core.clock import Clock, SystemClock
from bot.core.content import Content, load_content
from bot.core.delivery import Sender
from bot.core.engine import Engine
from bot.core.registry import registry
from bot.flows import crisis, journey, typed
from bot.staff import endings
from bot.staff.desk import Desk
from bot.staff.router import StaffRouter
from bot.storage import staff as staff_store
from bot.storage.repository import Repository

_ = flows  # importing the package registers every action and command


@dataclass(slots=True)
class Core:
    """The channel-independent bot: settings, storage, content and the engine."""

    settings: Settings
    repo: Repository
    content: Content
    engine: Engine
    clock: Clock
    senders: dict[str, Sender] = field(default_factory=dict)  # channel -> transport

    async def close(self) -> None:
        """Release the database."""
        await self.repo.close()


def load_checked_content(content_dir: Path | None = None) -> Content:
    """Content validated against the registered actions, their outcomes and the predicates
    (raises `ContentError`)."""
    return load_content(
        content_dir,
        known_hooks=registry.actions,
        predicates=registry.predicates,
        outcomes=registry.outcomes,
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
    engine = Engine(settings, content, repo, registry, clock)
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
