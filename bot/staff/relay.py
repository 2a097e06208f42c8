"""Relaying between a person and their peer educator, both ways, as copies.

The person's texts, photos and other messages reach the educator as copies (never forwards,
which would show the person's account), each with a button naming the pseudonym that also makes
that case the educator's active one. The educator's texts reach the person as "Sam: ...", media
as copies with that caption, always with the person's "end conversation" button. Before anyone
claims the case, the person's messages wait as message ids and are copied after the claim.
"""

from __future__ import annotations

from bot.core.engine import Turn
from bot.core.model import EventKind, Reply
from bot.staff.cases import arm, end_button, pick_button
from bot.staff.desk import Desk
from bot.storage import staff as store

# Media that can carry a caption (stickers, voice notes and the like cannot).
CAPTIONED = frozenset({"photo", "video", "document", "animation", "audio"})


async def from_person(desk: Desk, turn: Turn, case: store.Case) -> None:
    """Copy the person's message to the educator, or keep it until the case is claimed."""
    message_id = turn.event.message_id
    if message_id is None:  # a channel without message ids has nothing to copy
        return
    now = desk.now()
    if case.status == "open" or case.claimed_by is None:
        await store.add_backlog(desk.repo, case.id, message_id, now)
        return
    educator = await desk.repo.user_by_id(case.claimed_by)
    if educator is None:
        return
    buttons = ((pick_button(desk, educator.language, case),),)
    if not await desk.copy(turn.user, message_id, educator, None, buttons):
        turn.say("staff.person.not_delivered")
        return
    if await store.note_person_message(desk.repo, case.id, now):
        await arm(desk, case, now)  # the reply clock started


async def from_staff(desk: Desk, turn: Turn, case: store.Case) -> None:
    """Send the educator's message to the person under the educator's first name."""
    event = turn.event
    person = await desk.repo.user_by_id(case.user_id)
    member = await store.member(desk.repo, turn.user.id)
    if person is None or member is None:
        return
    lang, name = person.language, member.first_name
    buttons = ((end_button(desk, lang, case.id),),)
    if event.kind is EventKind.TEXT:
        text = desk.t(lang, "staff.relay.text", name=name, text=event.text)
        delivered = await desk.send(person, [Reply(text, buttons)])
    elif event.message_id is not None:
        caption = None
        if event.media in CAPTIONED:
            key = "staff.relay.caption" if event.text else "staff.relay.media"
            caption = desk.t(lang, key, name=name, text=event.text)
        delivered = await desk.copy(turn.user, event.message_id, person, caption, buttons)
    else:
        delivered = False
    if not delivered:
        turn.say("staff.relay.not_delivered", label=desk.label(turn.user.language, case))
        return
    await store.note_staff_reply(desk.repo, case.id)
    await store.audit(desk.repo, turn.user.id, "relay", desk.now(), case.id)
