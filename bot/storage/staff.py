"""SQL for the staff side: roles, invites, cases, the pre-claim backlog, audit and wellbeing.

Every state change of a case is one guarded UPDATE (`... WHERE status = 'open'`), so two peer
educators tapping "claim" at the same moment, or a close racing a claim, can never both win.
Free text lives in two columns only (`cases.description`, `cases.outcome_note`) and is emptied by
`purge_case_texts` after the retention period.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar

from bot.core.clock import epoch
from bot.storage import db
from bot.storage.db import Transaction
from bot.storage.repository import STAFF_COLUMNS, Repository, role_set

Source = Literal["request", "escalation", "wellbeing"]
T = TypeVar("T")

TIMER_KIND = "case_timer"


@dataclass(frozen=True, slots=True)
class StaffMember:
    """Someone with at least one stored role. `name` is what young people see (chosen with
    /naam), `code` how the team names them; `active_case_id` is a case they chose explicitly."""

    user_id: int
    name: str
    code: str
    roles: frozenset[str]
    active_case_id: int | None


@dataclass(frozen=True, slots=True)
class Case:
    """One request for a peer educator, as staff views and timers need it."""

    id: int
    user_id: int
    source: str
    reason: str
    request_id: int | None
    urgent: bool
    status: str
    summary: dict[str, Any]
    description: str | None
    created_at: int
    card_message_id: int | None
    announced_at: int | None
    reannounced_at: int | None
    escalated_at: int | None
    claimed_by: int | None
    claimed_at: int | None
    waiting_since: int | None
    reminded_at: int | None
    reply_escalated_at: int | None
    closed_at: int | None
    outcome: str | None
    rating: int | None
    offered_to: int | None
    offered_by: int | None
    flagged_at: int | None
    pseudonym: str


_CASE_COLUMNS = (
    "c.id, c.user_id, c.source, c.reason, c.request_id, c.urgent, c.status, c.summary, "
    "c.description, "
    "c.created_at, c.card_message_id, c.announced_at, c.reannounced_at, c.escalated_at, "
    "c.claimed_by, c.claimed_at, c.waiting_since, c.reminded_at, c.reply_escalated_at, "
    "c.closed_at, c.outcome, c.rating, c.offered_to, c.offered_by, c.flagged_at, u.pseudonym"
)
_CASE_FROM = "FROM cases c JOIN users u ON u.id = c.user_id"


def _case(row: Iterable[Any]) -> Case:
    values = list(row)
    values[5] = bool(values[5])
    values[7] = json.loads(values[7] or "{}")
    return Case(*values)


async def _rows(repo: Repository, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    # Reads need no write lock: WAL readers see the last committed state.
    return await repo.fetch(sql, params)


async def _cases(repo: Repository, where: str, params: Sequence[Any] = ()) -> list[Case]:
    rows = await _rows(repo, f"SELECT {_CASE_COLUMNS} {_CASE_FROM} WHERE {where}", params)
    return [_case(row) for row in rows]


async def _one(conn: Transaction, sql: str, params: Sequence[Any]) -> Any:
    async with conn.execute(sql, tuple(params)) as cur:
        row = await cur.fetchone()
    return None if row is None else row[0]


# -- roles ------------------------------------------------------------------------------------


CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
CODE_LENGTH = 4


def new_code() -> str:
    """A short team handle such as "K7P2"; unrelated to the user pseudonym."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


async def _with_drawn_code(
    repo: Repository, write: Callable[[Transaction, str], Awaitable[T]]
) -> T:
    """Run `write(conn, code)` in a transaction with a freshly drawn team code, drawing again
    when the code turns out to be taken (the UNIQUE index is the judge, so two replicas drawing
    at once cannot end up with the same code)."""
    for _attempt in range(10):
        code = new_code()
        try:
            async with repo.transaction() as conn:
                return await write(conn, code)
        except db.IntegrityError:  # the code was taken: draw another
            continue
    raise RuntimeError("no free staff code")


