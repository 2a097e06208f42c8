"""Load benchmark: the real bot (a subprocess) against the fake Bot API, with simulated people.

Run from the repository root::

    python bench/load.py                       # 1,000 people, our bot, then the echo bot
    python bench/load.py --users 300 --faults  # 429s, 5xx, slow calls and one SIGKILL
    python bench/load.py --users 50 --json /tmp/load.json

Every simulated person walks a route (onboarding, then the coaching flow to a saved plan; the
"free speech or hate?" explainer while the menu does not lead to coaching): they wait for the
bot's message with buttons, pause a little (a half-normal pause around zero) and tap the next
button; when nothing comes within `--resend-timeout` they send the same thing again. The
script prints updates per second, latency from the moment an update is available to the bot
until the bot's reply (p50/p95/p99), peak resident memory (VmHWM) and CPU time of the bot
process, and the same for a minimal python-telegram-bot echo bot (`bench/echo_bot.py`) on the
same fake with the same settings. With `--faults` it also checks delivery: every person finished
or can continue, no update left without an answer and no answer sent twice, except around the
kill. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import logging
import random
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.harness import TOKEN, BotProcess, bot_env, percentiles  # noqa: E402
from bot.app import load_checked_content  # noqa: E402
from bot.core.content import Content, ContentError, parse_target  # noqa: E402
from tests.fakebot import MESSAGE_METHODS, Call, FakeBotApi  # noqa: E402

USER_BASE = 700_000_000
MAX_WALK = 60  # moves in the generic part of a route before a person counts as stuck
# The coaching route: no danger (the safety branch opens a case for peer educators, which is
# staff work rather than load), use the first recommended approach, plan a check-in tomorrow.
COACH_PREFER = ("none", "next", "use", "tomorrow")
# Typed answers when a step asks for text (no crisis words: that would be another flow).
SHORT_TEXTS = ("Op Instagram", "Iemand schreef iets gemeens", "Ik weet het nog niet", "Oké 👍")
TARGET_RATIO = 0.8  # our throughput must be at least this share of the echo bot's
TARGET_P99 = 2.0  # our p99 latency at most this many times the echo bot's
KILL_AT = 0.45  # share of the expected moves after which the fault run kills the bot
# Messages a turn may cost on average (issue 17): under Telegram's global limit every extra
# message per turn halves how many people a surge can serve.
SENDS_TARGET = 1.2
SENDS = frozenset({"sendMessage", "sendPhoto", "sendDocument", "copyMessage"})


# -- routes -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Move:
    """One planned action: type `text`, or tap the first button matching one of `tap`.

    A tap fragment matches a button's option id exactly (the part after the last `:` of its
    callback data) or is contained in its label, case-insensitively.
    """

    text: str | None = None
    tap: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Route:
    """Fixed moves, then a generic walk until the walk's end is reached.

    The walk taps the first button whose option id is in `prefer` (in that order), else the
    first non-navigation button (the next one when the same set of buttons comes back, so loops
    are left), and types a short text when only navigation buttons are offered (a text
    question). It ends on the main menu or on an `end_ids` button.
    """

    name: str
    moves: tuple[Move, ...]
    walk: bool
    end_ids: frozenset[str]
    home_ids: frozenset[str]
    estimate: int  # expected moves per person, for the kill point
    prefer: tuple[str, ...] = ()


ONBOARDING = (
    Move(text="/start"),
    Move(tap=("nl", "Nederlands")),
    Move(tap=("next",)),
    Move(tap=("ok",)),
    Move(tap=("adult",)),
    Move(tap=("yes",)),
    Move(tap=("yes",)),
    Move(tap=("skip",)),
)


def plan_route(content: Content, name: str = "auto") -> Route:
    """The route for `name`; "auto" is the coaching flow once the menu leads to it."""
    menu = content.flows["menu"]
    targets = {
        option.id: parse_target("menu", option.next)[0] if option.next else None
        for option in menu.steps[menu.start].options
    }
    home = frozenset(targets)
    if name == "auto":
        name = "coach" if targets.get("coach") == "coach" else "explainer"
    if name == "onboarding":
        return Route(name, ONBOARDING, False, frozenset(), home, len(ONBOARDING))
    if targets.get(name) != name:
        raise SystemExit(f"route {name!r}: the main menu has no button leading to that flow")
    family = [f for f in content.flows.values() if f.id == name or f.id.startswith(name + "_")]
    asking = sum(1 for f in family for step in f.steps.values() if step.options or step.input)
    moves = (*ONBOARDING, Move(tap=(name,)))
    prefer = COACH_PREFER if name == "coach" else ()
    return Route(name, moves, True, frozenset({"again"}), home, len(moves) + asking, prefer)


# -- the fake, with a reply hook --------------------------------------------------------------


class _ClientGone(logging.Filter):
    """Drop the fake's tracebacks for requests whose client was stopped or killed."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, ConnectionResetError)


