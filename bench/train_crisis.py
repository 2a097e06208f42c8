"""Train the crisis model offline and write bot/core/crisis/model.tsv.gz; measure it honestly.

Run from the repository root after the development corpus changed:
``python bench/train_crisis.py`` (needs scikit-learn: ``pip install -e '.[train]'``). It trains
only on tests/data/crisis/dev/ and stores in the model file the training figures that
tests/test_safety.py checks the shipped model against.

``--cv`` measures generalisation without a held-out part: grouped k-fold out-of-fold
predictions of the full pipeline (rules + model). Near-duplicate variants of one message (the
same words with a typo, an emoji or another word order) are kept in one fold, so a message is
never judged by a model that learnt its twin. It prints recall and false alarms per class, the
rules alone and the model alone, and a grid of thresholds to calibrate ``Thresholds`` in
bot/core/safety.py on. Caveat: the rules were written by people who read the dev corpus, so the
rules' share of the figure is not out-of-sample; the model's share is.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sklearn.feature_extraction import DictVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import StratifiedGroupKFold  # noqa: E402

from bench.corpus import LABELS, Row, caught, counted, decide, load, score  # noqa: E402
from bot.core.crisis import read, rules  # noqa: E402
from bot.core.crisis.model import Model, dump, features  # noqa: E402
from bot.core.safety import THRESHOLDS, Reading, Thresholds, read_message, rule_hits  # noqa: E402
from bot.core.safety import decide as decide_one  # noqa: E402

OUT = ROOT / "bot" / "core" / "crisis" / "model.tsv.gz"
C = 16.0
PRUNE = 0.01  # weights smaller than this for every class are left out of the file
SEED = 13
FOLDS = 5
NONE_WEIGHT = 1.0  # extra weight of harmless messages over "balanced" (false alarms)
TWIN = 0.5  # word-set overlap (Jaccard) from which two messages are variants of one


def to_model(vec: DictVectorizer, fitted: LogisticRegression, figures: dict[str, Any]) -> Model:
    """The pure-Python model: pruned, rounded weights per feature."""
    classes = [str(c) for c in fitted.classes_]
    weights = {}
    for j, name in enumerate(vec.get_feature_names_out()):
        row = tuple(round(float(fitted.coef_[i, j]), 3) for i in range(len(classes)))
        if max(abs(w) for w in row) >= PRUNE:
            weights[str(name)] = row
    bias = tuple(round(float(b), 3) for b in fitted.intercept_)
    return Model(tuple(classes), bias, weights, figures)


def inputs_of(row: Row) -> dict[str, float]:
    """The model's features for one row, exactly as the detector computes them."""
    words, tags = read(row.text, row.where)
    hits = rule_hits(row.text, words, tags, row.where)  # quotes read as the detector does
    return features(words, tags, row.where, hits, rules.cues(words, tags, row.where))


