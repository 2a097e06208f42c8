"""`sterk-online copy-db`: move a pilot's data from its SQLite file to PostgreSQL (or any store
to any other), so a city can move up without losing a conversation, case or plan.

Both sides are opened through the repository, so both are migrated to the same schema first;
the target must hold no data yet (a second copy would mix two histories). Tables are copied in
the order their foreign keys need, every row with its own id, in one transaction: a failure
leaves the target as it was. Rows that the target's triggers add while help requests are copied
(their scheduler items) are removed before the source's own `scheduled` rows go in, and on
PostgreSQL the id counters are moved past the copied ids afterwards.
"""

from __future__ import annotations

from bot.storage.repository import Repository

SKIPPED = frozenset({"schema_migrations"})  # each side records its own migrations
TRIGGER_MADE = "scheduled"  # filled by triggers on help_requests (migration 0005)


class NotEmpty(Exception):
    """The target already holds data."""


def _order(tables: list[str], references: list[tuple[str, str, str]]) -> list[str]:
    """Tables with every table they reference before them."""
    known = set(tables)
    needs = {
        table: {target for t, _c, target in references if t == table and target in known}
        for table in tables
    }
    ordered: list[str] = []
    while len(ordered) < len(tables):
        ready = [t for t in tables if t not in ordered and needs[t] <= {*ordered, t}]
        if not ready:  # a cycle: none here, but never loop forever
            ready = [t for t in tables if t not in ordered]
        ordered.extend(sorted(ready))
    return ordered


async def copy_database(source: Repository, target: Repository) -> dict[str, int]:
    """Copy every row of `source` into the empty `target`; rows per table."""
    target_columns = await target.db.columns()
    for table in target_columns:
        if table not in SKIPPED and await target.fetch(f"SELECT 1 FROM {table} LIMIT 1"):
            raise NotEmpty(f"the target database already has data (table {table})")
    source_columns = await source.db.columns()
    tables = [t for t in source_columns if t in target_columns and t not in SKIPPED]
    copied: dict[str, int] = {}
    async with target.transaction() as tx:
        for table in _order(tables, await source.db.references()):
            columns = [c for c in source_columns[table] if c in target_columns[table]]
            names = ", ".join(columns)
            rows = await source.fetch(f"SELECT {names} FROM {table}")
            if table == TRIGGER_MADE:
                await tx.execute(f"DELETE FROM {table}")
            if rows:
                marks = ", ".join("?" for _ in columns)
                await tx.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
            copied[table] = len(rows)
        if target.dialect == "postgresql":
            identities = await tx.execute_fetchall(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND is_identity = 'YES'"
            )
            for table, column in identities:
                await tx.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                    f"COALESCE(MAX({column}), 0) + 1, false) FROM {table}"
                )
    return copied