logging.getLogger("tests.fakebot").addFilter(_ClientGone())


class BenchFake(FakeBotApi):
    """The test fake, telling the simulation at once when the bot writes to a chat.

    Waiting through `FakeBotApi.next_reply` would wake every waiting person on every call
    (quadratic at 1,000 people), so replies are routed to their chat here instead.
    """

    def __init__(self, token: str, listener: Callable[[Call, float], None]) -> None:
        super().__init__(token=token)
        self.listener = listener

    def _record(self, call: Call) -> None:
        super()._record(call)
        if call.ok and call.method in MESSAGE_METHODS:
            self.listener(call, time.monotonic())


def buttons_of(call: Call) -> list[tuple[str, str]]:
    """(label, callback data) of a message's inline keyboard."""
    markup = call.params.get("reply_markup")
    if not isinstance(markup, dict):
        return []
    found = []
    for row in markup.get("inline_keyboard") or []:
        for button in row:
            data = button.get("callback_data")
            if isinstance(data, str):
                found.append((str(button.get("text", "")), data))
    return found


def option_id(data: str) -> str:
    """`f:12:yes` -> `yes`."""
    return data.rsplit(":", 1)[-1]


def ids_data(buttons: list[tuple[str, str]], wanted: str) -> list[str]:
    """Callback data of the buttons whose option id is `wanted`."""
    return [data for _, data in buttons if option_id(data) == wanted]


# -- simulated people -------------------------------------------------------------------------


@dataclass(slots=True)
class Window:
    """One update a person sent, and what came back before their next one.

    `answers` counts messages with buttons that answer it; `reshows` counts buttons re-shown
    after a "that button is from an earlier message" (or "use the buttons") line, which is how
    the bot answers a re-sent tap it already handled.
    """

    move: int
    pushed_at: float
    resend: bool
    first_at: float | None = None
    done_at: float | None = None
    messages: int = 0
    answers: int = 0
    reshows: int = 0
    open_at_kill: bool = False
    text: str | None = None
    keys: list[str] = field(default_factory=list)  # what came back (text and buttons)


@dataclass(slots=True)
class SimConfig:
    """Knobs of one benchmark run."""

    users: int
    think: float
    resend_timeout: float
    max_resends: int
    seed: int