async def grant_role(
    repo: Repository, user_id: int, role: str, name_for: Callable[[str], str], now: datetime
) -> bool:
    """Give a role; a newcomer gets a team code and the default name `name_for(code)` (never
    their Telegram name). False when the person already had the role."""
    stamp = epoch(now)

    async def write(conn: Transaction, code: str) -> bool:
        await conn.execute(
            "INSERT INTO staff_members (user_id, display_name, code, joined_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO NOTHING",
            (user_id, name_for(code), code, stamp),
        )
        await conn.execute("DELETE FROM former_staff WHERE user_id = ?", (user_id,))
        cur = await conn.execute(
            "INSERT OR IGNORE INTO staff_roles (user_id, role, granted_at) VALUES (?, ?, ?)",
            (user_id, role, stamp),
        )
        return bool(cur.rowcount == 1)

    return await _with_drawn_code(repo, write)


async def retire_legacy_codes(repo: Repository, name_for: Callable[[str], str]) -> int:
    """Members from before team codes (marked 'legacy-' by migration 0021: their code held their
    account id and their Telegram first name stayed as the name young people see) get a drawn
    code and the default name, so neither is shown again. Returns how many changed."""
    rows = await repo.fetch("SELECT user_id FROM staff_members WHERE code LIKE 'legacy-%'")
    for (user_id,) in rows:

        async def write(conn: Transaction, code: str, user_id: int = user_id) -> None:
            await conn.execute(
                "UPDATE staff_members SET code = ?, display_name = ? WHERE user_id = ?",
                (code, name_for(code), user_id),
            )

        await _with_drawn_code(repo, write)
    return len(rows)


async def set_name(repo: Repository, user_id: int, name: str) -> bool:
    """The name young people see from now on; False when not a staff member."""
    async with repo.transaction() as conn:
        cur = await conn.execute(
            "UPDATE staff_members SET display_name = ? WHERE user_id = ?", (name, user_id)
        )
        return cur.rowcount == 1


async def revoke_roles(
    repo: Repository, user_id: int, roles: Iterable[str], now: datetime
) -> list[str]:
    """Remove roles; someone left without any stops being a staff member (and is remembered as
    former staff, so the figures never count them as a young person). Returns the removed."""
    wanted = tuple(roles)
    marks = ", ".join("?" for _ in wanted)
    async with repo.transaction() as conn:
        removed = await conn.execute_fetchall(
            f"DELETE FROM staff_roles WHERE user_id = ? AND role IN ({marks}) RETURNING role",
            (user_id, *wanted),
        )
        cur = await conn.execute(
            "DELETE FROM staff_members WHERE user_id = ? AND NOT EXISTS "
            "(SELECT 1 FROM staff_roles WHERE user_id = ?)",
            (user_id, user_id),
        )
        if cur.rowcount:
            await conn.execute(
                "INSERT OR IGNORE INTO former_staff (user_id, left_at) VALUES (?, ?)",
                (user_id, epoch(now)),
            )
    return sorted(str(row[0]) for row in removed)


async def roles_of(repo: Repository, user_id: int) -> frozenset[str]:
    """The stored roles of a person (admins come from settings, not from here)."""
    rows = await _rows(repo, "SELECT role FROM staff_roles WHERE user_id = ?", (user_id,))
    return frozenset(str(row[0]) for row in rows)


async def context(repo: Repository, user_id: int) -> tuple[frozenset[str], int | None]:
    """In one query, for every event: the person's roles and their own active case id."""
    rows = await _rows(repo, f"SELECT {STAFF_COLUMNS} FROM users u WHERE u.id = ?", (user_id,))
    if not rows:  # the person is gone
        return frozenset(), None
    roles, case_id = rows[0]
    return role_set(roles), case_id


_MEMBER_SQL = (
    "SELECT m.user_id, m.display_name, m.code, "
    "(SELECT group_concat(role) FROM staff_roles r WHERE r.user_id = m.user_id), "
    "m.active_case_id FROM staff_members m "
)


async def _members(repo: Repository, where: str, params: Sequence[Any]) -> list[StaffMember]:
    rows = await _rows(
        repo, f"{_MEMBER_SQL} {where} ORDER BY lower(m.display_name), m.user_id", params
    )
    return [
        StaffMember(int(uid), str(name), str(code), role_set(roles), active)
        for uid, name, code, roles, active in rows
    ]


