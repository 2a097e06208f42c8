"""Priority benchmark: people chat, some in crisis, while a 10,000-person broadcast runs.

Run `python bench/priority.py` (options: --help). The fake Bot API (tests/fakebot.py) enforces
Telegram's limits (30 messages a second for the bot, one a second per chat; 429 beyond them).
The bot runs as in production, in its own process (`python -m bot`, polling), at the default
rates (STERK_TELEGRAM_MAX_RATE 30, the broadcast lane's STERK_BROADCAST_RATE 25):
python-telegram-bot with the lane limiter, and the scheduler sending the broadcast. Once the
broadcast is under way, `--chatters` onboarded people each send a message (`/menu`, `/hulp` or
a short text; every `--crisis-every`-th message is a crisis text), wait for the answer, think
for `--think-min` to `--think-max` seconds, and go on for `--seconds`.

Printed: the latency people feel from their message to the bot's first answer (p50, p99, max)
for replies and for crisis answers apart (a crisis answer counts when it names 113), broadcast
messages a second meanwhile, and 429s. Targets (issue 17): crisis p99 <= 1 s, replies p99 <= 2 s.
`--fifo` runs the same with every message in one lane (first come, first served), as before the
lanes, for comparison. The exit status is 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

# Run as `python bench/priority.py`, this folder comes first on sys.path and bench/scheduler.py
# would shadow the `scheduler` package.
_HERE = Path(__file__).resolve().parent
ROOT = _HERE.parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.harness import TOKEN, BotProcess, bot_env, percentiles, verdict  # noqa: E402
from bot.app import open_core  # noqa: E402
from bot.config import load_settings  # noqa: E402
from tests.broadcastkit import add_people, plan  # noqa: E402
from tests.fakebot import FakeBotApi  # noqa: E402

COORDINATOR = 424242
RECIPIENT = 800_000_000
CHATTER = 810_000_000
TEXT = "Zaterdag is de Social Cleanup Day in Utrecht. Doe je mee?"
SAYS = ("/menu", "/hulp", "hoi, ik weet niet goed wat ik moet doen")
CRISIS = "ik zie het niet meer zitten, ik wil er een eind aan maken"
CRISIS_P99_MS = 1000.0
REPLY_P99_MS = 2000.0


async def _chat(
    fake: FakeBotApi,
    uid: int,
    args: argparse.Namespace,
    until: float,
    sent: list[int],
    out: dict[str, list[float]],
) -> None:
    """One person: say something, wait for the answer, think, again until `until`."""
    rng = random.Random(args.seed * 1_000_003 + uid)
    await asyncio.sleep(rng.uniform(0, args.think_max))  # people do not all start at once
    while time.monotonic() < until:
        sent[0] += 1
        crisis = sent[0] % args.crisis_every == 0
        mark = fake.mark()
        pushed = time.monotonic()
        fake.send_text(uid, CRISIS if crisis else rng.choice(SAYS))
        with contextlib.suppress(TimeoutError):
            calls = await fake.wait_for(
                "sendMessage",
                uid,
                (lambda call: "113" in (call.text or "")) if crisis else None,
                timeout=60,
                ok=True,
                since=mark,
            )
            out["crisis" if crisis else "reply"].append(calls[0].at - pushed)
        await fake.replies_until_idle(uid, idle=0.2, timeout=10)  # the rest of the turn
        await asyncio.sleep(rng.uniform(args.think_min, args.think_max))


# `--fifo`: the bot process puts every message in the reply lane (first come, first served).
FIFO = (
    "from bot.core import lanes; lanes.current = lambda: lanes.Lane.REPLY; "
    "from bot.__main__ import main; raise SystemExit(main())"
)


async def _prepare(db: Path, base_url: str, args: argparse.Namespace) -> None:
    """The people and a broadcast due now, written to the database the bot will open."""
    settings = load_settings(
        _env_file=None,
        STERK_DB_PATH=str(db),
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=base_url,
        STERK_ADMIN_IDS=str(COORDINATOR),
    )
    core = await open_core(settings)
    try:
        now = core.clock.now()
        await add_people(core.repo, args.recipients, now, channel="telegram", first=RECIPIENT)
        await add_people(
            core.repo, args.chatters, now, channel="telegram", first=CHATTER, followups=False
        )
        coordinator = await core.repo.create_user("telegram", str(COORDINATOR), "nl", now)
        await plan(core, coordinator.id, text=TEXT)
    finally:
        await core.close()


async def _run(args: argparse.Namespace) -> dict[str, Any]:
    """The bot in its own process (as in production, so the fake and the people simulated here
    do not share its CPU), polling the fake Bot API."""
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        async with FakeBotApi(token=TOKEN) as fake:
            db = workdir / "bench.db"
            await _prepare(db, fake.base_url, args)
            env = bot_env(fake.base_url, db, concurrency=32, rate=30)  # the defaults
            env |= {
                "STERK_ADMIN_IDS": str(COORDINATOR),
                "STERK_QUIET_HOURS_START": "00:00",  # no quiet hours: same figures at any hour
                "STERK_QUIET_HOURS_END": "00:00",
            }
            argv = [sys.executable, *(("-c", FIFO) if args.fifo else ("-m", "bot"))]
            bot = BotProcess(argv, env, workdir, "priority")
            fake.set_rate_limit(global_per_second=30, per_chat_per_second=1)
            out: dict[str, list[float]] = {"reply": [], "crisis": []}
            await bot.start(fake)
            try:
                await fake.wait_for(
                    "sendMessage", None, lambda c: c.text == TEXT, timeout=60, ok=True
                )
                started = time.monotonic()
                until = started + args.seconds
                sent = [0]
                await asyncio.gather(
                    *(
                        _chat(fake, CHATTER + n, args, until, sent, out)
                        for n in range(args.chatters)
                    )
                )
                ended = time.monotonic()
            finally:
                await bot.stop()
    broadcast = [
        c for c in fake.calls_of("sendMessage") if c.ok and c.text == TEXT and started <= c.at
    ]
    return {
        "lanes": not args.fifo,
        "chatters": args.chatters,
        "recipients": args.recipients,
        "seconds": round(ended - started, 1),
        "think_s": [args.think_min, args.think_max],
        "replies": len(out["reply"]),
        "reply_ms": percentiles(out["reply"]),
        "crises": len(out["crisis"]),
        "crisis_ms": percentiles(out["crisis"]),
        "broadcast_per_s": round(len(broadcast) / max(ended - started, 1e-9), 1),
        "rejected_429": fake.rejected_429,
        "rejected_429_by": dict(
            Counter(
                f"{c.method} {'to a chatter' if int(c.chat_id or 0) >= CHATTER else 'other'}"
                for c in fake.calls
                if c.status == 429
            )
        ),
    }


def main() -> int:
    """Parse options, run, print; 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chatters", type=int, default=200)
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long people chat")
    parser.add_argument("--think-min", type=float, default=5.0)
    parser.add_argument("--think-max", type=float, default=15.0)
    parser.add_argument("--crisis-every", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fifo", action="store_true", help="one lane for all (as before)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    figures = asyncio.run(_run(args))
    reply, crisis = figures["reply_ms"], figures["crisis_ms"]
    checks = {
        "crisis p99 <= 1 s": figures["crises"] > 0 and crisis["p99"] <= CRISIS_P99_MS,
        "replies p99 <= 2 s": figures["replies"] > 0 and reply["p99"] <= REPLY_P99_MS,
    }
    print(
        f"{figures['chatters']} people chatting for {figures['seconds']:g} s (thinking "
        f"{args.think_min:g}-{args.think_max:g} s) during a broadcast to "
        f"{figures['recipients']:,}; limits 30/s and 1/s per chat; "
        f"{'lanes' if figures['lanes'] else 'one lane (first come, first served)'}"
    )
    for name, key, count in (("replies", "reply_ms", "replies"), ("crisis", "crisis_ms", "crises")):
        p = figures[key]
        print(
            f"  {name:8} {figures[count]:5d}  p50 {p['p50']:.0f} ms  p99 {p['p99']:.0f} ms  "
            f"max {p['max']:.0f} ms"
        )
    print(
        f"  broadcast meanwhile {figures['broadcast_per_s']:.1f} messages/s; 429s: "
        f"{figures['rejected_429']} {figures['rejected_429_by'] or ''}"
    )
    return verdict(checks, figures, args.json)


if __name__ == "__main__":
    sys.exit(main())
