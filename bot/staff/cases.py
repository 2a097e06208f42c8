"""Cases: a request for a peer educator, from the staff-group card to a rated close.

```mermaid
stateDiagram-v2
  [*] --> open: asked (talk flow), help request (crisis, coaching, check-in), /escaleer, wellbeing
  open --> open: re-announced after STERK_CASE_REANNOUNCE_MINUTES, coordinators told after
  open --> claimed: first "claim" tap wins (guarded UPDATE)
  claimed --> claimed: relay both ways; reply reminders to the educator, then coordinators
  claimed --> open: the educator's role is revoked
  open --> closed: the person withdraws
  claimed --> closed: /sluit by the educator, or "end conversation" by the person
  closed --> [*]: the person rates 1-5; texts emptied after the retention period
```

Timers are `case_timer` rows in the scheduler's queue (the database is the source of truth, so a
restart loses none); each run does what is due for one case and queues the next check. Timers
only count staffed time: a case opened at night is re-announced ten minutes after opening time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.core.clock import epoch, from_epoch
from bot.core.model import Button, Reply
from bot.staff.desk import Desk, desk_of
from bot.storage import coach
from bot.storage import scheduled as queue
from bot.storage import staff as store
from bot.storage.repository import User
from scheduler.jobs import Delivery, JobRegistry

jobs = JobRegistry()  # this feature's scheduled kinds and hooks (bot/app.py)

SUMMARY_FIELDS = ("role", "platform", "form", "ground", "approach", "danger")
PLAN_MAX_AGE = timedelta(days=30)  # an older plan says little about today's request
_ANSWER_ID = re.compile(r"^[a-z0-9_]{1,32}$")  # ids only: typed text never reaches a card
TIMER_GRACE = timedelta(days=30)


# -- what staff see ---------------------------------------------------------------------------


async def build_summary(desk: Desk, user: User, answers: Mapping[str, Any]) -> dict[str, str]:
    """Answer ids from the latest recent plan, the conversation and `answers` (newest wins)."""
    merged: dict[str, Any] = {}
    plan = await coach.latest_plan(desk.repo, user.id)
    if plan is not None and plan.created_at >= epoch(desk.now() - PLAN_MAX_AGE):
        merged.update(plan.data)
    loaded = await desk.repo.load(user.channel, user.external_id)
    if loaded is not None:
        merged.update(loaded[1].get("answers") or {})
    merged.update(answers)
    return {key: value for key in SUMMARY_FIELDS if (value := _ids(merged.get(key)))}


def _ids(value: Any) -> str:
    """Answer ids as one string: one id, or several joined by spaces (the danger check allows
    more than one: a list in the conversation, space-separated in a plan); '' for none."""
    found = value if isinstance(value, list) else value.split() if isinstance(value, str) else []
    return " ".join(v for v in found if isinstance(v, str) and _ANSWER_ID.match(v) and v != "none")


def _value(desk: Desk, lang: str, field: str, value: str) -> str:
    """Staff-facing labels for answer ids, comma-separated (the id itself when none)."""
    labels = []
    for one in value.split():
        key = f"approaches.{one}.name" if field == "approach" else f"staff.values.{field}.{one}"
        labels.append(desk.t(lang, key) if desk.content.has(lang, key) else one)
    return ", ".join(labels)


def reason_text(desk: Desk, lang: str, reason: str) -> str:
    """'crisis:suicide' → 'crisissignaal (zelfdoding)'; unknown codes are shown as they are."""
    kind, _, detail = reason.partition(":")
    if not desk.content.has(lang, f"staff.reason.{kind}"):
        return reason
    return desk.t(lang, f"staff.reason.{kind}", detail=_value(desk, lang, "kind", detail))


def case_text(desk: Desk, lang: str, case: store.Case) -> str:
    """The body of a case card: who, why, the summary, and since when."""
    head = "staff.card.urgent" if case.urgent else "staff.card.normal"
    lines = [
        desk.t(lang, head, id=case.id, label=desk.label(lang, case)),
        desk.t(lang, "staff.card.reason", reason=reason_text(desk, lang, case.reason)),
    ]
    for field in SUMMARY_FIELDS:
        if field in case.summary:
            name = desk.t(lang, f"staff.fields.{field}")
            lines.append(f"{name}: {_value(desk, lang, field, str(case.summary[field]))}")
    if case.description:
        lines.append(desk.t(lang, "staff.card.description", text=case.description))
    lines.append(desk.t(lang, "staff.card.since", time=desk.moment(lang, case.created_at)))
    return "\n".join(lines)


def claim_button(desk: Desk, lang: str, case: store.Case) -> Button:
    return Button(desk.t(lang, "staff.card.claim", id=case.id), f"case:claim:{case.id}")


def pick_button(desk: Desk, lang: str, case: store.Case, *, active: bool = False) -> Button:
    """On every relayed copy: whose message it is, and a tap makes that case the active one
    (marked ▶️ in /zaken)."""
    key = "staff.card.pick_active" if active else "staff.card.pick"
    label = desk.t(lang, key, id=case.id, label=desk.label(lang, case))
    return Button(label[:60], f"case:pick:{case.id}")


def case_note(
    desk: Desk,
    case: store.Case,
    key: str,
    button: Callable[[Desk, str, store.Case], Button] | None = None,
    values: Callable[[str], Mapping[str, Any]] = lambda _lang: {},
) -> Callable[[User], list[Reply]]:
    """A notice about a case for `Desk.notify`, in each staff member's own language."""

    def build(user: User) -> list[Reply]:
        lang = user.language
        text = desk.t(lang, key, id=case.id, label=desk.label(lang, case), **values(lang))
        rows = ((button(desk, lang, case),),) if button is not None else ()
        return [Reply(text, rows)]

    return build


