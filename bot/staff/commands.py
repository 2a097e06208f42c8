"""The staff command and button tables: who may run what, and the audit row for every run.

Staff commands are not in the engine's registry on purpose. They are dispatched before the
safety filters (an /escaleer description about someone else's crisis must not be read as the
moderator's own), and without the young-person onboarding. Anyone without a role never reaches
this table: to them a staff command is just an unknown command.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.core.engine import Turn
from bot.core.model import Reply
from bot.core.registry import merge
from bot.staff.desk import Desk, Role, allowed
from bot.storage import staff as store
from bot.storage.repository import User


@dataclass(slots=True)
class StaffTurn:
    """One staff command or button, with the caller's roles and what to audit."""

    desk: Desk
    turn: Turn
    roles: frozenset[Role]
    action: str
    case_id: int | None = None
    detail: str | None = None

    @property
    def user(self) -> User:
        return self.turn.user

    @property
    def lang(self) -> str:
        return self.turn.user.language

    def t(self, key: str, **values: Any) -> str:
        return self.desk.t(self.lang, key, **values)

    def say(self, key: str, **values: Any) -> None:
        """Reply in the staff member's private chat."""
        self.say_text(self.t(key, **values))

    def say_text(self, text: str) -> None:
        """Reply with a composed text (lists built from several keys)."""
        self.turn.send(Reply(text))

    def tell(self, key: str, **values: Any) -> None:
        """A short answer to a button: a toast in the staff group, a message in private."""
        if self.turn.event.chat is not None:
            self.turn.notice = self.t(key, **values)[:200]
        else:
            self.say(key, **values)

    def note(self, case_id: int | None = None, detail: str | None = None) -> None:
        """What the audit row of this action says besides who, what and when."""
        self.case_id = case_id if case_id is not None else self.case_id
        self.detail = detail if detail is not None else self.detail


Handler = Callable[[StaffTurn, str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class StaffAction:
    """A command (`/zaken`) or button verb (`case:claim:12`) and the roles that may use it."""

    name: str
    roles: frozenset[Role]
    handler: Handler
    names: tuple[str, ...] = ()  # the Dutch name first, then the English one (for menus)


@dataclass(slots=True)
class StaffActions:
    """A feature's staff commands (`/zaken`) and button verbs (`case:claim:12`); each feature
    module keeps its own and the app factory merges them (`bot/app.py`, `FEATURES`)."""

    commands: dict[str, StaffAction] = field(default_factory=dict)  # every name and alias
    taps: dict[str, StaffAction] = field(default_factory=dict)  # button verb -> action

    def command(self, *names: str, roles: frozenset[Role]) -> Callable[[Handler], Handler]:
        """Register a staff command under its Dutch and English names."""

        def register(handler: Handler) -> Handler:
            action = StaffAction(names[0], roles, handler, names)
            merge(self.commands, dict.fromkeys(names, action), "staff command")
            return handler

        return register

    def tap(self, verb: str, roles: frozenset[Role]) -> Callable[[Handler], Handler]:
        """Register the handler of a `case:<verb>:<args>` button for staff."""

        def register(handler: Handler) -> Handler:
            merge(self.taps, {verb: StaffAction(verb, roles, handler)}, "staff button")
            return handler

        return register

    def include(self, other: StaffActions) -> None:
        """Take over another feature's staff actions; a name both use is an error."""
        merge(self.commands, other.commands, "staff command")
        merge(self.taps, other.taps, "staff button")


async def run(
    desk: Desk, turn: Turn, action: StaffAction, roles: frozenset[Role], args: str
) -> None:
    """Check the role, run, and write the audit row (a refusal is audited too)."""
    staff_turn = StaffTurn(desk, turn, roles, action.name)
    if not allowed(roles, action.roles):
        staff_turn.tell("staff.not_allowed")
        staff_turn.note(detail="denied")
    else:
        await action.handler(staff_turn, args)
    await store.audit(
        desk.repo,
        turn.user.id,
        staff_turn.action,
        desk.now(),
        staff_turn.case_id,
        staff_turn.detail,
    )
