"""WhatsApp's tables (migrations 0016, 0017): contacts, the webhook inbox and the outbox.

The phone number is in `wa_contacts.phone` and nowhere else (the inbox payload holds it only
until the event is handled); everything else refers to a WhatsApp user by `users.id` or by the
keyed hash in `users.external_id`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.clock import epoch
from bot.storage.repository import Repository

KEEP_SEEN = timedelta(days=7)  # Meta retries an unanswered event for up to 7 days
KEEP_UNANSWERED = timedelta(days=1)
KEEP_DELIVERED = timedelta(days=1)
KEEP_RELAY = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Contact:
    """Where and whether a WhatsApp user can be reached with a free-form message."""

    phone: str
    last_inbound_at: int
    template_at: int | None


@dataclass(frozen=True, slots=True)
class Held:
    """A message waiting for the person to open the 24-hour window again."""

    id: int
    payload: str


async def hash_key(repo: Repository) -> bytes:
    """The random key of the phone-number hash, created on first use."""
    async with repo.transaction() as conn:
        await conn.execute(
            "INSERT OR IGNORE INTO wa_key (id, secret) VALUES (1, ?)", (secrets.token_bytes(32),)
        )
    row = await repo.fetch_one("SELECT secret FROM wa_key WHERE id = 1")
    assert row is not None
    return bytes(row[0])


# -- contacts -------------------------------------------------------------------------------


async def contact(repo: Repository, user_id: int) -> Contact | None:
    """The person's number and window, or None (never wrote on WhatsApp, or forgotten)."""
    row = await repo.fetch_one(
        "SELECT phone, last_inbound_at, template_at FROM wa_contacts WHERE user_id = ?",
        (user_id,),
    )
    return Contact(str(row[0]), int(row[1]), row[2]) if row else None


async def inbound(repo: Repository, user_id: int, phone: str, now: datetime) -> None:
    """The person wrote: remember where to deliver, and that the window is open again."""
    async with repo.transaction() as conn:
        await conn.execute(
            "INSERT INTO wa_contacts (user_id, phone, last_inbound_at) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET phone = excluded.phone, "
            "last_inbound_at = excluded.last_inbound_at, template_at = NULL",
            (user_id, phone, epoch(now)),
        )


async def template_sent(repo: Repository, user_id: int, now: datetime) -> None:
    """A template told the person something waits; no second one until they answer."""
    async with repo.transaction() as conn:
        await conn.execute(
            "UPDATE wa_contacts SET template_at = ? WHERE user_id = ?", (epoch(now), user_id)
        )


# -- inbox ----------------------------------------------------------------------------------


async def claim(repo: Repository, event: str, chat: str, payload: str, now: datetime) -> bool:
    """Keep a new event; False when it was kept before (Meta's retry of the same event)."""
    async with repo.transaction() as conn:
        cur = await conn.execute(
            "INSERT OR IGNORE INTO wa_inbox (event, chat, payload, received_at) "
            "VALUES (?, ?, ?, ?)",
            (event, chat, payload, epoch(now)),
        )
        return bool(cur.rowcount)


async def answered(repo: Repository, event: str, now: datetime) -> None:
    """Handled: wipe the payload (and with it the number), keep the bare hash for retries."""
    async with repo.transaction() as conn:
        await conn.execute(
            "UPDATE wa_inbox SET payload = NULL, done_at = ? WHERE event = ?", (epoch(now), event)
        )


async def unanswered(repo: Repository) -> list[tuple[str, str]]:
    """Events a previous process kept but never handled, oldest first."""
    rows = await repo.fetch(
        "SELECT event, payload FROM wa_inbox WHERE done_at IS NULL AND payload IS NOT NULL "
        "ORDER BY received_at, rowid"
    )
    return [(str(event), str(payload)) for event, payload in rows]


async def forget_chat(repo: Repository, chat: str) -> None:
    """`/vergeetmij`: nothing of this chat stays in the inbox, not even the hashes."""
    async with repo.transaction() as conn:
        await conn.execute("DELETE FROM wa_inbox WHERE chat = ?", (chat,))


async def purge(repo: Repository, now: datetime) -> int:
    """Drop answered hashes after a week, unanswered events after a day, delivered messages."""
    async with repo.transaction() as conn:
        seen = await conn.execute(
            "DELETE FROM wa_inbox WHERE done_at IS NOT NULL AND done_at < ?",
            (epoch(now - KEEP_SEEN),),
        )
        stale = await conn.execute(
            "DELETE FROM wa_inbox WHERE done_at IS NULL AND received_at < ?",
            (epoch(now - KEEP_UNANSWERED),),
        )
        sent = await conn.execute(
            "DELETE FROM wa_outbox WHERE status IN ('delivered', 'read') AND updated_at < ?",
            (epoch(now - KEEP_DELIVERED),),
        )
        relayed = await conn.execute(
            "DELETE FROM wa_relay WHERE created_at < ?", (epoch(now - KEEP_RELAY),)
        )
        return seen.rowcount + stale.rowcount + sent.rowcount + relayed.rowcount


# -- outbox ---------------------------------------------------------------------------------