async def members(repo: Repository, role: str | None = None) -> list[StaffMember]:
    """Staff members (optionally only those with `role`), by first name."""
    if role is None:
        return await _members(repo, "", ())
    where = "WHERE m.user_id IN (SELECT user_id FROM staff_roles WHERE role = ?)"
    return await _members(repo, where, (role,))


async def member(repo: Repository, user_id: int) -> StaffMember | None:
    """One staff member's profile, or None."""
    found = await _members(repo, "WHERE m.user_id = ?", (user_id,))
    return found[0] if found else None


async def find_members(repo: Repository, handle: str) -> list[StaffMember]:
    """Staff members by team code or by name (either case): how staff name a colleague."""
    cleaned = handle.strip().lstrip("#@")
    return await _members(
        repo,
        "WHERE upper(m.code) = upper(?) OR lower(m.display_name) = lower(?)",
        (cleaned, cleaned),
    )


async def was_staff(repo: Repository, user_id: int) -> bool:
    """Whether the person has or once had a staff role."""
    rows = await _rows(
        repo,
        "SELECT 1 FROM staff_members WHERE user_id = ? UNION SELECT 1 FROM former_staff "
        "WHERE user_id = ?",
        (user_id, user_id),
    )
    return bool(rows)


async def set_active_case(repo: Repository, user_id: int, case_id: int | None) -> None:
    """Where a peer educator's typed replies go from now on."""
    async with repo.transaction() as conn:
        await conn.execute(
            "UPDATE staff_members SET active_case_id = ? WHERE user_id = ?", (case_id, user_id)
        )


# -- invites ----------------------------------------------------------------------------------


async def create_invite(
    repo: Repository,
    code_hash: str,
    role: str,
    created_by: int,
    now: datetime,
    expires_at: datetime,
) -> int:
    """Store a new one-time invite (only the hash of its code)."""
    async with repo.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO staff_invites (code_hash, role, created_by, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?) RETURNING id",
            (code_hash, role, created_by, epoch(now), epoch(expires_at)),
        )
        return int(cur.rows[0][0])


async def redeem_invite(
    repo: Repository, code_hash: str, user_id: int, now: datetime
) -> tuple[int, str] | None:
    """Use an invite once: (invite id, role), or None if unknown, used or expired."""
    stamp = epoch(now)
    async with repo.transaction() as conn:
        rows = await conn.execute_fetchall(
            "UPDATE staff_invites SET used_by = ?, used_at = ? "
            "WHERE code_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING id, role",
            (user_id, stamp, code_hash, stamp),
        )
    found = [tuple(row) for row in rows]
    if not found:
        return None
    invite_id, role = found[0]
    return int(invite_id), str(role)


# -- cases ------------------------------------------------------------------------------------


async def case(repo: Repository, case_id: int) -> Case | None:
    """A case by id."""
    found = await _cases(repo, "c.id = ?", (case_id,))
    return found[0] if found else None


async def active_case_of(repo: Repository, user_id: int) -> Case | None:
    """The open or claimed case about a person, if any."""
    found = await _cases(repo, "c.user_id = ? AND c.status <> 'closed'", (user_id,))
    return found[0] if found else None


async def open_cases(repo: Repository) -> list[Case]:
    """Unclaimed cases, urgent first, then oldest first."""
    return await _cases(repo, "c.status = 'open' ORDER BY c.urgent DESC, c.created_at, c.id")


async def unannounced(repo: Repository) -> list[Case]:
    """Open cases not yet shown to the team, urgent first."""
    return await _cases(
        repo,
        "c.status = 'open' AND c.announced_at IS NULL ORDER BY c.urgent DESC, c.created_at, c.id",
    )


async def claimed_by(repo: Repository, staff_id: int) -> list[Case]:
    """A peer educator's claimed cases, oldest claim first."""
    return await _cases(
        repo, "c.claimed_by = ? AND c.status = 'claimed' ORDER BY c.claimed_at, c.id", (staff_id,)
    )


async def claimed_cases(repo: Repository) -> list[Case]:
    """Every claimed case (the digest goes to whoever holds one)."""
    return await _cases(repo, "c.status = 'claimed' ORDER BY c.claimed_at, c.id")


