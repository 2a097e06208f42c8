"""All SQL in one place, over one long-lived aiosqlite connection.

Why one connection: aiosqlite runs each connection on its own thread, and SQLite allows one
writer at a time anyway; a single connection with WAL plus an asyncio lock around write
transactions gives predictable latency without `database is locked` errors.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite

from bot.core.clock import epoch, from_epoch
from bot.storage import files

log = logging.getLogger(__name__)

T = TypeVar("T")

# Columns left out when a row is exported for someone it only points at: a peer educator's
# export of a case they claimed does not show whose case it was or what was written about them.
HIDDEN = {"cases": ("user_id", "summary", "description", "request_id")}
# Columns never exported, not even to the person: a WhatsApp number is kept only to deliver.
NEVER_EXPORTED = {"wa_contacts": ("phone",)}

PROFILE_FIELDS = ("language", "onboarded", "checkins", "followups", "city", "organisation")


@dataclass(slots=True)
class User:
    """A person as the core sees them; `external_id` never leaves the transport layer."""

    id: int
    channel: str
    external_id: str
    pseudonym: str
    language: str
    created_at: int
    onboarded: bool = False
    checkins: bool = False
    followups: bool = False
    city: str | None = None
    organisation: str | None = None
    stopped: bool = False
    unreachable: bool = False


_USER_COLUMNS = (
    "id, channel, external_id, pseudonym, language, created_at, onboarded, checkins, "
    "followups, city, organisation, stopped, unreachable"
)


def _user(row: aiosqlite.Row | tuple[Any, ...]) -> User:
    values = tuple(row)
    return User(
        id=values[0],
        channel=values[1],
        external_id=values[2],
        pseudonym=values[3],
        language=values[4],
        created_at=values[5],
        onboarded=bool(values[6]),
        checkins=bool(values[7]),
        followups=bool(values[8]),
        city=values[9],
        organisation=values[10],
        stopped=bool(values[11]),
        unreachable=bool(values[12]),
    )


def _migrations() -> list[tuple[int, str]]:
    """Numbered SQL files shipped inside the package, in order."""
    folder = resources.files("bot.storage") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8")))
    return sorted(found)


def new_pseudonym() -> str:
    """A random, stable handle for staff views; not derived from any channel id."""
    return secrets.token_hex(2).upper() + secrets.token_hex(1).upper()


class Repository:
    """The storage API the core, scheduler and staff modules use."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str) -> Repository:
        """Open (creating folders and schema as needed) and apply pending migrations."""
        if str(path) != ":memory:":
            files.prepare(Path(path))  # folder 0700, file 0600 (and so -wal and -shm)
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        # Deleted rows are overwritten with zeros, not only unlinked: /vergeetmij must leave no
        # readable trace in the file (with `checkpoint()` also none in the -wal file).
        await conn.execute("PRAGMA secure_delete=ON")
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute("PRAGMA busy_timeout=5000")
        await conn.execute("PRAGMA foreign_keys=ON")
        repo = cls(conn)
        await repo._migrate()
        return repo

    async def close(self) -> None:
        """Checkpoint and close the connection."""
        await self._conn.close()

    async def checkpoint(self) -> bool:
        """Copy the -wal file into the database and empty it (TRUNCATE); False if it could not.

        Run after deleting a person: the -wal file still holds the old pages (their texts)
        until a checkpoint, and SQLite's automatic one never empties the file.
        """
        async with self._write_lock:
            rows = await self._conn.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
        busy = next(iter(rows))[0]
        if busy:
            log.warning("WAL checkpoint could not finish (a reader was busy)")
        return not busy

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction (BEGIN IMMEDIATE) serialised with other writers in this process."""
        async with self._write_lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                if self._conn.in_transaction:  # SQLite already rolled back after SQLITE_FULL
                    await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")

    async def _in_transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` as one write transaction on the database thread, in a single hop.

        Every awaited aiosqlite call is a hand-over to its thread and back (about 0.1 ms of the
        event loop's time under load, mostly GIL hand-over); a turn's save took four of them.
        Same SQL, same BEGIN IMMEDIATE/COMMIT/ROLLBACK, same lock as `transaction()`.
        """
        async with self._write_lock:
            # aiosqlite has no public "run this on the connection thread"; `_execute` is what
            # its own methods use (stable since 0.17).
            run = cast(Callable[..., Awaitable[T]], self._conn._execute)
            return await run(_transact, self._conn._conn, work)

    async def _migrate(self) -> None:
        """Apply every shipped migration not yet recorded, in number order.

        Applied numbers are kept in a table (not only `user_version`), so a migration that lands
        after a higher-numbered one is still applied instead of silently skipped.
        """
        await self._conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(number INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)"
        )
        applied = {
            row[0]
            for row in await self._conn.execute_fetchall("SELECT number FROM schema_migrations")
        }
        for number, sql in _migrations():
            if number in applied:
                continue
            async with self._write_lock:
                await self._conn.executescript(
                    f"BEGIN IMMEDIATE;\n{sql}\n"
                    f"INSERT INTO schema_migrations (number, applied_at) "
                    f"VALUES ({number}, strftime('%s', 'now'));\n"
                    f"PRAGMA user_version={max(applied | {number})};\nCOMMIT;"
                )
            applied.add(number)

    async def schema_version(self) -> int:
        """The highest applied migration number."""
        rows = await self._conn.execute_fetchall("SELECT max(number) FROM schema_migrations")
        value = next(iter(rows))[0]
        return int(value or 0)

    async def fetch(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        """Read rows (domain modules in this package keep their SELECTs next to their writes)."""
        return [tuple(row) for row in await self._conn.execute_fetchall(sql, tuple(params))]

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> tuple[Any, ...] | None:
        """The first row of a read, or None."""
        rows = await self.fetch(sql, params)
        return rows[0] if rows else None

    # -- users and conversation state ---------------------------------------------------------

    async def load(self, channel: str, external_id: str) -> tuple[User, dict[str, Any]] | None:
        """The user and their stored conversation state, or None for a stranger."""
        sql = (
            f"SELECT {', '.join('u.' + c.strip() for c in _USER_COLUMNS.split(','))}, c.state "
            "FROM users u LEFT JOIN conversations c ON c.user_id = u.id "
            "WHERE u.channel = ? AND u.external_id = ?"
        )
        rows = list(await self._conn.execute_fetchall(sql, (channel, external_id)))
        if not rows:
            return None
        row = tuple(rows[0])
        state = json.loads(row[-1]) if row[-1] else {}
        return _user(row[:-1]), state

    async def create_user(
        self, channel: str, external_id: str, language: str, now: datetime
    ) -> User:
        """Register a first-time visitor with a fresh pseudonym."""

        def insert(conn: sqlite3.Connection) -> tuple[Any, ...] | None:
            while True:
                pseudonym = new_pseudonym()
                taken = conn.execute("SELECT 1 FROM users WHERE pseudonym = ?", (pseudonym,))
                if taken.fetchone() is None:
                    break
            cur = conn.execute(
                "INSERT INTO users (channel, external_id, pseudonym, language, created_at, "
                "last_seen_at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (channel, external_id) "
                "DO UPDATE SET last_seen_at = excluded.last_seen_at "
                f"RETURNING {_USER_COLUMNS}",
                (channel, external_id, pseudonym, language, epoch(now), epoch(now)),
            )
            row: tuple[Any, ...] | None = cur.fetchone()
            cur.close()
            return row

        row = await self._in_transaction(insert)
        assert row is not None
        return _user(row)

    async def save_turn(self, user: User, state: dict[str, Any], now: datetime) -> None:
        """Persist profile and conversation state together, after every step."""
        stamp = epoch(now)
        profile = (
            user.language,
            int(user.onboarded),
            int(user.checkins),
            int(user.followups),
            user.city,
            user.organisation,
            int(user.stopped),
            stamp,
            user.id,
        )
        stored = (user.id, json.dumps(state, ensure_ascii=False), stamp)

        def write(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE users SET language=?, onboarded=?, checkins=?, followups=?, city=?, "
                "organisation=?, stopped=?, unreachable=0, last_seen_at=? WHERE id=?",
                profile,
            )
            conn.execute(
                "INSERT INTO conversations (user_id, state, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET state=excluded.state, "
                "updated_at=excluded.updated_at",
                stored,
            )

        await self._in_transaction(write)

    async def user_by_id(self, user_id: int) -> User | None:
        """Look a user up by internal id (scheduler and staff use this)."""
        rows = list(
            await self._conn.execute_fetchall(
                f"SELECT {_USER_COLUMNS} FROM users WHERE id = ?", (user_id,)
            )
        )
        return _user(rows[0]) if rows else None

    async def mark_unreachable(self, user_id: int) -> None:
        """The person blocked the bot: stop trying until they write again."""
        async with self.transaction() as conn:
            await conn.execute("UPDATE users SET unreachable = 1 WHERE id = ?", (user_id,))

    async def cancel_scheduled(
        self, user_id: int, kinds: tuple[str, ...] | None, now: datetime
    ) -> int:
        """Cancel pending proactive items of a user (all, or only some kinds)."""
        sql = (
            "UPDATE scheduled SET status='cancelled', done_at=? "
            "WHERE user_id=? AND status='pending' AND proactive=1"
        )
        params: list[Any] = [epoch(now), user_id]
        if kinds:
            sql += f" AND kind IN ({', '.join('?' for _ in kinds)})"
            params.extend(kinds)
        async with self.transaction() as conn:
            cur = await conn.execute(sql, params)
            return cur.rowcount

    async def delete_user(self, user_id: int) -> None:
        """Remove the person and, through cascades, every row about them."""
        async with self.transaction() as conn:
            await conn.execute("DELETE FROM users WHERE id = ?", (user_id,))

    async def record(self, user_id: int, kind: str, detail: str | None, now: datetime) -> None:
        """Log one coaching activity (no free text) for impact figures."""
        async with self.transaction() as conn:
            await conn.execute(
                "INSERT INTO activity (user_id, kind, detail, at) VALUES (?, ?, ?, ?)",
                (user_id, kind, detail, epoch(now)),
            )

    # -- data rights ------------------------------------------------------------------------

    async def personal_tables(self) -> list[str]:
        """Every table with a `user_id` column, found from the schema so none is forgotten."""
        tables = await self._conn.execute_fetchall(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        )
        found = []
        for (name,) in tables:
            columns = await self._conn.execute_fetchall(f"PRAGMA table_info({name})")
            if any(col[1] == "user_id" for col in columns):
                found.append(str(name))
        return sorted(found)

    async def pointers(self) -> list[tuple[str, str]]:
        """(table, column) of every other column that references a person: who made an invite
        or a broadcast, who claimed a case, who did a staff action. Found from the schema."""
        tables = await self._conn.execute_fetchall(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        )
        found = []
        for (name,) in tables:
            for key in await self._conn.execute_fetchall(f"PRAGMA foreign_key_list({name})"):
                if key[2] == "users" and key[3] != "user_id":
                    found.append((str(name), str(key[3])))
        return sorted(found)

    async def export_user(self, user_id: int) -> dict[str, list[dict[str, Any]]]:
        """Every row held about the user, table by table, for `/mijndata`.

        Rows that only point at them (a staff member's audit entries, claimed cases, invites)
        come under `table.column`, without the columns about someone else (`HIDDEN`).
        """
        result: dict[str, list[dict[str, Any]]] = {}
        result["users"] = await self._rows("SELECT * FROM users WHERE id = ?", (user_id,))
        for table in await self.personal_tables():
            rows = await self._rows(f"SELECT * FROM {table} WHERE user_id = ?", (user_id,))
            never = NEVER_EXPORTED.get(table, ())
            result[table] = [{k: v for k, v in row.items() if k not in never} for row in rows]
        for table, column in await self.pointers():
            rows = await self._rows(f"SELECT * FROM {table} WHERE {column} = ?", (user_id,))
            hidden = HIDDEN.get(table, ())
            shown = [{k: v for k, v in row.items() if k not in hidden} for row in rows]
            if shown:
                result[f"{table}.{column}"] = shown
        return result

    async def count_rows_for(self, user_id: int) -> int:
        """How many rows anywhere still mention the user (0 after `/vergeetmij`)."""
        exported = await self.export_user(user_id)
        return sum(len(rows) for rows in exported.values())

    async def _rows(self, sql: str, params: Iterable[Any]) -> list[dict[str, Any]]:
        async with self._conn.execute(sql, tuple(params)) as cur:
            names = [d[0] for d in cur.description]
            rows = await cur.fetchall()
        return [_readable(dict(zip(names, row, strict=True))) for row in rows]


def _transact(conn: sqlite3.Connection, work: Callable[[sqlite3.Connection], T]) -> T:
    """`work` between BEGIN IMMEDIATE and COMMIT (ROLLBACK on any error); database thread only."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = work(conn)
    except BaseException:
        if conn.in_transaction:  # SQLite already rolled back after SQLITE_FULL
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return result


def _readable(row: dict[str, Any]) -> dict[str, Any]:
    """Turn epoch columns into ISO times and JSON columns into objects for the export."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key.endswith("_at") or key in {"at", "due"}:
            out[key] = from_epoch(value).isoformat() if isinstance(value, int) else value
        elif key == "state" and isinstance(value, str):
            out[key] = json.loads(value)
        else:
            out[key] = value
    return out
