"""The statistical layer: a small logistic-regression model over words, letter groups and concepts.

Why: rules only fire on combinations someone thought of. The model has learnt from the labelled
development corpus which words, parts of words (three to five letters, so "zelfmoordgedachten"
and "zelfmoordgedachte" look alike) and concept tags go with each kind. It is trained offline by
``bench/train_crisis.py`` with scikit-learn and shipped as ``model.tsv.gz``; here it only adds up
weights in plain Python, so it needs no numpy, loads in a fraction of a second and costs a few
megabytes. The file is one JSON line (classes, bias, the training figures) and then a line per
feature (name, tab, weights): read line by line, so loading never holds the whole file parsed
twice (a JSON file of ~100,000 rows doubled the detector's peak memory while it loaded).
"""

from __future__ import annotations

import gzip
import json
import math
import sys
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import pairwise
from typing import Any

from bot.core.crisis.rules import Hit

__all__ = ["Model", "dump", "features", "load"]

MODEL_FILE = "model.tsv.gz"
# Concepts that carry danger, paired with the framing cues as features.
_DANGER = frozenset(
    [
        *("die", "done", "method", "means", "cut", "harm", "weapon"),
        *("data", "expose", "image", "money", "threat"),
    ]
)


def features(
    words: list[str], tags: list[frozenset[str]], where: str, hits: list[Hit], cues: list[str]
) -> dict[str, float]:
    """The model's inputs for one message; the training script uses this very function.

    Each group (words, word pairs, letter groups, concepts) adds up to about the same weight
    whatever the message's length, so a long story is not louder than a short cry.
    """
    out: dict[str, float] = {}

    def add(group: list[str]) -> None:
        if group:
            value = 1.0 / math.sqrt(len(group))
            for key in group:
                out[key] = value

    add([f"w:{w}" for w in words])
    add([f"b:{a}_{b}" for a, b in pairwise(words)])
    grams: list[str] = []
    for w in words:
        padded = f" {w} "
        for n in (3, 4, 5):
            grams.extend(f"c:{padded[i : i + n]}" for i in range(len(padded) - n + 1))
    add(grams)
    concepts = sorted({c for t in tags for c in t})
    add([f"k:{c}" for c in concepts])
    add([f"kk:{a}+{b}" for i, a in enumerate(concepts) for b in concepts[i + 1 :]])
    add([f"r:{hit.kind}" for hit in hits] + [f"q:{cue}" for cue in cues])
    # A framing cue with a danger concept ("past" with cutting, "figure" with death): a linear
    # model cannot learn such a pair from the two apart.
    add([f"qk:{cue}+{c}" for cue in cues for c in concepts if c in _DANGER])
    if where == "draft":
        out["x:draft"] = 1.0
    return out


@dataclass(frozen=True, slots=True)
class Model:
    """Weights per feature and class; ``figures`` are what the training script measured."""

    classes: tuple[str, ...]
    bias: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]
    figures: dict[str, Any]

    def probabilities(self, inputs: dict[str, float]) -> dict[str, float]:
        """Softmax over the classes: how likely each kind is, summing to one."""
        # Features of one group share one value: add their weight rows up in C (zip, sum), then
        # scale once per group. This keeps a long message well under a millisecond.
        groups: dict[float, list[tuple[float, ...]]] = {}
        weights = self.weights
        for key, value in inputs.items():
            row = weights.get(key)
            if row is not None:
                groups.setdefault(value, []).append(row)
        scores = list(self.bias)
        for value, rows in groups.items():
            for i, column in enumerate(zip(*rows, strict=True)):
                scores[i] += value * sum(column)
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return {c: e / total for c, e in zip(self.classes, exps, strict=True)}


def dump(model: Model) -> bytes:
    """The model file's bytes (gzip without a timestamp, so a retrain of the same data gives
    the same file)."""
    head = {"classes": model.classes, "bias": model.bias, "figures": model.figures}
    lines = [json.dumps(head, sort_keys=True)]
    lines += [f"{k}\t{' '.join(map(str, v))}" for k, v in sorted(model.weights.items())]
    return gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0)


@cache
def load() -> Model:
    """Read the shipped model file once."""
    # Weights are rounded to 0.001, so a few thousand values recur across ~100,000 rows: one
    # float object per value (and one tuple per repeated row) instead of one each, about a
    # third of the model's memory.
    floats: dict[str, float] = {}  # by the text of the value
    rows: dict[tuple[float, ...], tuple[float, ...]] = {}
    weights: dict[str, tuple[float, ...]] = {}
    path = resources.files(__package__).joinpath(MODEL_FILE)
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        head = json.loads(next(lines))
        for line in lines:
            key, _, values = line.rstrip("\n").partition("\t")
            row = tuple(floats.setdefault(v, float(v)) for v in values.split())
            weights[sys.intern(key)] = rows.setdefault(row, row)
    return Model(tuple(head["classes"]), tuple(head["bias"]), weights, head["figures"])