async def open_case(
    repo: Repository,
    user_id: int,
    source: Source,
    reason: str,
    urgent: bool,
    summary: dict[str, Any],
    now: datetime,
    *,
    description: str | None = None,
    request_id: int | None = None,
) -> tuple[int, bool, bool]:
    """A case about the person: (id, created, raised). When one is active already, that one is
    returned, raised to urgent if this request is urgent and it was not.

    With a `request_id`, reason and urgency are read again inside the transaction (a crisis
    may have raised the request a moment ago) and the request is marked as handled; a request
    another worker handled already opens nothing.
    """
    async with repo.transaction() as conn:
        if request_id is not None:
            async with conn.execute(
                "SELECT reason, urgent, status FROM help_requests WHERE id = ?", (request_id,)
            ) as cur:
                request = await cur.fetchone()
            if request is not None and request[2] != "open":
                handled = await _one(
                    conn,
                    "SELECT id FROM cases WHERE user_id = ? ORDER BY status = 'closed', id DESC",
                    (user_id,),
                )
                if handled is not None:
                    return int(handled), False, False
            if request is not None:
                reason, urgent = str(request[0]), bool(request[1])
            await conn.execute(
                "UPDATE help_requests SET status = 'case' WHERE id = ?", (request_id,)
            )
        return await _open_case(
            conn, user_id, source, reason, urgent, summary, now, description, request_id
        )


async def _open_case(
    conn: Transaction,
    user_id: int,
    source: Source,
    reason: str,
    urgent: bool,
    summary: dict[str, Any],
    now: datetime,
    description: str | None,
    request_id: int | None,
) -> tuple[int, bool, bool]:
    existing = await _one(
        conn, "SELECT id FROM cases WHERE user_id = ? AND status <> 'closed'", (user_id,)
    )
    if existing is not None:
        raised = False
        if urgent:
            cur = await conn.execute(
                "UPDATE cases SET urgent = 1, reason = ? WHERE id = ? AND urgent = 0",
                (reason, existing),
            )
            raised = cur.rowcount == 1
        return int(existing), False, raised
    cur = await conn.execute(
        "INSERT INTO cases (user_id, source, reason, request_id, urgent, summary, description, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            user_id,
            source,
            reason,
            request_id,
            int(urgent),
            json.dumps(summary, sort_keys=True),
            description,
            epoch(now),
        ),
    )
    return int(cur.rows[0][0]), True, False


async def open_requests(repo: Repository) -> list[tuple[int, int, str, bool]]:
    """Help requests not yet turned into cases: (id, user id, reason, urgent), urgent first."""
    rows = await _rows(
        repo,
        "SELECT id, user_id, reason, urgent FROM help_requests WHERE status = 'open' "
        "ORDER BY urgent DESC, created_at, id",
    )
    return [(int(i), int(u), str(r), bool(x)) for i, u, r, x in rows]


async def update_case(repo: Repository, case_id: int, **fields: Any) -> None:
    """Set bookkeeping columns (timestamps, card id); status changes use the guarded helpers."""
    allowed = {
        "card_message_id",
        "announced_at",
        "reannounced_at",
        "escalated_at",
        "waiting_since",
        "reminded_at",
        "reply_escalated_at",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"not a bookkeeping column: {sorted(unknown)}")
    assignments = ", ".join(f"{name} = ?" for name in fields)
    async with repo.transaction() as conn:
        await conn.execute(
            f"UPDATE cases SET {assignments} WHERE id = ?", (*fields.values(), case_id)
        )


async def claim_announcement(repo: Repository, case_id: int, stamp: int) -> bool:
    """Reserve the first announcement of a case; False when another worker has it."""
    async with repo.transaction() as conn:
        cur = await conn.execute(
            "UPDATE cases SET announced_at = ? WHERE id = ? AND announced_at IS NULL",
            (stamp, case_id),
        )
        return cur.rowcount == 1


