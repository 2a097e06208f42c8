"""What the retention sweep deletes once it is older than STERK_RETENTION_DAYS, in one place.

- the free-text story of a check-in (outcome and feeling stay: they are the impact figures);
- finished rows of the scheduling queue (sent, failed, expired, cancelled; a reminder's text
  lives in its row);
- the conversation state of people who did nothing for that long (it can hold the answers of an
  unfinished flow); their profile and opt-ins stay, and they start again at the menu.

Other modules with free text (cases, relays) add their own sweep to `scheduler.jobs`.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.clock import epoch
from bot.storage.repository import Repository


async def sweep(repo: Repository, before: datetime) -> dict[str, int]:
    """Delete what is older than `before`; returns how many rows each part touched."""
    stamp = epoch(before)
    async with repo.transaction() as conn:
        stories = await conn.execute(
            "UPDATE checkin_outcomes SET story=NULL WHERE story IS NOT NULL AND created_at < ?",
            (stamp,),
        )
        queue = await conn.execute(
            "DELETE FROM scheduled WHERE status NOT IN ('pending', 'claimed') AND done_at < ?",
            (stamp,),
        )
        states = await conn.execute("DELETE FROM conversations WHERE updated_at < ?", (stamp,))
    return {
        "stories": stories.rowcount,
        "scheduled": queue.rowcount,
        "conversations": states.rowcount,
    }
