"""A seeded random walk over every flow in content, through the real engine, in both languages.

Generic on purpose: it knows no flow by name. It taps the least-tried button of each prompt (or
types a sample text where a step accepts text) until every step has been entered and every
button in the flow tables has been tapped. On the way it collects problems: a text missing or
with an unfilled placeholder, a tap that answers nothing or leaves nothing to tap (dead end), a
current button treated as stale, a flow prompt without the Menu/Help row.

Steps that nothing in the tables leads to are entered from Python (a redirect, a run-time
button) or started by the bot itself (a check-in). When the person's own taps stop finding
anything new, the walker starts such a step the way the scheduler does (`Engine.push`).
"""

from __future__ import annotations

import dataclasses
import random
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from bot.app import load_checked_content, open_core
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.content import Content, StepDef, parse_target
from bot.core.model import Reply
from bot.storage.repository import User
from tests.driver import ChatDriver

LANGUAGE_BUTTONS = {"nl": "Nederlands", "en": "English"}
SEED = 20260105
MAX_MOVES = 8000  # per language; the walk stops as soon as everything is covered
STALL = 200  # moves without anything new before the bot starts one of its own steps
STALL_AFTER_PUSH = 25  # once the person's own paths are exhausted, push sooner
NAV_RATE = 0.05  # how often Menu/Help are tried while a flow offers other buttons
SAMPLE_TEXTS = (
    "Utrecht",
    "Is dat echt nodig? Dit raakt echte mensen.",
    "DOE NORMAAL SUKKEL, bel 06-12345678",
    "x" * 320,
)
# Steps nothing leads to any more. `menu.soon` was the placeholder for unbuilt menu items; now
# that every item is wired, the menu's owner can delete it (and this entry).
KNOWN_UNREACHABLE = {("menu", "soon")}
# Steps inside a flow that the bot or staff start, not the person, with the answers they are
# started with: pushed like the bot-started flows.
STARTED_ELSEWHERE: dict[tuple[str, str], dict[str, Any]] = {
    ("selfreport", "offer2"): {"round": 2},  # round 2 of the self-report, from the scheduler
    ("talk", "active"): {},  # a conversation a peer educator has taken on
    ("crisis", "ask"): {"crisis_kinds": ["suicide"]},  # a possible crisis signal, from the filter
    ("crisis", "alert"): {"crisis_kinds": ["suicide"]},  # a clear signal, from the filter
}
_MISSING_KEY = re.compile(r"^[a-z0-9_]+(?:\.[a-z0-9_\"]+){2,}$")  # a key shown instead of text
_UNFILLED = re.compile(r"\{[a-z_]+\}")

Edge = tuple[str, str, str]  # (flow, step, option id); ("nav", "", "menu") for the nav row


class _Entered(dict[str, StepDef]):
    """A flow's step table that notes every step the engine looks up (enters)."""

    def __init__(self, flow_id: str, steps: dict[str, StepDef], seen: set[tuple[str, str]]) -> None:
        super().__init__(steps)
        self._flow_id = flow_id
        self._seen = seen

    def __getitem__(self, step_id: str) -> StepDef:
        self._seen.add((self._flow_id, step_id))
        return super().__getitem__(step_id)


def _recording(content: Content, seen: set[tuple[str, str]]) -> Content:
    """The same content, with step tables that record what the engine enters."""
    flows = {
        flow_id: flow.model_copy(update={"steps": _Entered(flow_id, dict(flow.steps), seen)})
        for flow_id, flow in content.flows.items()
    }
    return dataclasses.replace(content, flows=flows)


def _bot_started(content: Content) -> list[tuple[str, str]]:
    """Flow starts no button or step in the tables leads to (the bot starts those flows), and
    the steps listed in STARTED_ELSEWHERE."""
    targeted = set()
    for flow_id, flow in content.flows.items():
        for step in flow.steps.values():
            for target in [step.next, *(option.next for option in step.options)]:
                if target:
                    other, step_id = parse_target(flow_id, target)
                    targeted.add((other, step_id or content.flows[other].start))
    starts = {(flow_id, flow.start) for flow_id, flow in content.flows.items()}
    return sorted((starts - targeted) | set(STARTED_ELSEWHERE))


