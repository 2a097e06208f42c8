"""Staff members from before team codes: their account id and Telegram name are not shown again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.app import open_core
from bot.config import Settings
from bot.storage import repository, staff
from bot.storage.repository import Repository

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
pytestmark = pytest.mark.both_stores


async def test_legacy_member_gets_a_drawn_code_and_the_default_name(
    store: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A schema from before 0021 with a member coded 'T' + id and named after Telegram: the
    next start gives a drawn code and "Teamlid <code>"; a member with a drawn code keeps both."""
    shipped = repository._migrations("postgresql" if "://" in store else "sqlite")
    with monkeypatch.context() as patch:
        patch.setattr(repository, "_migrations", lambda _d: [m for m in shipped if m[0] < 21])
        repo = await Repository.open(store)
        old = await repo.create_user("telegram", "1001", "nl", NOW)
        new = await repo.create_user("telegram", "1002", "nl", NOW)
        async with repo.transaction() as conn:
            # A reused test database may be migrated further already: make it one at 20.
            await conn.execute("DELETE FROM schema_migrations WHERE number = 21")
            await conn.execute(
                "INSERT INTO staff_members (user_id, display_name, code, joined_at) "
                "VALUES (?, 'Fatima', 'T' || ?, 0), (?, 'Bas', 'K7P2', 0)",
                (old.id, old.id, new.id),
            )
        await repo.close()
    core = await open_core(settings)
    try:
        rows = {
            user_id: (name, code)
            for user_id, name, code in await core.repo.fetch(
                "SELECT user_id, display_name, code FROM staff_members"
            )
        }
        name, code = rows[old.id]
        assert len(code) == staff.CODE_LENGTH
        assert set(code) <= set(staff.CODE_ALPHABET)
        assert name == f"Teamlid {code}"
        assert rows[new.id] == ("Bas", "K7P2")
        assert await staff.retire_legacy_codes(core.repo, str) == 0  # once only
    finally:
        await core.close()