async def claim(repo: Repository, case_id: int, staff_id: int, now: datetime) -> bool:
    """Take an open case; exactly one of any number of simultaneous claims returns True.

    The person has been waiting since the case was opened, so the reply timer starts now.
    """
    stamp = epoch(now)
    async with repo.transaction() as conn:
        cur = await conn.execute(
            "UPDATE cases SET status = 'claimed', claimed_by = ?, claimed_at = ?, "
            "waiting_since = ? WHERE id = ? AND status = 'open' AND user_id <> ?",
            (staff_id, stamp, stamp, case_id, staff_id),
        )
        if cur.rowcount != 1:
            return False
        # A new case changes what "the active case" means: with several, the next typed
        # message asks which one instead of going to whichever was chosen before.
        await conn.execute(
            "UPDATE staff_members SET active_case_id = NULL WHERE user_id = ?", (staff_id,)
        )
    return True


_REOPEN = (
    "status = 'open', claimed_by = NULL, claimed_at = NULL, waiting_since = NULL, "
    "announced_at = NULL, reannounced_at = NULL, escalated_at = NULL, offered_to = NULL, "
    "offered_by = NULL"
)


async def release(repo: Repository, staff_id: int) -> list[int]:
    """Give a former peer educator's claimed cases back to the team (after a revoke)."""
    async with repo.transaction() as conn:
        rows = await conn.execute_fetchall(
            f"UPDATE cases SET {_REOPEN} WHERE claimed_by = ? AND status = 'claimed' RETURNING id",
            (staff_id,),
        )
        await conn.execute(
            "UPDATE staff_members SET active_case_id = NULL WHERE user_id = ?", (staff_id,)
        )
    return [int(row[0]) for row in rows]


async def release_case(repo: Repository, case_id: int, staff_id: int) -> bool:
    """One case back to the queue (/teruggeven), only by the one who holds it."""
    async with repo.transaction() as conn:
        cur = await conn.execute(
            f"UPDATE cases SET {_REOPEN} WHERE id = ? AND claimed_by = ? AND status = 'claimed'",
            (case_id, staff_id),
        )
        if cur.rowcount != 1:
            return False
        await conn.execute(
            "UPDATE staff_members SET active_case_id = NULL WHERE active_case_id = ?", (case_id,)
        )
    return True


async def offer(repo: Repository, case_id: int, to: int, by: int) -> bool:
    """Offer a case (claimed or open) to a colleague; the offer waits for their yes."""
    async with repo.transaction() as conn:
        cur = await conn.execute(
            "UPDATE cases SET offered_to = ?, offered_by = ? WHERE id = ? AND status <> 'closed' "
            "AND user_id <> ? AND (claimed_by IS NULL OR claimed_by <> ?)",
            (to, by, case_id, to, to),
        )
        return cur.rowcount == 1


async def accept_offer(
    repo: Repository, case_id: int, staff_id: int, now: datetime
) -> int | Literal[False] | None:
    """Take over an offered case: the previous holder's id (None if it was open), or False when
    the offer is no longer there (withdrawn, closed, taken)."""
    stamp = epoch(now)
    async with repo.transaction() as conn:
        before = await conn.execute_fetchall(
            "SELECT claimed_by FROM cases WHERE id = ? AND offered_to = ? AND status <> 'closed'",
            (case_id, staff_id),
        )
        found = [tuple(row) for row in before]
        if not found:
            return False
        previous = found[0][0]
        await conn.execute(
            "UPDATE cases SET status = 'claimed', claimed_by = ?, claimed_at = ?, "
            "offered_to = NULL, offered_by = NULL, waiting_since = COALESCE(waiting_since, ?) "
            "WHERE id = ?",
            (staff_id, stamp, stamp, case_id),
        )
        await conn.execute(
            "UPDATE staff_members SET active_case_id = NULL WHERE active_case_id = ? "
            "OR user_id = ?",
            (case_id, staff_id),
        )
        await conn.execute("DELETE FROM case_backlog WHERE case_id = ?", (case_id,))
    return None if previous is None else int(previous)


async def decline_offer(repo: Repository, case_id: int, staff_id: int) -> int | None:
    """Say no to an offer: who made it, or None when there was no such offer."""
    async with repo.transaction() as conn:
        rows = await conn.execute_fetchall(
            "SELECT offered_by FROM cases WHERE id = ? AND offered_to = ?", (case_id, staff_id)
        )
        found = [tuple(row) for row in rows]
        if not found:
            return None
        await conn.execute(
            "UPDATE cases SET offered_to = NULL, offered_by = NULL WHERE id = ?", (case_id,)
        )
    by = found[0][0]
    return int(by) if by is not None else 0


