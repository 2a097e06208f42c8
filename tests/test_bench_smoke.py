"""The load benchmark (bench/load.py) still runs end to end, so the harness cannot rot."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
# bench/load.py's bot binds the default web port (8443): on one xdist worker, never two at once.
pytestmark = pytest.mark.xdist_group("bench-load-port")


def _bench(tmp_path: Path, *args: str) -> dict[str, Any]:
    """Run the benchmark as a user would and read its JSON figures."""
    figures = tmp_path / "figures.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "load.py"), *args, "--json", str(figures)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    data: dict[str, Any] = json.loads(figures.read_text(encoding="utf-8"))
    return data


def test_twenty_people_and_the_echo_bot(tmp_path: Path) -> None:
    """20 people finish their route; every move answered once; echo figures and ratio present."""
    figures = _bench(tmp_path, "--users", "20", "--think", "0.02")
    sterk, echo = figures["sterk"], figures["echo"]
    assert sterk["finished"] == 20
    assert sterk["moves"] == sterk["updates"] > 20 * 8  # onboarding alone is 8 moves
    assert sterk["resends"] == sterk["answers_missing"] == sterk["answered_twice"] == 0
    assert sterk["repeated_messages"] == sterk["stray_messages"] == 0
    assert sterk["api_calls"]["answerCallbackQuery"] > 0
    reply = sterk["latency_ms"]["reply"]
    assert 0 < reply["p50"] <= reply["p95"] <= reply["p99"] <= reply["max"]
    assert sterk["updates_per_s"] > 0
    assert sterk["peak_rss_mb"] > 0
    assert echo["finished"] == 20
    assert echo["wrong_echoes"] == echo["answers_missing"] == 0
    assert "throughput_ratio" in figures["comparison"]  # printed, never asserted: wall clock
    assert all(figures["checks"].values())


def test_tiny_fault_run_with_a_kill(tmp_path: Path) -> None:
    """429s, 5xx, slow calls and a SIGKILL: everyone finishes or can continue, counts add up."""
    figures = _bench(
        tmp_path, "--users", "6", "--faults", "--route", "onboarding", "--resend-timeout", "6"
    )
    sterk = figures["sterk"]
    assert "echo" not in figures
    assert sterk["killed_at_s"] is not None
    assert sterk["unfinished"] <= sterk["can_continue"]
    assert sterk["updates"] == sterk["moves"] + sterk["resends"]
    assert sterk["answers_missing"] == sterk["answered_twice"] == 0
    assert (
        sterk["kill_recovered_by_resend"] + sterk["kill_answers_missing"]
        <= (sterk["in_flight_at_kill"])
    )
    # In doubt at the kill (handled or sent, not yet crossed off): sent again at most once each.
    assert sterk["repeated_messages"] == 0
    assert sterk["kill_repeated_messages"] <= sterk["in_flight_at_kill"]
    assert all(figures["checks"].values())
