"""The code checks the project promises: ruff and mypy --strict are clean."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_ruff_clean() -> None:
    """ruff finds nothing in the code, tests and benchmarks."""
    result = _run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout


def test_mypy_strict_clean() -> None:
    """mypy --strict passes on the bot and scheduler packages."""
    result = _run("mypy")
    assert result.returncode == 0, result.stdout