async def flag(repo: Repository, case_id: int, now: datetime) -> None:
    """Mark a case "needs a coordinator" (shown on the card)."""
    async with repo.transaction() as conn:
        await conn.execute("UPDATE cases SET flagged_at = ? WHERE id = ?", (epoch(now), case_id))


async def close(
    repo: Repository, case_id: int, outcome: str, note: str | None, now: datetime
) -> bool:
    """Close a case once; False when it was closed already. Cancels its pending timers."""
    stamp = epoch(now)
    async with repo.transaction() as conn:
        cur = await conn.execute(
            "UPDATE cases SET status = 'closed', closed_at = ?, outcome = ?, outcome_note = ?, "
            "waiting_since = NULL WHERE id = ? AND status <> 'closed'",
            (stamp, outcome, note, case_id),
        )
        if cur.rowcount != 1:
            return False
        await conn.execute("DELETE FROM case_backlog WHERE case_id = ?", (case_id,))
        await conn.execute(
            "UPDATE scheduled SET status = 'cancelled', done_at = ? WHERE kind = ? "
            "AND user_id = (SELECT user_id FROM cases WHERE id = ?) AND status = 'pending' "
            "AND CAST(json_extract(payload, '$.case_id') AS INTEGER) = ?",
            (stamp, TIMER_KIND, case_id, case_id),
        )
        await conn.execute(
            "UPDATE cases SET offered_to = NULL, offered_by = NULL WHERE id = ?", (case_id,)
        )
        await conn.execute(
            "UPDATE staff_members SET active_case_id = NULL WHERE active_case_id = ?", (case_id,)
        )
    return True


async def rate(repo: Repository, case_id: int, user_id: int, rating: int) -> bool:
    """The person's 1-5 rating of their closed case, once."""
    async with repo.transaction() as conn:
        cur = await conn.execute(
            "UPDATE cases SET rating = ? WHERE id = ? AND user_id = ? AND status = 'closed' "
            "AND rating IS NULL",
            (rating, case_id, user_id),
        )
        return cur.rowcount == 1


async def note_person_message(repo: Repository, case_id: int, now: datetime) -> bool:
    """The person wrote: start the reply clock unless it runs already. True when it started."""
    async with repo.transaction() as conn:
        cur = await conn.execute(
            "UPDATE cases SET waiting_since = ? WHERE id = ? AND status = 'claimed' "
            "AND waiting_since IS NULL",
            (epoch(now), case_id),
        )
        return cur.rowcount == 1


async def note_staff_reply(repo: Repository, case_id: int) -> None:
    """The peer educator answered: nobody is waiting any more."""
    await update_case(repo, case_id, waiting_since=None)


async def add_backlog(repo: Repository, case_id: int, message_id: int, now: datetime) -> None:
    """Remember a message sent before the claim, to copy it to the peer educator later."""
    async with repo.transaction() as conn:
        await conn.execute(
            "INSERT INTO case_backlog (case_id, message_id, created_at) VALUES (?, ?, ?)",
            (case_id, message_id, epoch(now)),
        )


async def take_backlog(repo: Repository, case_id: int) -> list[int]:
    """The waiting message ids in order; they are removed."""
    async with repo.transaction() as conn:
        rows = await conn.execute_fetchall(
            "DELETE FROM case_backlog WHERE case_id = ? RETURNING id, message_id", (case_id,)
        )
    return [int(message_id) for _id, message_id in sorted(tuple(row) for row in rows)]


# -- which message belongs to which case ----------------------------------------------------


async def add_message(
    repo: Repository,
    case_id: int,
    now: datetime,
    *,
    staff_id: int | None = None,
    staff_message_id: int | None = None,
    person_message_id: int | None = None,
) -> None:
    """Remember a message of a case: in a staff member's chat, in the person's chat, or both."""
    async with repo.transaction() as conn:
        await conn.execute(
            "INSERT INTO case_messages (case_id, staff_id, staff_message_id, person_message_id, "
            "created_at) VALUES (?, ?, ?, ?, ?)",
            (case_id, staff_id, staff_message_id, person_message_id, epoch(now)),
        )