async def team_name(desk: Desk, user_id: int) -> str:
    """The name a staff member chose with /naam, "?" for someone no longer on the team."""
    member = await store.member(desk.repo, user_id)
    return member.name if member else "?"


async def card(desk: Desk, case: store.Case, again: bool = False) -> Reply:
    """The staff-group card in its current state."""
    lang = desk.group_lang
    text = case_text(desk, lang, case)
    if case.status == "open":
        if again:
            minutes = desk.settings.case_reannounce_minutes
            text = desk.t(lang, "staff.card.again", minutes=minutes) + "\n" + text
        return Reply(text, ((claim_button(desk, lang, case),),))
    if case.flagged_at is not None and case.status != "closed":
        text += "\n" + desk.t(lang, "staff.card.flagged", time=desk.moment(lang, case.flagged_at))
    if case.status == "claimed" and case.claimed_by is not None:
        name = await team_name(desk, case.claimed_by)
        stamp = desk.moment(lang, case.claimed_at or case.created_at)
        return Reply(text + "\n" + desk.t(lang, "staff.card.claimed", name=name, time=stamp))
    outcome = desk.t(lang, f"staff.outcomes.{case.outcome or 'other'}")
    return Reply(text + "\n" + desk.t(lang, "staff.card.closed", outcome=outcome))


async def end_case(desk: Desk, case: store.Case, why: str) -> bool:
    """A case ends without anyone closing it (`why`: the young person blocked the bot or had
    their data deleted): the card says so and the educator hears it. False if already closed."""
    if not await store.close(desk.repo, case.id, why, None, desk.now()):
        return False
    await refresh_card(desk, case.id)
    await tell_holder(desk, case, f"staff.notify.{why}")
    return True


async def tell_holder(desk: Desk, case: store.Case, key: str) -> None:
    """Tell the educator who held a case that ended, and where their messages go now."""
    if case.claimed_by is None:
        return
    educator = await desk.repo.user_by_id(case.claimed_by)
    if educator is None:
        return
    lang = educator.language
    lines = [desk.t(lang, key, id=case.id, label=desk.label(lang, case))]
    hint = await next_hint(desk, educator)
    if hint:
        lines.append(hint)
    await desk.to_staff(educator, case.id, [Reply("\n".join(lines))])


