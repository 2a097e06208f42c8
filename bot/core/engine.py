"""The channel-agnostic conversation engine: one event in, replies out, state saved.

It interprets the flow tables from content (see `bot.core.content`), runs the named actions from
the registry, and stores the whole conversation state after every event so a restart loses
nothing. Events of one user are handled one at a time (a per-user lock), so a double tap can
never advance twice or interleave replies, while different users run concurrently.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from bot.config import Settings
from bot.core.clock import Clock, epoch
from bot.core.content import (
    LANGUAGES,
    PROFILE_SETTABLE,
    Content,
    OptionDef,
    StepDef,
    option_label_key,
    parse_target,
    step_text_key,
)
from bot.core.flood import Verdict
from bot.core.model import Button, Event, EventKind, Outcome, Reply
from bot.core.registry import Registry
from bot.core.strangers import (
    BEFORE_AGE,
    ONBOARDING,
    Stranger,
    Strangers,
    before_age,
    stays_unstored,
)
from bot.storage.repository import Repository, User

log = logging.getLogger(__name__)

MAX_HOPS = 25  # auto-advancing steps in one turn; guards against a loop in content
DOUBLE_TAP_SECONDS = 5
MAX_TEXT = 4096
HOME = ("menu", "main")
RETURN_KEY = "return_to"  # in a detour flow's answers: the step to go back to (see `detour`)
URGENT_FLOWS = ("crisis",)  # answers that end a turn in these flows are delivered first
PREFILLED = "prefilled"  # in answers: answers read from typed text, taken when asked (`prefill`)

TextFilter = Callable[["Turn", str], Awaitable[bool]]
Interceptor = Callable[["Turn"], Awaitable[bool]]


@dataclass(slots=True)
class ConvState:
    """Where a person is and what they can answer; stored as JSON after every event."""

    flow: str = ""
    step: str = ""
    seq: int = 0
    answers: dict[str, Any] = field(default_factory=dict)
    choices: dict[str, dict[str, Any]] = field(default_factory=dict)
    text_input: dict[str, Any] | None = None
    prompt: dict[str, Any] | None = None
    resume: dict[str, Any] | None = None
    paused: dict[str, Any] | None = None  # an interrupted coaching journey (bot.flows.journey)
    last_choice: str = ""
    last_choice_at: int = 0

    def to_json(self) -> dict[str, Any]:
        """The stored form."""
        return {
            "flow": self.flow,
            "step": self.step,
            "seq": self.seq,
            "answers": self.answers,
            "choices": self.choices,
            "text_input": self.text_input,
            "prompt": self.prompt,
            "resume": self.resume,
            "paused": self.paused,
            "last_choice": self.last_choice,
            "last_choice_at": self.last_choice_at,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ConvState:
        """Tolerant of missing keys so old stored states keep working after an upgrade."""
        state = cls()
        for key, value in data.items():
            if hasattr(state, key):
                setattr(state, key, value)
        return state

    def snapshot(self) -> dict[str, Any]:
        """Where to come back to after an interruption such as the crisis check."""
        data = self.to_json()
        data.pop("resume", None)
        data.pop("paused", None)
        return data


@dataclass(slots=True)
class Choice:
    """A button offered by an action at run time (e.g. recommended approaches)."""

    id: str
    label: str
    next: str | None = None
    action: str | None = None
    arg: str | None = None
    set: dict[str, Any] = field(default_factory=dict)


class Turn:
    """Everything an action needs while one event is handled."""

    def __init__(self, engine: Engine, user: User, state: ConvState, event: Event) -> None:
        self.engine = engine
        self.user = user
        self.state = state
        self.event = event
        self.replies: list[Reply] = []
        self.reported: str | None = None  # the outcome the running action reported
        self.choices: list[Choice] = []
        self.vars: dict[str, Any] = {}
        self.arg: str | None = None
        self.deleted = False
        self.notice: str | None = None
        self.prompted = False  # a question with buttons was shown in this turn
        # Buttons added under the menu/help row of a step shown in this turn (e.g. "write to
        # your peer educator" while a case is open); set by interceptors. As (label key, data):
        # labelled when the step is shown, so after /taal in this turn in the new language.
        self.extra_nav: tuple[tuple[str, str], ...] = ()
        # The person's staff roles and open case, read with their state (`load_turn`), so the
        # staff desk needs no read of its own on every update; None: not read yet.
        self.staff_seen: tuple[frozenset[str], int | None] | None = None

    @property
    def content(self) -> Content:
        return self.engine.content

    @property
    def repo(self) -> Repository:
        return self.engine.repo

    @property
    def lang(self) -> str:
        return self.user.language

    def now(self) -> Any:
        """The engine clock's current time."""
        return self.engine.clock.now()

    def values(self) -> dict[str, Any]:
        """Placeholders available to texts: answers, then action-provided variables."""
        merged: dict[str, Any] = {"pseudonym": self.user.pseudonym}
        merged.update(self.state.answers)
        merged.update(self.vars)
        return merged

    def t(self, key: str, **values: Any) -> str:
        """A text in the user's language."""
        return self.content.text(self.lang, key, **(self.values() | values))

    def say(self, key: str, **values: Any) -> None:
        """Send a text (each list item as its own message)."""
        for part in self.content.messages(self.lang, key, **(self.values() | values)):
            self.replies.append(Reply(part))

    def send(self, reply: Reply) -> None:
        """Send a ready-made reply."""
        self.replies.append(reply)

    def outcome(self, name: str) -> None:
        """End the current action with a named outcome: the flow YAML says where it leads
        (`outcomes:` of the step or option), so every edge is in the table."""
        self.reported = name

    def offer(self, choice: Choice) -> None:
        """Add a run-time button to the step being shown."""
        self.choices.append(choice)


