"""The labelled crisis corpus: every YAML file under tests/data/crisis/dev/ and .../heldout/.

Shared by the bench, the training script and the tests, so all three read the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.core.content import parse_yaml
from bot.core.crisis.model import Model
from bot.core.safety import Outcome, detect_crisis

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "crisis"
PARTS = ("dev", "heldout")
LABELS = ("none", "suicide", "self_harm", "violence", "doxing", "sextortion")
# Someone asking how to help a friend, a sibling or a classmate (the writer's note on the row:
# "friend", "helping", "help-friend", "help-classmate", ...). The product answers a friend's
# suicide or self-harm calmly with 113 (README, "Helping a friend"), so these rows are reported
# as their own row and count neither as recall nor as a false alarm, whatever their label.
FRIEND_NOTES = frozenset(["friend", "helping"])


@dataclass(frozen=True, slots=True)
class Row:
    """One labelled message."""

    text: str
    lang: str
    label: str
    acute: bool
    where: str
    part: str
    source: str
    note: str = ""


def load(part: str) -> list[Row]:
    """Every row of one part ("dev" or "heldout"); an absent folder is an empty part."""
    rows: list[Row] = []
    folder = CORPUS / part
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        data = parse_yaml(path.read_text(encoding="utf-8")) or []
        for item in data:
            label = str(item["label"]).replace("-", "_")
            if label not in LABELS:
                raise ValueError(f"{path.name}: unknown label {label!r}")
            rows.append(
                Row(
                    text=str(item["text"]),
                    lang=str(item.get("lang", "nl")),
                    label=label,
                    acute=bool(item.get("acute", False)) or item.get("note") == "acute",
                    where=str(item.get("where", "chat")),
                    part=part,
                    source=path.name,
                    note=str(item.get("note", "")),
                )
            )
    return rows


def counted(row: Row) -> bool:
    """Whether the row counts in recall and false alarms (not a friend asking how to help)."""
    helping = row.note.startswith("help-") and row.note != "help-seeking"  # seeking: their own
    return row.note not in FRIEND_NOTES and not helping


def decide(rows: list[Row], model: Model) -> list[str]:
    """The full decision (rules and model) per row: the first kind found, "friend" for the
    calm friend answer, or "none"."""
    out = []
    for row in rows:
        signal = detect_crisis(row.text, row.where, model)
        if signal is None:
            out.append("none")
        else:
            out.append("friend" if signal.outcome is Outcome.FRIEND else str(signal.primary))
    return out


def caught(found: str) -> bool:
    """A crisis answer or question (the friend answer is not: it gives no alarm)."""
    return found != "none" and not found.startswith("friend")


def score(rows: list[Row], found: list[str]) -> dict[str, float]:
    """Recall per class (any kind found counts) and the false-alarm rate; friend rows left out."""
    kept = [(r, f) for r, f in zip(rows, found, strict=True) if counted(r)]
    rows, found = [r for r, _ in kept], [f for _, f in kept]
    out = {}
    for label in LABELS[1:]:
        pos = [f for r, f in zip(rows, found, strict=True) if r.label == label]
        out[label] = round(sum(1 for f in pos if caught(f)) / max(1, len(pos)), 3)
    neg = [f for r, f in zip(rows, found, strict=True) if r.label == "none"]
    out["false_alarm"] = round(sum(1 for f in neg if f != "none") / max(1, len(neg)), 3)
    return out