async def next_hint(desk: Desk, user: User) -> str:
    """After a case ends: where the educator's typed messages go now."""
    mine = await store.claimed_by(desk.repo, user.id)
    lang = user.language
    if not mine:
        return ""
    if len(mine) == 1:
        return desk.t(lang, "staff.route.now_to", id=mine[0].id, label=desk.label(lang, mine[0]))
    return desk.t(lang, "staff.route.now_choose", count=len(mine))


async def refresh_card(desk: Desk, case_id: int) -> None:
    """Show the case's new state on its card in the staff group."""
    case = await store.case(desk.repo, case_id)
    if case is not None and case.card_message_id is not None:
        await desk.edit_group(case.card_message_id, await card(desk, case))


# -- opening and announcing -------------------------------------------------------------------


async def open_for(
    desk: Desk,
    user: User,
    source: store.Source,
    reason: str,
    urgent: bool,
    summary: dict[str, Any],
    *,
    description: str | None = None,
    request_id: int | None = None,
) -> tuple[store.Case, bool]:
    """Open a case (or return the person's active one) and let the team know."""
    case, created, _raised = await _open(
        desk, user, source, reason, urgent, summary, description, request_id
    )
    await announce_pending(desk)
    return case, created


async def _open(
    desk: Desk,
    user: User,
    source: store.Source,
    reason: str,
    urgent: bool,
    summary: dict[str, Any],
    description: str | None,
    request_id: int | None,
) -> tuple[store.Case, bool, bool]:
    """Open (or find) the case and start its timer, without announcing it yet: the case,
    whether it is new, and whether this request made it urgent."""
    now = desk.now()
    case_id, created, raised = await store.open_case(
        desk.repo,
        user.id,
        source,
        reason,
        urgent,
        summary,
        now,
        description=description,
        request_id=request_id,
    )
    if raised:
        await _became_urgent(desk, case_id)
    case = await store.case(desk.repo, case_id)
    assert case is not None
    await arm(desk, case, now)
    return case, created, raised


async def from_requests(desk: Desk) -> None:
    """Turn every waiting help request (from any flow) into a case, urgent ones first, then
    announce them in that order. Off hours each person hears when to expect an answer."""
    opened: list[User] = []
    crises: list[tuple[int, bool]] = []
    async with desk.announcing:
        for request_id, user_id, reason, urgent in await store.open_requests(desk.repo):
            user = await desk.repo.user_by_id(user_id)
            if user is None:
                continue
            summary = await build_summary(desk, user, {})
            case, created, raised = await _open(
                desk, user, "request", reason, urgent, summary, None, request_id
            )
            if created:
                opened.append(user)
            if reason.startswith("crisis:"):
                crises.append((case.id, created or raised))
        await _announce_unannounced(desk)
    for case_id, created in crises:
        await crisis_alert(desk, case_id, created)
    for user in opened:
        notice = offhours_notice(desk, user)
        if notice:
            await desk.send(user, notice)


async def announce_pending(desk: Desk) -> None:
    """Post every case not yet on the staff group, urgent ones first."""
    async with desk.announcing:
        await _announce_unannounced(desk)


async def _announce_unannounced(desk: Desk) -> None:
    for case in await store.unannounced(desk.repo):
        await announce(desk, case)


async def announce(desk: Desk, case: store.Case, again: bool = False) -> None:
    """Post the card; a re-announcement replaces the old card by a pointer to the new one.

    A first announcement is claimed in the database before posting, so two scheduler workers
    turning requests into cases at the same moment never post the same card twice.
    """
    now = epoch(desk.now())
    if again:
        await store.update_case(desk.repo, case.id, reannounced_at=now)
    elif not await store.claim_announcement(desk.repo, case.id, now):
        return
    message_id = await desk.post_group(await card(desk, case, again))
    if message_id is None:
        if not again:  # no group or it failed: the next check tries again
            await store.update_case(desk.repo, case.id, announced_at=None)
        return
    if again and case.card_message_id is not None:
        moved = desk.t(desk.group_lang, "staff.card.moved", id=case.id)
        await desk.edit_group(case.card_message_id, Reply(moved))
    await store.update_case(desk.repo, case.id, card_message_id=message_id)


