"""All SQL in one place (this module and the ones beside it), on SQLite or PostgreSQL.

The queries are written once, in SQLite's syntax; `bot/storage/db.py` holds the two stores and
the thin rewrite PostgreSQL needs. Migrations are one numbered set for both stores.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Iterable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from bot.core.clock import epoch, from_epoch
from bot.storage import db, files
from bot.storage.db import Database, Transaction

log = logging.getLogger(__name__)

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
_LOAD_SQL = (
    f"SELECT {', '.join('u.' + c.strip() for c in _USER_COLUMNS.split(','))}, {{extra}}c.state "
    "FROM users u LEFT JOIN conversations c ON c.user_id = u.id "
    "WHERE u.channel = ? AND u.external_id = ?"
)
# A person's staff roles and own open case, for the user row `u` (`load_turn`, staff.context).
STAFF_COLUMNS = (
    "(SELECT group_concat(role) FROM staff_roles r WHERE r.user_id = u.id), "
    "(SELECT id FROM cases WHERE user_id = u.id AND status <> 'closed')"
)


@dataclass(frozen=True, slots=True)
class Loaded:
    """One read for a turn: the person, their state, their staff roles and open case."""

    user: User
    state: dict[str, Any]
    roles: frozenset[str]
    case_id: int | None


def role_set(joined: str | None) -> frozenset[str]:
    """`group_concat` output as a set."""
    return frozenset(str(joined or "").split(",")) - {""}


def _user(row: Iterable[Any]) -> User:
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


def _migrations(dialect: str = "sqlite") -> list[tuple[int, str]]:
    """Numbered SQL scripts shipped inside the package, in order, as `dialect` runs them.

    `NNNN_name.sql` is for both stores (PostgreSQL gets it through `db.translate`);
    `NNNN_name.sqlite.sql` and `NNNN_name.postgresql.sql` hold what only one store can say
    (triggers, for one), run as written after the shared part, in the same transaction.
    """
    folder = resources.files("bot.storage") / "migrations"
    scripts: dict[int, list[str]] = {}
    for entry in sorted(folder.iterdir(), key=lambda entry: entry.name.count(".")):
        stem, _, kind = entry.name.removesuffix(".sql").partition(".")
        if not entry.name.endswith(".sql") or kind not in ("", dialect):
            continue
        text = entry.read_text(encoding="utf-8")
        if kind == "" and dialect == "postgresql":
            text = db.translate(text, placeholders=False)
        scripts.setdefault(int(stem.split("_", 1)[0]), []).append(text)
    return sorted((number, "\n".join(parts)) for number, parts in scripts.items())


def new_pseudonym() -> str:
    """A random, stable handle for staff views; not derived from any channel id."""
    return secrets.token_hex(2).upper() + secrets.token_hex(1).upper()


class Repository:
    """The storage API the core, scheduler and staff modules use, on either store (db.py)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.db.dialect

    @classmethod
    async def open(cls, location: Path | str) -> Repository:
        """Open a SQLite file (creating folders and schema as needed) or a PostgreSQL URL, and
        apply pending migrations."""
        where = str(location)
        if not db.is_url(where) and where != ":memory:":
            files.prepare(Path(where))  # folder 0700, file 0600 (and so -wal and -shm)
        repo = cls(await db.connect(where))
        try:
            await repo.db.migrate(_migrations(repo.dialect), int(time.time()))
        except BaseException:
            await repo.close()
            raise
        return repo

    async def close(self) -> None:
        """Close the connection(s)."""
        await self.db.close()

    async def checkpoint(self) -> bool:
        """After deleting a person: SQLite empties its -wal file (TRUNCATE checkpoint), which
        still holds the old pages until then; False if a reader kept it from finishing.
        PostgreSQL has no such step (its old row versions go with VACUUM; see README)."""
        done = await self.db.checkpoint()
        if not done:
            log.warning("WAL checkpoint could not finish (a reader was busy)")
        return done

    def transaction(self, serial: bool = True) -> AbstractAsyncContextManager[Transaction]:
        """A write transaction, serialised with other writers unless `serial` is False (only
        where that is safe with several replicas: see bot/storage/db.py)."""
        return self.db.transaction(serial)

    async def schema_version(self) -> int:
        """The highest applied migration number."""
        rows = await self.db.fetch("SELECT max(number) FROM schema_migrations")
        value = rows[0][0]
        return int(value or 0)

    async def fetch(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        """Read rows (domain modules in this package keep their SELECTs next to their writes)."""
        return await self.db.fetch(sql, tuple(params))

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> tuple[Any, ...] | None:
        """The first row of a read, or None."""
        rows = await self.fetch(sql, params)
        return rows[0] if rows else None

    # -- users and conversation state ---------------------------------------------------------

    async def load(self, channel: str, external_id: str) -> tuple[User, dict[str, Any]] | None:
        """The user and their stored conversation state, or None for a stranger."""
        rows = await self.db.fetch(_LOAD_SQL.format(extra=""), (channel, external_id))
        if not rows:
            return None
        row = tuple(rows[0])
        state = json.loads(row[-1]) if row[-1] else {}
        return _user(row[:-1]), state

    async def load_turn(self, channel: str, external_id: str) -> Loaded | None:
        """What a turn needs, in one read (every update makes it): the user, their state, and
        the staff roles and open case the staff desk asks about (`bot/storage/staff.context`)."""
        sql = _LOAD_SQL.format(extra=STAFF_COLUMNS + ", ")
        rows = await self.db.fetch(sql, (channel, external_id))
        if not rows:
            return None
        row = tuple(rows[0])
        state = json.loads(row[-1]) if row[-1] else {}
        roles, case_id = row[-3], row[-2]
        return Loaded(_user(row[:-3]), state, role_set(roles), case_id)

    async def create_user(
        self, channel: str, external_id: str, language: str, now: datetime
    ) -> User:
        """Register a first-time visitor with a fresh pseudonym."""

        while True:  # a pseudonym already taken (one in millions) draws another
            pseudonym = new_pseudonym()
            [done] = await self.db.batch(
                [
                    (
                        "INSERT INTO users (channel, external_id, pseudonym, language, "
                        "created_at, last_seen_at) SELECT ?, ?, ?, ?, ?, ? WHERE NOT EXISTS "
                        "(SELECT 1 FROM users WHERE pseudonym = ?) "
                        "ON CONFLICT (channel, external_id) "
                        "DO UPDATE SET last_seen_at = excluded.last_seen_at "
                        f"RETURNING {_USER_COLUMNS}",
                        (
                            channel,
                            external_id,
                            pseudonym,
                            language,
                            epoch(now),
                            epoch(now),
                            pseudonym,
                        ),
                    )
                ],
                serial=False,  # one statement; the unique keys settle a race
            )
            if done.rows:
                return _user(done.rows[0])

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

        await self.db.batch(
            [
                (
                    "UPDATE users SET language=?, onboarded=?, checkins=?, followups=?, city=?, "
                    "organisation=?, stopped=?, unreachable=0, last_seen_at=? WHERE id=?",
                    profile,
                ),
                (
                    "INSERT INTO conversations (user_id, state, updated_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (user_id) DO UPDATE SET state=excluded.state, "
                    "updated_at=excluded.updated_at",
                    stored,
                ),
            ],
            serial=False,  # one person's rows; the inbox claim keeps their turns apart
        )

    async def user_by_id(self, user_id: int) -> User | None:
        """Look a user up by internal id (scheduler and staff use this)."""
        rows = await self.db.fetch(f"SELECT {_USER_COLUMNS} FROM users WHERE id = ?", (user_id,))
        return _user(rows[0]) if rows else None

    async def mark_unreachable(self, user_id: int) -> None:
        """The person blocked the bot: stop trying until they write again."""
        async with self.transaction(serial=False) as conn:  # one statement
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
        await self.db.execute_one(  # one hop: several turns of a walk record one
            "INSERT INTO activity (user_id, kind, detail, at) VALUES (?, ?, ?, ?)",
            (user_id, kind, detail, epoch(now)),
        )

    # -- data rights ------------------------------------------------------------------------

    async def personal_tables(self) -> list[str]:
        """Every table with a `user_id` column, found from the schema so none is forgotten."""
        columns = await self.db.columns()
        return sorted(table for table, names in columns.items() if "user_id" in names)

    async def pointers(self) -> list[tuple[str, str]]:
        """(table, column) of every other column that references a person: who made an invite
        or a broadcast, who claimed a case, who did a staff action. Found from the schema."""
        return sorted(
            (table, column)
            for table, column, target in await self.db.references()
            if target == "users" and column != "user_id"
        )

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
        names, rows = await self.db.fetch_named(sql, tuple(params))
        return [_readable(dict(zip(names, row, strict=True))) for row in rows]


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
