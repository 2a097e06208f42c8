"""Reminders for staff: self-set follow-ups, moderators' wellbeing check-ins, a daily digest.

- `/herinner <wanneer> <tekst>` (/remind) queues a `reminder` row (delivered by the scheduler,
  after quiet hours), linked to the educator's active case so the reminder has its button.
- Moderators get a short wellbeing check every STERK_WELLBEING_DAYS days (`wellbeing` rows,
  pushed as the `wellbeing` flow); a low score, or asking for it, opens a case so a peer
  educator reaches out. `/welzijn` starts the check at once.
- Each morning (the scheduler's digest hook) every peer educator, and anyone with a claimed
  case, gets what is open and due today; `/overzicht` (/digest) shows it any time.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from bot.core.clock import epoch
from bot.core.engine import Turn
from bot.core.model import Button, Reply
from bot.core.registry import Registry
from bot.staff.cases import open_for, pick_button
from bot.staff.casework import current_case
from bot.staff.commands import StaffActions, StaffTurn
from bot.staff.desk import CASEWORKERS, Desk, Role, desk_for, desk_of
from bot.staff.timeparse import parse_when
from bot.storage import scheduled as queue
from bot.storage import staff as store
from bot.storage.repository import User
from scheduler.jobs import REMINDER_MAX, Delivery, JobRegistry, push_flow, schedule_reminder
from scheduler.timing import QuietHours, wall_time

router = Registry()  # this feature's flow actions and commands (bot/app.py)
jobs = JobRegistry()  # this feature's scheduled kinds and hooks (bot/app.py)
staff = StaffActions()  # this feature's staff commands and buttons (bot/app.py)

WELLBEING_KIND = "wellbeing"
LOW_WELLBEING = 2  # scores 1-2 open a case without asking
TODAY_REMINDERS = 10

if TYPE_CHECKING:
    from bot.app import Core


# -- follow-ups -------------------------------------------------------------------------------


@staff.command("herinner", "remind", roles=CASEWORKERS)
async def remind_command(st: StaffTurn, args: str) -> None:
    """`/herinner morgen 15:00 bel terug`: a reminder at that moment, about the active case."""
    desk, now = st.desk, st.desk.now()
    when = parse_when(args, now, desk.settings.tz)
    if when is None or not when.rest or len(when.rest) > REMINDER_MAX:
        st.say("staff.remind.usage", max=REMINDER_MAX)
        return
    case = await current_case(st)
    case_id = case.id if case is not None and case.claimed_by == st.user.id else None
    await schedule_reminder(desk.repo, st.user.id, when.due, when.rest, case_id, now=now)
    shown = QuietHours.from_settings(desk.settings).release(when.due)
    key = "staff.remind.set_case" if case_id is not None else "staff.remind.set"
    st.say(key, when=desk.moment(st.lang, shown), id=case_id)
    st.note(case_id, f"due:{epoch(when.due)}")


# -- wellbeing check-ins for moderators --------------------------------------------------------


async def schedule_wellbeing(desk: Desk, user_id: int) -> None:
    """The next check-in, N days from now, unless one is planned already."""
    if await store.pending_kind(desk.repo, WELLBEING_KIND, user_id):
        return
    now = desk.now()
    due = now + timedelta(days=desk.settings.wellbeing_days)
    await queue.schedule(desk.repo, WELLBEING_KIND, user_id, due, now, {}, proactive=False)


async def stop_wellbeing(desk: Desk, user_id: int) -> None:
    """No more check-ins (the moderator role was revoked)."""
    await store.cancel_kind(desk.repo, WELLBEING_KIND, user_id, desk.now())


@jobs.kind(WELLBEING_KIND, grace=timedelta(days=3), patient=True)
async def wellbeing_item(delivery: Delivery) -> list[Reply] | None:
    """Ask a moderator how they are doing, and plan the next check."""
    desk = desk_of(delivery.core)
    if Role.MODERATOR not in await desk.roles(delivery.user):
        return None
    replies = await push_flow(delivery, "wellbeing:", {})
    await schedule_wellbeing(desk, delivery.user.id)
    return replies


@staff.command("welzijn", "wellbeing", roles=frozenset({Role.MODERATOR}))
async def wellbeing_command(st: StaffTurn, _args: str) -> None:
    """Take the wellbeing check now."""
    await st.turn.engine.enter(st.turn, "wellbeing:")


async def _wellbeing_case(turn: Turn) -> None:
    score = int(turn.state.answers.get("score", 0))
    desk = desk_for(turn)
    await open_for(desk, turn.user, "wellbeing", f"wellbeing:{score}", False, {})


@router.action("wellbeing.score", outcomes=("invalid", "low", "fine"))
async def wellbeing_score(turn: Turn) -> None:
    """Store the score; a low one opens a case so a peer educator reaches out."""
    score = turn.state.answers.get("score")
    if not isinstance(score, int) or not 1 <= score <= 5:
        turn.outcome("invalid")
        return
    await store.record_wellbeing(turn.repo, turn.user.id, score, turn.now())
    if score <= LOW_WELLBEING:
        await _wellbeing_case(turn)
        turn.outcome("low")
    else:
        turn.outcome("fine")


@router.action("wellbeing.talk")
async def wellbeing_talk(turn: Turn) -> None:
    """A moderator who is fine but wants to talk anyway."""
    await _wellbeing_case(turn)


# -- the daily digest -------------------------------------------------------------------------


async def digest(desk: Desk, user: User) -> Reply | None:
    """What is open in the group, the person's own cases and today's reminders; None if none."""
    lang, now = user.language, desk.now()
    waiting = await store.open_cases(desk.repo)
    mine = await store.claimed_by(desk.repo, user.id)
    local_day = now.astimezone(desk.settings.tz).date() + timedelta(days=1)
    day_end = wall_time(local_day, time(0), desk.settings.tz)
    due = await store.reminders_between(desk.repo, user.id, now, day_end)
    if not (waiting or mine or due):
        return None
    urgent = sum(1 for case in waiting if case.urgent)
    lines = [desk.t(lang, "staff.digest.heading")]
    lines.append(desk.t(lang, "staff.digest.open", count=len(waiting), urgent=urgent))
    if mine:
        lines.append(desk.t(lang, "staff.digest.mine", count=len(mine)))
    for case in mine:
        label = desk.label(lang, case)
        if case.waiting_since is not None:
            since = desk.moment(lang, case.waiting_since)
            lines.append(desk.t(lang, "staff.digest.waiting", id=case.id, label=label, time=since))
        else:
            lines.append(desk.t(lang, "staff.digest.case", id=case.id, label=label))
    if due:
        lines.append(desk.t(lang, "staff.digest.reminders", count=len(due)))
    for at, text in due[:TODAY_REMINDERS]:
        lines.append(desk.t(lang, "staff.digest.reminder", time=desk.moment(lang, at), text=text))
    rows: tuple[tuple[Button, ...], ...] = tuple((pick_button(desk, lang, c),) for c in mine)
    return Reply("\n".join(lines), rows)


@jobs.daily_digest
async def daily_digest(core: Core, _now: datetime) -> None:
    """Send each peer educator (and anyone with a claimed case) their digest."""
    desk = desk_of(core)
    educators = [m.user_id for m in await store.members(desk.repo, Role.PEER_EDUCATOR.value)]
    claimers = [c.claimed_by for c in await store.claimed_cases(desk.repo) if c.claimed_by]
    for user_id in dict.fromkeys([*educators, *claimers]):
        user = await desk.repo.user_by_id(user_id)
        reply = await digest(desk, user) if user is not None else None
        if user is not None and reply is not None:
            await desk.send(user, [reply])


@staff.command("overzicht", "digest", roles=CASEWORKERS)
async def digest_command(st: StaffTurn, _args: str) -> None:
    """The digest now."""
    reply = await digest(st.desk, st.user)
    if reply is None:
        st.say("staff.digest.nothing")
    else:
        st.turn.send(reply)


@jobs.retention
async def purge_case_texts(core: Core, before: datetime) -> None:
    """Empty case descriptions and notes after the retention period."""
    await store.purge_case_texts(core.repo, before)
