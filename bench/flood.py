"""Flood benchmark: one person sends 200 messages at once while others keep chatting.

Run from the repository root::

    python bench/flood.py                 # 200 messages, 10 other people, the default limit
    python bench/flood.py --no-limit      # STERK_FLOOD_MESSAGES=0: only the fair scheduling

The real bot (a subprocess) runs against the fake Bot API. Everybody starts the bot first. Then
the flooder sends `--messages` numbered unknown commands (`/s1`, `/s2`, ...) in one burst,
while each of `--others` people sends `--moves` commands one after the other, each as soon as
the previous one is answered. The bot names an unknown command in its answer, so every answer
says which message it belongs to. Printed: the others' reply latency (p50/p95/p99/max, from
sending to the first message back), and for the flooder the messages answered, "rustig aan"
lines, messages answered twice and the time until the bot was idle again, and the bot messages
per flooded message (over the limit: only the one line in all). `--api-delay` makes every Bot
API call take that long (a slow Telegram). Exit code 1 when an other person's p99 is 1 s or
more, a message was answered twice, or a flooded message got more than the one line.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import re
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.harness import TOKEN, BotProcess, bot_env, percentiles, run_in, write_json  # noqa: E402
from tests.fakebot import Call, FakeBotApi  # noqa: E402

FLOODER = 720_000_000
OTHERS = 720_000_100
SPAM = re.compile(r"/s(\d+) ")  # "Het commando /s17 ken ik niet ..."
SLOW_DOWN = ("Rustig aan", "Easy now")
TARGET_P99 = 1.0
LIMIT = 20  # STERK_FLOOD_MESSAGES by default (per STERK_FLOOD_SECONDS, 10)


def _sent_after(moment: float, call: Call) -> bool:
    """Whether a call reached the fake after `moment` (not a slow answer to the move before)."""
    return call.at >= moment


async def other_person(
    fake: FakeBotApi, chat: int, moves: int, latencies: list[float], delay: float
) -> None:
    """Send a command, wait for the answer, and again (with a slow API: for all of it)."""
    for _ in range(moves):
        mark = fake.mark()
        sent = time.monotonic()
        fake.send_text(chat, "/menu")
        after = functools.partial(_sent_after, sent)
        (first,) = await fake.wait_for(
            "sendMessage", chat_id=chat, since=mark, timeout=60, predicate=after
        )
        latencies.append(first.at - sent)
        await fake.replies_until_idle(chat, idle=0.05 + 2 * delay, timeout=60)


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """One flood against a fresh database; the figures."""
    others = [OTHERS + n for n in range(args.others)]
    async with FakeBotApi(token=TOKEN) as fake:
        env = bot_env(fake.base_url, workdir / "flood.db", args.concurrency, 10000.0)
        if args.no_limit:
            env["STERK_FLOOD_MESSAGES"] = "0"
        bot = BotProcess([sys.executable, "-m", "bot"], env, workdir, "flood")
        await bot.start(fake)
        if args.api_delay:  # a slow Telegram: every call answered after this long
            fake.set_random_faults(pdelay=1.0, delay=(args.api_delay, args.api_delay))
        try:
            for chat in [FLOODER, *others]:
                fake.send_text(chat, "/start")
            for chat in [FLOODER, *others]:
                await fake.wait_for("sendMessage", chat_id=chat, ok=True, timeout=60)
                await fake.replies_until_idle(chat, idle=0.05, timeout=60)
            mark = fake.mark()
            began = time.monotonic()
            for number in range(1, args.messages + 1):
                fake.send_text(FLOODER, f"/s{number}")
            latencies: list[float] = []
            await asyncio.gather(
                *(other_person(fake, c, args.moves, latencies, args.api_delay) for c in others)
            )
            await fake.replies_until_idle(FLOODER, idle=1.0, timeout=300)
            idle_after = time.monotonic() - began - 1.0
        finally:
            await bot.stop()
        to_flooder = [c for c in fake.calls[mark:] if c.chat_id == FLOODER and c.ok]
        answers = Counter(
            int(m.group(1)) for c in to_flooder for m in [SPAM.search(c.text or "")] if m
        )
        sends = [c for c in to_flooder if c.method == "sendMessage"]
        # Messages are handled in order and each answer is two messages (its line and the
        # question again): what came after the answers to the first LIMIT - 1 (the /start was
        # the first in the window) went to the messages over the limit.
        in_limit = 0 if args.no_limit else LIMIT - 1
        over = 0 if args.no_limit else max(args.messages - in_limit, 0)
        to_over = max(len(sends) - 2 * in_limit, 0) if over else 0
        return {
            "messages": args.messages,
            "others": args.others,
            "moves_each": args.moves,
            "limit": "off" if args.no_limit else "STERK_FLOOD_MESSAGES default",
            "others_latency_ms": percentiles(latencies),
            "flooder_messages_answered": len(answers),
            "flooder_slow_down_lines": sum(
                (c.text or "").startswith(SLOW_DOWN) for c in to_flooder
            ),
            "flooder_messages_answered_twice": sum(1 for n in answers.values() if n > 1),
            "flooder_bot_messages": len(sends),
            "flooder_messages_over_limit": over,
            "flooder_bot_messages_over_limit": to_over,
            "sends_per_flooded_message": round(to_over / over, 3) if over else 0.0,
            "api_delay_s": args.api_delay,
            "flooder_done_s": round(idle_after, 2),
            "bot_errors_logged": bot.log_count(" ERROR "),
        }


def main(argv: Sequence[str] | None = None) -> int:
    """Run, print, optionally write JSON; exit 1 when the others' p99 missed or a double."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=200, help="the flooder's messages (200)")
    parser.add_argument("--others", type=int, default=10, help="other people (10)")
    parser.add_argument("--moves", type=int, default=20, help="commands each other person (20)")
    parser.add_argument("--concurrency", type=int, default=32, help="STERK_CONCURRENT_UPDATES")
    parser.add_argument("--no-limit", action="store_true", help="STERK_FLOOD_MESSAGES=0")
    parser.add_argument(
        "--api-delay",
        type=float,
        default=0.0,
        help="seconds before the fake answers each Bot API call (a slow Telegram; 0)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--workdir", type=Path, help="keep the database and the bot log here")
    args = parser.parse_args(argv)
    figures = run_in(args.workdir, "sterk-flood-", lambda workdir: run(args, workdir))
    lat = figures["others_latency_ms"]
    print(
        f"one person sends {figures['messages']} messages at once; {figures['others']} others "
        f"send {figures['moves_each']} commands each; flood limit {figures['limit']}"
    )
    print(
        f"others' reply latency ms: p50 {lat['p50']}, p95 {lat['p95']}, p99 {lat['p99']}, "
        f"max {lat['max']} (target p99 < {TARGET_P99 * 1000:.0f})"
    )
    print(
        f"flooder: {figures['flooder_messages_answered']} messages answered, "
        f"{figures['flooder_slow_down_lines']} 'rustig aan' line(s), "
        f"{figures['flooder_messages_answered_twice']} answered twice, "
        f"{figures['flooder_bot_messages']} bot messages, bot idle after "
        f"{figures['flooder_done_s']} s"
    )
    print(
        f"flooded: {figures['flooder_messages_over_limit']} messages over the limit got "
        f"{figures['flooder_bot_messages_over_limit']} bot messages, "
        f"{figures['sends_per_flooded_message']} per flooded message (target: the one "
        f"'rustig aan' line in all); Bot API delay {figures['api_delay_s']} s"
    )
    print(f"bot log: {figures['bot_errors_logged']} errors")
    write_json(args.json, figures)
    missed = (
        lat["p99"] >= TARGET_P99 * 1000
        or figures["flooder_messages_answered_twice"]
        or (not args.no_limit and figures["flooder_bot_messages_over_limit"] > 1)
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