async def case_of_message(repo: Repository, staff_id: int, message_id: int) -> int | None:
    """The case a message in this staff member's chat belongs to, if the bot knows it."""
    rows = await _rows(
        repo,
        "SELECT case_id FROM case_messages WHERE staff_id = ? AND staff_message_id = ? "
        "ORDER BY id DESC LIMIT 1",
        (staff_id, message_id),
    )
    return int(rows[0][0]) if rows else None


async def recent_person_messages(repo: Repository, case_id: int, limit: int) -> list[int]:
    """The last message ids of the conversation in the person's chat, oldest first."""
    rows = await _rows(
        repo,
        "SELECT person_message_id FROM case_messages WHERE case_id = ? "
        "AND person_message_id IS NOT NULL ORDER BY id DESC LIMIT ?",
        (case_id, limit),
    )
    return [int(row[0]) for row in reversed(rows)]


# -- a message waiting for "which case?" -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pending:
    """What a staff member typed or sent before saying which case it is for."""

    message_id: int
    media: str
    text: str


async def keep_pending(repo: Repository, user_id: int, pending: Pending, now: datetime) -> None:
    """Keep one message until its case is chosen (a newer one replaces it)."""
    async with repo.transaction() as conn:
        await conn.execute(
            "INSERT INTO staff_pending (user_id, message_id, media, text, created_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
            "message_id = excluded.message_id, media = excluded.media, text = excluded.text, "
            "created_at = excluded.created_at",
            (user_id, pending.message_id, pending.media, pending.text, epoch(now)),
        )


async def take_pending(repo: Repository, user_id: int) -> Pending | None:
    """The waiting message, removed."""
    async with repo.transaction() as conn:
        rows = await conn.execute_fetchall(
            "DELETE FROM staff_pending WHERE user_id = ? RETURNING message_id, media, text",
            (user_id,),
        )
    found = [tuple(row) for row in rows]
    return Pending(int(found[0][0]), str(found[0][1]), str(found[0][2])) if found else None


# -- notes -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Note:
    """A private note on a case, staff only."""

    kind: str
    text: str
    author: str | None  # the author's staff name, if they are still on the team
    created_at: int


async def add_note(
    repo: Repository, case_id: int, author_id: int, kind: str, text: str, now: datetime
) -> None:
    """A note for whoever works on the case next (never shown to the young person)."""
    async with repo.transaction() as conn:
        await conn.execute(
            "INSERT INTO case_notes (case_id, author_id, kind, text, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (case_id, author_id, kind, text, epoch(now)),
        )


async def notes(repo: Repository, case_id: int) -> list[Note]:
    """A case's notes, oldest first."""
    rows = await _rows(
        repo,
        "SELECT n.kind, n.text, m.display_name, n.created_at FROM case_notes n "
        "LEFT JOIN staff_members m ON m.user_id = n.author_id WHERE n.case_id = ? ORDER BY n.id",
        (case_id,),
    )
    return [Note(str(k), str(t), None if a is None else str(a), int(c)) for k, t, a, c in rows]


async def purge_case_texts(repo: Repository, before: datetime) -> int:
    """Empty the free texts of cases closed before `before`; returns how many were touched.

    Their notes and message ids go too, and any message left waiting for "which case?"."""
    async with repo.transaction() as conn:
        closed = "SELECT id FROM cases WHERE status = 'closed' AND closed_at < ?"
        await conn.execute(f"DELETE FROM case_notes WHERE case_id IN ({closed})", (epoch(before),))
        await conn.execute(
            f"DELETE FROM case_messages WHERE case_id IN ({closed})", (epoch(before),)
        )
        await conn.execute("DELETE FROM staff_pending WHERE created_at < ?", (epoch(before),))
        cur = await conn.execute(
            "UPDATE cases SET description = NULL, outcome_note = NULL WHERE status = 'closed' "
            "AND closed_at < ? AND (description IS NOT NULL OR outcome_note IS NOT NULL)",
            (epoch(before),),
        )
        await conn.execute(
            "DELETE FROM staff_invites WHERE expires_at < ? OR used_at < ?",
            (epoch(before), epoch(before)),
        )
        return cur.rowcount


