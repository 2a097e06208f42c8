"""The coaching's danger check: which dangers were found, and the helplines that fit them.

Shared by the coaching (safety branch, advice) and the plan (the helplines on the card), so
both read the answers the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The danger check's answers, most urgent first (several can be true at once).
DANGERS = ("threat", "doxing", "sextortion", "offline")
# Helplines per danger, by the topics in helplines.yaml: violence → 112/police, doxing →
# police + Helpwanted, sextortion → Helpwanted + police + Centrum Seksueel Geweld.
DANGER_TOPICS: dict[str, frozenset[str]] = {
    "threat": frozenset({"violence"}),
    "doxing": frozenset({"doxing"}),
    "sextortion": frozenset({"sextortion"}),
    "offline": frozenset({"violence", "victim_support"}),
}


def dangers(answers: Mapping[str, Any]) -> list[str]:
    """The dangers found, most urgent first: a list in the conversation, space-separated in a
    saved plan (plans hold strings), a single id or "none" in plans from before."""
    value = answers.get("danger")
    found = value if isinstance(value, list) else value.split() if isinstance(value, str) else []
    return [danger for danger in DANGERS if danger in found]


def danger_topics(answers: Mapping[str, Any]) -> set[str]:
    """Helpline topics for every danger found."""
    return set().union(*(DANGER_TOPICS[danger] for danger in dangers(answers)))
