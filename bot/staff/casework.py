"""What peer educators and moderators do with cases: claim, switch, close, escalate.

Commands: /zaken (/cases) lists open cases and your own, /zaak <nr> (/case) makes a case the one
your typed messages go to, /sluit [uitkomst] [notitie] (/close) closes it, /escaleer (/escalate)
opens a case for a moderator. Buttons: `case:claim:<nr>`, `case:pick:<nr>`, `case:show:<nr>`
(from reminders) and `case:close:<nr>:<outcome>`; `case:end:<nr>` is the person's own button.
"""

from __future__ import annotations

from bot.core.engine import Turn
from bot.core.model import Button, Reply
from bot.staff import relay
from bot.staff.cases import (
    arm,
    case_text,
    claim_button,
    flag_case,
    next_hint,
    open_for,
    pick_button,
    refresh_card,
    tell_holder,
)
from bot.staff.commands import StaffActions, StaffTurn
from bot.staff.desk import CASEWORKERS, ESCALATORS, MANAGERS, Desk, Role
from bot.storage import staff as store
from bot.storage.repository import User

staff = StaffActions()  # this feature's staff commands and buttons (bot/app.py)

LIST_LIMIT = 10
RECENT = 10  # messages of the conversation that go along to the next educator
DESCRIPTION_MAX = 1000
NOTE_MAX = 500
URGENT_WORDS = frozenset({"!", "dringend", "urgent", "spoed"})
# Outcome codes and the words staff may type for them.
OUTCOMES = {
    "helped": ("geholpen", "helped"),
    "referred": ("doorverwezen", "referred"),
    "no_response": ("geen-reactie", "geen_reactie", "no-response", "no_response"),
    "other": ("anders", "other"),
}
_OUTCOME_WORDS = {word: code for code, words in OUTCOMES.items() for word in words}


def _number(text: str) -> int | None:
    cleaned = text.strip().lstrip("#")
    return int(cleaned) if cleaned.isdigit() else None


async def _own(st: StaffTurn, case_id: int | None) -> store.Case | None:
    """A case the caller is working on (coordinators and admins may act on any claimed one)."""
    case = await store.case(st.desk.repo, case_id) if case_id is not None else None
    if case is None or case.status != "claimed":
        return None
    if case.claimed_by == st.user.id or st.roles & (MANAGERS | {Role.ADMIN}):
        return case
    return None


async def current_case(st: StaffTurn) -> store.Case | None:
    """The case a staff command is about: the one whose message the command swipe-replies
    to, else the only case you hold, else the one you chose; None when that is unclear."""
    desk, event = st.desk, st.turn.event
    if event.reply_to is not None:
        case_id = await store.case_of_message(desk.repo, st.user.id, event.reply_to)
        return await _own(st, case_id)
    mine = await store.claimed_by(desk.repo, st.user.id)
    return await _own(st, await active_id(desk, st.user.id, mine))


# -- listing and switching --------------------------------------------------------------------


@staff.command("zaken", "cases", roles=CASEWORKERS)
async def cases_command(st: StaffTurn, _args: str) -> None:
    """Open cases (claim buttons, urgent first) and your own: the active one marked ▶️, one
    tap on another makes that one active."""
    desk, lang = st.desk, st.lang
    waiting = (await store.open_cases(desk.repo))[:LIST_LIMIT]
    mine = (await store.claimed_by(desk.repo, st.user.id))[:LIST_LIMIT]
    if not waiting and not mine:
        st.say("staff.cases.none")
        return
    active = await active_id(desk, st.user.id, mine)
    rows: list[tuple[Button, ...]] = [(claim_button(desk, lang, c),) for c in waiting]
    rows += [(pick_button(desk, lang, c, active=c.id == active),) for c in mine]
    lines = [st.t("staff.cases.list", open=len(waiting), mine=len(mine))]
    if mine:
        chosen = next((c for c in mine if c.id == active), None)
        lines.append(
            st.t("staff.cases.active", id=chosen.id, label=desk.label(lang, chosen))
            if chosen
            else st.t("staff.cases.no_active")
        )
    st.turn.send(Reply("\n".join(lines), tuple(rows)))


async def active_id(desk: Desk, user_id: int, mine: list[store.Case]) -> int | None:
    """The case typed messages go to without a reply target: the only one, or the chosen one."""
    if len(mine) == 1:
        return mine[0].id
    member = await store.member(desk.repo, user_id)
    chosen = member.active_case_id if member else None
    return chosen if any(c.id == chosen for c in mine) else None


@staff.command("zaak", "case", roles=CASEWORKERS)
async def case_command(st: StaffTurn, args: str) -> None:
    """`/zaak 12`: show case 12 and, if it is yours, send your typed messages there."""
    case_id = _number(args)
    if case_id is None:
        st.say("staff.case.usage")
        return
    await _show(st, case_id)