def _texts(replies: list[Reply]) -> Iterator[str]:
    for reply in replies:
        yield reply.text
        yield from (button.label for row in reply.buttons for button in row)


def _edge(state: dict[str, Any], data: str) -> Edge:
    """What a button is, for counting: the nav row is the same everywhere."""
    prefix, _, rest = data.partition(":")
    if prefix == "n":
        return ("nav", "", rest)
    if prefix == "f":
        return (state["flow"], state["step"], rest.partition(":")[2])
    return (state["flow"], state["step"], data)


@dataclasses.dataclass
class _Goal:
    """What must be covered, and what the engine entered so far (shared by both walks)."""

    steps: set[tuple[str, str]]
    options: set[Edge]
    seen: set[tuple[str, str]]


class _Walker:
    """One simulated person exploring, with what they covered and what went wrong."""

    def __init__(
        self, chat: ChatDriver, clock: ManualClock, content: Content, seed: int, goal: _Goal
    ) -> None:
        self.chat = chat
        self.clock = clock
        self.content = content  # the plain content, so checking does not count as entering
        self.rng = random.Random(seed)
        self.steps: set[tuple[str, str]] = goal.steps
        self.options: set[Edge] = goal.options
        self.seen: set[tuple[str, str]] = goal.seen
        self.tried: Counter[Edge] = Counter()
        self.pushes: Counter[tuple[str, str]] = Counter()
        self.problems: set[str] = set()

    def progress(self) -> int:
        return len(self.steps & self.seen) + len(self.options & set(self.tried))

    def unfinished_flows(self) -> set[str]:
        left = {flow for flow, _ in self.steps - self.seen}
        return left | {flow for flow, _, _ in self.options - set(self.tried)}

    async def walk(self) -> None:
        orphans = _bot_started(self.content)
        goal = len(self.steps) + len(self.options)
        best, since = self.progress(), 0
        for _ in range(MAX_MOVES):
            if self.progress() >= goal:
                return
            self.clock.advance(seconds=10)  # never a double tap
            loaded = await self._loaded()
            if loaded is None:  # forgotten, or under 16: a new person starts over
                await self.chat.send("/start")
                continue
            user, state = loaded
            waiting = [o for o in orphans if o[0] in self.unfinished_flows()]
            if waiting and user.onboarded and since >= (STALL_AFTER_PUSH if self.pushes else STALL):
                await self._push(user.id, min(waiting, key=lambda o: self.pushes[o]))
                since = 0
                continue
            await self._move(state)
            now = self.progress()
            best, since = (now, 0) if now > best else (best, since + 1)

    async def _loaded(self) -> tuple[User, dict[str, Any]] | None:
        """The person and their state: stored, or kept in memory before the age question."""
        core = self.chat.core
        loaded = await core.repo.load(self.chat.channel, self.chat.user)
        stranger = core.engine.strangers.get(self.chat.channel, self.chat.user)
        return loaded or ((stranger.user, stranger.state) if stranger else None)

    async def _push(self, user_id: int, target: tuple[str, str]) -> None:
        """Start a step as the bot does for check-ins; show it as the transport would."""
        self.pushes[target] += 1
        answers = STARTED_ELSEWHERE.get(target, {})
        pushed = await self.chat.core.engine.push(user_id, ":".join(target), dict(answers))
        assert pushed is not None
        self.chat.replies = pushed[1]
        buttons = [b for reply in pushed[1] for row in reply.buttons for b in row]
        self.chat.buttons = buttons or self.chat.buttons

    async def _move(self, state: dict[str, Any]) -> None:
        """Tap the least-tried button (or type), then check what came back."""
        moves: list[tuple[Edge, str | None]] = [
            (_edge(state, b.data), b.data) for b in self.chat.buttons if b.data
        ]
        if state.get("text_input"):
            moves.append(((state["flow"], state["step"], "<text>"), None))
        if not moves:
            self.problems.add(f"nothing to answer at {state['flow']}.{state['step']}")
            await self.chat.send("/menu")
            return
        in_flow = [m for m in moves if m[0][0] != "nav"]
        if in_flow and self.rng.random() > NAV_RATE:
            moves = in_flow  # deep paths need many taps in a row without Menu
        fewest = min(self.tried[edge] for edge, _ in moves)
        edge, data = self.rng.choice([m for m in moves if self.tried[m[0]] == fewest])
        self.tried[edge] += 1
        where = f"{state['flow']}.{state['step']} -> {edge[2]}"
        if data is None:
            await self.chat.send(self.rng.choice(SAMPLE_TEXTS))
        else:
            await self.chat.press(data)
        self._check_replies(where)
        after = await self._loaded()
        if after is not None:
            self._check_prompt(after[1], where)

    def _check_replies(self, where: str) -> None:
        if not self.chat.replies:
            self.problems.add(f"no answer after {where}")
        stale = {self.content.text(lang, "common.stale") for lang in LANGUAGE_BUTTONS}
        for text in _texts(self.chat.replies):
            if not text.strip():
                self.problems.add(f"empty text after {where}")
            elif _MISSING_KEY.match(text):
                self.problems.add(f"missing text {text!r} after {where}")
            elif _UNFILLED.search(text):
                self.problems.add(f"unfilled placeholder in {text[:60]!r}… after {where}")
            elif text in stale:
                self.problems.add(f"a current button was treated as stale after {where}")

    def _check_prompt(self, state: dict[str, Any], where: str) -> None:
        """Something to answer next, and Menu and Help on every flow prompt that wants them."""
        prompts = [r for r in self.chat.replies if any(b.data for row in r.buttons for b in row)]
        if not prompts and not state.get("text_input"):
            self.problems.add(f"dead end after {where}")
        flow = self.content.flows[state["flow"]]
        wants_nav = flow.nav and flow.steps[state["step"]].nav is not False
        for prompt in prompts:
            data = {b.data for row in prompt.buttons for b in row}
            flow_prompt = any(d and d.startswith("f:") for d in data)
            if flow_prompt and wants_nav and not {"n:menu", "n:help"} <= data:
                self.problems.add(f"no Menu/Help row after {where}")


