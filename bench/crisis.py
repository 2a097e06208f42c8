"""Crisis detector figures: recall and false alarms per class on the dev and held-out parts.

Run from the repository root: ``python bench/crisis.py``. It reads every YAML file under
tests/data/crisis/dev/ and tests/data/crisis/heldout/ (and says so plainly when the held-out
folder is empty, as it is between blind parts) and prints, per part and per class, recall
(a "possible" outcome counts as caught) and the false-alarm rate on harmless messages (a
"possible" question counts as a false alarm), on their own row the messages of someone asking
how to help a friend (note ``friend`` or ``helping``: neither recall nor false alarm), the gap
between the parts, then p50/p99 time per message, the extra memory and the start-up cost.
``--misses`` lists what went wrong; ``--chat N`` pushes N sampled messages through the real
``sterk-online chat`` process, each with a fresh database, as the hidden check does, and counts an
answer as caught when it names a helpline number. It only reports and always exits 0;
tests/test_safety.py holds the thresholds.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `bot` and `bench` importable
    sys.path.insert(0, str(ROOT))

from bench.corpus import LABELS, PARTS, Row, counted, load  # noqa: E402

KINDS = LABELS[1:]


@dataclass(frozen=True, slots=True)
class Result:
    """One row and what the detector made of it."""

    row: Row
    outcome: str  # "clear", "possible" or "none"
    kinds: frozenset[str]


_COLD_START = (
    "import time; t = time.perf_counter(); from bot.core.safety import warm_up; warm_up(); "
    "print(time.perf_counter() - t)"
)


def startup() -> tuple[float, float]:
    """Seconds to import and warm the detector in a fresh process (untraced, as in production),
    and megabytes of traced Python allocations doing the same here."""
    cold = subprocess.run(
        [sys.executable, "-c", _COLD_START], capture_output=True, text=True, cwd=ROOT, check=True
    )
    tracemalloc.start()
    from bot.core.safety import detect_crisis

    detect_crisis("warm up")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return float(cold.stdout.strip()), peak / 1e6


def run(rows: list[Row]) -> tuple[list[Result], list[float]]:
    """Detect every row; time each call in microseconds (best of three: the machine is shared)."""
    from bot.core.safety import detect_crisis

    results, micros = [], []
    for row in rows:
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter_ns()
            signal = detect_crisis(row.text, row.where)
            best = min(best, (time.perf_counter_ns() - start) / 1000)
        micros.append(best)
        if signal is None:
            results.append(Result(row, "none", frozenset()))
        else:
            results.append(Result(row, str(signal.outcome), frozenset(map(str, signal.kinds))))
    return results, micros


_CAUGHT = frozenset(["clear", "possible"])  # the friend answer gives no alarm: not caught


def figures(results: list[Result]) -> dict[str, tuple[int, int]]:
    """(hits, total) per class, "all" (any crisis caught), "false_alarm", and the friend rows
    (someone asking how to help a friend: how many got the calm friend answer) apart."""
    friends = [r for r in results if not counted(r.row)]
    results = [r for r in results if counted(r.row)]
    out: dict[str, tuple[int, int]] = {}
    for kind in KINDS:
        rows = [r for r in results if r.row.label == kind]
        out[kind] = (sum(1 for r in rows if r.outcome in _CAUGHT), len(rows))
    pos = [r for r in results if r.row.label != "none"]
    out["all"] = (sum(1 for r in pos if r.outcome in _CAUGHT), len(pos))
    neg = [r for r in results if r.row.label == "none"]
    out["false_alarm"] = (sum(1 for r in neg if r.outcome != "none"), len(neg))
    out["possible_on_positives"] = (sum(1 for r in pos if r.outcome == "possible"), len(pos))
    out["friend_help_answer"] = (sum(1 for r in friends if r.outcome == "friend"), len(friends))
    out["friend_crisis_answer"] = (
        sum(1 for r in friends if r.outcome in {"clear", "possible"}),
        len(friends),
    )
    return out


def rate(pair: tuple[int, int]) -> float:
    """hits / total, NaN for an empty slice."""
    return pair[0] / pair[1] if pair[1] else float("nan")


def percentile(values: list[float], q: float) -> float:
    """The q-th quantile of the values (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")


_NUMBER = re.compile(r"\b(?:112|113|0800-\d{4}|0900-\d{4}|020-261 52 75|088-554 32 22)\b")


def chat(rows: list[Row], count: int, seed: int) -> None:
    """Send a sample through the real terminal chat, one fresh database per message."""
    sample = random.Random(seed).sample(rows, min(count, len(rows)))
    caught = {"pos": [0, 0], "neg": [0, 0]}
    exe = Path(sys.executable).with_name("sterk-online")
    for row in sample:
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "STERK_DB_PATH": str(Path(tmp) / "sterk.db")}
            env.pop("TELEGRAM_BOT_TOKEN", None)
            done = subprocess.run(
                [str(exe), "chat"],
                input=row.text + "\nquit\n",
                capture_output=True,
                text=True,
                env=env,
                timeout=60,
                cwd=tmp,
                check=False,
            )
        named = bool(_NUMBER.search(done.stdout))
        side = "neg" if row.label == "none" else "pos"
        caught[side][0] += named
        caught[side][1] += 1
        if named != (side == "pos"):
            print(f"  [{row.label}] {'named' if named else 'no number'}: {row.text}")
    print(
        f"chat: caught {caught['pos'][0]}/{caught['pos'][1]}, "
        f"false alarms {caught['neg'][0]}/{caught['neg'][1]}"
    )


def main(argv: list[str] | None = None) -> int:
    """Print the figures per part, the gap, speed, memory and start-up."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list misses and false alarms")
    parser.add_argument("--chat", type=int, default=0, metavar="N", help="N messages via chat")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    seconds, megabytes = startup()
    parts = {part: load(part) for part in PARTS}
    table: dict[str, dict[str, tuple[int, int]]] = {}
    all_micros: list[float] = []
    for part, rows in parts.items():
        if not rows:
            print(
                f"\n== {part}: EMPTY - no YAML file in tests/data/crisis/{part}/, nothing measured"
                "\n   (a held-out part, once seen, moves into dev; until a new blind part arrives,"
                "\n   `python bench/train_crisis.py --cv` gives the out-of-fold figures)"
            )
            continue
        results, micros = run(rows)
        all_micros += micros
        table[part] = figures(results)
        print(f"\n== {part}: {len(rows)} messages")
        for key, pair in table[part].items():
            print(f"  {key:22} {rate(pair):.3f}  ({pair[0]}/{pair[1]})")
        if args.misses:
            for r in results:
                wrong = (r.outcome == "none") != (r.row.label == "none")
                if wrong and counted(r.row):
                    print(f"  MISS/FA [{r.row.label} {r.row.where}] {r.outcome}: {r.row.text}")
    if len(table) == 2:
        print("\n== gap (dev - heldout)")
        for key in table["dev"]:
            print(f"  {key:22} {rate(table['dev'][key]) - rate(table['heldout'][key]):+.3f}")
    print(
        f"\ntime per message   p50 {percentile(all_micros, 0.5):.0f} µs, "
        f"p99 {percentile(all_micros, 0.99):.0f} µs"
    )
    print(f"start-up           {seconds:.2f} s (fresh process), extra memory {megabytes:.1f} MB")
    if args.chat:
        chat([r for rows in parts.values() for r in rows], args.chat, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