@staff.tap("pick", roles=CASEWORKERS)
async def pick_tap(st: StaffTurn, args: str) -> None:
    """The button on relayed copies and lists: switch to that case."""
    case_id = _number(args)
    if case_id is not None:
        await _show(st, case_id)


@staff.tap("show", roles=CASEWORKERS)
async def show_tap(st: StaffTurn, args: str) -> None:
    """The button on a reminder about a case (see `scheduler.jobs.CASE_BUTTON`)."""
    await pick_tap(st, args)


async def _show(st: StaffTurn, case_id: int) -> None:
    desk, lang = st.desk, st.lang
    st.note(case_id)
    case = await store.case(desk.repo, case_id)
    if case is None or case.status == "closed":
        st.say("staff.case.unknown", id=case_id)
        return
    if case.status == "open":
        st.turn.send(Reply(case_text(desk, lang, case), ((claim_button(desk, lang, case),),)))
        return
    own = await _own(st, case_id)
    if own is None:
        st.say("staff.case.not_yours", id=case_id)
        return
    if own.claimed_by != st.user.id:  # a coordinator looking at someone else's case
        st.turn.send(Reply(await briefing(desk, lang, own)))
        return
    await store.set_active_case(desk.repo, st.user.id, case_id)
    st.turn.send(Reply(await briefing(desk, lang, own)))
    st.say("staff.case.active", id=case_id, label=desk.label(lang, own))


async def briefing(desk: Desk, lang: str, case: store.Case) -> str:
    """The case card with its private notes: what the next educator needs to know."""
    lines = [case_text(desk, lang, case)]
    found = await store.notes(desk.repo, case.id)
    if found:
        lines.append(desk.t(lang, "staff.notes.heading", count=len(found)))
        for note in found:
            lines.append(
                desk.t(
                    lang,
                    f"staff.notes.{note.kind}",
                    time=desk.moment(lang, note.created_at),
                    name=note.author or "?",
                    text=note.text or "-",
                )
            )
    return "\n".join(lines)


# -- claiming ---------------------------------------------------------------------------------


@staff.tap("claim", roles=CASEWORKERS)
async def claim_tap(st: StaffTurn, args: str) -> None:
    """The first educator to tap wins; the card shows who, the person hears a first name."""
    desk = st.desk
    case_id = _number(args)
    if case_id is None:
        return
    st.note(case_id)
    case = await store.case(desk.repo, case_id)
    if case is None or case.status == "closed":
        st.tell("staff.case.unknown", id=case_id)
        return
    if case.user_id == st.user.id:
        st.tell("staff.claim.own_case")
        return
    if not await store.claim(desk.repo, case_id, st.user.id, desk.now()):
        st.note(detail="lost")
        if case.claimed_by == st.user.id or (await _own(st, case_id)) is not None:
            st.tell("staff.claim.already_yours", id=case_id)
        else:
            st.tell("staff.claim.taken", id=case_id)
        return
    if st.turn.event.chat is not None:  # in private the case details that follow say it all
        st.tell("staff.claim.won", id=case_id)
    await _claimed(desk, st.user, case_id)


async def _claimed(desk: Desk, educator: User, case_id: int) -> None:
    """Card, person, educator (details first, then what the person wrote while waiting)."""
    case = await store.case(desk.repo, case_id)
    member = await store.member(desk.repo, educator.id)
    if case is None or member is None:
        return
    await refresh_card(desk, case_id)
    person = await desk.repo.user_by_id(case.user_id)
    await brief(desk, educator, case, "staff.claim.intro")
    if person is None:
        return
    await relay.greet(desk, person, case, member.name)
    await recent_messages(desk, educator, case)  # a case handed back: what was said before
    await _backlog(desk, person, educator, case)
    await arm(desk, case, desk.now())


async def brief(desk: Desk, educator: User, case: store.Case, key: str) -> None:
    """The case card, its notes and how to answer, as messages of the case."""
    lang = educator.language
    intro = desk.t(lang, key, id=case.id, label=desk.label(lang, case))
    await desk.to_staff(educator, case.id, [Reply(await briefing(desk, lang, case)), Reply(intro)])


async def recent_messages(desk: Desk, educator: User, case: store.Case) -> None:
    """The last messages of the conversation, copied from the young person's chat."""
    person = await desk.repo.user_by_id(case.user_id)
    ids = await store.recent_person_messages(desk.repo, case.id, RECENT)
    if person is None or not ids:
        return
    lang = educator.language
    await desk.to_staff(educator, case.id, [Reply(desk.t(lang, "staff.transfer.recent"))])
    buttons = ((pick_button(desk, lang, case),),)
    for message_id in ids:
        copied = await desk.copy(person, message_id, educator, None, buttons)
        for copy_id in copied.ids:
            await store.add_message(
                desk.repo, case.id, desk.now(), staff_id=educator.id, staff_message_id=copy_id
            )


