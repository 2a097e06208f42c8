"""The repository on both stores: migrations, and complete export and deletion of one person."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.storage import db, repository
from bot.storage.repository import Repository

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
pytestmark = pytest.mark.both_stores


@pytest.mark.sqlite_only
async def test_pragmas(store: str) -> None:
    """WAL, foreign keys and a busy timeout are on for the shared connection."""
    repo = await Repository.open(store)
    try:
        assert await repo.fetch_one("PRAGMA journal_mode") == ("wal",)
        assert await repo.fetch_one("PRAGMA foreign_keys") == (1,)
        assert await repo.fetch_one("PRAGMA busy_timeout") == (5000,)
    finally:
        await repo.close()


async def test_migrations_apply_once_and_fill_gaps(
    store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reopening applies nothing twice; a late migration with a lower number still runs."""
    path = store
    repo = await Repository.open(path)
    shipped = repository._migrations(repo.dialect)
    highest = await repo.schema_version()
    assert highest == max(number for number, _ in shipped)
    await repo.close()
    late = (highest + 1000, "CREATE TABLE late_table (id INTEGER PRIMARY KEY);")
    gap = (0, "CREATE TABLE gap_table (id INTEGER PRIMARY KEY);")
    monkeypatch.setattr(repository, "_migrations", lambda _dialect: sorted([*shipped, gap, late]))
    repo = await Repository.open(path)
    try:
        tables = set(await repo.db.tables())
        assert {"late_table", "gap_table"} <= tables
        assert await repo.schema_version() == highest + 1000
    finally:
        await repo.close()
    repo = await Repository.open(path)  # nothing re-applied: CREATE TABLE would fail
    await repo.close()


async def test_export_and_delete_cover_every_personal_table(store: str) -> None:
    """Rows in every table with a user_id are exported and removed with the user."""
    repo = await Repository.open(store)
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


async def test_pseudonyms_are_random_and_unique(store: str) -> None:
    """Pseudonyms are not derived from the channel id and differ between people."""
    repo = await Repository.open(store)
    try:
        users = [await repo.create_user("telegram", str(i), "nl", NOW) for i in range(50)]
        assert len({u.pseudonym for u in users}) == 50
        first = users[0].pseudonym
        await repo.delete_user(users[0].id)
        again = await repo.create_user("telegram", "0", "nl", NOW)
        assert again.pseudonym != first  # the same account gets a new, unrelated pseudonym
    finally:
        await repo.close()


async def test_replicas_starting_together_migrate_once(store: str) -> None:
    """Two processes opening a new database at the same moment: one migrates, the other waits
    (SQLite: one process per file; PostgreSQL: the advisory lock), none applies anything twice."""
    if not db.is_url(store):
        pytest.skip("one process per SQLite file (files.hold_lock): nothing to race")
    first, second = await asyncio.gather(Repository.open(store), Repository.open(store))
    try:
        applied = await first.fetch("SELECT number FROM schema_migrations ORDER BY number")
        shipped = [number for number, _ in repository._migrations(first.dialect)]
        assert [number for (number,) in applied] == shipped
        assert await second.schema_version() == shipped[-1]
    finally:
        await first.close()
        await second.close()


async def test_schema_is_the_same_on_both_stores(store: str, tmp_path: Path) -> None:
    """The rewritten schema keeps every table, column and reference to a person, so export
    and deletion find the same rows on PostgreSQL as on SQLite."""
    repo = await Repository.open(store)
    sqlite = await Repository.open(tmp_path / "reference.db")
    try:
        assert sorted(await repo.db.tables()) == sorted(await sqlite.db.tables())
        reference = await sqlite.db.columns()
        for table, names in (await repo.db.columns()).items():
            assert [c for c in names if c != "rowid"] == reference[table], table  # wa_inbox
        assert await repo.personal_tables() == await sqlite.personal_tables()
        assert await repo.pointers() == await sqlite.pointers()
    finally:
        await sqlite.close()
        await repo.close()


async def test_forget_removes_every_row_on_either_store(store: str) -> None:
    """/vergeetmij's delete reaches every table through the cascades, pointers are cleared."""
    repo = await Repository.open(store)
    try:
        person = await repo.create_user("telegram", "7", "nl", NOW)
        staff = await repo.create_user("telegram", "8", "nl", NOW)
        await repo.save_turn(person, {"flow": "coach", "answers": {"item": 3}}, NOW)
        async with repo.transaction() as tx:
            cur = await tx.execute(
                "INSERT INTO cases (user_id, source, reason, summary, created_at, claimed_by) "
                "VALUES (?, 'request', 'talk', '{}', ?, ?) RETURNING id",
                (person.id, 1, staff.id),
            )
            case_id = cur.rows[0][0]
            await tx.execute(
                "INSERT INTO staff_audit (actor_id, action, case_id, at) VALUES (?, 'x', ?, 1)",
                (staff.id, case_id),
            )
        assert await repo.count_rows_for(person.id) == 3  # users, conversations, cases
        await repo.delete_user(person.id)
        assert await repo.count_rows_for(person.id) == 0
        assert await repo.fetch("SELECT case_id FROM staff_audit") == [(None,)]
        await repo.delete_user(staff.id)
        assert await repo.fetch("SELECT actor_id FROM staff_audit") == [(None,)]
    finally:
        await repo.close()


def test_translate_rewrites_only_what_postgresql_spells_differently() -> None:
    """Placeholders outside strings and comments, INSERT OR IGNORE before RETURNING, JSON
    paths, identity columns; everything both accept stays as written."""
    t = db.translate
    assert t("SELECT a FROM t WHERE b = ? AND c = '?' AND d LIKE 'x%'") == (
        "SELECT a FROM t WHERE b = %s AND c = '?' AND d LIKE 'x%%'"
    )
    assert t("INSERT OR IGNORE INTO t (a) VALUES (?) RETURNING a") == (
        "INSERT INTO t (a) VALUES (%s) ON CONFLICT DO NOTHING RETURNING a"
    )
    assert t("INSERT OR IGNORE INTO t (a) VALUES (?)") == (
        "INSERT INTO t (a) VALUES (%s) ON CONFLICT DO NOTHING"
    )
    assert t("SELECT CAST(json_extract(s.payload, '$.a.b') AS INTEGER) FROM s") == (
        "SELECT CAST((s.payload::jsonb #>> '{a,b}') AS BIGINT) FROM s"
    )
    assert t("SELECT group_concat(role), json_object('k', ?)") == (
        "SELECT string_agg(role, ','), json_build_object('k', %s)"
    )
    ddl = "CREATE TABLE t (\n  id INTEGER PRIMARY KEY, -- it's ?\n  k BLOB, u INTEGER PRIMARY KEY"
    assert t(ddl + " REFERENCES users (id))", placeholders=False) == (
        "CREATE TABLE t (\n  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, -- it's ?\n"
        "  k BYTEA, u BIGINT PRIMARY KEY REFERENCES users (id))"
    )
    with pytest.raises(ValueError, match="ON CONFLICT"):
        t("INSERT OR REPLACE INTO t (a) VALUES (?)")


def test_every_migration_number_is_taken_once() -> None:
    """Two shared scripts with one number would run as one migration: a database already at
    that number (from a deploy that had only the first) would never get the second."""
    folder = Path(repository.__file__).parent / "migrations"
    shared = [entry.name for entry in folder.glob("*.sql") if entry.name.count(".") == 1]
    numbers = [name.split("_", 1)[0] for name in shared]
    assert len(numbers) == len(set(numbers)), sorted(shared)
