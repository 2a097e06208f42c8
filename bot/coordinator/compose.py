"""Composing a broadcast: `/bericht` (`/broadcast`) and the actions of the `broadcast` flow.

The flow (bot/content/flows/broadcast.yaml) asks for the text, an optional link button, whether
people can answer, the segment and quiet hours, shows a preview with the number of people it
reaches now, and plans it for now or a moment. The draft lives in the flow's answers; nothing is
stored as a broadcast before the coordinator confirms.

What the coordinator types in this flow is a message for other people. `text_filter` (placed
before the staff relay and the crisis check) hands it to the step's `on_text` action, so it is
neither relayed to a young person in an open case nor answered as the coordinator's own crisis.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from bot.coordinator.sending import PREVIEW_ID, describe, message
from bot.core.clock import epoch, from_epoch
from bot.core.engine import Choice, Turn
from bot.core.model import EventKind
from bot.core.registry import Registry
from bot.staff.commands import StaffActions, StaffTurn
from bot.staff.desk import MANAGERS, allowed, desk_for
from bot.staff.timeparse import parse_when
from bot.storage import broadcast as store
from bot.storage import staff as staff_store
from scheduler.timing import QuietHours

router = Registry()  # this feature's flow actions and commands (bot/app.py)
staff = StaffActions()  # this feature's staff commands and buttons (bot/app.py)

FLOW = "broadcast"
MAX_TEXT = 4096  # Telegram's limit for one message
MAX_URL = 2048
MAX_BUTTON = 40  # longer button texts get cut off on phones
MAX_PLACE = 100


@dataclass(frozen=True, slots=True)
class Draft:
    """The broadcast as composed so far (from the flow's answers)."""

    text: str
    link_label: str | None
    link_url: str | None
    responses: bool
    segment: store.Segment
    quiet: bool
    send_at: int | None  # None: now

    @classmethod
    def of(cls, answers: dict[str, Any]) -> Draft | None:
        """Read the answers; None without a text or a complete segment (never "everyone" by
        default)."""
        text, kind, value = (
            answers.get("text"),
            answers.get("segment"),
            answers.get("segment_value"),
        )
        if not isinstance(text, str) or not text:
            return None
        if kind == "all":
            segment = store.Segment("all")
        elif kind in ("tag", "city", "organisation") and isinstance(value, str) and value:
            segment = store.Segment(kind, value)
        else:
            return None
        send_at = answers.get("send_at")
        return cls(
            text=text,
            link_label=answers.get("link_label"),
            link_url=answers.get("link_url"),
            responses=bool(answers.get("responses")),
            segment=segment,
            quiet=answers.get("quiet") is not False,
            send_at=send_at if isinstance(send_at, int) else None,
        )


def parse_link(typed: str) -> tuple[str | None, str] | None:
    """`Aanmelden https://example.org/x` → ("Aanmelden", url); None unless a web link.

    Telegram refuses a keyboard with a malformed URL, which would fail every delivery, so only
    http(s) links with a dotted host name and no spaces get through.
    """
    words = typed.split()
    if not words:
        return None
    url = words[-1]
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host or "." not in host.strip("."):
        return None
    if len(url) > MAX_URL or not url.isprintable():
        return None
    return " ".join(words[:-1]) or None, url


async def may_broadcast(turn: Turn) -> bool:
    """Coordinators and admins; checked again when sending (a role can be revoked meanwhile)."""
    return allowed(await desk_for(turn).roles(turn.user), MANAGERS)


@staff.command("bericht", "broadcast", roles=MANAGERS)
async def compose_command(st: StaffTurn, _args: str) -> None:
    """Start the compose flow."""
    await st.turn.engine.enter(st.turn, f"{FLOW}:")


async def text_filter(turn: Turn, _text: str) -> bool:
    """Typed text in the compose flow goes to the step's `on_text` action, and only there."""
    state, event = turn.state, turn.event
    spec = state.text_input
    if state.flow != FLOW or spec is None or event.kind is not EventKind.TEXT or event.chat:
        return False
    await turn.engine.take_text(turn, event.text.strip())
    return True


def _again(turn: Turn, error: str, **values: Any) -> None:
    """Say what is wrong with the typed answer; the step's `invalid` outcome asks again."""
    turn.say(f"broadcast.errors.{error}", **values)
    turn.outcome("invalid")


@router.action("broadcast.text", outcomes=("invalid",))
async def take_text(turn: Turn) -> None:
    """The message itself: not empty and within Telegram's limit (it is sent as typed)."""
    text = turn.arg or ""
    if not text:
        _again(turn, "empty")
    elif len(text) > MAX_TEXT:
        _again(turn, "too_long", length=len(text), limit=MAX_TEXT)
    else:
        turn.state.answers["text"] = text


@router.action("broadcast.link", outcomes=("invalid",))
async def take_link(turn: Turn) -> None:
    """A web link, optionally preceded by the text for its button."""
    link = parse_link(turn.arg or "")
    if link is None:
        _again(turn, "bad_link")
    elif link[0] is not None and len(link[0]) > MAX_BUTTON:
        _again(turn, "long_label", limit=MAX_BUTTON)
    else:
        turn.state.answers.update(link_label=link[0], link_url=link[1])


@router.action("broadcast.tags")
async def offer_tags(turn: Turn) -> None:
    """Every group as a button (the code can be typed too)."""
    found = await store.tags(turn.repo)
    if not found:
        turn.say("broadcast.errors.no_tags")
    for tag in found:
        answers = {"segment": "tag", "segment_value": tag.code}
        turn.offer(Choice(f"t{tag.id}", f"{tag.code} ({tag.members})", next="quiet", set=answers))


@router.action("broadcast.tag", outcomes=("invalid",))
async def take_tag(turn: Turn) -> None:
    """A typed group code."""
    code = (turn.arg or "").strip().lower()
    if not await store.tags(turn.repo, code):
        _again(turn, "unknown_tag", code=code[:40])
    else:
        turn.state.answers.update(segment="tag", segment_value=code)


async def _take_place(turn: Turn, kind: str) -> None:
    place = " ".join((turn.arg or "").split())
    if not 1 <= len(place) <= MAX_PLACE:
        _again(turn, "bad_place", limit=MAX_PLACE)
    else:
        turn.state.answers.update(segment=kind, segment_value=place)


@router.action("broadcast.city", outcomes=("invalid",))
async def take_city(turn: Turn) -> None:
    """People whose town is this one (as they typed it)."""
    await _take_place(turn, "city")


@router.action("broadcast.organisation", outcomes=("invalid",))
async def take_organisation(turn: Turn) -> None:
    """People whose organisation is this one (as they typed it)."""
    await _take_place(turn, "organisation")


@router.action("broadcast.quiet_hours")
async def quiet_hours(turn: Turn) -> None:
    """Show the configured quiet hours in the question."""
    settings = turn.engine.settings
    turn.vars.update(
        start=settings.quiet_hours_start.strftime("%H:%M"),
        end=settings.quiet_hours_end.strftime("%H:%M"),
    )


DRAFT_GAPS = ("no_text", "no_segment")  # outcomes of the actions that need a whole draft


def _draft(turn: Turn) -> Draft | None:
    """The draft, or None after sending the coordinator back to what is missing."""
    draft = Draft.of(turn.state.answers)
    if draft is None:
        turn.outcome("no_segment" if turn.state.answers.get("text") else "no_text")
    return draft


async def _summary(turn: Turn, draft: Draft) -> None:
    """Placeholders shared by preview and confirmation."""
    turn.vars.update(
        count=await store.count_recipients(turn.repo, draft.segment),
        segment=describe(turn.content, turn.lang, draft.segment),
        quiet=turn.t(f"broadcast.quiet_state.{'on' if draft.quiet else 'off'}"),
    )


@router.action("broadcast.preview", outcomes=DRAFT_GAPS)
async def preview(turn: Turn) -> None:
    """The message exactly as people will get it, then how many people it reaches now."""
    draft = _draft(turn)
    if draft is None:
        return
    turn.send(message(turn.content, turn.lang, draft, PREVIEW_ID))
    await _summary(turn, draft)


@router.action("broadcast.restart", outcomes=("restart",))
async def restart(turn: Turn) -> None:
    """Start again with an empty draft. An outcome rather than `next: text`: in the options'
    `next` the start stays a step only /bericht opens (tests/test_flow_graph.py relies on it)."""
    turn.state.answers = {}
    turn.outcome("restart")


@router.action("broadcast.when", outcomes=("invalid",))
async def take_moment(turn: Turn) -> None:
    """A moment as staff type it elsewhere ("morgen 15:00", "vrijdag 10:00")."""
    now = turn.now()
    when = parse_when(turn.arg or "", now, turn.engine.settings.tz)
    if when is None or when.rest:
        _again(turn, "bad_time")
    else:
        turn.state.answers["send_at"] = epoch(when.due)


def _start(turn: Turn, draft: Draft) -> tuple[datetime, bool]:
    """When it will really start, and whether quiet hours moved it."""
    asked = turn.now() if draft.send_at is None else from_epoch(draft.send_at)
    start = QuietHours.from_settings(turn.engine.settings).release(asked) if draft.quiet else asked
    return start, start != asked


def _when(turn: Turn, draft: Draft) -> str:
    start, moved = _start(turn, draft)
    moment = desk_for(turn).moment(turn.lang, start)
    if moved:
        return turn.t("broadcast.when_quiet", moment=moment)
    if draft.send_at is None:
        return turn.t("broadcast.when_now")
    return turn.t("broadcast.when_at", moment=moment)


@router.action("broadcast.confirm", outcomes=DRAFT_GAPS)
async def confirm(turn: Turn) -> None:
    """Say once more what will happen, to whom and when."""
    draft = _draft(turn)
    if draft is None:
        return
    await _summary(turn, draft)
    turn.vars["when"] = _when(turn, draft)


@router.action("broadcast.send", outcomes=DRAFT_GAPS)
async def send(turn: Turn) -> None:
    """Store the broadcast; the scheduler starts it at its moment. Audited like staff actions."""
    if not await may_broadcast(turn):
        turn.say("staff.not_allowed")
        return
    draft = _draft(turn)
    if draft is None:
        return
    now = turn.now()
    start, moved = _start(turn, draft)
    broadcast_id = await store.create(
        turn.repo,
        created_by=turn.user.id,
        text=draft.text,
        link=(draft.link_label, draft.link_url) if draft.link_url else None,
        responses=draft.responses,
        segment=draft.segment,
        quiet=draft.quiet,
        send_at=start,
        now=now,
    )
    await staff_store.audit(
        turn.repo,
        turn.user.id,
        "broadcast",
        now,
        detail=f"broadcast{broadcast_id}:{draft.segment.kind}",
    )
    turn.state.answers = {}
    if draft.send_at is None and not moved:
        turn.say("broadcast.sent_now")
    else:
        moment = desk_for(turn).moment(turn.lang, start)
        turn.say("broadcast.sent_later", id=broadcast_id, moment=moment)