# -- audit and wellbeing ----------------------------------------------------------------------


async def audit(
    repo: Repository,
    actor_id: int,
    action: str,
    now: datetime,
    case_id: int | None = None,
    detail: str | None = None,
) -> None:
    """Record a staff action (who, what, when, which case)."""
    async with repo.transaction() as conn:
        await conn.execute(
            # The case may have been deleted meanwhile (/vergeetmij): then no link is kept.
            "INSERT INTO staff_audit (actor_id, action, case_id, detail, at) "
            "VALUES (?, ?, (SELECT id FROM cases WHERE id = ?), ?, ?)",
            (actor_id, action, case_id, detail, epoch(now)),
        )


async def audit_log(repo: Repository) -> list[tuple[int | None, str, int | None, str | None]]:
    """(actor, action, case, detail) in order, for coordinators' checks and tests."""
    rows = await _rows(
        repo, "SELECT actor_id, action, case_id, detail FROM staff_audit ORDER BY id"
    )
    return [(a, str(b), c, d) for a, b, c, d in rows]


async def record_wellbeing(repo: Repository, user_id: int, score: int, now: datetime) -> None:
    """A moderator's answer to the wellbeing check."""
    async with repo.transaction() as conn:
        await conn.execute(
            "INSERT INTO wellbeing_scores (user_id, score, created_at) VALUES (?, ?, ?)",
            (user_id, score, epoch(now)),
        )


async def pending_kind(
    repo: Repository, kind: str, user_id: int, case_id: int | None = None
) -> list[int]:
    """Due times of a person's pending items of `kind` (for one case), to avoid duplicates."""
    sql = "SELECT due_at FROM scheduled WHERE kind = ? AND user_id = ? AND status = 'pending'"
    params: list[Any] = [kind, user_id]
    if case_id is not None:
        sql += " AND CAST(json_extract(payload, '$.case_id') AS INTEGER) = ?"
        params.append(case_id)
    return [int(row[0]) for row in await _rows(repo, sql, params)]


async def cancel_kind(repo: Repository, kind: str, user_id: int, now: datetime) -> int:
    """Cancel a person's pending items of one kind (a moderator's check-ins after a revoke)."""
    async with repo.transaction() as conn:
        cur = await conn.execute(
            "UPDATE scheduled SET status = 'cancelled', done_at = ? "
            "WHERE kind = ? AND user_id = ? AND status = 'pending'",
            (epoch(now), kind, user_id),
        )
        return cur.rowcount


async def reminders_between(
    repo: Repository, user_id: int, start: datetime, end: datetime
) -> list[tuple[int, str]]:
    """A staff member's pending reminders due in [start, end): (due, text)."""
    rows = await _rows(
        repo,
        "SELECT due_at, json_extract(payload, '$.text') FROM scheduled WHERE kind = 'reminder' "
        "AND user_id = ? AND status = 'pending' AND due_at >= ? AND due_at < ? ORDER BY due_at",
        (user_id, epoch(start), epoch(end)),
    )
    return [(int(due), str(text or "")) for due, text in rows]


async def user_by_external(
    repo: Repository, channel: str, external_ids: Iterable[str]
) -> list[int]:
    """Internal ids of the known people among some channel ids (admins from settings)."""
    wanted = tuple(external_ids)
    if not wanted:
        return []
    marks = ", ".join("?" for _ in wanted)
    rows = await _rows(
        repo,
        f"SELECT id FROM users WHERE channel = ? AND external_id IN ({marks}) ORDER BY id",
        (channel, *wanted),
    )
    return [int(row[0]) for row in rows]


async def user_by_pseudonym(repo: Repository, pseudonym: str) -> int | None:
    """Internal id for a pseudonym (how coordinators name staff in /intrekken)."""
    rows = await _rows(repo, "SELECT id FROM users WHERE pseudonym = ?", (pseudonym.upper(),))
    return int(rows[0][0]) if rows else None
