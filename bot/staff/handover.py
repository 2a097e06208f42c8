"""Cases that change hands, private notes and short canned replies (issue 12, item 2).

- `/teruggeven [notitie]` (`/release`): the case goes back to the queue (a new card; the old
  one points to it), the note waits for the next educator, the young person hears that another
  peer educator takes over.
- `/overdragen <naam|code>` (`/transfer`): offer the case to a named colleague, who accepts or
  declines with a button; coordinators name the case first (`/overdragen 12 Sem`) and may
  reassign any case that is not closed.
- Whoever takes a case over gets the card, the notes and the last messages of the
  conversation (copies from the young person's chat, kept while the case is open).
- `/notitie <tekst>` (`/note`): a private note, never shown to the young person.
- `/snel [nr]` (`/quick`): canned replies from the content YAML (`staff.quick`), one tap sends.
Every command works on the case its swipe-reply points to, else the only or chosen case.
"""

from __future__ import annotations

from bot.core.model import Button, Reply
from bot.staff.cases import announce_pending, next_hint, refresh_card, team_name
from bot.staff.casework import NOTE_MAX, brief, briefing, current_case, recent_messages
from bot.staff.commands import StaffActions, StaffTurn
from bot.staff.desk import CASEWORKERS, MANAGERS, Desk, Role, allowed
from bot.staff.endings import reopened
from bot.staff.routing import deliver
from bot.storage import staff as store
from bot.storage.repository import User

staff = StaffActions()  # this feature's staff commands and buttons (bot/app.py)

QUICK_MAX = 20


def _manager(st: StaffTurn) -> bool:
    return bool(st.roles & (MANAGERS | {Role.ADMIN}))


# -- notes ------------------------------------------------------------------------------------


@staff.command("notitie", "note", roles=CASEWORKERS)
async def note_command(st: StaffTurn, args: str) -> None:
    """`/notitie <tekst>`: a note on the case for the team only."""
    text = " ".join(args.split())
    case = await current_case(st)
    if case is None:
        st.say("staff.flag.no_case")
        return
    if not text:
        st.say("staff.note.usage", max=NOTE_MAX)
        return
    st.note(case.id)
    await store.add_note(st.desk.repo, case.id, st.user.id, "note", text[:NOTE_MAX], st.desk.now())
    st.say("staff.note.saved", id=case.id, label=st.desk.label(st.lang, case))


# -- hand back --------------------------------------------------------------------------------


@staff.command("teruggeven", "release", roles=CASEWORKERS)
async def release_command(st: StaffTurn, args: str) -> None:
    """`/teruggeven [notitie voor de volgende]`: back to the queue, the note goes along."""
    desk = st.desk
    case = await current_case(st)
    if case is None or case.claimed_by != st.user.id:
        st.say("staff.flag.no_case")
        return
    st.note(case.id)
    if not await store.release_case(desk.repo, case.id, st.user.id):
        st.say("staff.case.unknown", id=case.id)
        return
    note = " ".join(args.split())[:NOTE_MAX]
    await store.add_note(desk.repo, case.id, st.user.id, "release", note, desk.now())
    await reopened(desk, case)
    await announce_pending(desk)
    st.say("staff.release.done", id=case.id, label=desk.label(st.lang, case))
    hint = await next_hint(desk, st.user)
    if hint:
        st.say_text(hint)


# -- hand over --------------------------------------------------------------------------------


@staff.command("overdragen", "transfer", roles=CASEWORKERS)
async def transfer_command(st: StaffTurn, args: str) -> None:
    """`/overdragen Sem` (your case) or `/overdragen 12 Sem` (coordinators: any case)."""
    desk = st.desk
    first, _, rest = args.strip().partition(" ")
    number = first.lstrip("#")
    if number.isdigit() and rest.strip():
        found = await store.case(desk.repo, int(number))
        mine = found is not None and found.claimed_by == st.user.id
        case = found if found is not None and (mine or _manager(st)) else None
        handle = rest.strip()
    else:
        case, handle = await current_case(st), args.strip()
    if case is None or case.status == "closed":
        st.say("staff.transfer.usage")
        return
    if case.claimed_by != st.user.id and not _manager(st):
        st.say("staff.case.not_yours", id=case.id)
        return
    st.note(case.id)
    colleagues = await store.find_members(desk.repo, handle) if handle else []
    colleague = colleagues[0] if len(colleagues) == 1 else None
    if colleague is None or not allowed(frozenset(Role(r) for r in colleague.roles), CASEWORKERS):
        st.say("staff.transfer.who", name=handle[:32] or "?")
        return
    if colleague.user_id in (case.claimed_by, case.user_id):
        st.say("staff.transfer.same")
        return
    target = await desk.repo.user_by_id(colleague.user_id)
    if target is None or not await store.offer(desk.repo, case.id, colleague.user_id, st.user.id):
        st.say("staff.case.unknown", id=case.id)
        return
    me = await store.member(desk.repo, st.user.id)
    await _offer(desk, target, case, me.name if me else "?")
    st.say("staff.transfer.asked", id=case.id, name=colleague.name)