async def sent(
    repo: Repository, user_id: int, payload: str | None, sent_hash: str, now: datetime
) -> None:
    """Meta accepted a message; its fate comes later as a status callback."""
    async with repo.transaction() as conn:
        await conn.execute(
            "INSERT OR IGNORE INTO wa_outbox "
            "(user_id, payload, status, sent_hash, attempts, created_at, updated_at) "
            "VALUES (?, ?, 'sent', ?, 1, ?, ?)",
            (user_id, payload, sent_hash, epoch(now), epoch(now)),
        )


async def hold(repo: Repository, user_id: int, payloads: list[str], now: datetime) -> None:
    """Keep messages that may not be sent now (outside the window), in order."""
    async with repo.transaction() as conn:
        await conn.executemany(
            "INSERT INTO wa_outbox (user_id, payload, status, created_at, updated_at) "
            "VALUES (?, ?, 'held', ?, ?)",
            [(user_id, payload, epoch(now), epoch(now)) for payload in payloads],
        )


async def held(repo: Repository, user_id: int) -> list[Held]:
    """What waits for this person, oldest first."""
    rows = await repo.fetch(
        "SELECT id, payload FROM wa_outbox WHERE user_id = ? AND status = 'held' "
        "AND payload IS NOT NULL ORDER BY created_at, id",
        (user_id,),
    )
    return [Held(int(row[0]), str(row[1])) for row in rows]


async def resent(repo: Repository, held_id: int, sent_hash: str, now: datetime) -> None:
    """A held message went out after all."""
    async with repo.transaction() as conn:
        await conn.execute(
            "UPDATE wa_outbox SET status = 'sent', sent_hash = ?, attempts = attempts + 1, "
            "updated_at = ? WHERE id = ?",
            (sent_hash, epoch(now), held_id),
        )


async def status(
    repo: Repository, sent_hash: str, state: str, now: datetime
) -> tuple[int, str | None, int] | None:
    """Record a status callback; the message's (user id, payload, attempts), if it is ours.

    Statuses arrive out of order (a `delivered` may come after `read`): a later state is never
    overwritten by an earlier one. Delivered messages lose their payload.
    """
    order = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}
    async with repo.transaction() as conn:
        cur = await conn.execute(
            "SELECT user_id, payload, attempts, status FROM wa_outbox WHERE sent_hash = ?",
            (sent_hash,),
        )
        row = await cur.fetchone()
        if row is None:
            return None
        user_id, payload, attempts, current = row
        if order.get(state, 0) > order.get(str(current), 0) or state == "failed":
            wipe = state in ("delivered", "read")
            await conn.execute(
                "UPDATE wa_outbox SET status = ?, updated_at = ?, "
                "payload = CASE WHEN ? = 1 THEN NULL ELSE payload END WHERE sent_hash = ?",
                (state, epoch(now), int(wipe), sent_hash),
            )
        return int(user_id), payload, int(attempts)


async def back_to_held(repo: Repository, sent_hash: str, now: datetime) -> None:
    """A failed message waits again (outside the window, or the phone was unreachable)."""
    async with repo.transaction() as conn:
        await conn.execute(
            "UPDATE wa_outbox SET status = 'held', sent_hash = NULL, updated_at = ? "
            "WHERE sent_hash = ? AND payload IS NOT NULL",
            (epoch(now), sent_hash),
        )


async def depths(repo: Repository) -> tuple[int, int, int]:
    """For /metrics: events not handled yet, handled ones remembered, messages held."""
    inbox = await repo.fetch_one("SELECT COUNT(*) - COUNT(done_at), COUNT(done_at) FROM wa_inbox")
    held = await repo.fetch_one("SELECT COUNT(*) FROM wa_outbox WHERE status = 'held'")
    waiting, seen = inbox or (0, 0)
    return int(waiting or 0), int(seen or 0), int(held[0]) if held else 0


async def delivery_counts(repo: Repository) -> dict[str, int]:
    """Messages per delivery state (for tests and operators)."""
    rows = await repo.fetch("SELECT status, COUNT(*) FROM wa_outbox GROUP BY status")
    return {str(state): int(count) for state, count in rows}


# -- relay to staff on other channels -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Relayable:
    """A message from the talk conversation, as another channel needs it."""

    kind: str
    text: str
    media_id: str | None
    mime: str | None


async def keep_relayable(
    repo: Repository,
    user_id: int,
    kind: str,
    text: str,
    media: tuple[str, str] | None,
    now: datetime,
) -> int:
    """Keep a talk-conversation message; its id is the message id the staff relay uses."""
    media_id, mime = media if media else (None, None)
    async with repo.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO wa_relay (user_id, kind, text, media_id, mime, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (user_id, kind, text, media_id, mime, epoch(now)),
        )
        return int(cur.rows[0][0])


async def relayable(repo: Repository, user_id: int, message_id: int) -> Relayable | None:
    """A kept message of this person (None for someone else's id or after a week)."""
    row = await repo.fetch_one(
        "SELECT kind, text, media_id, mime FROM wa_relay WHERE id = ? AND user_id = ?",
        (message_id, user_id),
    )
    return Relayable(str(row[0]), str(row[1] or ""), row[2], row[3]) if row else None
