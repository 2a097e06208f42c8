"""Replica benchmark (issue 15, item 6): real bot processes in webhook mode on one database.

Run from the repository root (a PostgreSQL server from STERK_TEST_DATABASE_URL or on
127.0.0.1:5432; each run creates and drops its own database)::

    python bench/replicas.py                     # 1,000 people: SQLite x1, PostgreSQL x1 and x3
    python bench/replicas.py --people 200 --json /tmp/replicas.json

The fake Bot API posts every update to a balancer (tests/balancer.py) that passes each post to
a random replica, over 32 connections at once and one chat at a time, as Telegram does. Most
people walk the coaching flow as in bench/load.py (wait for the answer, pause, tap the next
button; re-send after a timeout); every tenth person instead sends bursts of commands without
waiting, so consecutive updates of one chat reach different replicas. Printed per setup:
updates/s, p50/p99 from an update's availability to the answer, and

- lost: a walked move with no answer, or a burst command whose answer never came;
- doubled: a move answered twice, or a burst command answered twice;
- out of order: a burst whose answers came in another order than the commands were sent.

All three must be 0. With three replicas one of them is SIGKILLed when 45% of the moves are
answered (not restarted; the balancer skips it): moves open at that moment are counted apart
(in doubt, as in bench/load.py), and the other replicas take over its claims after the lease.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from bench.harness import percentiles  # noqa: E402
from bench.load import KILL_AT, BenchFake, Person, Route, SimConfig, plan_route, tally  # noqa: E402
from bot.app import load_checked_content  # noqa: E402
from tests import stores  # noqa: E402
from tests.balancer import Balancer  # noqa: E402
from tests.e2e import TOKEN  # noqa: E402
from tests.fakebot import Call, FakeBotApi  # noqa: E402
from tests.process import BotProcess  # noqa: E402

USER_BASE = 710_000_000
BURSTER_EVERY = 10  # every tenth person sends bursts instead of walking
BURST = (
    ("/hulp", "🆘 Hulp"),
    ("/privacy", "Zo ga ik met je gegevens"),
    ("/menu", "Beantwoord eerst"),
)
ROUNDS = 3
CONNECTIONS = 32  # the fake's webhook connections (Telegram's default max is 40)
LEASE = "10"  # STERK_INBOX_LEASE_SECONDS (the default): a killed replica's updates wait this long


@dataclass(frozen=True, slots=True)
class Setup:
    """One measured configuration."""

    name: str
    store: str  # "sqlite" or "postgresql"
    replicas: int
    kill: bool


class Burster:
    """A person who sends `ROUNDS` bursts of the `BURST` commands, not waiting in between."""

    def __init__(self, uid: int, fake: FakeBotApi) -> None:
        self.uid = uid
        self.fake = fake
        self.pushed_at = 0.0
        self.latencies: list[float] = []
        self.seen: list[str] = []  # burst commands in the order their answers came

    def on_reply(self, call: Call, now: float) -> None:
        """Note which command an answer belongs to."""
        for command, start in BURST:
            if (call.text or "").startswith(start):
                self.seen.append(command)
                self.latencies.append(now - self.pushed_at)

    async def run(self) -> None:
        """/start, then the bursts."""
        self.fake.send_text(self.uid, "/start")
        await asyncio.sleep(1.0)
        self.pushed_at = time.monotonic()
        for _ in range(ROUNDS):
            for command, _start in BURST:
                self.fake.send_text(self.uid, command)

    @property
    def expected(self) -> list[str]:
        """What `seen` must be."""
        return [command for command, _ in BURST] * ROUNDS


def _bot_env(args: argparse.Namespace, setup: Setup, url: str | None) -> dict[str, str]:
    env = {
        "STERK_CONCURRENT_UPDATES": str(args.concurrency),
        "STERK_TELEGRAM_MAX_RATE": str(args.rate),
        "STERK_LOG_LEVEL": "WARNING",
        "STERK_INBOX_LEASE_SECONDS": LEASE,
    }
    if setup.store == "postgresql" and url is not None:
        env["STERK_DATABASE_URL"] = url
    return env


async def run_setup(
    args: argparse.Namespace, setup: Setup, route: Route, url: str | None, folder: Path
) -> dict[str, Any]:
    """Start the replicas behind a balancer, let the people loose, count and time."""
    cfg = SimConfig(args.people, args.think, args.resend_timeout, args.max_resends, args.seed)
    walkers: dict[int, Person] = {}
    bursters: dict[int, Burster] = {}

    def route_reply(call: Call, now: float) -> None:
        chat = call.chat_id
        if isinstance(chat, int):
            if chat in walkers:
                walkers[chat].on_reply(call, now)
            elif chat in bursters:
                bursters[chat].on_reply(call, now)

    workdir = folder / setup.name
    workdir.mkdir(parents=True, exist_ok=True)
    if url is not None and setup.store == "postgresql":
        stores.empty(url)
    async with BenchFake(TOKEN, route_reply) as fake:
        fake.webhook_connections = CONNECTIONS
        bots = [BotProcess(fake, workdir) for _ in range(setup.replicas)]
        balancer = Balancer([bot.url for bot in bots], seed=args.seed)
        await balancer.start()
        for bot in bots:
            bot.env |= _bot_env(args, setup, url) | {"STERK_WEBHOOK_URL": balancer.url}
            await bot.start(timeout=120)
        for index in range(args.people):
            uid = USER_BASE + index
            if index % BURSTER_EVERY == BURSTER_EVERY - 1:
                bursters[uid] = Burster(uid, fake)
            else:
                walkers[uid] = Person(uid, fake, cfg, False, args.markers)
        expected = len(walkers) * route.estimate
        started = time.monotonic()
        tasks = [asyncio.create_task(p.walk_route(route)) for p in walkers.values()]
        tasks += [asyncio.create_task(b.run()) for b in bursters.values()]
        killed_at: float | None = None
        held: set[int] = set()
        try:
            deadline = started + args.max_seconds
            while time.monotonic() < deadline:
                walked = all(task.done() for task in tasks)
                burst = all(len(b.seen) >= len(b.expected) for b in bursters.values())
                if walked and burst:
                    break
                await asyncio.sleep(0.2)
                done = sum(1 for p in walkers.values() for w in p.windows if w.done_at)
                if setup.kill and killed_at is None and done >= KILL_AT * expected:
                    killed_at = time.monotonic()
                    for person in walkers.values():
                        if person.windows and person.windows[-1].done_at is None:
                            person.windows[-1].open_at_kill = True
                    victim = bots[-1].pid
                    await bots[-1].kill()
                    held = _held_by(url, victim)
                    print(
                        f"  {setup.name}: SIGKILLed one replica after {done} answers "
                        f"({len(held)} chats' updates in its hands)"
                    )
            await asyncio.sleep(1.0)  # a doubled answer would come now
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for bot in bots:
                with contextlib.suppress(Exception):
                    await bot.stop()
            await balancer.stop()
        if killed_at is not None:  # what the killed replica held is handled again after its lease
            around = (killed_at - 30.0, killed_at + 2 * float(LEASE))
            for uid in held & walkers.keys():
                for window in walkers[uid].windows:
                    window.open_at_kill |= around[0] <= window.pushed_at <= around[1]
        people = list(walkers.values()), list(bursters.values())
        return summarise(setup, *people, started, killed_at, balancer, held)


def _held_by(url: str | None, pid: int) -> set[int]:
    """Chats with an update the process `pid` had claimed (read right after killing it)."""
    if url is None:
        return set()
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT DISTINCT chat FROM inbox WHERE claimed_by LIKE %s", (f"%:{pid}:%",)
        ).fetchall()
    return {int(chat) for (chat,) in rows if chat is not None}


def summarise(
    setup: Setup,
    walkers: list[Person],
    bursters: list[Burster],
    started: float,
    killed_at: float | None,
    balancer: Balancer,
    held: set[int],
) -> dict[str, Any]:
    """The figures of one setup; `held`: chats the killed replica had claimed an update of
    (one it answered but had not crossed off is answered again: counted apart)."""
    windows = [w for p in walkers for w in p.windows]
    answered = [w for w in windows if w.done_at is not None]
    burst_updates = len(bursters) * (1 + len(BURST) * ROUNDS)
    ends = [w.done_at for w in answered if w.done_at]
    duration = max(max(ends, default=time.monotonic()) - started, 1e-9)
    moves = tally(walkers)
    calm = [m for m in moves if not m.at_kill]
    near_kill = [m for m in moves if m.at_kill]
    lost = sum(m.missing for m in calm)
    doubled = sum(max(m.answers - 1, 0) for m in calm)
    out_of_order = 0
    kill_lost = sum(m.missing for m in near_kill)
    kill_doubled = sum(max(m.answers - 1, 0) for m in near_kill)
    for burster in bursters:
        seen, wanted = burster.seen, burster.expected
        for command in {c for c, _ in BURST}:
            have, want = seen.count(command), wanted.count(command)
            if burster.uid in held:
                kill_lost += max(want - have, 0)
                kill_doubled += max(have - want, 0)
            else:
                lost += max(want - have, 0)
                doubled += max(have - want, 0)
        out_of_order += _out_of_order(seen, wanted)
    latencies = [w.done_at - w.pushed_at for w in answered if w.done_at]
    return {
        "setup": setup.name,
        "store": setup.store,
        "replicas": setup.replicas,
        "people": len(walkers) + len(bursters),
        "updates": len(windows) + burst_updates,
        "duration_s": round(duration, 2),
        "updates_per_s": round((len(windows) + burst_updates) / duration, 1),
        "latency_ms": percentiles(latencies),
        "burst_latency_ms": percentiles([t for b in bursters for t in b.latencies]),
        "finished": sum(p.finished for p in walkers),
        "lost": lost,
        "doubled": doubled,
        "out_of_order": out_of_order,
        "in_flight_at_kill": len(near_kill),
        "kill_lost": kill_lost,
        "kill_doubled": kill_doubled,
        "chats_held_at_kill": len(held),
        "killed_at_s": round(killed_at - started, 2) if killed_at is not None else None,
        "posts_per_replica": list(balancer.posts.values()),
        "problems": [
            {"user": m.person, "move": m.move, "updates": m.updates, "answers": m.answers}
            for m in moves
            if m.answers != 1 and not m.at_kill
        ][:20],
    }


def _out_of_order(seen: list[str], wanted: list[str]) -> int:
    """1 when the answers, with repeats of the one before dropped (a re-handled update after
    a kill), do not come in the order the commands were sent."""
    squeezed = [c for i, c in enumerate(seen) if i == 0 or c != seen[i - 1]]
    return int(squeezed != wanted[: len(squeezed)] or len(squeezed) > len(wanted))


def lines(result: dict[str, Any]) -> list[str]:
    """The figures as a short table."""
    out = [
        f"{'setup':<16}{'upd/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'lost':>6}{'doubled':>9}"
        f"{'order':>7}{'at kill':>9}"
    ]
    for run in result["runs"]:
        latency = run["latency_ms"]
        out.append(
            f"{run['setup']:<16}{run['updates_per_s']:>8}{latency['p50']:>9}{latency['p99']:>9}"
            f"{run['lost']:>6}{run['doubled']:>9}{run['out_of_order']:>7}"
            f"{run['in_flight_at_kill']:>9}"
        )
    return out


async def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    """Every setup, one after the other, on one fresh PostgreSQL database."""
    content = load_checked_content()
    args.markers = tuple(
        content.text(lang, key).split("{")[0]
        for lang in ("nl", "en")
        for key in ("common.stale", "common.use_buttons", "common.too_long")
    )
    route = plan_route(content, "auto")
    server = stores.server_url()
    setups = [Setup("sqlite x1", "sqlite", 1, False)]
    if server is None:
        print(f"PostgreSQL setups skipped: {stores.NO_SERVER}")
    else:
        setups += [Setup("postgresql x1", "postgresql", 1, False)]
        setups += [Setup(f"postgresql x{n}", "postgresql", n, True) for n in args.replicas if n > 1]
    result: dict[str, Any] = {"config": {"people": args.people, "route": route.name}, "runs": []}
    with contextlib.ExitStack() as stack:
        folder = args.workdir or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        url = None
        if server is not None:
            databases = stores.test_database(server)
            url = next(databases)
            stack.callback(lambda: next(databases, None))
        for setup in setups:
            print(f"{setup.name}: {args.people} people")
            result["runs"].append(await run_setup(args, setup, route, url, folder))
    return result


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--people", type=int, default=1000, help="simulated people (1000)")
    parser.add_argument("--replicas", type=int, nargs="*", default=[3], help="beyond one (3)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    parser.add_argument("--think", type=float, default=0.1, help="pause spread in s (0.1)")
    parser.add_argument("--resend-timeout", type=float, default=20.0, help="s before re-sending")
    parser.add_argument("--max-resends", type=int, default=3, help="re-sends before giving up")
    parser.add_argument("--concurrency", type=int, default=32, help="STERK_CONCURRENT_UPDATES")
    parser.add_argument("--rate", type=float, default=10000.0, help="STERK_TELEGRAM_MAX_RATE")
    parser.add_argument("--max-seconds", type=float, default=900.0, help="per setup (900)")
    parser.add_argument("--workdir", type=Path, help="keep bot logs here")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run, print, optionally write JSON; exit 1 if anything was lost, doubled or reordered."""
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    args = parse_args(argv)
    result = asyncio.run(benchmark(args))
    for line in lines(result):
        print(line)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"figures written to {args.json}")
    clean = all(not (r["lost"] or r["doubled"] or r["out_of_order"]) for r in result["runs"])
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