async def _offer(desk: Desk, colleague: User, case: store.Case, by: str) -> None:
    lang = colleague.language
    question = desk.t(lang, "staff.transfer.offer", id=case.id, label=desk.label(lang, case), by=by)
    rows = (
        (
            Button(desk.t(lang, "staff.transfer.accept"), f"case:accept:{case.id}"),
            Button(desk.t(lang, "staff.transfer.decline"), f"case:decline:{case.id}"),
        ),
    )
    card = Reply(await briefing(desk, lang, case))
    await desk.to_staff(colleague, case.id, [card, Reply(question, rows)])


@staff.tap("accept", roles=CASEWORKERS)
async def accept_tap(st: StaffTurn, args: str) -> None:
    """Yes to a hand-over: the case, its notes and its last messages are yours now."""
    desk = st.desk
    case_id = int(args) if args.isdigit() else 0
    st.note(case_id)
    before = await store.case(desk.repo, case_id)
    previous = await store.accept_offer(desk.repo, case_id, st.user.id, desk.now())
    case = await store.case(desk.repo, case_id)
    if previous is False or case is None or before is None:
        st.say("staff.transfer.gone", id=case_id)
        return
    await refresh_card(desk, case.id)
    await brief(desk, st.user, case, "staff.claim.intro")
    await recent_messages(desk, st.user, case)
    name = await team_name(desk, st.user.id)
    person = await desk.repo.user_by_id(case.user_id)
    if person is not None:
        text = desk.t(person.language, "staff.person.transferred", name=name)
        await desk.send(person, [Reply(text)])
    told = {st.user.id}
    for other in (previous, before.offered_by):
        if other is None or other in told:
            continue
        told.add(other)
        user = await desk.repo.user_by_id(other)
        if user is None:
            continue
        lines = [desk.t(user.language, "staff.transfer.taken", id=case.id, name=name)]
        if other == previous:
            hint = await next_hint(desk, user)
            lines += [hint] if hint else []
        await desk.send(user, [Reply("\n".join(lines))])


@staff.tap("decline", roles=CASEWORKERS)
async def decline_tap(st: StaffTurn, args: str) -> None:
    """No to a hand-over: whoever offered it hears so; the case stays where it was."""
    desk = st.desk
    case_id = int(args) if args.isdigit() else 0
    st.note(case_id)
    by = await store.decline_offer(desk.repo, case_id, st.user.id)
    if by is None:
        st.say("staff.transfer.gone", id=case_id)
        return
    st.say("staff.transfer.declined_you", id=case_id)
    member = await store.member(desk.repo, st.user.id)
    offerer = await desk.repo.user_by_id(by) if by else None
    if offerer is not None:
        text = desk.t(
            offerer.language,
            "staff.transfer.declined",
            id=case_id,
            name=member.name if member else "?",
        )
        await desk.send(offerer, [Reply(text)])


# -- canned replies ---------------------------------------------------------------------------


def quick_replies(desk: Desk, lang: str) -> list[str]:
    """The canned replies in the content YAML (`staff.quick.q1`, `q2`, ...)."""
    found = []
    for number in range(1, QUICK_MAX + 1):
        key = f"staff.quick.q{number}"
        if not desk.content.has(lang, key):
            break
        found.append(desk.t(lang, key))
    return found


@staff.command("snel", "quick", roles=CASEWORKERS)
async def quick_command(st: StaffTurn, args: str) -> None:
    """`/snel`: the canned replies as buttons for the case; `/snel 2` sends number 2."""
    case = await current_case(st)
    if case is None or case.claimed_by != st.user.id:
        st.say("staff.flag.no_case")
        return
    replies = quick_replies(st.desk, st.lang)
    choice = args.strip()
    if choice.isdigit() and 1 <= int(choice) <= len(replies):
        st.note(case.id, f"quick:{choice}")
        await _send_quick(st, case, int(choice))
        return
    label = st.desk.label(st.lang, case)
    lines = [st.t("staff.quick.heading", id=case.id, label=label)]
    lines += [f"{n}. {text}" for n, text in enumerate(replies, 1)]
    rows = tuple(
        (Button(f"{n}. {text}"[:60], f"case:quick:{case.id}.{n}"),)
        for n, text in enumerate(replies, 1)
    )
    st.turn.send(Reply("\n".join(lines), rows))


@staff.tap("quick", roles=CASEWORKERS)
async def quick_tap(st: StaffTurn, args: str) -> None:
    """One tap on a canned reply sends it to the case the list was for."""
    case_part, _, number = args.partition(".")
    case = await store.case(st.desk.repo, int(case_part)) if case_part.isdigit() else None
    if case is None or case.status != "claimed" or case.claimed_by != st.user.id:
        st.say("staff.case.unknown", id=case_part or "?")
        return
    st.note(case.id, f"quick:{number}")
    if number.isdigit() and 1 <= int(number) <= len(quick_replies(st.desk, st.lang)):
        await _send_quick(st, case, int(number))


async def _send_quick(st: StaffTurn, case: store.Case, number: int) -> None:
    person = await st.desk.repo.user_by_id(case.user_id)
    lang = person.language if person is not None else st.lang
    text = quick_replies(st.desk, lang)[number - 1]
    await deliver(st.desk, st.user, case, store.Pending(0, "", text))