class Person:
    """One simulated young person: acts, waits for the answer, re-sends when none comes."""

    def __init__(
        self, uid: int, fake: FakeBotApi, cfg: SimConfig, echo: bool, markers: tuple[str, ...]
    ) -> None:
        self.uid = uid
        self.fake = fake
        self.cfg = cfg
        self.echo = echo
        self.markers = markers  # starts of the lines that come before a re-shown question
        self.moves = 0
        self._after_marker = False
        self.rng = random.Random(cfg.seed * 1_000_003 + uid)
        self.windows: list[Window] = []
        self.keyboard: list[tuple[str, str]] = []
        self.finished = False
        self.stray = 0  # messages before the first update (never expected)
        self.in_doubt: set[str] = set()  # what the last moves before a kill got (see kill())
        self.sent_again = 0  # of those, copies the new process sent after the kill
        self.wrong_echo = 0
        self._answered = asyncio.Event()

    # replies arrive here through BenchFake
    def on_reply(self, call: Call, now: float) -> None:
        """Attribute a bot message to the window that is open."""
        if not self.windows:
            self.stray += 1
            return
        window = self.windows[-1]
        key = message_key(call)
        if loose(key) in self.in_doubt:
            # The new process handled or sent again what the old one already had (an update
            # or a held answer not yet crossed off at the kill): at least once, so the move it
            # lands in belongs to the kill and is counted apart.
            self.in_doubt.discard(loose(key))
            self.sent_again += 1
            window.open_at_kill = True
        window.keys.append(key)
        if window.open_at_kill:
            # The answer to a move in flight at the kill may come from the old process just
            # before it died, with its update not yet crossed off: a copy of it later is too.
            self.in_doubt.add(loose(key))
        window.messages += 1
        if window.first_at is None:
            window.first_at = now
        keyboard = buttons_of(call)
        if self.echo and call.text != window.text:
            self.wrong_echo += 1
        marked = (call.text or "").startswith(self.markers)
        if not (keyboard or self.echo):
            self._after_marker = marked
            return
        # The line and the question it re-shows come as one message (a turn's texts are merged).
        self._after_marker |= marked
        if self._after_marker and not window.resend and len(self.windows) > 1:
            # A fresh tap is never stale: this re-shows the question for the previous move's
            # re-send (its late answer came first); it is not the answer being waited for.
            self.windows[-2].reshows += 1
            self._after_marker = False
            return
        if self._after_marker:
            window.reshows += 1
        else:
            window.answers += 1
        self._after_marker = False
        if window.done_at is None:
            window.done_at = now
        if keyboard:
            self.keyboard = keyboard
        self._answered.set()

    async def pause(self) -> None:
        """A human pause: half-normal around zero."""
        await asyncio.sleep(abs(self.rng.gauss(0.0, self.cfg.think)))

    async def act(self, text: str | None = None, data: str | None = None) -> bool:
        """Send a text or tap, wait for the answer; re-send after a timeout. False if stuck."""
        self.moves += 1
        for attempt in range(self.cfg.max_resends + 1):
            self._answered.clear()
            window = Window(self.moves, time.monotonic(), resend=attempt > 0, text=text)
            self.windows.append(window)
            if text is not None:
                self.fake.send_text(self.uid, text)
            else:
                assert data is not None
                try:
                    self.fake.tap(self.uid, data)
                except LookupError:
                    return False
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.cfg.resend_timeout):
                    await self._answered.wait()
                    return True
            if window.answers or window.reshows:
                # The answer came in the same loop turn as the deadline (a busy loop wakes
                # both at once): the person has it and would not send again.
                return True
        return False

    def pick(self, fragments: Sequence[str]) -> str | None:
        """Callback data of the first button matching a fragment (id, then label)."""
        for fragment in fragments:
            for label, data in self.keyboard:
                if option_id(data) == fragment or fragment.casefold() in label.casefold():
                    return data
        return None

    async def walk_route(self, route: Route) -> None:
        """Do the route's fixed moves, then walk; sets `finished`."""
        await asyncio.sleep(abs(self.rng.gauss(0.0, 0.5)))  # people do not all start at once
        for move in route.moves:
            await self.pause()
            if move.text is not None:
                ok = await self.act(text=move.text)
            else:
                data = self.pick(move.tap)
                ok = data is not None and await self.act(data=data)
            if not ok:
                return
        if route.walk:
            await self._walk(route)
        else:
            self.finished = True

    async def _walk(self, route: Route) -> None:
        seen: Counter[tuple[str, ...]] = Counter()
        for moves in range(MAX_WALK):
            flow = [(label, data) for label, data in self.keyboard if not data.startswith("n:")]
            ids = tuple(option_id(data) for _, data in flow)
            if moves and (route.home_ids <= set(ids) or route.end_ids & set(ids)):
                self.finished = True
                return
            await self.pause()
            preferred = [data for wanted in route.prefer for data in ids_data(flow, wanted)]
            if not flow:
                ok = await self.act(text=self.rng.choice(SHORT_TEXTS))
            elif preferred:
                ok = await self.act(data=preferred[0])
            else:
                turn = seen[ids]
                seen[ids] += 1
                ok = await self.act(data=flow[turn % len(flow)][1])
            if not ok:
                return

    async def chat_echo(self, messages: int) -> None:
        """The echo bot's workload: as many texts as our route has moves."""
        await asyncio.sleep(abs(self.rng.gauss(0.0, 0.5)))
        for number in range(messages):
            await self.pause()
            if not await self.act(text=f"bericht {self.uid}-{number}"):
                return
        self.finished = True


# -- figures ----------------------------------------------------------------------------------


def per_update(methods: Mapping[str, int], updates: int) -> dict[str, float]:
    """Bot API calls per update: messages sent, messages edited, and everything else."""
    sends = sum(n for method, n in methods.items() if method in SENDS)
    edits = sum(n for method, n in methods.items() if method.startswith("edit"))
    other = sum(methods.values()) - sends - edits
    return {
        key: round(n / max(updates, 1), 2)
        for key, n in [("sends", sends), ("edits", edits), ("other", other)]
    }


def repeated_messages(
    fake: FakeBotApi, chats: Sequence[int], kill_at: float | None = None
) -> tuple[int, int]:
    """Messages the bot sent twice in a row to the same chat (same text and buttons): those
    away from the kill, and those sent again after it (an update or a held answer in flight at
    the kill is handled or sent again by the new process: at least once, counted, see README).
    `chats` are the people who had a move in flight at the kill for the second count."""
    calm = at_kill = 0
    for chat in chats:
        previous: tuple[str | None, str] | None = None
        previous_at = 0.0
        for call in fake.sent_to(chat):
            key = (call.text, json.dumps(call.params.get("reply_markup"), sort_keys=True))
            if key == previous:
                # `at` is when a call came in; the fake records it when done. A call the old
                # process started just before the kill and Telegram (the fake) performed after
                # it comes after the new process's copy: the pair is around the kill.
                if kill_at is not None and max(call.at, previous_at) >= kill_at:
                    at_kill += 1
                else:
                    calm += 1
            previous, previous_at = key, call.at
    return calm, at_kill


