"""Which case a staff member's message is for, and the line that says where it went.

In order (issue 12, item 1):
1. a swipe-reply to a message the bot put in the chat for a case (a copy of the young
   person's message, a notice, a confirmation) goes to that case, always; when that case is
   closed, gone or no longer yours, nothing is sent and a clear line says why;
2. otherwise the only case you hold;
3. otherwise the case you chose yourself (/zaak, a tap in /zaken or under a copy, the answer to
   "which case?"); claiming another case clears that choice;
4. otherwise the bot asks which case, one button per case, and keeps the message until then.

Every delivered message is confirmed with the pseudonym ("→ Jongere #A7F3C2 ✓"). Staff who hold
no case get a line saying so, never the young-person menu.
"""

from __future__ import annotations

from bot.core.engine import Turn
from bot.core.model import Button, EventKind, Reply
from bot.staff import relay
from bot.staff.cases import end_case
from bot.staff.commands import StaffActions, StaffTurn
from bot.staff.desk import CASEWORKERS, Desk, Role, allowed
from bot.storage import staff as store
from bot.storage.repository import User

staff = StaffActions()  # this feature's staff commands and buttons (bot/app.py)

CHOOSE_VERB = "to"  # case:to:<case id>, 0 = do not send
NOT_SENT = 0


def outgoing(turn: Turn) -> store.Pending:
    """The staff member's message as it would be sent on."""
    event = turn.event
    media = event.media if event.kind is EventKind.MEDIA else ""
    return store.Pending(event.message_id or 0, media, event.text)


async def route(desk: Desk, turn: Turn, roles: frozenset[Role], subject: bool) -> bool:
    """Send a caseworker's typed or sent message to the right case; False when it is not
    theirs to route (not a caseworker, or a staff member writing in their own case)."""
    if not allowed(roles, CASEWORKERS):
        return False
    me, event = turn.user, turn.event
    if event.reply_to is not None:
        await _reply(desk, turn, event.reply_to)
        return True
    mine = await store.claimed_by(desk.repo, me.id)
    if not mine:
        if subject:
            return False  # a staff member's own case: they write as the person helped
        turn.say("staff.route.no_case")
        return True
    if len(mine) == 1:
        await deliver(desk, me, mine[0], outgoing(turn))
        return True
    member = await store.member(desk.repo, me.id)
    chosen = next((c for c in mine if member and c.id == member.active_case_id), None)
    if chosen is not None:
        await deliver(desk, me, chosen, outgoing(turn))
        return True
    await store.keep_pending(desk.repo, me.id, outgoing(turn), desk.now())
    rows = tuple((_choose_button(desk, turn.lang, case),) for case in mine)
    rows += ((Button(turn.t("staff.route.dont_send"), f"case:{CHOOSE_VERB}:{NOT_SENT}"),),)
    turn.send(Reply(turn.t("staff.route.which", count=len(mine)), rows))
    return True


def _choose_button(desk: Desk, lang: str, case: store.Case) -> Button:
    label = desk.t(lang, "staff.route.choose", id=case.id, label=desk.label(lang, case))
    return Button(label[:60], f"case:{CHOOSE_VERB}:{case.id}")


async def _reply(desk: Desk, turn: Turn, reply_to: int) -> None:
    """A swipe-reply: to the replied message's case, or nowhere with the reason."""
    me = turn.user
    case_id = await store.case_of_message(desk.repo, me.id, reply_to)
    case = await store.case(desk.repo, case_id) if case_id is not None else None
    if case is None:
        turn.say("staff.route.unknown_reply")
    elif case.status == "closed":
        turn.say("staff.route.closed", id=case.id, label=desk.label(turn.lang, case))
    elif case.claimed_by != me.id:
        turn.say("staff.route.not_yours", id=case.id, label=desk.label(turn.lang, case))
    else:
        await deliver(desk, me, case, outgoing(turn))


async def deliver(desk: Desk, me: User, case: store.Case, message: store.Pending) -> bool:
    """Relay, then confirm with the pseudonym (or say it did not arrive, or end the case when
    the young person has blocked the bot)."""
    lang = me.language
    label = desk.label(lang, case)
    delivered = await relay.to_person(desk, me, case, message)
    if delivered.blocked:
        await end_case(desk, case, "blocked")
        return False
    if not delivered.ok:
        failed = desk.t(lang, "staff.relay.not_delivered", label=label)
        await desk.to_staff(me, case.id, [Reply(failed)])
        return False
    sent = desk.t(lang, "staff.route.sent", label=label, id=case.id)
    await desk.to_staff(me, case.id, [Reply(sent)])
    return True


@staff.tap(CHOOSE_VERB, roles=CASEWORKERS)
async def choose_tap(st: StaffTurn, args: str) -> None:
    """The answer to "which case?": send the kept message there, and keep sending there."""
    desk, me = st.desk, st.user
    pending = await store.take_pending(desk.repo, me.id)
    case_id = int(args) if args.isdigit() else NOT_SENT
    if case_id == NOT_SENT:
        st.say("staff.route.dropped" if pending else "staff.route.nothing_waiting")
        return
    st.note(case_id)
    case = await store.case(desk.repo, case_id)
    if case is None or case.status != "claimed" or case.claimed_by != me.id:
        st.say("staff.case.unknown", id=case_id)
        return
    await store.set_active_case(desk.repo, me.id, case.id)
    if pending is None:
        st.say("staff.case.active", id=case.id, label=desk.label(st.lang, case))
        return
    if await deliver(desk, me, case, pending):
        st.say("staff.route.keeps_going", id=case.id, label=desk.label(st.lang, case))
