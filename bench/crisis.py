"""Crisis detector figures on the labelled corpus: recall, false positives, kinds, speed.

Run from the repository root: ``python bench/crisis.py [--corpus PATH]``. It only reports; it
always exits 0, so it can run in CI next to the tests that hold the thresholds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `bot` importable without installing
    sys.path.insert(0, str(ROOT))

from bot.core.safety import CrisisKind, detect_crisis  # noqa: E402

DEFAULT_CORPUS = ROOT / "tests" / "data" / "crisis_corpus.yaml"
KINDS = [kind.value for kind in CrisisKind]


@dataclass
class Sample:
    """One labelled message and what the detector made of it."""

    text: str
    lang: str
    label: str
    found: frozenset[str]
    micros: float


@dataclass
class Figures:
    """Counts for one slice of the corpus (a language, or all)."""

    samples: list[Sample] = field(default_factory=list)

    @property
    def positives(self) -> list[Sample]:
        return [s for s in self.samples if s.label != "none"]

    @property
    def negatives(self) -> list[Sample]:
        return [s for s in self.samples if s.label == "none"]

    def recall(self) -> float:
        pos = self.positives
        return sum(1 for s in pos if s.found) / len(pos) if pos else float("nan")

    def false_positive_rate(self) -> float:
        neg = self.negatives
        return sum(1 for s in neg if s.found) / len(neg) if neg else float("nan")

    def kind_recall(self, kind: str) -> tuple[int, int]:
        rows = [s for s in self.samples if s.label == kind]
        return sum(1 for s in rows if s.found), len(rows)

    def kind_accuracy(self) -> float:
        hits = [s for s in self.positives if s.found]
        return sum(1 for s in hits if s.label in s.found) / len(hits) if hits else float("nan")


def load(path: Path) -> list[dict[str, str]]:
    """Read the corpus: a list of {text, lang, label}."""
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, list):
        raise SystemExit(f"{path}: expected a list of messages")
    return data


def run(rows: list[dict[str, str]], repeats: int) -> list[Sample]:
    """Detect every message, timing the best of a few runs to keep noise out."""
    samples = []
    for row in rows:
        text = str(row["text"])
        best = float("inf")
        signal = None
        for _ in range(repeats):
            start = time.perf_counter_ns()
            signal = detect_crisis(text)
            best = min(best, (time.perf_counter_ns() - start) / 1000)
        found = frozenset(k.value for k in signal.kinds) if signal else frozenset()
        samples.append(Sample(text, str(row["lang"]), str(row["label"]), found, best))
    return samples


def report(name: str, figures: Figures) -> None:
    """Print the figures of one slice."""
    times = sorted(s.micros for s in figures.samples)
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"\n== {name}: n={len(figures.samples)} ", end="")
    print(f"(positives {len(figures.positives)}, negatives {len(figures.negatives)})")
    print(f"  recall               {figures.recall():.3f}")
    print(f"  false-positive rate  {figures.false_positive_rate():.3f}")
    per_kind = []
    for kind in KINDS:
        hit, total = figures.kind_recall(kind)
        per_kind.append(f"{kind} {hit}/{total}")
    print("  recall per kind      " + ", ".join(per_kind))
    print(
        f"  kind accuracy        {figures.kind_accuracy():.3f}  (labelled kind among kinds found)"
    )
    print(f"  time per message     mean {statistics.fmean(times):.1f} µs, p99 {p99:.1f} µs")


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the corpus and print per language and overall."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeats", type=int, default=5, help="timing runs per message")
    args = parser.parse_args(argv)

    samples = run(load(args.corpus), max(1, args.repeats))
    langs = sorted({s.lang for s in samples})
    for lang in langs:
        report(lang, Figures([s for s in samples if s.lang == lang]))
    report("overall", Figures(samples))

    misses = [s for s in samples if s.label != "none" and not s.found]
    wrong_kind = [s for s in samples if s.label != "none" and s.found and s.label not in s.found]
    false_pos = [s for s in samples if s.label == "none" and s.found]
    print(f"\nmisses ({len(misses)}):")
    for s in misses:
        print(f"  [{s.lang} {s.label}] {s.text}")
    print(f"\nwrong kind ({len(wrong_kind)}):")
    for s in wrong_kind:
        print(f"  [{s.lang} {s.label} -> {','.join(sorted(s.found))}] {s.text}")
    print(f"\nfalse positives ({len(false_pos)}):")
    for s in false_pos:
        print(f"  [{s.lang} -> {','.join(sorted(s.found))}] {s.text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