def message_key(call: Call) -> str:
    """A bot message as the person sees it: text and buttons."""
    return json.dumps([call.text, call.params.get("reply_markup")], sort_keys=True)


_BUTTON_NUMBER = re.compile(r'"f:\d+(\.[a-z]+)?:')


def loose(key: str) -> str:
    """A message key without the buttons' numbers: the new process after a kill numbers a
    first-time visitor's buttons afresh, but the person sees the same message."""
    return _BUTTON_NUMBER.sub('"f:#:', key)


def redelivered_updates(fake: FakeBotApi) -> dict[int, int]:
    """Updates handed to the bot more than once (not crossed off before a kill): update id ->
    the person's chat."""
    seen: Counter[int] = Counter()
    chats: dict[int, int] = {}
    for call in fake.calls_of("getUpdates"):
        for update in call.result or []:
            seen[int(update["update_id"])] += 1
            sender = (update.get("message") or update.get("callback_query") or {}).get("from", {})
            chats[int(update["update_id"])] = int(sender.get("id", 0))
    return {update: chats[update] for update, count in seen.items() if count > 1}


def mark_in_doubt(people: Sequence[Person], redelivered: dict[int, int], kill_at: float) -> None:
    """A replayed update whose answer had already reached the person before the kill (sent,
    not yet crossed off in the inbox or the outbox) is answered again by the new process: the
    person's last move answered before the kill was in doubt at the kill, like the moves still
    open."""
    chats = set(redelivered.values()) | {person.uid for person in people if person.sent_again}
    for person in people:
        if person.uid not in chats:
            continue
        done = [w for w in person.windows if w.done_at is not None and w.done_at < kill_at]
        if done:
            last = max(done, key=lambda w: w.done_at or 0.0)
            for window in person.windows:
                window.open_at_kill |= window.move == last.move
        # The new process's answer to a replayed update lands in the first move after the
        # restart, and need not look like the old answer (a first-time visitor's state was in
        # the killed process's memory), so the key check in `on_reply` cannot always see it.
        after = [w for w in person.windows if w.pushed_at >= kill_at]
        if person.uid in redelivered.values() and after:
            min(after, key=lambda w: w.pushed_at).open_at_kill = True


def continuable(db: Path, chats: Sequence[int]) -> int:
    """People whose stored state has a question to come back to (any message re-shows it), or
    who are not stored at all: before the age question a person lives in the bot's memory only
    (bot/core/strangers.py), and a tap on an onboarding button or /start lets them go on."""
    if not chats:
        return 0
    rows: list[tuple[str, str | None]] = []
    if db.exists():
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            rows = conn.execute(
                "SELECT u.external_id, c.state FROM users u "
                "LEFT JOIN conversations c ON c.user_id = u.id"
            ).fetchall()
        finally:
            conn.close()
    stored = dict(rows)
    return sum(
        1
        for chat in map(str, chats)
        if chat not in stored or json.loads(stored[chat] or "{}").get("prompt")
    )


def plans_saved(db: Path) -> int | None:
    """People with a saved plan, when the schema has a plans table (the coaching flow)."""
    if not db.exists():
        return None
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name LIKE '%plan%'"
            )
        ]
        for table in tables:
            columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
            if "user_id" in columns:
                row = conn.execute(f"SELECT count(DISTINCT user_id) FROM {table}").fetchone()
                return int(row[0])
    finally:
        conn.close()
    return None


@dataclass(slots=True)
class Tally:
    """What one logical move (an update and its re-sends) got back."""

    person: int
    move: int
    updates: int = 0
    answers: int = 0
    reshows: int = 0
    answered_first_time: bool = False
    at_kill: bool = False

    @property
    def missing(self) -> bool:
        """No answer to the move itself (at most a re-shown question after a re-send)."""
        return self.answers == 0


def tally(people: list[Person]) -> list[Tally]:
    """Group each person's windows by move."""
    moves: list[Tally] = []
    for person in people:
        current: Tally | None = None
        for window in person.windows:
            if current is None or current.move != window.move:
                current = Tally(person.uid, window.move)
                current.answered_first_time = window.answers > 0
                moves.append(current)
            current.updates += 1
            current.answers += window.answers
            current.reshows += window.reshows
            current.at_kill |= window.open_at_kill
    return moves


