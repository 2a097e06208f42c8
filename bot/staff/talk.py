"""The young person's side: asking for a peer educator, ending the conversation, rating it.

Flows: `talk` (menu → "💬 Praat met een peer educator") and `rate` (pushed when a case closes).
```mermaid
flowchart TD
  intro -->|already a case| active
  intro -->|yes| about --> request{staffed now?}
  request -->|yes| waiting
  request -->|no| offhours
  waiting & offhours & active -->|end| rate([rate:ask, if someone had claimed it])
```
"""

from __future__ import annotations

from bot.core.engine import Turn
from bot.core.registry import registry
from bot.staff.cases import build_summary, open_for
from bot.staff.casework import end_by_person
from bot.staff.desk import desk_for
from bot.storage import staff as store
from bot.storage.coach import record_help_request

RATINGS = range(1, 6)


@registry.action("talk.check")
async def check(turn: Turn) -> None:
    """Someone with an open conversation is reminded of it instead of asking twice."""
    if await store.active_case_of(turn.repo, turn.user.id) is not None:
        turn.goto("active")


@registry.action("talk.request")
async def request(turn: Turn) -> None:
    """Record the request and open its case at once (no wait for the scheduler)."""
    desk = desk_for(turn)
    now = turn.now()
    request_id = await record_help_request(turn.repo, turn.user.id, "asked", False, now)
    summary = await build_summary(desk, turn.user, turn.state.answers)
    _case, created = await open_for(
        desk, turn.user, "request", "asked", False, summary, request_id=request_id
    )
    await turn.repo.record(turn.user.id, "peer_requested", None, now)
    hours, tz = desk.settings.staffed_hours, desk.settings.tz
    if not created:
        turn.goto("active")
    elif hours.is_open(now, tz):
        turn.goto("waiting")
    else:
        turn.vars["when"] = desk.moment(turn.lang, hours.next_open(now, tz))
        turn.goto("offhours")


@registry.action("talk.end")
async def end(turn: Turn) -> None:
    """The person's own "end conversation" button in the talk flow."""
    case = await store.active_case_of(turn.repo, turn.user.id)
    if case is None:
        turn.goto("menu:")
        return
    turn.goto(await end_by_person(desk_for(turn), turn, case.id))


@registry.action("rate.save")
async def save_rating(turn: Turn) -> None:
    """Keep the 1-5 rating with the closed case (once; only the person's own case)."""
    answers = turn.state.answers
    rating, case_id = answers.get("rating"), answers.get("case_id")
    if isinstance(rating, int) and rating in RATINGS and isinstance(case_id, int):
        await store.rate(turn.repo, case_id, turn.user.id, rating)
