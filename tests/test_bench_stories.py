"""The typed-story benchmark (bench/stories.py) runs, and its labelled stories are well-formed."""

from __future__ import annotations

import pytest

from bench.stories import LABELS, load, main

VALUES = {
    "role": {"target", "bystander", "spreader"},
    "feeling": {"angry", "sad", "scared", "shocked", "numb", "other"},
    "platform": {"instagram", "tiktok", "snapchat", "whatsapp", "game", "other"},
    "form": {"bullying", "discrimination", "negativity", "threat", "doxing", "sextortion"},
    "ground": {"origin", "religion", "orientation", "gender", "disability", "other"},
}


def test_dev_stories_are_labelled_with_known_values() -> None:
    """At least 300 dev stories, each with every label, values from the coach's own lists."""
    stories = load("dev")
    assert len(stories) >= 300
    for story in stories:
        assert set(story) == {"text", "lang", *LABELS}, story
        assert story["lang"] in ("nl", "en"), story
        assert isinstance(story["help"], bool), story
        for label, allowed in VALUES.items():
            assert story[label] is None or story[label] in allowed, story


def test_the_benchmark_prints_accuracy_per_field(capsys: pytest.CaptureFixture[str]) -> None:
    """One line per part with every field, and the dev confusions below."""
    assert main(["--misses"]) == 0
    out = capsys.readouterr().out
    dev = next(line for line in out.splitlines() if line.startswith("dev "))
    for label in LABELS:
        assert f" {label} 0." in dev or f" {label} 1.000" in dev
    assert "most frequent confusions" in out
