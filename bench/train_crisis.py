"""Train the crisis model offline and write bot/core/crisis/model.json.gz (and known words).

Run from the repository root after the development corpus changed:
``python bench/train_crisis.py`` (needs scikit-learn and wordfreq: ``pip install -e '.[train]'``).
It trains only on tests/data/crisis/dev/ (never on the held-out part), prints five-fold
cross-validated figures (an honest estimate for unseen words) and stores in the model file the
training figures that tests/test_safety.py checks the shipped model against.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sklearn.feature_extraction import DictVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402

from bench.corpus import Row, decide, load, score  # noqa: E402
from bot.core.crisis import read, rules  # noqa: E402
from bot.core.crisis.model import Model, features  # noqa: E402

OUT = ROOT / "bot" / "core" / "crisis" / "model.json.gz"
C = 16.0
PRUNE = 0.01  # weights smaller than this for every class are left out of the file
SEED = 13


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
    hits = rules.apply(words, tags, row.where)
    return features(words, tags, row.where, hits, rules.cues(words, tags, row.where))


def main() -> int:
    """Fit, cross-validate, prune, write."""
    rows = load("dev")
    inputs = [inputs_of(r) for r in rows]
    labels = [r.label for r in rows]
    vec = DictVectorizer()
    x = vec.fit_transform(inputs)
    model = LogisticRegression(C=C, max_iter=3000, class_weight="balanced")
    folds = StratifiedKFold(5, shuffle=True, random_state=SEED)
    oof: list[str] = ["none"] * len(rows)
    for train, test in folds.split(x, labels):
        fold = LogisticRegression(C=C, max_iter=3000, class_weight="balanced")
        fold.fit(x[train], [labels[i] for i in train])
        found = decide([rows[i] for i in test], to_model(vec, fold, {}))
        for i, f in zip(test, found, strict=True):
            oof[i] = f
    cv = score(rows, oof)
    model.fit(x, labels)
    shipped = to_model(vec, model, {})
    held = score(rows, decide(rows, shipped))
    data = {
        "classes": list(shipped.classes),
        "bias": list(shipped.bias),
        "weights": {k: list(v) for k, v in shipped.weights.items()},
        "figures": {"rows": len(rows), "cross_validated": cv, "dev": held},
    }
    OUT.write_bytes(gzip.compress(json.dumps(data, sort_keys=True).encode(), mtime=0))
    print(f"rows {len(rows)}, features {len(shipped.weights)}")
    print(f"five-fold cross-validated (rules + model): {cv}")
    print(f"shipped model on dev: {held}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
