"""What a young person shares in the talk conversation that shows who or where they are.

A contact card (their phone number and account), a location, or a phone number typed in a
message is held back with a warning ("Dit laat je nummer zien. Toch sturen?"); only "Toch
sturen" copies it to the peer educator. Buttons: `case:share:<message id>`, `case:keep:0`. A
WhatsApp location or contact card is never passed on: the person is told so.
"""

from __future__ import annotations

import re

from bot.core.engine import Turn
from bot.core.model import Button, Event, EventKind, Reply
from bot.staff import relay
from bot.staff.desk import Desk, desk_for
from bot.storage import staff as store

SHARE, KEEP = "share", "keep"
VERBS = frozenset({SHARE, KEEP})
REVEALING_MEDIA = frozenset({"contact", "location", "venue"})
# A phone number: starting with + or 0 (06-12345678, +31 6 1234 5678, 0031 ...), then 9 to 15
# digits in all with the usual separators; a date such as 12-04-2025 does not start like that.
_PHONE = re.compile(r"(?<![\w+])(?:\+|0)\d?(?:[\s\-./()]{0,2}\d){8,14}(?!\w)")


def _phone(text: str) -> bool:
    return any(9 <= sum(c.isdigit() for c in m.group()) <= 15 for m in _PHONE.finditer(text))


def revealing(event: Event) -> bool:
    """A contact card, a place, or a text with a phone number in it."""
    if event.kind is EventKind.MEDIA and event.media in REVEALING_MEDIA:
        return True
    return event.kind in (EventKind.TEXT, EventKind.MEDIA) and _phone(event.text)


def hold_back(turn: Turn, case: store.Case) -> None:
    """Ask before relaying: what it shows, and the two choices. A channel that cannot pass
    it on at all (a WhatsApp location or contact card has no message id) says so instead."""
    event = turn.event
    if not event.message_id:
        buttons = relay.talk_buttons(desk_for(turn), turn.lang, case, turn.state.answers)
        turn.send(Reply(turn.t("staff.privacy.not_passed"), buttons))
        return
    kind = "location" if event.media in ("location", "venue") else "number"
    rows = (
        (Button(turn.t("staff.privacy.send"), f"case:{SHARE}:{event.message_id or 0}"),),
        (Button(turn.t("staff.privacy.keep"), f"case:{KEEP}:{case.id}"),),
    )
    turn.send(Reply(turn.t(f"staff.privacy.warn_{kind}"), rows))


async def answer(desk: Desk, turn: Turn, verb: str, message_id: int) -> None:
    """ "Toch sturen": copy the held message now; "niet sturen": nothing leaves the chat."""
    if verb == KEEP:
        turn.say("staff.privacy.kept")
        return
    case = await store.active_case_of(desk.repo, turn.user.id)
    if case is None or not message_id:
        turn.say("staff.person.no_conversation")
        return
    await relay.copy_to_educator(desk, turn, case, message_id)
    turn.say("staff.privacy.sent" if case.status == "claimed" else "staff.person.queued")