def groups(rows: list[Row]) -> list[int]:
    """A group id per row: rows whose word sets overlap by TWIN or more share one (transitively)."""
    sets = [frozenset(read(r.text, r.where)[0]) for r in rows]
    parent = list(range(len(rows)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_word: dict[str, list[int]] = {}
    for i, words in enumerate(sets):
        for w in words:
            by_word.setdefault(w, []).append(i)
    for i, words in enumerate(sets):
        seen: set[int] = set()
        for w in words:
            if len(by_word[w]) > 200:  # "ik", "de", "i": too common to point at a twin
                continue
            seen.update(j for j in by_word[w] if j > i)
        for j in seen:
            union = len(words | sets[j])
            if union and len(words & sets[j]) / union >= TWIN:
                parent[root(j)] = root(i)
    return [root(i) for i in range(len(rows))]


def fit(x: Any, labels: list[str]) -> LogisticRegression:
    """One logistic regression, as shipped."""
    counts = {label: labels.count(label) for label in set(labels)}
    weights = {k: len(labels) / (len(counts) * n) for k, n in counts.items()}
    weights["none"] *= NONE_WEIGHT
    model = LogisticRegression(C=C, max_iter=3000, class_weight=weights)
    model.fit(x, labels)
    return model


def out_of_fold(rows: list[Row], vec: DictVectorizer, x: Any) -> list[Reading | None]:
    """Every row read by the full pipeline with a model trained on the other folds only."""
    labels = [r.label for r in rows]
    folds = StratifiedGroupKFold(FOLDS, shuffle=True, random_state=SEED)
    readings: list[Reading | None] = [None] * len(rows)
    for train, test in folds.split(x, labels, groups(rows)):
        model = to_model(vec, fit(x[train], [labels[i] for i in train]), {})
        for i in test:
            readings[i] = read_message(rows[i].text, rows[i].where, model)
    return readings


def outcomes(readings: list[Reading | None], limits: Thresholds) -> list[str]:
    """ "none", or "clear:kind" / "possible:kind" / "friend:kind" (the primary kind) per row."""
    out = []
    for reading in readings:
        signal = decide_one(reading, limits)
        out.append("none" if signal is None else f"{signal.outcome}:{signal.primary}")
    return out


def table(rows: list[Row], found: list[str]) -> dict[str, float]:
    """Recall per class, overall, false alarms, and clear false alarms (the worse kind); the
    friend rows apart (how many got the calm friend answer)."""
    out = score(rows, found)
    friends = [f for r, f in zip(rows, found, strict=True) if not counted(r)]
    calm = sum(1 for f in friends if f.startswith("friend"))
    out["friend"] = round(calm / max(1, len(friends)), 3)
    kept = [(r, f) for r, f in zip(rows, found, strict=True) if counted(r)]
    rows, found = [r for r, _ in kept], [f for _, f in kept]
    pos = [f for r, f in zip(rows, found, strict=True) if r.label != "none"]
    neg = [f for r, f in zip(rows, found, strict=True) if r.label == "none"]
    out["all"] = round(sum(1 for f in pos if caught(f)) / max(1, len(pos)), 3)
    out["clear_fa"] = round(sum(1 for f in neg if f.startswith("clear")) / max(1, len(neg)), 3)
    out["asked"] = round(sum(1 for f in pos if f.startswith("possible")) / max(1, len(pos)), 3)
    return out


def line(name: str, figures: dict[str, float]) -> str:
    """One printed row of figures."""
    keys = [*LABELS[1:], "all", "false_alarm", "clear_fa", "asked", "friend"]
    return f"{name:26}" + " ".join(f"{figures[k]:>10.3f}" for k in keys)


def header() -> str:
    """Column names for :func:`line`."""
    keys = [*LABELS[1:], "all", "false_alarm", "clear_fa", "asked", "friend"]
    return f"{'':26}" + " ".join(f"{k[:10]:>10}" for k in keys)


def cross_validate(rows: list[Row], vec: DictVectorizer, x: Any, misses: bool) -> dict[str, float]:
    """Print the out-of-fold figures and the threshold grid; return the figures at the defaults."""
    readings = out_of_fold(rows, vec, x)
    ids = groups(rows)
    print(f"rows {len(rows)} in {len(set(ids))} groups of variants, {FOLDS} grouped folds")
    print(header())
    found = outcomes(readings, THRESHOLDS)
    shipped = table(rows, found)
    print(line("out-of-fold (shipped)", shipped))
    rules_only = ["none" if not (r and r.hits) else "clear:x" for r in readings]
    print(line("rules alone", table(rows, rules_only)))
    no_rules = [replace(r, hits=()) if r else None for r in readings]
    print(line("model alone", table(rows, outcomes(no_rules, THRESHOLDS))))
    print("\nthreshold grid (possible / clear):")
    for possible in (0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6):
        for clear in (0.6, 0.75, 0.9):
            if clear < possible:
                continue
            limits = replace(THRESHOLDS, possible=possible, clear=clear)
            print(line(f"  {possible:.2f} / {clear:.2f}", table(rows, outcomes(readings, limits))))
    print("\nguarded threshold (no rule, framing cue):")
    for guarded in (0.4, 0.6, 0.7, 0.8, 0.9, 0.95):
        limits = replace(THRESHOLDS, guarded=guarded)
        print(line(f"  guarded {guarded:.2f}", table(rows, outcomes(readings, limits))))
    if misses:
        for row, f in zip(rows, found, strict=True):
            if (f == "none") != (row.label == "none") and counted(row):
                print(f"  OOF MISS/FA [{row.label} {row.where}] {f}: {row.text}")
    return shipped


def main(argv: list[str] | None = None) -> int:
    """Fit, optionally cross-validate, prune, write."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cv", action="store_true", help="grouped out-of-fold figures only")
    parser.add_argument("--misses", action="store_true", help="with --cv: list OOF errors")
    parser.add_argument("--c", type=float, default=0.0, help="try another regularisation")
    parser.add_argument("--none-weight", type=float, default=0.0, help="try another weight")
    args = parser.parse_args(argv)
    if args.c:
        globals()["C"] = args.c
    if args.none_weight:
        globals()["NONE_WEIGHT"] = args.none_weight
    rows = load("dev")
    vec = DictVectorizer()
    x = vec.fit_transform([inputs_of(r) for r in rows])
    if args.cv:
        cross_validate(rows, vec, x, args.misses)
        return 0
    shipped = to_model(vec, fit(x, [r.label for r in rows]), {})
    held = score(rows, decide(rows, shipped))
    figures = {"rows": len(rows), "dev": held}
    OUT.write_bytes(dump(replace(shipped, figures=figures)))
    print(f"rows {len(rows)}, features {len(shipped.weights)}")
    print(f"shipped model on dev: {held}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
