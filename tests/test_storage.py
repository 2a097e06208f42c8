"""The repository: pragmas, migrations, and complete export and deletion of one person."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.storage import repository
from bot.storage.repository import Repository

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def test_pragmas(tmp_path: Path) -> None:
    """WAL, foreign keys and a busy timeout are on for the shared connection."""
    repo = await Repository.open(tmp_path / "a.db")
    try:
        assert await repo.fetch_one("PRAGMA journal_mode") == ("wal",)
        assert await repo.fetch_one("PRAGMA foreign_keys") == (1,)
        assert await repo.fetch_one("PRAGMA busy_timeout") == (5000,)
    finally:
        await repo.close()


async def test_migrations_apply_once_and_fill_gaps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reopening applies nothing twice; a late migration with a lower number still runs."""
    path = tmp_path / "b.db"
    repo = await Repository.open(path)
    shipped = repository._migrations()
    highest = await repo.schema_version()
    assert highest == max(number for number, _ in shipped)
    await repo.close()
    late = (highest + 1000, "CREATE TABLE late_table (id INTEGER PRIMARY KEY);")
    gap = (0, "CREATE TABLE gap_table (id INTEGER PRIMARY KEY);")
    monkeypatch.setattr(repository, "_migrations", lambda: sorted([*shipped, gap, late]))
    repo = await Repository.open(path)
    try:
        tables = {row[0] for row in await repo.fetch("SELECT name FROM sqlite_master")}
        assert {"late_table", "gap_table"} <= tables
        assert await repo.schema_version() == highest + 1000
    finally:
        await repo.close()
    repo = await Repository.open(path)  # nothing re-applied: CREATE TABLE would fail
    await repo.close()


async def test_export_and_delete_cover_every_personal_table(tmp_path: Path) -> None:
    """Rows in every table with a user_id are exported and removed with the user."""
    repo = await Repository.open(tmp_path / "c.db")
    try:
        user = await repo.create_user("test", "42", "nl", NOW)
        other = await repo.create_user("test", "43", "nl", NOW)
        await repo.save_turn(user, {"flow": "menu"}, NOW)
        await repo.record(user.id, "onboarded", None, NOW)
        await repo.record(other.id, "onboarded", None, NOW)
        exported = await repo.export_user(user.id)
        assert set(exported) == {"users", *await repo.personal_tables()}
        assert len(exported["activity"]) == 1
        await repo.delete_user(user.id)
        assert await repo.count_rows_for(user.id) == 0
        assert await repo.count_rows_for(other.id) == 2  # users row + activity row
    finally:
        await repo.close()


async def test_pseudonyms_are_random_and_unique(tmp_path: Path) -> None:
    """Pseudonyms are not derived from the channel id and differ between people."""
    repo = await Repository.open(tmp_path / "d.db")
    try:
        users = [await repo.create_user("telegram", str(i), "nl", NOW) for i in range(50)]
        assert len({u.pseudonym for u in users}) == 50
        first = users[0].pseudonym
        await repo.delete_user(users[0].id)
        again = await repo.create_user("telegram", "0", "nl", NOW)
        assert again.pseudonym != first  # the same account gets a new, unrelated pseudonym
    finally:
        await repo.close()