def summarise(
    name: str,
    people: list[Person],
    started: float,
    process: BotProcess,
    fake: FakeBotApi,
    kill_at: float | None,
) -> dict[str, Any]:
    """Everything the run measured, as plain JSON-able data."""
    windows = [w for p in people for w in p.windows]
    answered = [w for w in windows if w.done_at is not None]
    end = max((w.done_at for w in answered if w.done_at), default=time.monotonic())
    duration = max(end - started, 1e-9)
    redelivered = redelivered_updates(fake)
    if kill_at is not None:
        mark_in_doubt(people, redelivered, kill_at)
    moves = tally(people)
    calm = [m for m in moves if not m.at_kill]
    near_kill = [m for m in moves if m.at_kill]
    methods = Counter(call.method for call in fake.calls if call.method != "getUpdates")
    at_kill = {m.person for m in near_kill}
    repeats = [
        sum(pair)
        for pair in zip(
            repeated_messages(fake, [p.uid for p in people if p.uid not in at_kill]),
            repeated_messages(fake, sorted(at_kill), kill_at),
            strict=True,
        )
    ]
    return {
        "bot": name,
        "users": len(people),
        "finished": sum(p.finished for p in people),
        "unfinished": sum(not p.finished for p in people),
        "moves": len(moves),
        "updates": len(windows),
        "resends": sum(w.resend for w in windows),
        "duration_s": round(duration, 2),
        "updates_per_s": round(len(windows) / duration, 1),
        "latency_ms": {
            "reply": percentiles([w.first_at - w.pushed_at for w in answered if w.first_at]),
            "turn": percentiles([w.done_at - w.pushed_at for w in answered if w.done_at]),
        },
        "peak_rss_mb": round(process.peak_rss_kb / 1024, 1),
        "cpu_s": round(process.cpu_seconds, 2),
        "startup_cpu_s": round(process.startup_cpu, 2),
        "cpu_per_update_ms": round(process.cpu_seconds / max(len(windows), 1) * 1000, 3),
        "api_calls": dict(sorted(methods.items())),
        "api_calls_per_update": round(sum(methods.values()) / max(len(windows), 1), 2),
        "per_update": per_update(methods, len(windows)),
        "answers_missing": sum(m.missing for m in calm),
        "answers_late": sum(not m.missing and not m.answered_first_time for m in calm),
        "answered_twice": sum(max(m.answers - 1, 0) for m in calm),
        "in_flight_at_kill": len(near_kill),
        "kill_recovered_by_resend": sum(not m.missing and m.updates > 1 for m in near_kill),
        "kill_answers_missing": sum(m.missing for m in near_kill),
        "kill_answered_twice": sum(max(m.answers - 1, 0) for m in near_kill),
        "repeated_messages": repeats[0],
        "kill_repeated_messages": repeats[1] + sum(1 for p in people if p.sent_again),
        "redelivered_updates": len(redelivered),
        "stray_messages": sum(p.stray for p in people),
        "wrong_echoes": sum(p.wrong_echo for p in people),
        "undelivered_logged": process.log_count("reply not delivered"),
        "errors_logged": process.log_count(" ERROR "),
        "killed_at_s": round(kill_at - started, 2) if kill_at is not None else None,
        "problems": [
            {
                "user": m.person,
                "move": m.move,
                "updates": m.updates,
                "answers": m.answers,
                "reshows": m.reshows,
                "at_kill": m.at_kill,
            }
            for m in sorted(moves, key=lambda m: m.at_kill)
            if m.answers != 1 or m.updates > 1
        ][:50],
    }


# -- one run ----------------------------------------------------------------------------------