async def test_every_step_and_button_is_reachable_in_both_languages(
    settings: Settings, clock: ManualClock
) -> None:
    """Every step is entered, every button tapped; no missing text, dead end or missing nav."""
    base = load_checked_content()
    seen: set[tuple[str, str]] = set()
    steps = {
        (flow_id, step_id)
        for flow_id, flow in base.flows.items()
        for step_id in flow.steps
        if (flow_id, step_id) not in KNOWN_UNREACHABLE
    }
    options = {
        (flow_id, step_id, option.id)
        for flow_id, step_id in steps
        for option in base.flows[flow_id].steps[step_id].options
    }
    goal = _Goal(steps, options, seen)
    core = await open_core(settings, clock=clock, content=_recording(base, seen))
    problems: set[str] = set()
    try:
        for number, (lang, button) in enumerate(LANGUAGE_BUTTONS.items()):
            chat = ChatDriver(core, user=f"walker-{lang}")
            await chat.send("/start")
            await chat.tap(button)
            walker = _Walker(chat, clock, base, SEED + number, goal)
            await walker.walk()
            problems |= walker.problems
            untapped = sorted(options - set(walker.tried))
            assert not untapped, f"never tapped ({lang}): {untapped}"
    finally:
        await core.close()
    assert steps <= seen, f"never entered: {sorted(steps - seen)}"
    assert not problems, "\n".join(sorted(problems))
