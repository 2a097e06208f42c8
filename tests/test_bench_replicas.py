"""The replica benchmark (bench/replicas.py) runs end to end, small: nothing lost, doubled or
reordered on SQLite, PostgreSQL and three PostgreSQL replicas with one SIGKILLed (figures are
printed, never asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests import stores

ROOT = Path(__file__).resolve().parent.parent


def test_replica_bench_small(tmp_path: Path) -> None:
    """Twelve people on each setup; the exit code says every count was 0."""
    figures = tmp_path / "figures.json"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "replicas.py"),
            "--people",
            "12",
            "--think",
            "0.02",
            "--max-seconds",
            "120",
            "--json",
            str(figures),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    runs = json.loads(figures.read_text(encoding="utf-8"))["runs"]
    names = [run["setup"] for run in runs]
    expected = (
        ["sqlite x1", "postgresql x1", "postgresql x3"] if stores.server_url() else ["sqlite x1"]
    )
    assert names == expected
    for run in runs:
        assert run["doubled"] == run["out_of_order"] == 0, run
        if run["killed_at_s"] is None:  # around a kill a walk may wait out its re-send
            assert run["lost"] == 0, run
            assert run["finished"] == run["people"] - run["people"] // 10, run
    if len(runs) == 3:
        assert runs[2]["killed_at_s"] is not None
        assert all(runs[2]["posts_per_replica"]), runs[2]
