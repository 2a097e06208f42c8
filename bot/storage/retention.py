"""What the retention sweep deletes once it is older than STERK_RETENTION_DAYS, in one place.

- the free-text story of a check-in (outcome and feeling stay: they are the impact figures);
- finished rows of the scheduling queue (sent, failed, expired, cancelled; a reminder's text
  lives in its row);
- the conversation state of people who did nothing for that long (it can hold the answers of an
  unfinished flow, such as a "check my reply" draft); their opt-ins stay, and they start again
  at the menu;
- the town and organisation of people who did nothing for that long (places narrow down who
  someone is; they can fill them in again in the settings);
- the description and note of a case that was never closed (closed ones: `purge_case_texts`);
- the text, link and shown preview of broadcasts that ended that long ago (the counts stay);
- the inbox: updates never answered within a day, and bare ids of answered ones (`inbox.purge`);
- the outbox: replies still undelivered after a week (`outbox.purge`; an answer that late only
  confuses);
- Telegram file ids of staff members' photos and files, after a week (`tgfiles.purge`);
- WhatsApp: answered event hashes after a week, unanswered events after a day, delivered
  messages' rows after a day, talk-conversation copies after a week (`whatsapp.purge`), also
  on a deployment that has stopped running WhatsApp.
- what replicas share about a chat: its live keyboard after a week, its flood count after a
  day without messages (`shared.purge`).

After the sweep and its hooks the scheduler empties the -wal file, so the deleted texts do not
linger there either.
Other features with free text add their own sweep (`jobs.retention`, see `scheduler.jobs`).
"""

from __future__ import annotations

from datetime import datetime

from bot.core.clock import epoch
from bot.storage import inbox, outbox, shared, tgfiles, whatsapp
from bot.storage.repository import Repository


async def sweep(repo: Repository, before: datetime, now: datetime) -> dict[str, int]:
    """Delete what is older than `before` (inbox, outbox: by `now`); rows each part touched."""
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
        places = await conn.execute(
            "UPDATE users SET city = NULL, organisation = NULL WHERE last_seen_at < ? "
            "AND (city IS NOT NULL OR organisation IS NOT NULL)",
            (stamp,),
        )
        cases = await conn.execute(
            "UPDATE cases SET description = NULL, outcome_note = NULL WHERE status <> 'closed' "
            "AND created_at < ? AND (description IS NOT NULL OR outcome_note IS NOT NULL)",
            (stamp,),
        )
        broadcasts = await conn.execute(
            "UPDATE broadcasts SET text = '', link_label = NULL, link_url = NULL, shown = NULL "
            "WHERE status IN ('done', 'cancelled', 'expired') "
            "AND coalesce(finished_at, send_at) < ? AND text <> ''",
            (stamp,),
        )
    inboxed = await inbox.purge(repo, now)
    undelivered = await outbox.purge(repo, now)
    files = await tgfiles.purge(repo, now)
    wa_rows = await whatsapp.purge(repo, now)
    marks = await shared.purge(repo, now)
    return {
        "stories": stories.rowcount,
        "scheduled": queue.rowcount,
        "conversations": states.rowcount,
        "places": places.rowcount,
        "open_cases": cases.rowcount,
        "broadcasts": broadcasts.rowcount,
        "inbox": inboxed,
        "outbox": undelivered,
        "files": files,
        "whatsapp": wa_rows,
        "replica_marks": marks,
    }
