"""How well typed stories are read: accuracy per field on the dev and held-out story sets.

Each story in ``tests/data/stories/<part>/*.yaml`` is labelled with role, feeling, platform,
form, ground and help (null = not said). A field counts as right when the reader
(``bot.core.understand.read``) says exactly the label, "not said" included. Tune on dev only;
held-out is read once, after the reader is frozen (see bench/README.md).

    python bench/stories.py            # dev and held-out, plus what dev gets wrong most
    python bench/stories.py --misses   # also every dev story with a wrong field
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from bot.core.understand import FIELDS, Reading, read  # noqa: E402

STORIES = ROOT / "tests" / "data" / "stories"
LABELS = (*FIELDS, "help")
CONFUSIONS = 5  # per field, the most frequent wrong readings shown for dev


def load(part: str, root: Path = STORIES) -> list[dict[str, Any]]:
    """Every story of one part, in file order."""
    stories: list[dict[str, Any]] = []
    for path in sorted((root / part).glob("*.yaml")):
        stories.extend(yaml.safe_load(path.read_text(encoding="utf-8")) or [])
    return stories


def said(reading: Reading, label: str) -> str | bool | None:
    """What the reader says for one label, in the labels' own terms."""
    return reading.help if label == "help" else reading.found.get(label)


def score(stories: list[dict[str, Any]]) -> dict[str, Any]:
    """Right answers per label, the wrong (expected, said) pairs and stories with a miss."""
    right: Counter[str] = Counter()
    wrong: dict[str, Counter[tuple[object, object]]] = {label: Counter() for label in LABELS}
    misses: list[tuple[str, dict[str, tuple[object, object]]]] = []
    for story in stories:
        reading = read(str(story["text"]))
        missed: dict[str, tuple[object, object]] = {}
        for label in LABELS:
            expected = bool(story.get(label)) if label == "help" else story.get(label)
            got = said(reading, label)
            if got == expected:
                right[label] += 1
            else:
                wrong[label][(expected, got)] += 1
                missed[label] = (expected, got)
        if missed:
            misses.append((str(story["text"]), missed))
    return {"n": len(stories), "right": right, "wrong": wrong, "misses": misses}


def _line(name: str, result: dict[str, Any]) -> str:
    n = result["n"]
    cells = [f"{label} {result['right'][label] / n:.3f}" for label in LABELS]
    exact = n - len(result["misses"])
    return f"{name:9} n={n:3}  " + "  ".join(cells) + f"  | all fields {exact / n:.3f}"


def main(argv: list[str] | None = None) -> int:
    """Print the figures; exit 1 when a part has no stories."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--misses", action="store_true", help="list every dev story read wrong")
    args = parser.parse_args(argv)
    dev = score(load("dev"))
    if not dev["n"]:
        print("no dev stories found")
        return 1
    print("accuracy per field (label said exactly, 'not said' included)")
    print(_line("dev", dev))
    held = load("heldout")
    if held:
        print(_line("held-out", score(held)))
    else:
        print("held-out  (no stories in tests/data/stories/heldout/)")
    print("\ndev: most frequent confusions (expected -> read)")
    for label in LABELS:
        top = dev["wrong"][label].most_common(CONFUSIONS)
        if top:
            pairs = ", ".join(f"{e}->{g} {c}" for (e, g), c in top)
            print(f"  {label:8} {pairs}")
    if args.misses:
        print("\ndev stories with a wrong field")
        for text, missed in dev["misses"]:
            detail = "; ".join(f"{k}: {e}->{g}" for k, (e, g) in missed.items())
            print(f"  {text[:90]!r}  {detail}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
