"""Outage benchmark: the real bot (a subprocess) while the fake Bot API answers 5xx for minutes.

Run from the repository root::

    python bench/outage.py                          # 50 people, 5 minutes of 502
    python bench/outage.py --outage 30 --people 20  # a quick look
    python bench/outage.py --kill                   # and a SIGKILL halfway through the outage

Every person starts the bot before the outage; during it each sends `--messages` numbered
commands (`/n1`, `/n2`, ...), spread over the outage. The bot answers an unknown command with a
line that names it, so every answer says which message it belongs to. While the outage lasts the
fake answers 502 to every message and callback call (updates still arrive). Afterwards the
script waits for the answers and prints: answers expected, delivered, lost, doubled, out of
order (an answer that came before the answer to an earlier message of the same person), the
Bot API calls made during the outage, and the time from the end of the outage to the last
answer. The exit code is 1 when an answer was lost, doubled or out of order.
"""

from __future__ import annotations

import argparse
import asyncio
import random
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

from bench.harness import TOKEN, BotProcess, bot_env, run_in, write_json  # noqa: E402
from tests.fakebot import FakeBotApi  # noqa: E402

USER_BASE = 710_000_000
MARKER = re.compile(r"/(n\d+) ")  # "Het commando /n3 ken ik niet ..."


def answered(fake: FakeBotApi, chat: int) -> list[int]:
    """The numbers of the messages answered in this chat, in the order they arrived."""
    found = []
    for call in fake.sent_to(chat):
        match = MARKER.search(call.text or "")
        if call.ok and match:
            found.append(int(match.group(1)[1:]))
    return found


def out_of_order(numbers: list[int]) -> int:
    """Answers that arrived after the answer to a later message."""
    highest, late = 0, 0
    for number in numbers:
        if number < highest:
            late += 1
        highest = max(highest, number)
    return late


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """One outage against a fresh database; the figures."""
    people = [USER_BASE + n for n in range(args.people)]
    rng = random.Random(args.seed)
    async with FakeBotApi(token=TOKEN) as fake:
        env = bot_env(fake.base_url, workdir / "outage.db", 32, 10000.0)
        bot = BotProcess([sys.executable, "-m", "bot"], env, workdir, "outage")
        await bot.start(fake)
        try:
            for person in people:
                fake.send_text(person, "/start")
            for person in people:
                await fake.wait_for("sendMessage", chat_id=person, ok=True, timeout=60)
            fake.set_outage("502")
            began = time.monotonic()
            calls_before = len(fake.calls)
            plan = sorted(
                (rng.uniform(0, args.outage * 0.9), person, number)
                for person in people
                for number in range(1, args.messages + 1)
            )
            # A person's numbers go out in order: sort each person's times.
            times: dict[int, list[float]] = {}
            for at, person, _number in plan:
                times.setdefault(person, []).append(at)
            schedule = sorted(
                (at, person, index + 1)
                for person, ats in times.items()
                for index, at in enumerate(sorted(ats))
            )
            killed = False
            for at, person, number in schedule:
                if args.kill and not killed and at > args.outage / 2:
                    await asyncio.sleep(max(0.0, began + args.outage / 2 - time.monotonic()))
                    await bot.kill()
                    await bot.start(fake)
                    killed = True
                await asyncio.sleep(max(0.0, began + at - time.monotonic()))
                fake.send_text(person, f"/n{number}")
            await asyncio.sleep(max(0.0, began + args.outage - time.monotonic()))
            during = [c for c in fake.calls[calls_before:] if c.method != "getUpdates"]
            fake.set_outage(None)
            ended = time.monotonic()
            expected = args.people * args.messages
            last_at = ended
            deadline = ended + args.max_wait
            while time.monotonic() < deadline:
                got = sum(len(set(answered(fake, person))) for person in people)
                if got >= expected:
                    last_at = time.monotonic()
                    break
                await asyncio.sleep(0.1)
            else:
                last_at = time.monotonic()
            await asyncio.sleep(1.0)  # anything sent twice shows up by now
        finally:
            await bot.stop()
        per_person = {person: answered(fake, person) for person in people}
        counts = [Counter(numbers) for numbers in per_person.values()]
        delivered = sum(len(c) for c in counts)
        sent_ok = sum(1 for c in fake.calls if c.ok and c.method == "sendMessage" and c.at >= began)
        return {
            "people": args.people,
            "messages_each": args.messages,
            "outage_s": args.outage,
            "killed": args.kill,
            "answers_expected": expected,
            "answers_delivered": delivered,
            "answers_lost": expected - delivered,
            "answers_doubled": sum(n - 1 for c in counts for n in c.values() if n > 1),
            "answers_out_of_order": sum(out_of_order(n) for n in per_person.values()),
            "replies_sent_after_outage_began": sent_ok,
            "api_calls_during_outage": len(during),
            "recovery_s": round(last_at - ended, 2),
            "bot_errors_logged": bot.log_count(" ERROR "),
        }


def main(argv: Sequence[str] | None = None) -> int:
    """Run, print, optionally write JSON; exit 1 when an answer was lost, doubled or late."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--people", type=int, default=50, help="people (50)")
    parser.add_argument("--messages", type=int, default=5, help="messages each in the outage (5)")
    parser.add_argument("--outage", type=float, default=300.0, help="seconds of 502 (300)")
    parser.add_argument("--kill", action="store_true", help="SIGKILL halfway through the outage")
    parser.add_argument("--max-wait", type=float, default=120.0, help="s to wait afterwards")
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--workdir", type=Path, help="keep the database and the bot log here")
    args = parser.parse_args(argv)
    figures = run_in(args.workdir, "sterk-outage-", lambda workdir: run(args, workdir))
    print(
        f"{figures['people']} people x {figures['messages_each']} messages during "
        f"{figures['outage_s']:g} s of Bot API 502" + (", SIGKILL halfway" if args.kill else "")
    )
    print(
        f"answers: {figures['answers_expected']} expected, {figures['answers_delivered']} "
        f"delivered, {figures['answers_lost']} lost, {figures['answers_doubled']} doubled, "
        f"{figures['answers_out_of_order']} out of order"
    )
    print(
        f"replies sent since the outage began {figures['replies_sent_after_outage_began']}; "
        f"Bot API calls during the outage {figures['api_calls_during_outage']}; "
        f"time to recover {figures['recovery_s']} s (outage end to the last answer)"
    )
    print(f"bot log: {figures['bot_errors_logged']} errors")
    write_json(args.json, figures)
    bad = figures["answers_lost"] or figures["answers_doubled"] or figures["answers_out_of_order"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
