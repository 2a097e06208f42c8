"""Named Python pieces that flow YAML may refer to: step actions, predicates and commands.

Each feature module keeps its own `router = Registry()` and registers on it with decorators;
nothing is global. The app factory (`bot/app.py`, `FEATURES`) lists every feature's router and
merges them with `Registry.include`, so what the bot can do is read in one place.

Flows are data, but some steps need logic (saving a plan, deleting data). YAML names an action;
the validator checks the name exists here, so a typo is caught at start-up, not by a user.
Where the logic decides where to go, the YAML still holds the edge: an action reports a named
outcome (declared here, mapped to a step under the step's `outcomes:`), or a step's `branch:`
names a predicate registered here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from bot.core.engine import Turn

Action = Callable[["Turn"], Awaitable[None]]
CommandHandler = Callable[["Turn", str], Awaitable[None]]
CallbackHandler = Callable[["Turn", str], Awaitable[None]]
Predicate = Callable[["Turn"], Awaitable[bool]]
T = TypeVar("T")


def merge(mine: dict[str, T], theirs: dict[str, T], what: str) -> None:
    """Add `theirs` to `mine`, refusing a name that is in both (two features, one name)."""
    twice = mine.keys() & theirs.keys()
    if twice:
        raise ValueError(f"{what} {sorted(twice)[0]} registered twice")
    mine.update(theirs)


class Registry:
    """Actions (with the outcomes they may report) and predicates by name, commands by name
    (with aliases) and callback prefixes for staff."""

    def __init__(self) -> None:
        self.actions: dict[str, Action] = {}
        self.outcomes: dict[str, frozenset[str]] = {}
        self.predicates: dict[str, Predicate] = {}
        self.commands: dict[str, CommandHandler] = {}
        self.callbacks: dict[str, CallbackHandler] = {}
        self.ungated: set[str] = set()

    def include(self, other: Registry) -> None:
        """Take over another feature's router; a name both use is a programming error."""
        merge(self.actions, other.actions, "action")
        merge(self.predicates, other.predicates, "predicate")
        merge(self.commands, other.commands, "command")
        merge(self.callbacks, other.callbacks, "button prefix")
        self.outcomes.update(other.outcomes)
        self.ungated |= other.ungated

    def action(self, name: str, outcomes: tuple[str, ...] = ()) -> Callable[[Action], Action]:
        """Register a step/option action under the name YAML uses, with the outcomes it may
        report (`Turn.outcome`); the validator wants a target in the YAML for each."""

        def register(func: Action) -> Action:
            if name in self.actions:
                raise ValueError(f"action {name} registered twice")
            self.actions[name] = func
            self.outcomes[name] = frozenset(outcomes)
            return func

        return register

    def predicate(self, name: str) -> Callable[[Predicate], Predicate]:
        """Register a condition a step's `branch:` may name (`when: <name>`)."""

        def register(func: Predicate) -> Predicate:
            if name in self.predicates:
                raise ValueError(f"predicate {name} registered twice")
            self.predicates[name] = func
            return func

        return register

    def command(
        self, *names: str, before_onboarding: bool = False
    ) -> Callable[[CommandHandler], CommandHandler]:
        """Register a slash command; `before_onboarding` lets it run for new users too."""

        def register(func: CommandHandler) -> CommandHandler:
            for name in names:
                if name in self.commands:
                    raise ValueError(f"command {name} registered twice")
                self.commands[name] = func
                if before_onboarding:
                    self.ungated.add(name)
            return func

        return register

    def callback(self, prefix: str) -> Callable[[CallbackHandler], CallbackHandler]:
        """Register a handler for button data starting with `prefix:` (e.g. case claims)."""

        def register(func: CallbackHandler) -> CallbackHandler:
            if prefix in self.callbacks:
                raise ValueError(f"button prefix {prefix} registered twice")
            self.callbacks[prefix] = func
            return func

        return register