async def _became_urgent(desk: Desk, case_id: int) -> None:
    """A new crisis signal in an existing case: announce it again, or tell its educator."""
    case = await store.case(desk.repo, case_id)
    if case is None:
        return
    if case.status == "open":
        await announce(desk, case, again=True)
    elif case.claimed_by is not None:
        await _signal_to_educator(desk, case, "staff.notify.now_urgent")
        await refresh_card(desk, case.id)


async def _signal_to_educator(desk: Desk, case: store.Case, key: str) -> None:
    """Tell the educator of a claimed case about a crisis signal in it, with its reason."""
    if case.claimed_by is None:
        return
    note = case_note(
        desk, case, key, pick_button, lambda lang: {"reason": reason_text(desk, lang, case.reason)}
    )
    await desk.notify([case.claimed_by], note, case.id)


async def crisis_alert(desk: Desk, case_id: int, told: bool) -> None:
    """A crisis signal in any case, claimed or not: the coordinators hear it at once, with the
    case card; the educator of a claimed case too, unless `told` (the case is new, or was just
    raised to urgent, which told them already)."""
    case = await store.case(desk.repo, case_id)
    if case is None or case.status == "closed":
        return
    status = "open" if case.status == "open" else "claimed"
    name = "?" if case.claimed_by is None else await team_name(desk, case.claimed_by)

    def build(user: User) -> list[Reply]:
        lang = user.language
        head = desk.t(
            lang,
            f"staff.notify.crisis_{status}",
            id=case.id,
            label=desk.label(lang, case),
            reason=reason_text(desk, lang, case.reason),
            name=name,
        )
        rows = ((claim_button(desk, lang, case),),) if case.status == "open" else ()
        return [Reply(f"{head}\n\n{case_text(desk, lang, case)}", rows)]

    coordinators = [c for c in await desk.coordinators() if c != case.claimed_by]
    await desk.notify(coordinators, build, case.id)
    if not told:
        await _signal_to_educator(desk, case, "staff.notify.crisis_again")


async def flag_case(desk: Desk, case: store.Case, by: User, text: str) -> None:
    """The educator asks for a coordinator: the card shows 🚩, coordinators get the case."""
    await store.flag(desk.repo, case.id, desk.now())
    await store.add_note(desk.repo, case.id, by.id, "flag", text, desk.now())
    await refresh_card(desk, case.id)
    name = await team_name(desk, by.id)

    def build(user: User) -> list[Reply]:
        lang = user.language
        head = desk.t(
            lang, "staff.notify.flagged", id=case.id, label=desk.label(lang, case), name=name
        )
        body = desk.t(lang, "staff.notify.flag_text", text=text) if text else ""
        return [Reply("\n".join(x for x in (head, body, case_text(desk, lang, case)) if x))]

    await desk.notify([c for c in await desk.coordinators() if c != by.id], build, case.id)


# -- timers -----------------------------------------------------------------------------------


async def arm(desk: Desk, case: store.Case, due: datetime) -> None:
    """Queue a check of the case at `due`, unless one is queued for then or earlier."""
    pending = await store.pending_kind(desk.repo, store.TIMER_KIND, case.user_id, case.id)
    if any(at <= epoch(due) for at in pending):
        return
    payload = {"case_id": case.id}
    await queue.schedule(
        desk.repo, store.TIMER_KIND, case.user_id, due, desk.now(), payload, proactive=False
    )


async def check(desk: Desk, case: store.Case) -> list[Reply] | None:
    """Do what is due for one case now and queue the next check; replies go to the person."""
    now, tz, hours = desk.now(), desk.settings.tz, desk.settings.staffed_hours
    period = hours.period(now, tz)
    if period is None:
        await arm(desk, case, hours.next_open(now, tz))
        return None
    start, end = epoch(period[0]), period[1]
    if case.status == "open":
        due, replies = await _unclaimed(desk, case, epoch(now), start)
        await arm(desk, case, due or hours.next_open(end, tz))
        return replies
    if case.waiting_since is not None:
        due = await _unanswered(desk, case, epoch(now), start)
        await arm(desk, case, due or hours.next_open(end, tz))
    return None