async def run_bot(
    name: str,
    argv: list[str],
    cfg: SimConfig,
    workdir: Path,
    concurrency: int,
    rate: float,
    faults: bool,
    script: Callable[[Person], Any],
    expected_moves: int,
    max_seconds: float,
    markers: tuple[str, ...],
    repetition: int = 1,
) -> tuple[dict[str, Any], Path]:
    """Start a fake and the bot, let the people loose, and measure."""
    people: dict[int, Person] = {}

    def route_reply(call: Call, now: float) -> None:
        chat = call.chat_id
        if isinstance(chat, int) and chat in people:
            people[chat].on_reply(call, now)

    db = workdir / f"{name}-{repetition}.db"
    async with BenchFake(TOKEN, route_reply) as fake:
        env = bot_env(fake.base_url, db, concurrency, rate)
        process = BotProcess(argv, env, workdir, f"{name}-{repetition}")
        await process.start(fake)
        if faults:
            fake.set_random_faults(
                p429=0.10, retry_after=1, p5xx=0.02, pdelay=0.02, delay=(1.0, 3.0), seed=cfg.seed
            )
        for index in range(cfg.users):
            uid = USER_BASE + index
            people[uid] = Person(uid, fake, cfg, name != "sterk", markers)
        started = time.monotonic()
        harness_cpu = time.process_time()
        tasks = [asyncio.create_task(script(person)) for person in people.values()]
        kill_at: float | None = None
        deadline = started + max_seconds
        try:
            while not all(task.done() for task in tasks):
                await asyncio.sleep(0.2)
                process.sample()
                if time.monotonic() > deadline:
                    print(f"  {name}: stopped after --max-seconds {max_seconds:.0f}")
                    break
                done = sum(1 for p in people.values() for w in p.windows if w.done_at)
                if faults and kill_at is None and done >= KILL_AT * expected_moves:
                    kill_at = time.monotonic()
                    for person in people.values():
                        if person.windows and person.windows[-1].done_at is None:
                            person.windows[-1].open_at_kill = True
                        person.in_doubt = {loose(k) for w in person.windows[-2:] for k in w.keys}
                    await process.kill()
                    await process.start(fake)
                    for person in people.values():  # sent while no bot ran: part of the kill
                        for window in person.windows:
                            window.open_at_kill |= window.pushed_at >= kill_at
                    print(f"  {name}: killed with SIGKILL and restarted after {done} answers")
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            fake.set_random_faults()
            await process.stop()
        harness_cpu = time.process_time() - harness_cpu
        figures = summarise(name, list(people.values()), started, process, fake, kill_at)
        figures["harness_cpu_share"] = round(harness_cpu / (time.monotonic() - started), 2)
        unfinished = [p.uid for p in people.values() if not p.finished]
        figures["can_continue"] = continuable(db, unfinished)
        if name == "sterk":
            figures["plans_saved"] = plans_saved(db)
        return figures, db


async def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    """Our bot, then (unless faults or --no-echo) the echo bot; figures and verdicts."""
    try:
        content = load_checked_content()
    except ContentError as exc:
        raise SystemExit(
            f"the content has {len(exc.problems)} problem(s); run `sterk-online validate-content`"
        ) from None
    route = plan_route(content, args.route)
    # How the bot starts a re-shown question (a re-sent tap it already handled, odd input).
    markers = tuple(
        content.text(lang, key).split("{")[0]
        for lang in ("nl", "en")
        for key in ("common.stale", "common.use_buttons", "common.too_long")
    )
    cfg = SimConfig(args.users, args.think, args.resend_timeout, args.max_resends, args.seed)
    rusage = resource.getrusage(resource.RUSAGE_SELF)
    wall = time.monotonic()
    result: dict[str, Any] = {
        "config": {
            "users": args.users,
            "route": route.name,
            "faults": args.faults,
            "seed": args.seed,
            "think_s": args.think,
            "resend_timeout_s": args.resend_timeout,
            "concurrent_updates": args.concurrency,
            "max_rate": args.rate,
        }
    }
    with tempfile.TemporaryDirectory(prefix="sterk-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        print(f"sterk: {args.users} people, route {route.name!r}, faults={args.faults}")

        async def walk(person: Person) -> None:
            await person.walk_route(route)

        async def chat(person: Person) -> None:
            await person.chat_echo(per_person)

        per_person = route.estimate
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in bots(args)}
        for repetition in range(1, args.repeat + 1):  # interleaved: a slow spell hits all
            for name, argv in bots(args).items():
                print(f"{name}: {args.users} people, repetition {repetition} of {args.repeat}")
                ours = name == "sterk"
                figures, _ = await run_bot(
                    name,
                    argv,
                    cfg,
                    workdir,
                    args.concurrency,
                    args.rate,
                    args.faults and ours,
                    walk if ours else chat,
                    args.users * (route.estimate if ours else per_person),
                    args.max_seconds,
                    markers,
                    repetition,
                )
                runs[name].append(figures)
                if ours:  # the echo bots get as many messages as our route took updates
                    per_person = max(1, round(figures["updates"] / max(args.users, 1)))
        for name, done in runs.items():
            result[name] = median_run(done)
        if len(runs) > 1:
            result["repetitions"] = {
                name: [summary(run) for run in done] for name, done in runs.items()
            }
            result["comparison"] = compare(result["sterk"], result["echo"])
            if "aiogram" in result:
                result["comparison_aiogram"] = ratios(result["sterk"], result["aiogram"])
    used = resource.getrusage(resource.RUSAGE_SELF)
    harness_cpu = used.ru_utime + used.ru_stime - rusage.ru_utime - rusage.ru_stime
    result["harness"] = {
        "wall_s": round(time.monotonic() - wall, 1),
        "cpu_s": round(harness_cpu, 1),
        "peak_rss_mb": round(used.ru_maxrss / 1024, 1),
    }
    result["checks"] = checks(result)
    return result


