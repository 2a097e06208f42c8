"""The staff desk: roles, and the ways staff code reaches people and the staff group.

A flow action only gets a `Turn`, whose engine knows nothing about transports. The staff side
has to post cards to the staff group and relay to other people while handling one person's
event, so the desk (one per core) holds the core and is found from a turn's engine. Everything
else in `bot.staff` is written against this class.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary, ref

from bot.config import Settings
from bot.core.clock import from_epoch
from bot.core.content import Content
from bot.core.delivery import DeliveryFailed, RetryLater, Unreachable
from bot.core.engine import Engine, Turn
from bot.core.lanes import Lane, lane
from bot.core.model import Button, Reply
from bot.staff.channel import Relayer, StaffChannel
from bot.storage import staff as store
from bot.storage.repository import Repository, User

if TYPE_CHECKING:
    from bot.app import Core

log = logging.getLogger(__name__)

ADMIN_CHANNEL = "telegram"  # STERK_ADMIN_IDS are Telegram user ids


class Role(StrEnum):
    """Staff roles; admins are configured, the others are granted by invites."""

    PEER_EDUCATOR = "peer_educator"
    MODERATOR = "moderator"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


CASEWORKERS = frozenset({Role.PEER_EDUCATOR, Role.COORDINATOR})  # (admins can do everything)
MANAGERS = frozenset({Role.COORDINATOR})
ESCALATORS = frozenset({Role.MODERATOR, Role.COORDINATOR})
ANY_STAFF = frozenset(Role)


def allowed(roles: frozenset[Role], needed: frozenset[Role]) -> bool:
    """Admins may do everything; others need one of the roles."""
    return Role.ADMIN in roles or bool(roles & needed)


# Engine -> its desk. Both sides are weak: the desk refers to the core and so to the engine, and
# the engine keeps the desk alive through the hooks `install` gives it; a closed core goes away.
_DESKS: WeakKeyDictionary[Engine, ref[Desk]] = WeakKeyDictionary()


def desk_for(turn: Turn) -> Desk:
    """The desk of the core handling this turn."""
    return _lookup(turn.engine)


def desk_of(core: Core) -> Desk:
    """The desk of a core (scheduler handlers get the core)."""
    return _lookup(core.engine)


def _lookup(engine: Engine) -> Desk:
    found = _DESKS[engine]()
    if found is None:
        raise LookupError("the staff desk of this engine is gone")
    return found


@dataclass(slots=True, weakref_slot=True)
class Desk:
    """Staff services over one core; all state lives in the database."""

    core: Core
    # Announcing is serialised so that urgent cases really reach the staff group first.
    announcing: asyncio.Lock = field(default_factory=asyncio.Lock)

    def __post_init__(self) -> None:
        _DESKS[self.core.engine] = ref(self)

    @property
    def settings(self) -> Settings:
        return self.core.settings

    @property
    def repo(self) -> Repository:
        return self.core.repo

    @property
    def content(self) -> Content:
        return self.core.content

    def now(self) -> datetime:
        """The core clock (injectable in tests)."""
        return self.core.clock.now()

    # -- texts --------------------------------------------------------------------------------

    def t(self, lang: str, key: str, **values: Any) -> str:
        """A text in one language (the staff group uses the default language)."""
        return self.content.text(lang, key, **values)

    @property
    def group_lang(self) -> str:
        return self.settings.default_language

    def moment(self, lang: str, instant: datetime | int) -> str:
        """A local time people read at a glance: "13:05", "morgen 09:00", "vr 09:00"."""
        when = from_epoch(instant) if isinstance(instant, int) else instant
        local = when.astimezone(self.settings.tz)
        today = self.now().astimezone(self.settings.tz).date()
        clock = local.strftime("%H:%M")
        if local.date() == today:
            return clock
        if local.date() == today + timedelta(days=1):
            return self.t(lang, "staff.time.tomorrow", time=clock)
        day = self.t(lang, f"staff.time.days.d{local.weekday()}")
        if local.date() - today < timedelta(days=7):
            return f"{day} {clock}"
        return f"{day} {local.strftime('%d-%m')} {clock}"

    def label(self, lang: str, case: store.Case) -> str:
        """The pseudonym staff see: "Jongere #A7F3C2" (or "Moderator #..." for staff cases)."""
        kind = "moderator" if case.source in ("escalation", "wellbeing") else "person"
        return self.t(lang, f"staff.label.{kind}", code=case.pseudonym)

    # -- who is who ---------------------------------------------------------------------------

    def is_admin(self, user: User) -> bool:
        """Configured admins (by Telegram id); never stored, so removing one is a config change."""
        return (
            user.channel == ADMIN_CHANNEL
            and user.external_id.lstrip("-").isdigit()
            and int(user.external_id) in self.settings.admin_ids
        )

    async def roles(self, user: User) -> frozenset[Role]:
        """Stored roles plus admin from settings; empty for a young person."""
        return self.with_admin(user, await store.roles_of(self.repo, user.id))

    def with_admin(self, user: User, stored: Iterable[str]) -> frozenset[Role]:
        """Stored role names as roles, plus admin when the settings say so."""
        roles = frozenset(Role(r) for r in stored)
        return roles | {Role.ADMIN} if self.is_admin(user) else roles

    async def admins(self) -> list[int]:
        """Internal ids of the configured admins who have talked to the bot."""
        ids = (str(i) for i in sorted(self.settings.admin_ids))
        return await store.user_by_external(self.repo, ADMIN_CHANNEL, ids)

    async def coordinators(self) -> list[int]:
        """Who hears about cases nobody picks up: coordinators and admins."""
        found = [m.user_id for m in await store.members(self.repo, Role.COORDINATOR.value)]
        return list(dict.fromkeys([*found, *await self.admins()]))

    # -- sending ------------------------------------------------------------------------------

    def channel(self) -> StaffChannel | None:
        """The transport that can post to the staff group and copy messages."""
        for sender in self.core.senders.values():
            if isinstance(sender, StaffChannel):
                return sender
        return None

    async def send(self, user: User, replies: list[Reply]) -> bool:
        """Deliver to someone other than the person of the current turn; False if it failed."""
        return (await self.deliver(user, replies)).ok

    async def deliver(self, user: User, replies: list[Reply]) -> Delivered:
        """Like `send`, with the message ids where the channel gives them (to map a staff
        member's messages to their case) and whether the person has blocked the bot."""
        channel = self.channel()
        sender = self.core.senders.get(user.channel)
        if sender is None:
            log.warning("no %s transport to reach user %d", user.channel, user.id)
            return FAILED
        ids: list[int] = []
        try:
            with lane(Lane.STAFF):  # after crisis answers and replies, before scheduled ones
                if channel is not None and sender is channel:
                    ids = await channel.send_ids(user, replies)
                else:
                    await sender.send(user, replies)
        except Unreachable:
            await self.repo.mark_unreachable(user.id)
            return BLOCKED
        except (RetryLater, DeliveryFailed) as exc:
            log.warning("staff message to user %d not delivered: %s", user.id, type(exc).__name__)
            return FAILED
        return Delivered(tuple(ids))

    async def to_staff(self, staff: User, case_id: int, replies: list[Reply]) -> bool:
        """Send a staff member messages about one case; a swipe-reply to any of them goes to
        that case."""
        delivered = await self.deliver(staff, replies)
        for message_id in delivered.ids:
            await store.add_message(
                self.repo, case_id, self.now(), staff_id=staff.id, staff_message_id=message_id
            )
        return delivered.ok

    async def notify(
        self,
        user_ids: Iterable[int],
        build: Callable[[User], list[Reply]],
        case_id: int | None = None,
    ) -> list[int]:
        """Send each person replies built in their own language; returns who got them. With
        `case_id` a swipe-reply to the notice goes to that case."""
        reached = []
        for user_id in dict.fromkeys(user_ids):
            user = await self.repo.user_by_id(user_id)
            if user is None:
                continue
            replies = build(user)
            sent = (
                await self.to_staff(user, case_id, replies)
                if case_id is not None
                else await self.send(user, replies)
            )
            if sent:
                reached.append(user_id)
        return reached

    async def post_group(self, reply: Reply) -> int | None:
        """Post to the staff group; None when there is no group or it failed."""
        channel, group = self.channel(), self.settings.staff_group_id
        if channel is None or group is None:
            return None
        try:
            with lane(Lane.STAFF):
                return await channel.post(str(group), reply)
        except (Unreachable, RetryLater, DeliveryFailed) as exc:
            log.warning("staff group post failed: %s", type(exc).__name__)
            return None

    async def edit_group(self, message_id: int, reply: Reply) -> None:
        """Update a card in the staff group (best effort: the database is what counts)."""
        channel, group = self.channel(), self.settings.staff_group_id
        if channel is None or group is None:
            return
        try:
            with lane(Lane.STAFF):
                await channel.edit(str(group), message_id, reply)
        except (Unreachable, RetryLater, DeliveryFailed) as exc:
            log.warning("staff card edit failed: %s", type(exc).__name__)

    async def copy(
        self,
        source: User,
        message_id: int,
        target: User,
        caption: str | None = None,
        buttons: tuple[tuple[Button, ...], ...] = (),
    ) -> Delivered:
        """Copy one of `source`'s messages to `target` (no sender shown).

        Across channels (a young person on WhatsApp, their educator on Telegram) the source's
        channel hands over the content and the target's channel sends it.
        """
        if source.channel != target.channel:
            relayer = self.core.senders.get(source.channel)
            if not isinstance(relayer, Relayer):
                return FAILED
            replies = await relayer.replies_for(source, message_id, caption, buttons)
            return await self.deliver(target, replies) if replies else FAILED
        channel = self.channel()
        if channel is None:
            return FAILED
        try:
            with lane(Lane.STAFF):
                copied = await channel.copy(
                    source.external_id, message_id, target.external_id, caption, buttons
                )
        except Unreachable:
            await self.repo.mark_unreachable(target.id)
            return BLOCKED
        except (RetryLater, DeliveryFailed) as exc:
            log.warning("relay copy failed: %s", type(exc).__name__)
            return FAILED
        return Delivered((copied,))

    # -- staff "/" menus and the staff group ----------------------------------------------------

    async def refresh_commands(self, user: User) -> None:
        """The person's "/" menu: staff commands for their roles, or the default one again."""
        channel = self.channel()
        if channel is None or user.channel != ADMIN_CHANNEL:
            return
        roles = await self.roles(user)
        commands = self.menu(user.language, roles) if roles else []
        try:
            await channel.set_commands(user.external_id, commands)
        except (Unreachable, RetryLater, DeliveryFailed) as exc:
            log.warning("staff command menu not set: %s", type(exc).__name__)

    def menu(self, lang: str, roles: frozenset[Role]) -> list[tuple[str, str]]:
        """(command, description) for the "/" menu: the everyday ones, then the staff ones."""
        listed: list[tuple[str, str]] = []
        for name in MENU_BASE.get(lang, MENU_BASE["nl"]):
            listed.append((name, self.t(lang, f"common.commands.{MENU_KEYS.get(name, name)}")))
        seen: set[str] = set()
        for action in self.core.staff.commands.values():
            if action.name in seen or not allowed(roles, action.roles):
                continue
            seen.add(action.name)
            name = action.names[-1] if lang == "en" and len(action.names) > 1 else action.name
            help_key = f"staff.help.{action.name}"
            if self.content.has(lang, help_key):
                text = self.t(lang, help_key).partition(": ")[2] or action.name
                listed.append((name, text))
        return listed

    async def leave_group(self, user: User) -> None:
        """Take someone whose role ended out of the staff group (best effort)."""
        channel, group = self.channel(), self.settings.staff_group_id
        if channel is None or group is None or user.channel != ADMIN_CHANNEL:
            return
        try:
            await channel.remove_from_group(str(group), user.external_id)
        except (Unreachable, RetryLater, DeliveryFailed) as exc:
            log.warning("could not remove from the staff group: %s", type(exc).__name__)


@dataclass(frozen=True, slots=True)
class Delivered:
    """The outcome of one delivery: message ids (where the channel gives them) or why not."""

    ids: tuple[int, ...] = ()
    ok: bool = True
    blocked: bool = False  # the person blocked the bot (or their account is gone)


FAILED = Delivered(ok=False)
BLOCKED = Delivered(ok=False, blocked=True)
# Everyday commands in a staff member's "/" menu (a chat's own menu replaces the default one).
MENU_BASE = {"nl": ("start", "menu", "hulp", "mijndata"), "en": ("start", "menu", "help", "mydata")}
MENU_KEYS = {"help": "hulp", "mydata": "mijndata"}
