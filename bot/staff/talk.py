"""The young person's side: asking for a peer educator, the talk conversation, rating it.

Asking never locks anyone in: the case opens and the person goes on with whatever they like.
Only the chat steps of the `talk` flow relay what they type (bot/staff/router.py); they get
there on purpose (the menu, "✉️" under coaching steps) or when an educator picks up or writes
first while they are at the menu. `back` returns to the step the talk was opened from.

Flows: `talk` and `rate` (pushed when a case closes); diagrams in docs/flows/ (generated).
"""

from __future__ import annotations

from bot.core.engine import Choice, Turn
from bot.core.registry import Registry
from bot.staff.cases import build_summary, open_for
from bot.staff.casework import end_by_person
from bot.staff.desk import desk_for
from bot.staff.relay import back_key, end_label
from bot.storage import staff as store
from bot.storage.coach import record_help_request

router = Registry()  # this feature's flow actions and commands (bot/app.py)

RATINGS = range(1, 6)


@router.action("talk.check", outcomes=("open",))
async def check(turn: Turn) -> None:
    """Someone with an open request goes straight to the conversation instead of asking twice."""
    if await store.active_case_of(turn.repo, turn.user.id) is not None:
        turn.outcome("open")


@router.action("talk.request")
async def request(turn: Turn) -> None:
    """Record the request and open its case at once (no wait for the scheduler)."""
    desk = desk_for(turn)
    now = turn.now()
    request_id = await record_help_request(turn.repo, turn.user.id, "asked", False, now)
    summary = await build_summary(desk, turn.user, turn.state.answers)
    await open_for(desk, turn.user, "request", "asked", False, summary, request_id=request_id)
    await turn.repo.record(turn.user.id, "peer_requested", None, now)


@router.action("talk.route", outcomes=("no_case", "claimed", "staffed", "off_hours"))
async def route(turn: Turn) -> None:
    """The chat step that fits the case: waiting, off hours or talking with someone."""
    desk = desk_for(turn)
    case = await store.active_case_of(turn.repo, turn.user.id)
    if case is None:
        turn.say("staff.person.no_conversation")
        turn.outcome("no_case")
        return
    now, hours = turn.now(), desk.settings.staffed_hours
    if case.status == "claimed" and case.claimed_by is not None:
        member = await store.member(turn.repo, case.claimed_by)
        turn.vars["name"] = member.name if member else "?"
        turn.outcome("claimed")
    elif hours.is_open(now, desk.settings.tz):
        turn.outcome("staffed")
    else:
        turn.vars["when"] = desk.moment(turn.lang, hours.next_open(now, desk.settings.tz))
        turn.outcome("off_hours")


@router.action("talk.mode")
async def mode(turn: Turn) -> None:
    """The one-tap way back out of the conversation, named after where it leads, and the
    button that withdraws the request or ends the conversation."""
    turn.offer(Choice("back", turn.t(back_key(turn.state.answers)), action="talk.leave"))
    case = await store.active_case_of(turn.repo, turn.user.id)
    if case is not None:
        turn.offer(Choice("end", end_label(desk_for(turn), turn.lang, case), action="talk.end"))


@router.action("talk.typed", outcomes=("closed",))
async def typed(turn: Turn) -> None:
    """Typed in a chat step while no case is open any more (open ones are relayed first)."""
    turn.say("staff.person.no_conversation")
    turn.outcome("closed")


@router.action("talk.leave", outcomes=("nowhere",))
async def leave_action(turn: Turn) -> None:
    """The back button of the chat steps."""
    if not await leave(turn):
        turn.outcome("nowhere")


async def leave(turn: Turn) -> bool:
    """Out of the talk conversation (the request stays open): back where the person was;
    False when there is nowhere to go back to (the caller shows the menu)."""
    back = turn.engine.can_go_back(turn)
    turn.say("talk.left.back" if back else "talk.left.menu")
    return await turn.engine.go_back(turn)


async def open_talk(turn: Turn, case_id: int) -> None:
    """The "✉️" buttons: into the talk conversation, keeping the way back to this step."""
    case = await store.active_case_of(turn.repo, turn.user.id)
    if case is None or case.id != case_id:
        turn.say("staff.person.no_conversation")
        turn.engine.reshow(turn)
        return
    await turn.engine.detour(turn, "talk:chat")


def write_button(case: store.Case) -> tuple[str, str]:
    """Under every step with the menu row while a case is open: one tap to the talk
    conversation (the talk flow itself has no menu row). Label key and data (`Turn.extra_nav`)."""
    return "talk.buttons.write", f"case:talk:{case.id}"


@router.action("talk.status")
async def status(turn: Turn) -> None:
    """In the menu: the open request or conversation, and a way to withdraw or end it."""
    case = await store.active_case_of(turn.repo, turn.user.id)
    if case is None:
        return
    if case.status == "claimed" and case.claimed_by is not None:
        member = await store.member(turn.repo, case.claimed_by)
        turn.say("talk.status.claimed", name=member.name if member else "?")
    else:
        turn.say("talk.status.open")
    label = end_label(desk_for(turn), turn.lang, case)
    turn.offer(Choice("withdraw", label, action="talk.end"))


@router.action("talk.end", outcomes=("closed", "rate"))
async def end(turn: Turn) -> None:
    """The person's own "withdraw" / "end conversation" button: rating a conversation someone
    took on, else the menu."""
    case = await store.active_case_of(turn.repo, turn.user.id)
    rated = case is not None and await end_by_person(desk_for(turn), turn, case.id)
    turn.outcome("rate" if rated else "closed")


@router.action("rate.save")
async def save_rating(turn: Turn) -> None:
    """Keep the 1-5 rating with the closed case (once; only the person's own case)."""
    answers = turn.state.answers
    rating, case_id = answers.get("rating"), answers.get("case_id")
    if isinstance(rating, int) and rating in RATINGS and isinstance(case_id, int):
        await store.rate(turn.repo, case_id, turn.user.id, rating)
