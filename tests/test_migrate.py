"""`sterk-online migrate`: the real command on either store, and on a server that is not there."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import load_settings
from tests.stores import query, with_database

pytestmark = pytest.mark.both_stores


def _migrate(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        env={"PATH": "", "STERK_DB_PATH": str(tmp_path / "data" / "sterk.db"), **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_migrate_applies_everything_once(store: str, tmp_path: Path) -> None:
    """The first run applies every migration, a second one finds nothing to do."""
    env = {"STERK_DATABASE_URL": store} if store.startswith("postgresql://") else {}
    first = _migrate(tmp_path, **env)
    assert first.returncode == 0, first.stderr
    dialect = "postgresql" if env else "sqlite"
    [line] = first.stdout.splitlines()
    assert line.startswith("Schema at migration ")
    assert line.endswith(f"({dialect}).")
    again = _migrate(tmp_path, **env)
    assert again.stdout == first.stdout
    settings = load_settings(
        _env_file=None,
        STERK_DB_PATH=str(tmp_path / "data" / "sterk.db"),
        **{"STERK_DATABASE_URL": env.get("STERK_DATABASE_URL", "")},
    )
    applied = query(settings, "SELECT count(*), count(DISTINCT number) FROM schema_migrations")
    assert applied[0][0] == applied[0][1] > 10
    assert (tmp_path / "data").exists() != bool(env)  # PostgreSQL: no file, no lock file


def test_unreachable_server_is_one_line(tmp_path: Path) -> None:
    """A server that does not answer: exit 2 with psycopg's reason, never a traceback."""
    url = with_database("postgresql://sterk@127.0.0.1:9/", "sterk")
    result = _migrate(tmp_path, STERK_DATABASE_URL=url)
    assert result.returncode == 2
    [shown] = result.stderr.strip().splitlines()
    assert shown.startswith("Database error: ")
    assert "127.0.0.1" in shown
    assert "Traceback" not in result.stderr
