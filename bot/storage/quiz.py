"""Quiz progress: every answer is one row in `quiz_answers`, so mistakes can come back later.

Rows are ordered by their id (insertion order), not by `answered_at`, because two answers can
fall in the same second and "the latest answer" must still be unambiguous.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.clock import epoch
from bot.storage.repository import Repository


async def record_answer(
    repo: Repository, user_id: int, item_id: str, correct: bool, now: datetime
) -> None:
    """Store one answer to one quiz item."""
    async with repo.transaction() as conn:
        await conn.execute(
            "INSERT INTO quiz_answers (user_id, item_id, correct, answered_at) VALUES (?, ?, ?, ?)",
            (user_id, item_id, int(correct), epoch(now)),
        )


async def latest_results(repo: Repository, user_id: int) -> dict[str, bool]:
    """Per item the person ever answered: whether their most recent answer was right."""
    rows = await repo.fetch(
        "SELECT item_id, correct FROM quiz_answers WHERE id IN "
        "(SELECT MAX(id) FROM quiz_answers WHERE user_id = ? GROUP BY item_id)",
        (user_id,),
    )
    return {str(item_id): bool(correct) for item_id, correct in rows}