def bots(args: argparse.Namespace) -> dict[str, list[str]]:
    """The bots of this invocation, ours first: the PTB echo bot and (with the `bench` extra)
    the aiogram echo bot beside it, unless faults or --no-echo."""
    found = {"sterk": [sys.executable, "-m", "bot"]}
    if args.faults or args.no_echo:
        return found
    found["echo"] = [sys.executable, str(ROOT / "bench" / "echo_bot.py")]
    if importlib.util.find_spec("aiogram") is not None:
        found["aiogram"] = [sys.executable, str(ROOT / "bench" / "echo_aiogram.py")]
    return found


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The repetition with the median throughput (all figures from one real run)."""
    ordered = sorted(runs, key=lambda run: run["updates_per_s"])
    return ordered[(len(ordered) - 1) // 2]


def summary(run: dict[str, Any]) -> dict[str, float]:
    """The side-by-side figures of one run."""
    return {
        "updates_per_s": run["updates_per_s"],
        "p50_ms": run["latency_ms"]["reply"]["p50"],
        "p99_ms": run["latency_ms"]["reply"]["p99"],
        "peak_rss_mb": run["peak_rss_mb"],
        "cpu_per_update_ms": run["cpu_per_update_ms"],
        "sends_per_update": run["per_update"]["sends"],
    }


def ratios(ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, float]:
    """Ours divided by theirs, per side-by-side figure (median runs)."""
    mine, other = summary(ours), summary(theirs)
    return {key: round(value / max(other[key], 1e-9), 2) for key, value in mine.items()}


def compare(ours: dict[str, Any], echo: dict[str, Any]) -> dict[str, Any]:
    """Our figures relative to the echo bot's, with the targets."""
    ratio = ours["updates_per_s"] / max(echo["updates_per_s"], 1e-9)
    p99 = ours["latency_ms"]["reply"]["p99"] / max(echo["latency_ms"]["reply"]["p99"], 1e-9)
    return {
        **ratios(ours, echo),
        "throughput_ratio": round(ratio, 2),
        "throughput_target": TARGET_RATIO,
        "throughput_ok": ratio >= TARGET_RATIO,
        "p99_ratio": round(p99, 2),
        "p99_target": TARGET_P99,
        "p99_ok": p99 <= TARGET_P99,
    }


def checks(result: dict[str, Any]) -> dict[str, bool]:
    """The delivery promises, true or false."""
    sterk = result["sterk"]
    coached = result["config"]["route"] == "coach"
    return {
        "everyone_finished_or_can_continue": sterk["unfinished"] <= sterk["can_continue"],
        "a_saved_plan_for_everyone_finished": not coached
        or (sterk.get("plans_saved") or 0) >= sterk["finished"],
        "no_missing_answers": sterk["answers_missing"] == 0,
        "no_double_answers": sterk["answered_twice"] == 0 and sterk["repeated_messages"] == 0,
    }


# -- output -----------------------------------------------------------------------------------


def lines(result: dict[str, Any]) -> Iterator[str]:
    """A readable report."""
    config = result["config"]
    yield ""
    yield (
        f"{config['users']} people, route {config['route']}, concurrent_updates "
        f"{config['concurrent_updates']}, max rate {config['max_rate']:g}/s, seed {config['seed']}"
        + (", FAULTS: 10% 429, 2% 5xx, 2% slow 1-3 s, one SIGKILL" if config["faults"] else "")
    )
    header = f"{'':24}{'updates/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'peak MB':>9}"
    yield header + f"{'CPU ms/upd':>11}"
    for key in ("sterk", "echo", "aiogram"):
        if key not in result:
            continue
        run = result[key]
        reply = run["latency_ms"]["reply"]
        yield (
            f"{key + ' (first reply)':24}{run['updates_per_s']:>10.1f}{reply['p50']:>9.1f}"
            f"{reply['p95']:>9.1f}{reply['p99']:>9.1f}{run['peak_rss_mb']:>9.1f}"
            f"{run['cpu_per_update_ms']:>11.2f}"
        )
        if key == "sterk":
            turn = run["latency_ms"]["turn"]
            yield (
                f"{'sterk (whole turn)':24}{'':>10}{turn['p50']:>9.1f}{turn['p95']:>9.1f}"
                f"{turn['p99']:>9.1f}"
            )
    yield from side_by_side(result)
    if "comparison" in result:
        comp = result["comparison"]
        yield (
            f"throughput ratio {comp['throughput_ratio']:.2f} "
            f"(target >= {comp['throughput_target']}) "
            f"{'OK' if comp['throughput_ok'] else 'MISSED'}; p99 ratio {comp['p99_ratio']:.2f}"
            f" (target <= {comp['p99_target']}) {'OK' if comp['p99_ok'] else 'MISSED'}"
        )
    sterk = result["sterk"]
    yield (
        f"people: {sterk['finished']} finished, {sterk['unfinished']} not finished of which "
        f"{sterk['can_continue']} can continue; plans saved: {sterk.get('plans_saved')}"
    )
    yield (
        f"updates {sterk['updates']}, re-sent after {config['resend_timeout_s']:g} s: "
        f"{sterk['resends']}; API calls per update {sterk['api_calls_per_update']}"
    )
    calls = sterk["per_update"]
    yield (
        f"per update: {calls['sends']} sends (target <= {SENDS_TARGET}) "
        f"{'OK' if calls['sends'] <= SENDS_TARGET else 'MISSED'}, {calls['edits']} edits, "
        f"{calls['other']} other calls"
    )
    yield (
        f"moves {sterk['moves']}: answers missing {sterk['answers_missing']}, late (after a "
        f"re-send) {sterk['answers_late']}, answered twice {sterk['answered_twice']}; repeated "
        f"messages {sterk['repeated_messages']}; updates redelivered {sterk['redelivered_updates']}"
    )
    if sterk["killed_at_s"] is not None:
        yield (
            f"kill at {sterk['killed_at_s']} s: {sterk['in_flight_at_kill']} moves in flight, "
            f"{sterk['kill_recovered_by_resend']} recovered by a re-send, "
            f"{sterk['kill_answers_missing']} without answer, "
            f"{sterk['kill_answered_twice']} answered twice, "
            f"{sterk['kill_repeated_messages']} message(s) sent again (in doubt at the kill)"
        )
    yield (
        f"bot log: {sterk['undelivered_logged']} 'reply not delivered', "
        f"{sterk['errors_logged']} errors; 429s answered by the fake: see api_calls"
    )
    harness = result["harness"]
    yield (
        f"harness: {harness['wall_s']} s wall, {harness['cpu_s']} s CPU "
        f"(the fake and the people share one core with nothing else)"
    )
    for name, ok in result["checks"].items():
        yield f"check {name}: {'OK' if ok else 'FAILED'}"