class Engine:
    """Turns events into replies; the only place that changes conversation state."""

    def __init__(
        self,
        settings: Settings,
        content: Content,
        repo: Repository,
        registry: Registry,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.content = content
        self.repo = repo
        self.registry = registry
        self.clock = clock
        self.text_filters: list[TextFilter] = []
        # Interceptors see every event after the safety filters and before the flows; one that
        # returns True has handled it (e.g. relaying to a peer educator during an open case).
        self.interceptors: list[Interceptor] = []
        # Readers of typed text that no step asked for and no button label matched (the
        # coach reads a typed story); one that returns True has answered it.
        self.text_readers: list[TextFilter] = []
        self.start_hooks: list[Callable[[Turn, str], Awaitable[None]]] = []
        # Run just before a person's data is deleted (/vergeetmij), e.g. to end an open case
        # for the peer educator while it still exists.
        self.forget_hooks: list[Callable[[Turn], Awaitable[None]]] = []
        # First-time visitors before the age question: in memory only (bot/core/strangers.py).
        self.strangers = Strangers()
        # Run when another flow is about to be entered, while the state is still the old one
        # (with the flow id about to open), e.g. to keep an interrupted coaching journey.
        self.leave_hooks: list[Callable[[Turn, str], None]] = []
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._waiters: dict[tuple[str, str], int] = {}

    @contextmanager
    def _counted(self, key: tuple[str, str]) -> Iterator[asyncio.Lock]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiters[key] = self._waiters.get(key, 0) + 1
        try:
            yield lock
        finally:
            self._waiters[key] -= 1
            if self._waiters[key] == 0:
                del self._waiters[key]
                del self._locks[key]

    async def handle(self, event: Event, flood: Verdict = Verdict.ANSWER) -> Outcome:
        """Process one event for one person, strictly after their previous one.

        A message over the person's flood limit (`bot.core.flood`) only passes the safety
        filters: a crisis text is answered as always; anything else gets the slow-down line
        (`Verdict.WARN`) or nothing (`Verdict.DROP`), and changes nothing.
        """
        with self._counted((event.channel, event.user)) as lock:
            async with lock:
                return await self._handle(event, flood)

    async def _handle(self, event: Event, flood: Verdict = Verdict.ANSWER) -> Outcome:
        now = self.clock.now()
        if flood is Verdict.DROP and not (event.text and self.text_filters):
            return Outcome()  # nothing to check: not even a read
        loaded = await self.repo.load_turn(event.channel, event.user)
        stranger = loaded is None
        if loaded is None:
            user, stored = self._stranger(event, now)
            if not stays_unstored(event):  # it may store rows about them: store them first
                user = await self._store(user, stored, now)
                stranger = False
        else:
            user, stored = loaded.user, loaded.state
        state = ConvState.from_json(stored)
        turn = Turn(self, user, state, event)
        # A first-time visitor has no roles and no case yet.
        turn.staff_seen = (loaded.roles, loaded.case_id) if loaded else (frozenset(), None)
        if flood is not Verdict.ANSWER:
            if not event.text or not await self._filtered(turn):
                return Outcome(replies=self._slow_down(turn, flood))
        elif not (stranger and await self._forgotten_tap(turn)):
            await self._dispatch(turn)
        if turn.deleted:
            self.strangers.drop(event.channel, event.user)
        elif stranger and before_age(turn.user, turn.state.flow, turn.state.step):
            self.strangers.keep(Stranger(turn.user, turn.state.to_json()))
        else:
            if stranger:
                turn.user = await self._store(turn.user, turn.state.to_json(), now)
            else:
                await self.repo.save_turn(turn.user, turn.state.to_json(), now)
        return Outcome(
            replies=turn.replies,
            notice=turn.notice,
            user_id=None if turn.deleted or turn.user.id == 0 else turn.user.id,
            forgotten=turn.deleted,
            urgent=turn.state.flow in URGENT_FLOWS,
        )

    def _stranger(self, event: Event, now: Any) -> tuple[User, dict[str, Any]]:
        """The first-time visitor kept in memory, or a new one (id 0: no row)."""
        kept = self.strangers.get(event.channel, event.user)
        if kept is not None:
            return replace(kept.user), dict(kept.state)
        language = self._guess_language(event.language_hint)
        return User(0, event.channel, event.user, "", language, epoch(now)), {}

    async def _forgotten_tap(self, turn: Turn) -> bool:
        """A stranger lives in one process's memory only: a restart forgot them, or another
        replica showed the button (its numbers count on their own, so a number here says
        nothing). A tap on a step before the age question that is not the question this
        process showed last is understood from its option alone, which belongs to one step
        only, in the language the button carries. So a restart or a replica costs them
        nothing."""
        event, flow = turn.event, self.content.flows.get(ONBOARDING)
        if event.kind is not EventKind.CHOICE or not event.choice.startswith("f:") or not flow:
            return False
        seq, _, option = event.choice[2:].partition(":")
        seq, _, language = seq.partition(".")
        state = turn.state
        if not seq.isdigit() or event.choice == state.last_choice:
            return False  # junk, or a double tap: the usual rules apply
        if int(seq) == state.seq and option in state.choices:
            return False  # the question this process showed last: the usual rules apply
        steps = [
            step_id
            for step_id in BEFORE_AGE
            if step_id in flow.steps and option in {o.id for o in flow.steps[step_id].options}
        ]
        if len(steps) != 1:
            return False
        if language in LANGUAGES:  # the language they chose, carried by the button
            turn.user = replace(turn.user, language=language)
        await self.enter(turn, f"{ONBOARDING}:{steps[0]}")
        turn.replies.clear()  # the question they answered is not shown again
        turn.prompted = False
        await self._apply(turn, turn.state.choices[option])
        return True

    async def _store(self, user: User, state: dict[str, Any], now: Any) -> User:
        """Write a stranger to the database with what they chose so far."""
        created = await self.repo.create_user(user.channel, user.external_id, user.language, now)
        stored = replace(
            user, id=created.id, pseudonym=created.pseudonym, created_at=created.created_at
        )
        await self.repo.save_turn(stored, state, now)
        self.strangers.drop(user.channel, user.external_id)
        return stored

    @staticmethod
    def _slow_down(turn: Turn, flood: Verdict) -> list[Reply]:
        """The one line for the first message over the flood limit; nothing after it."""
        return [Reply(turn.t("common.slow_down"))] if flood is Verdict.WARN else []

    async def push(
        self, user_id: int, target: str, answers: dict[str, Any] | None = None
    ) -> tuple[User, list[Reply]] | None:
        """Start a flow the bot initiates (a check-in, a relay): replies for the sender.

        Runs under the person's lock like any event. Where they were is kept in `resume`, so
        the pushed flow can offer to carry on there. None when the person no longer exists.
        """
        user = await self.repo.user_by_id(user_id)
        if user is None:
            return None
        with self._counted((user.channel, user.external_id)) as lock:
            async with lock:
                loaded = await self.repo.load(user.channel, user.external_id)
                if loaded is None:
                    return None
                user, stored = loaded
                state = ConvState.from_json(stored)
                if (state.flow, state.step) != HOME and state.prompt:
                    state.resume = state.snapshot()
                event = Event(user.channel, user.external_id, EventKind.COMMAND, command="push")
                turn = Turn(self, user, state, event)
                flow_id, step_id = parse_target(HOME[0], target)
                # An explicit step keeps the answers a `fresh` flow start would clear.
                start = f"{flow_id}:{step_id or self.content.flows[flow_id].start}"
                await self.enter(turn, start, answers=dict(answers or {}))
                if not turn.deleted:
                    await self.repo.save_turn(turn.user, turn.state.to_json(), self.clock.now())
                return turn.user, turn.replies

    async def resume(self, turn: Turn) -> bool:
        """Go back to where the person was before an interruption; False if nothing to resume."""
        saved = turn.state.resume
        if not saved:
            return False
        await self._restore(turn, saved, keep_resume=False)
        return True

    async def detour(self, turn: Turn, target: str, **answers: Any) -> None:
        """Open a side flow (settings, the talk with a peer educator) that can lead back.

        The step the person was at is kept in the detour's answers, so it survives a crisis
        interruption inside the detour; a detour within the same flow keeps the first way back.
        `go_back` returns there.
        """
        state = turn.state
        flow_id, step_id = parse_target(state.flow or HOME[0], target)
        if state.flow == flow_id:
            back = state.answers.get(RETURN_KEY)
        elif state.flow in ("", HOME[0]) or not state.prompt:
            back = None
        else:
            back = state.snapshot() | {"lang": turn.lang}
        start = f"{flow_id}:{step_id or self.content.flows[flow_id].start}"
        await self.enter(turn, start, answers={RETURN_KEY: back, **answers} if back else answers)

    @staticmethod
    def can_go_back(turn: Turn) -> bool:
        """Whether the current flow was opened as a detour from another step."""
        return isinstance(turn.state.answers.get(RETURN_KEY), dict)

    async def go_back(self, turn: Turn) -> bool:
        """Back to the step a detour started from; False when there is none."""
        saved = turn.state.answers.get(RETURN_KEY)
        if not isinstance(saved, dict):
            return False
        await self._restore(turn, saved, keep_resume=True)
        return True

    async def _restore(self, turn: Turn, saved: dict[str, Any], *, keep_resume: bool) -> None:
        """Make a stored snapshot the current state and show its question again.

        Shown from the stored prompt, so nothing runs twice; only after a language change is
        the step entered again, to show it in the new language. A snapshot holds one step, so
        what belongs to the whole conversation stays as it is now: the coaching journey to
        carry on with, and (back from a detour, not when `resume` itself is used) the way back
        from a flow the bot started.
        """
        restored = ConvState.from_json(saved)
        restored.seq = turn.state.seq + 1
        restored.paused = turn.state.paused
        if keep_resume:
            restored.resume = turn.state.resume
        turn.state = restored
        if saved.get("lang", turn.lang) != turn.lang:
            restored.prompt = None
            await self.enter(turn, f"{restored.flow}:{restored.step}")
            return
        if restored.prompt:
            restored.prompt = _renumber(restored.prompt, restored.seq)
        self.reshow(turn)

    def _guess_language(self, hint: str | None) -> str:
        if hint and hint.lower().startswith("en"):
            return "en"
        if hint and hint.lower().startswith("nl"):
            return "nl"
        return self.settings.default_language

    # -- dispatch ---------------------------------------------------------------------------

    async def _dispatch(self, turn: Turn) -> None:
        event = turn.event
        if event.kind is not EventKind.CHOICE and event.text and await self._filtered(turn):
            return
        for interceptor in self.interceptors:
            if await interceptor(turn):
                return
        if event.kind is EventKind.COMMAND:
            await self._command(turn)
        elif not turn.user.onboarded and not self._open_before_onboarding(turn.state.flow):
            await self.enter(turn, "onboarding:")
        elif event.kind is EventKind.CHOICE:
            await self._choice(turn)
        elif event.kind is EventKind.TEXT:
            await self._text(turn)
        elif event.kind is EventKind.EDITED:
            turn.say("common.edited")
        else:
            turn.say("common.media")
            self.reshow(turn)

    def _open_before_onboarding(self, flow_id: str) -> bool:
        flow = self.content.flows.get(flow_id)
        return flow is not None and (flow_id == "onboarding" or flow.before_onboarding)

    async def _filtered(self, turn: Turn) -> bool:
        """Safety filters (crisis detection) see every free text first."""
        text = turn.event.text[:MAX_TEXT]
        for text_filter in self.text_filters:
            if await text_filter(turn, text):
                return True
        return False

    async def _command(self, turn: Turn) -> None:
        name = turn.event.command.lower()
        handler = self.registry.commands.get(name)
        if handler is None:
            turn.say("common.unknown_command", command=name[:32])
            self.reshow(turn)
            return
        gated = not turn.user.onboarded and name not in self.registry.ungated
        if gated:
            turn.say("common.finish_onboarding_first")
            if turn.state.flow == "onboarding":
                self.reshow(turn)
            else:
                await self.enter(turn, "onboarding:")
            return
        await handler(turn, turn.event.args)

    async def _choice(self, turn: Turn) -> None:
        state, data = turn.state, turn.event.choice
        now = epoch(turn.now())
        if data == state.last_choice and now - state.last_choice_at < DOUBLE_TAP_SECONDS:
            return  # a double tap: the first one already answered
        state.last_choice, state.last_choice_at = data, now
        prefix, _, rest = data.partition(":")
        if prefix == "f":
            seq, _, option = rest.partition(":")
            spec = state.choices.get(option)
            if seq.partition(".")[0] == str(state.seq) and spec is not None:  # a stranger's: `.nl`
                await self._apply(turn, spec)
                return
        elif prefix == "n":
            await self._nav(turn, rest)
            return
        elif prefix in self.registry.callbacks:
            await self.registry.callbacks[prefix](turn, rest)
            return
        turn.say("common.stale")
        self.reshow(turn)

    async def _nav(self, turn: Turn, where: str) -> None:
        if where == "menu" and not turn.user.onboarded:
            self.reshow(turn)
        elif where == "help":
            await self.registry.commands["hulp"](turn, "")
        elif where == "back" and (turn.user.onboarded or turn.state.flow == "onboarding"):
            self.reshow(turn)
        elif where == "back":
            await self.enter(turn, "onboarding:")
        else:
            await self.enter(turn, "menu:")

    async def handle_text(self, turn: Turn) -> None:
        """Handle the event's text as an answer to the current step, past the safety filters.

        For a filter that held a text back and, once the person said it was harmless, lets it
        through (the crisis question for a possible signal).
        """
        await self._text(turn)

    async def _text(self, turn: Turn) -> None:
        state = turn.state
        text = turn.event.text.strip()
        spec = state.text_input
        if spec is not None:
            limit = int(spec.get("max_length", 300))
            if len(text) > limit:
                turn.say("common.too_long", limit=limit)
                self.reshow(turn)
                return
            if spec.get("on_text"):
                await self.take_text(turn, text)
                return
            self._save(turn, str(spec["save"]), text)
            if spec.get("next"):
                await self.enter(turn, str(spec["next"]))
            return
        typed = text.casefold()
        for option_id, choice in state.choices.items():
            if str(choice.get("label", "")).casefold() == typed:
                state.last_choice = f"f:{state.seq}:{option_id}"
                await self._apply(turn, choice)
                return
        for reader in self.text_readers:
            if await reader(turn, text):
                return
        turn.say("common.use_buttons")
        self.reshow(turn)

    async def take_text(self, turn: Turn, text: str) -> None:
        """Give typed text to the current step's `on_text` action, then go where it leads."""
        spec = turn.state.text_input or {}
        outcomes = self._outcomes(turn)
        turn.arg = text
        await self._run(turn, str(spec["on_text"]))
        if turn.deleted:
            return
        target = self._next(turn, outcomes, spec.get("next"))
        if target:
            await self.enter(turn, str(target))

    # -- stepping ---------------------------------------------------------------------------

    def _outcomes(self, turn: Turn, option_id: str | None = None) -> dict[str, str]:
        """Where the outcomes of an action run at the current step (or its option) lead."""
        flow = self.content.flows.get(turn.state.flow)
        step = flow.steps.get(turn.state.step) if flow else None
        if step is None:
            return {}
        found = dict(step.outcomes)
        for option in step.options:
            if option.id == option_id:
                found.update(option.outcomes)
        return found

    @staticmethod
    def _next(turn: Turn, outcomes: dict[str, str], default: Any) -> str | None:
        """Where to go after an action: its reported outcome's target, else `default`."""
        reported, turn.reported = turn.reported, None
        if reported is not None:
            if reported in outcomes:
                return outcomes[reported]
            log.error(
                "outcome %s has no target at %s.%s", reported, turn.state.flow, turn.state.step
            )
        return str(default) if default else None

    async def _apply(self, turn: Turn, spec: dict[str, Any]) -> None:
        """Carry out a chosen option: record, run its action, move on."""
        turn.state.answers.update(spec.get("set") or {})
        for name, value in (spec.get("profile") or {}).items():
            setattr(turn.user, name, value)
        outcomes = self._outcomes(turn, spec.get("id"))
        if spec.get("action"):
            turn.arg = spec.get("arg")
            await self._run(turn, str(spec["action"]))
            if turn.deleted:
                return
        target = self._next(turn, outcomes, spec.get("next"))
        if target:
            await self.enter(turn, str(target))
        elif not turn.prompted:
            self.reshow(turn)

    async def choose(self, turn: Turn, option: dict[str, Any]) -> None:
        """Carry out one of the current question's options as if its button was tapped."""
        await self._apply(turn, option)

    @staticmethod
    def prefill(turn: Turn, answers: dict[str, str]) -> None:
        """Keep answers read from typed text: a later question they answer is passed, not shown.

        Only answers not given yet; each is used once, by the first question that offers it.
        """
        held = turn.state.answers.setdefault(PREFILLED, {})
        held.update({k: v for k, v in answers.items() if k not in turn.state.answers})

    @staticmethod
    def prefilled(turn: Turn, options: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
        """The option whose answers were all read from typed text already (taken from them)."""
        held = turn.state.answers.get(PREFILLED)
        if not isinstance(held, dict) or not held:
            return None
        for option in options:
            wanted = option.get("set") or {}
            if wanted and all(held.get(k) == v for k, v in wanted.items()):
                for key in wanted:
                    del held[key]
                return option
        return None

    @staticmethod
    def _save(turn: Turn, key: str, value: str) -> None:
        """`profile.city` goes to the profile, anything else into this flow's answers."""
        scope, _, name = key.partition(".")
        if scope == "profile" and name in PROFILE_SETTABLE:
            setattr(turn.user, name, value)
        else:
            turn.state.answers[key] = value

    async def _run(self, turn: Turn, name: str) -> None:
        await self.registry.actions[name](turn)

    async def enter(self, turn: Turn, target: str, answers: dict[str, Any] | None = None) -> None:
        """Show a step (following auto-advancing steps) and remember what it offers.

        `answers` replace the current ones for the new flow, but only after the leave hooks
        have seen the flow being left with its own answers (a coaching journey kept to carry
        on later must keep what the person answered).
        """
        state = turn.state
        flow_id, step_id = parse_target(state.flow or HOME[0], target)
        if flow_id != state.flow:
            for hook in self.leave_hooks:
                hook(turn, flow_id)
        if answers is not None:
            state.answers = dict(answers)
        for _ in range(MAX_HOPS):
            flow = self.content.flows.get(flow_id)
            if flow is None or (step_id is not None and step_id not in flow.steps):
                # A saved conversation (or a button shown before an update) points at a step
                # the content no longer has: start that flow again rather than fail.
                log.warning("step %s:%s no longer exists; starting over", flow_id, step_id)
                turn.say("common.step_gone")
                flow_id, step_id = (flow_id, None) if flow is not None else (HOME[0], None)
                continue
            if step_id is None and flow.fresh:
                state.answers = {}
            step_id = step_id or flow.start
            step = flow.steps[step_id]
            state.flow, state.step = flow_id, step_id
            turn.choices = []
            if step.action:
                turn.arg = None
                await self._run(turn, step.action)
                if turn.deleted:
                    return
                onward = self._next(turn, dict(step.outcomes), None)
                if onward:
                    flow_id, step_id = parse_target(flow_id, onward)
                    continue
            onward = await self._branch(turn, step)
            if onward:
                flow_id, step_id = parse_target(flow_id, onward)
                continue
            texts = (
                []
                if step.silent
                else self.content.messages(
                    turn.lang, step_text_key(flow_id, step_id, step), **turn.values()
                )
            )
            options = [self._static_choice(turn, flow_id, step_id, o) for o in step.options]
            options += [self._dynamic_choice(c) for c in turn.choices]
            known = None if step.input else self.prefilled(turn, options)
            if known is not None:  # answered in a typed story: no need to ask
                await self._apply(turn, known)
                return
            if options or step.input:
                self._prompt(turn, texts, options, step.columns, flow.nav and step.nav is not False)
                state.text_input = (
                    {
                        "save": step.save,
                        "next": step.next,
                        "on_text": step.on_text,
                        "max_length": step.max_length,
                    }
                    if step.input
                    else None
                )
                return
            turn.replies.extend(Reply(text) for text in texts)
            if not step.next:
                break
            flow_id, step_id = parse_target(flow_id, step.next)
        else:
            log.error("flow loop at %s.%s", flow_id, step_id)
        if (flow_id, step_id) != HOME:
            await self.enter(turn, "menu:")

    async def _branch(self, turn: Turn, step: StepDef) -> str | None:
        """The target of the first `branch:` entry whose predicate holds."""
        for branch in step.branch:
            if await self.registry.predicates[branch.when](turn):
                return branch.next
        return None

    def _static_choice(
        self, turn: Turn, flow_id: str, step_id: str, option: OptionDef
    ) -> dict[str, Any]:
        return {
            "id": option.id,
            "label": turn.t(option_label_key(flow_id, step_id, option)),
            "next": option.next,
            "set": option.set,
            "profile": option.profile,
            "action": option.action,
        }

    @staticmethod
    def _dynamic_choice(choice: Choice) -> dict[str, Any]:
        return {
            "id": choice.id,
            "label": choice.label,
            "next": choice.next,
            "set": choice.set,
            "action": choice.action,
            "arg": choice.arg,
        }

    def _prompt(
        self,
        turn: Turn,
        texts: list[str],
        options: list[dict[str, Any]],
        columns: int,
        nav: bool,
    ) -> None:
        state = turn.state
        state.seq += 1
        state.choices = {o["id"]: o for o in options}
        # A stranger (bot/core/strangers.py) lives in one process's memory only; their buttons
        # also carry the language they chose (`f:3.en:ok`), so another replica (or this one
        # after a restart) that gets the tap answers in it.
        seq = f"{state.seq}.{turn.user.language}" if turn.user.id == 0 else str(state.seq)
        buttons = [Button(o["label"], f"f:{seq}:{o['id']}") for o in options]
        rows = [tuple(buttons[i : i + columns]) for i in range(0, len(buttons), columns)]
        if nav:
            rows.append(
                (
                    Button(turn.t("common.nav.menu"), "n:menu"),
                    Button(turn.t("common.nav.help"), "n:help"),
                )
            )
            if turn.extra_nav:
                rows.append(tuple(Button(turn.t(key), data) for key, data in turn.extra_nav))
        if not texts:
            texts = [turn.t("common.choose")]
        turn.replies.extend(Reply(text) for text in texts[:-1])
        last = Reply(texts[-1], tuple(rows))
        turn.replies.append(last)
        state.prompt = last.to_json()
        turn.prompted = True

    async def save_now(self, turn: Turn) -> None:
        """Persist mid-turn, e.g. before an export so it shows the current state."""
        await self.repo.save_turn(turn.user, turn.state.to_json(), turn.now())

    async def cancel_proactive(self, turn: Turn, kinds: tuple[str, ...] | None = None) -> None:
        """Drop planned proactive messages at once (after /stop or a settings switch)."""
        await self.repo.cancel_scheduled(turn.user.id, kinds, turn.now())

    def reshow(self, turn: Turn) -> None:
        """Show the current question again (after help, a stale tap or odd input)."""
        if turn.state.prompt:
            turn.replies.append(Reply.from_json(turn.state.prompt))
            turn.prompted = True
        elif turn.user.onboarded:
            turn.replies.append(
                Reply(turn.t("common.choose"), ((Button(turn.t("common.nav.menu"), "n:menu"),),))
            )


def _renumber(prompt: dict[str, Any], seq: int) -> dict[str, Any]:
    """Point a restored prompt's flow buttons at the new sequence number."""
    rows = []
    for row in prompt.get("buttons", []):
        new_row = []
        for button in row:
            data = button.get("data") or ""
            if data.startswith("f:"):
                _, _, option = data[2:].partition(":")
                button = {**button, "data": f"f:{seq}:{option}"}
            new_row.append(button)
        rows.append(new_row)
    return {**prompt, "buttons": rows}