async def _backlog(desk: Desk, person: User, educator: User, case: store.Case) -> None:
    """What the person wrote while nobody had the case, copied in order."""
    buttons = ((pick_button(desk, educator.language, case),),)
    for message_id in await store.take_backlog(desk.repo, case.id):
        copied = await desk.copy(person, message_id, educator, None, buttons)
        for copy_id in copied.ids:
            await store.add_message(
                desk.repo,
                case.id,
                desk.now(),
                staff_id=educator.id,
                staff_message_id=copy_id,
                person_message_id=message_id,
            )


# -- closing ----------------------------------------------------------------------------------


@staff.command("sluit", "close", roles=CASEWORKERS)
async def close_command(st: StaffTurn, args: str) -> None:
    """`/sluit geholpen [notitie]` closes your active case; without an outcome: buttons."""
    case = await current_case(st)
    if case is None:
        st.say("staff.close.no_case")
        return
    st.note(case.id)
    word, _, note = args.strip().partition(" ")
    outcome = _OUTCOME_WORDS.get(word.lower())
    if outcome is None:
        rows = tuple(
            (Button(st.t(f"staff.outcomes.{code}"), f"case:close:{case.id}:{code}"),)
            for code in OUTCOMES
        )
        st.turn.send(Reply(st.t("staff.close.choose", id=case.id), rows))
        return
    await close_case(st, case, outcome, note.strip()[:NOTE_MAX] or None)


@staff.tap("close", roles=CASEWORKERS)
async def close_tap(st: StaffTurn, args: str) -> None:
    """An outcome button under /sluit."""
    number, _, outcome = args.partition(":")
    case = await _own(st, _number(number))
    if case is None or outcome not in OUTCOMES:
        st.tell("staff.close.no_case")
        return
    await close_case(st, case, outcome, None)


async def close_case(st: StaffTurn, case: store.Case, outcome: str, note: str | None) -> None:
    """Close, update the card, move on to the next case, and ask the person for a rating."""
    desk = st.desk
    st.note(case.id, outcome)
    if not await store.close(desk.repo, case.id, outcome, note, desk.now()):
        st.tell("staff.case.unknown", id=case.id)
        return
    await refresh_card(desk, case.id)
    st.tell("staff.close.done", id=case.id)
    if case.claimed_by == st.user.id and st.turn.event.chat is None:
        hint = await next_hint(desk, st.user)
        if hint:
            st.say_text(hint)
    person = await desk.repo.user_by_id(case.user_id)
    if person is None:
        return
    member = await store.member(desk.repo, case.claimed_by) if case.claimed_by else None
    name = member.name if member else ""
    notice = Reply(desk.t(person.language, "staff.person.closed", name=name))
    pushed = await desk.core.engine.push(person.id, "rate:ask", {"case_id": case.id})
    await desk.send(person, [notice, *(pushed[1] if pushed else [])])


async def end_by_person(desk: Desk, turn: Turn, case_id: int) -> bool:
    """The person ends the conversation (or withdraws the request); True when someone had
    taken it on, so the person is asked to rate it (the answers then hold its `case_id`)."""
    case = await store.active_case_of(desk.repo, turn.user.id)
    if case is None or case.id != case_id:
        turn.say("staff.person.no_conversation")
        return False
    await store.close(desk.repo, case.id, "ended", None, desk.now())
    await refresh_card(desk, case.id)
    if case.claimed_by is None:
        turn.say("staff.person.withdrawn")
        return False
    await tell_holder(desk, case, "staff.notify.ended")
    turn.state.answers = {"case_id": case.id}
    return True


# -- supervision ------------------------------------------------------------------------------


@staff.command("vlag", "flag", roles=CASEWORKERS)
async def flag_command(st: StaffTurn, args: str) -> None:
    """`/vlag [wat er speelt]`: this case needs a coordinator (they get the card at once)."""
    case = await current_case(st)
    if case is None:
        st.say("staff.flag.no_case")
        return
    st.note(case.id)
    await flag_case(st.desk, case, st.user, args.strip()[:NOTE_MAX])
    st.say("staff.flag.done", id=case.id, label=st.desk.label(st.lang, case))


# -- moderators -------------------------------------------------------------------------------


@staff.command("escaleer", "escalate", roles=ESCALATORS)
async def escalate_command(st: StaffTurn, args: str) -> None:
    """`/escaleer [dringend] <wat er speelt>`: a case for peer educators, with you as contact."""
    first, _, rest = args.strip().partition(" ")
    urgent = first.lower() in URGENT_WORDS
    description = (rest if urgent else args).strip()
    if not description:
        st.say("staff.escalate.usage")
        return
    if len(description) > DESCRIPTION_MAX:
        st.say("staff.escalate.too_long", limit=DESCRIPTION_MAX)
        return
    case, created = await open_for(
        st.desk, st.user, "escalation", "escalation", urgent, {}, description=description
    )
    st.note(case.id, "urgent" if urgent else None)
    st.say("staff.escalate.done" if created else "staff.escalate.exists", id=case.id)