def side_by_side(result: dict[str, Any]) -> Iterator[str]:
    """Each figure's range over the repetitions per bot, and our ratios to the echo bots."""
    repetitions = result.get("repetitions")
    if not repetitions:
        return
    names = list(repetitions)
    yield f"over {len(repetitions['sterk'])} interleaved repetition(s), min-max:"
    yield f"{'':20}" + "".join(f"{name:>20}" for name in names)
    for key in repetitions["sterk"][0]:
        cells = []
        for name in names:
            values = [run[key] for run in repetitions[name]]
            cells.append(f"{min(values):g}-{max(values):g}")
        yield f"{key:20}" + "".join(f"{cell:>20}" for cell in cells)
    for other, comp_key in (("echo", "comparison"), ("aiogram", "comparison_aiogram")):
        if comp_key in result:
            comp = result[comp_key]
            yield f"sterk / {other} (median runs): " + ", ".join(
                f"{key} {comp[key]:g}" for key in repetitions["sterk"][0]
            )


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=1000, help="simulated people (1000)")
    parser.add_argument("--faults", action="store_true", help="429/5xx/slow calls and a SIGKILL")
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--route", default="auto", help="auto|onboarding|explainer|coach|quiz")
    parser.add_argument("--think", type=float, default=0.1, help="pause spread in s (0.1)")
    parser.add_argument("--resend-timeout", type=float, default=10.0, help="s before re-sending")
    parser.add_argument("--max-resends", type=int, default=5, help="re-sends before giving up")
    parser.add_argument("--concurrency", type=int, default=32, help="STERK_CONCURRENT_UPDATES")
    parser.add_argument("--rate", type=float, default=10000.0, help="STERK_TELEGRAM_MAX_RATE")
    parser.add_argument("--no-echo", action="store_true", help="skip the echo bots")
    parser.add_argument("--repeat", type=int, default=1, help="interleaved repetitions (1)")
    parser.add_argument(
        "--surge",
        action="store_true",
        help="Telegram's default limit (--rate 30): the latency a person feels in a surge",
    )
    parser.add_argument(
        "--priority", action="store_true", help="then bench/priority.py (lanes, a broadcast)"
    )
    parser.add_argument("--workdir", type=Path, help="keep databases and bot logs here")
    parser.add_argument("--max-seconds", type=float, default=900.0, help="per bot run (900)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run, print, optionally write JSON; exit 1 when a delivery check failed."""
    args = parse_args(argv)
    if args.surge:
        args.rate = 30.0
    result = asyncio.run(benchmark(args))
    for line in lines(result):
        print(line)
    if args.priority:  # its own process: it starts its own fake and bot
        priority = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "priority.py")], check=False
        )
        result["priority_exit"] = priority.returncode
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"figures written to {args.json}")
    return 0 if all(result["checks"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