async def _unclaimed(
    desk: Desk, case: store.Case, now: int, start: int
) -> tuple[datetime | None, list[Reply] | None]:
    settings = desk.settings
    base = max(case.created_at, start)
    again_at = base + settings.case_reannounce_minutes * 60
    escalate_at = base + settings.case_escalate_minutes * 60
    replies = None
    if case.announced_at is None:
        await announce_pending(desk)
    if now >= again_at and (case.reannounced_at or 0) < base:
        fresh = await store.case(desk.repo, case.id)
        await announce(desk, fresh or case, again=True)
    if now >= escalate_at and (case.escalated_at or 0) < base:
        await store.update_case(desk.repo, case.id, escalated_at=now)
        minutes = (now - base) // 60
        key = "staff.notify.unclaimed_urgent" if case.urgent else "staff.notify.unclaimed"
        escalate = case_note(desk, case, key, claim_button, lambda _lang: {"minutes": minutes})
        await desk.notify(await desk.coordinators(), escalate)
        person = await desk.repo.user_by_id(case.user_id)
        if person is not None:
            replies = [Reply(desk.t(person.language, "staff.person.delayed"))]
    upcoming = [at for at in (again_at, escalate_at) if at > now]
    return (from_epoch(min(upcoming)) if upcoming else None), replies


async def _unanswered(desk: Desk, case: store.Case, now: int, start: int) -> datetime | None:
    assert case.waiting_since is not None
    assert case.claimed_by is not None
    step = desk.settings.case_reply_reminder_minutes * 60
    base = max(case.waiting_since, start)
    remind_at, escalate_at = base + step, base + 2 * step
    if now >= remind_at and (case.reminded_at or 0) < case.waiting_since:
        await store.update_case(desk.repo, case.id, reminded_at=now)
        since = case.waiting_since
        remind = case_note(
            desk,
            case,
            "staff.notify.reply_due",
            pick_button,
            lambda lang: {"time": desk.moment(lang, since)},
        )
        await desk.notify([case.claimed_by], remind, case.id)
    if now >= escalate_at and (case.reply_escalated_at or 0) < case.waiting_since:
        await store.update_case(desk.repo, case.id, reply_escalated_at=now)
        name = await team_name(desk, case.claimed_by)
        minutes = (now - case.waiting_since) // 60
        escalate = case_note(
            desk,
            case,
            "staff.notify.reply_overdue",
            values=lambda _lang: {"name": name, "minutes": minutes},
        )
        await desk.notify(await desk.coordinators(), escalate)
    upcoming = [at for at in (remind_at, escalate_at) if at > now]
    return from_epoch(min(upcoming)) if upcoming else None


@jobs.kind("help_request", grace=TIMER_GRACE, quiet=False)
async def help_request_item(delivery: Delivery) -> list[Reply] | None:
    """A help request was written by some flow: turn all waiting ones into cases. Nothing is
    sent to the item's person from here (an off-hours notice goes out with the case)."""
    await from_requests(desk_of(delivery.core))
    return None


def offhours_notice(desk: Desk, user: User) -> list[Reply] | None:
    """Outside staffed hours: when to expect an answer, and where to go now."""
    now, tz = desk.now(), desk.settings.tz
    hours = desk.settings.staffed_hours
    if hours.is_open(now, tz):
        return None
    when = desk.moment(user.language, hours.next_open(now, tz))
    return [Reply(desk.t(user.language, "staff.person.offhours", when=when))]


@jobs.kind(store.TIMER_KIND, grace=TIMER_GRACE, quiet=False)
async def case_timer(delivery: Delivery) -> list[Reply] | None:
    """Re-announce, escalate or remind as due (see `check`)."""
    desk = desk_of(delivery.core)
    case = await store.case(desk.repo, int(delivery.item.payload.get("case_id", 0)))
    if case is None or case.status == "closed":
        return None
    return await check(desk, case)
