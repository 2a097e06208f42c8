"""The broadcast benchmark (bench/broadcast.py) still runs end to end, so the harness cannot rot."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_small_broadcast_benchmark(tmp_path: Path) -> None:
    """300 people: everyone once, no 429, the report adds up, the figures are there (the rate
    target itself is for the full run on a quiet machine)."""
    figures_file = tmp_path / "broadcast.json"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "broadcast.py"),
            "--recipients",
            "300",
            "--limit",
            "600",
            "--json",
            str(figures_file),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert figures_file.exists(), result.stdout[-2000:] + result.stderr[-2000:]
    figures = json.loads(figures_file.read_text(encoding="utf-8"))
    checks = figures["checks"]
    assert checks["no 429"]
    assert checks["everyone got it exactly once"]
    assert checks["report matches"]
    assert figures["delivered"] == 300
    # Above the limit never (a short run includes the bucket's first few tokens). The lower bound
    # only proves the lane is not stuck: with 8 helpers' suites on 2 cores it measured 0.18-0.41.
    assert 0.1 < figures["ratio"] < 1.2
    assert figures["peak_rss_mb"] > 0
    assert "achieved" in result.stdout
