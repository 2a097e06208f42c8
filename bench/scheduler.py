"""Scheduler benchmark: start-up time, memory and lateness with 100,000 pending items.

Run `python bench/scheduler.py` (options: --help). It builds a fresh SQLite database with
10,000 people and 100,000 pending check-ins, then starts the real scheduler (APScheduler tick,
real engine pushing the check-in flow, a sender that only records the time) and prints:
- start-up: opening the database (migrations, content) plus the first tick, with every row
  pending;
- resident memory after start-up and at the end;
- lateness (p50/p99/max) of the items due in one minute: half of them due in its first
  second (like check-ins released at 09:00 after quiet hours), half spread over the minute.
Telegram itself allows about 30 messages a second, so in production a burst is paced by the
transport; this measures what the scheduler adds. Quiet hours are switched off so the figures do
not depend on the time of day the benchmark runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

# Run as `python bench/scheduler.py`, this folder comes first on sys.path and this file would
# shadow the `scheduler` package.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

from bot.app import Core, open_core  # noqa: E402
from bot.config import Settings, load_settings  # noqa: E402
from bot.core.model import Reply  # noqa: E402
from bot.storage import scheduled  # noqa: E402
from bot.storage.repository import User  # noqa: E402
from scheduler.service import Scheduler  # noqa: E402

CHANNEL = "bench"
DAY = 86_400


class TimingSender:
    """Records when each person's message would have gone out."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.sent_at: dict[int, float] = {}
        self.done = asyncio.Event()

    async def send(self, user: User, replies: list[Reply]) -> None:
        self.sent_at[user.id] = time.time()
        if len(self.sent_at) >= self.expected:
            self.done.set()


def _rss_mb(field: str = "VmRSS") -> float:
    """Resident memory of this process in MB, from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _burst_due(n: int, burst: int, minute: int) -> int:
    """Due time of the n-th burst item: the first half in the minute's first second."""
    return minute if n < burst // 2 else minute + n % 60


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def _fill(settings: Settings, people: int, items: int, burst: int, minute: int) -> None:
    """People with check-ins on, `burst` items due in `minute`, the rest over 30 days."""
    core = await open_core(settings)
    now = int(time.time())
    try:
        async with core.repo.transaction() as conn:
            await conn.executemany(
                "INSERT INTO users (channel, external_id, pseudonym, language, created_at, "
                "last_seen_at, onboarded, checkins) VALUES (?, ?, ?, 'nl', ?, ?, 1, 1)",
                [(CHANNEL, str(n), f"B{n:06d}", now, now) for n in range(1, people + 1)],
            )
            rows = []
            for n in range(items):
                user = n % people + 1
                if n < burst:  # one per person
                    due = _burst_due(n, burst, minute)
                else:
                    due = now + 3600 + (n * 7919) % (30 * DAY)
                rows.append(("checkin", user, due, json.dumps({"plan_id": None}), now))
            await conn.executemany(
                "INSERT INTO scheduled (kind, user_id, due_at, payload, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                rows,
            )
    finally:
        await core.close()


async def _run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(
            _env_file=None,
            STERK_DB_PATH=str(Path(folder) / "bench.db"),
            TELEGRAM_BOT_TOKEN="",
            STERK_QUIET_HOURS_START="00:00",
            STERK_QUIET_HOURS_END="00:00",
        )
        minute = int(time.time()) + args.lead
        await _fill(settings, args.people, args.items, args.burst, minute)

        started = time.perf_counter()
        core: Core = await open_core(settings)
        sender = TimingSender(args.burst)
        core.senders[CHANNEL] = sender
        service = Scheduler(core, tick_seconds=args.tick)
        await service.tick()
        startup = time.perf_counter() - started
        rss_start = _rss_mb()
        counts = await scheduled.status_counts(core.repo)

        async with service.running():
            wait = minute + 60 + args.timeout - time.time()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(sender.done.wait(), wait)
        final = await scheduled.status_counts(core.repo)
        await core.close()

    due = {n % args.people + 1: _burst_due(n, args.burst, minute) for n in range(args.burst)}
    sent = sender.sent_at
    late = [sent[user] - at for user, at in due.items() if user in sent]
    at_once = [sent[user] - at for user, at in due.items() if at == minute and user in sent]
    print(f"pending items at start: {counts.get('pending', 0):,} ({args.people:,} people)")
    print(f"start-up (open database + content + first tick): {startup * 1000:.0f} ms")
    print(
        f"resident memory after start-up: {rss_start:.1f} MB "
        f"(process peak {_rss_mb('VmHWM'):.1f} MB, includes building the test data)"
    )
    print(
        f"tick every {args.tick:g} s; items due in one minute: {args.burst:,}, sent {len(late):,}"
    )
    if late:
        print(
            f"lateness, whole minute: p50 {statistics.median(late):.2f} s, "
            f"p99 {_percentile(late, 0.99):.2f} s, max {max(late):.2f} s"
        )
    if at_once:
        print(
            f"lateness, {len(at_once):,} due in the minute's first second: "
            f"p50 {statistics.median(at_once):.2f} s, p99 {_percentile(at_once, 0.99):.2f} s"
        )
    print(f"rows after the run: {final}")


def main() -> None:
    """Parse options and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000, help="pending items")
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--burst", type=int, default=2_000, help="items due in the one minute")
    parser.add_argument("--tick", type=float, default=2.0, help="tick interval in seconds")
    parser.add_argument("--lead", type=int, default=5, help="seconds until the minute starts")
    parser.add_argument("--timeout", type=int, default=60, help="extra seconds to wait")
    args = parser.parse_args()
    if args.burst > args.people:
        parser.error("--burst must not exceed --people (one item per person in the minute)")
    asyncio.run(_run(args))


if __name__ == "__main__":
    main()
