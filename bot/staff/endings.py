"""When a case ends or loses its educator without a close: everyone concerned is told.

- `/vergeetmij` by the young person: the case ends before its rows are deleted; the card says
  so and the educator hears it (their next message to it gets a clear line, not the menu).
- A blocked bot (403 on a relay): see `routing.deliver` and `cases.end_case`.
- An educator who leaves (role revoked, or their own `/vergeetmij`): their cases go back to the
  queue with a new card, the old card points to it, and the young person hears that another
  peer educator takes over.
"""

from __future__ import annotations

from bot.core.engine import Turn
from bot.core.model import Reply
from bot.staff.cases import announce_pending, end_case
from bot.staff.desk import Desk, desk_for
from bot.storage import staff as store


async def forgetting(turn: Turn) -> None:
    """Forget hook: end the person's own case, and give back the cases they held as staff."""
    desk = desk_for(turn)
    case = await store.active_case_of(desk.repo, turn.user.id)
    if case is not None:
        await end_case(desk, case, "forgotten")
    await release_all(desk, turn.user.id)


async def release_all(desk: Desk, staff_id: int) -> list[int]:
    """Every case a staff member holds back to the queue, each young person told."""
    held = await store.claimed_by(desk.repo, staff_id)
    released = await store.release(desk.repo, staff_id)
    for case in held:
        if case.id in released:
            await reopened(desk, case)
    if released:
        await announce_pending(desk)
    return released


async def reopened(desk: Desk, case: store.Case) -> None:
    """A case back in the queue: its old card points to the new one, the person is told."""
    if case.card_message_id is not None:
        moved = desk.t(desk.group_lang, "staff.card.released", id=case.id)
        await desk.edit_group(case.card_message_id, Reply(moved))
    person = await desk.repo.user_by_id(case.user_id)
    if person is not None:
        await desk.send(person, [Reply(desk.t(person.language, "staff.person.handover"))])
