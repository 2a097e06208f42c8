"""Sending broadcasts: the message people get, its delivery, progress, report, list and cancel.

- When a broadcast's moment comes, the scheduler's tick (`watch`) writes one `broadcast` row per
  recipient in one transaction; the scheduler's lane sends them one by one at
  STERK_BROADCAST_RATE (see scheduler/README.md for why that gives at most one repeat after a
  crash). Opt-in, /stop and blocking are checked again for each person at send time.
- The coordinator gets one status message that each tick edits with the counts; when no row
  is left to send it becomes the report (sent, skipped, blocked, failed, answers per button),
  which keeps following the answers for 48 hours. When the message cannot be edited any more
  (deleted, "message to edit not found") the report comes as a new message.
- Answer buttons send `bc:<id>:in|out`; one answer per person and broadcast, a later tap
  changes it. `/berichten` (`/broadcasts`) lists broadcasts; planned or running ones can be
  cancelled from there.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from bot.core.clock import epoch
from bot.core.content import Content
from bot.core.delivery import DeliveryFailed, RetryLater, Unreachable
from bot.core.engine import Turn
from bot.core.model import Button, Reply
from bot.core.registry import Registry
from bot.staff.channel import StaffChannel
from bot.staff.commands import StaffActions, StaffTurn
from bot.staff.desk import MANAGERS, desk_of
from bot.storage import broadcast as store
from bot.storage.repository import User
from scheduler.jobs import Delivery, JobRegistry, Postpone
from scheduler.timing import QuietHours

if TYPE_CHECKING:
    from bot.app import Core

router = Registry()  # this feature's flow actions and commands (bot/app.py)
jobs = JobRegistry()  # this feature's scheduled kinds and hooks (bot/app.py)
staff = StaffActions()  # this feature's staff commands and buttons (bot/app.py)

log = logging.getLogger(__name__)

PREFIX = "bc"  # answer buttons: bc:<broadcast id>:<choice>; id 0 is the preview
PREVIEW_ID = 0
GRACE = timedelta(hours=12)  # a broadcast the bot could not start within this is not sent
CANCEL_VERB = "bccancel"  # staff button case:bccancel:<id>
RECENT = 5  # finished broadcasts shown by /berichten
EXCERPT = 40
ANSWERS_FOLLOWED = timedelta(hours=48)  # the report follows the answers this long after sending
ANSWERS_SECONDS = int(ANSWERS_FOLLOWED.total_seconds())


class Composed(Protocol):
    """What the message is made of (a stored broadcast, or a draft in the compose flow)."""

    @property
    def text(self) -> str: ...

    @property
    def link_label(self) -> str | None: ...

    @property
    def link_url(self) -> str | None: ...

    @property
    def responses(self) -> bool: ...


def message(content: Content, lang: str, composed: Composed, broadcast_id: int) -> Reply:
    """The message exactly as a recipient sees it; the text is plain (no parse mode)."""
    rows: list[tuple[Button, ...]] = []
    if composed.link_url:
        label = composed.link_label or content.text(lang, "broadcast.message.link")
        rows.append((Button(label, url=composed.link_url),))
    if composed.responses:
        rows.append(
            tuple(
                Button(
                    content.text(lang, f"broadcast.message.{choice}"),
                    f"{PREFIX}:{broadcast_id}:{choice}",
                )
                for choice in store.CHOICES
            )
        )
    return Reply(composed.text, tuple(rows))


def describe(content: Content, lang: str, segment: store.Segment) -> str:
    """The segment in words: "groep scd-utrecht", "iedereen"."""
    return content.text(lang, f"broadcast.segments.{segment.kind}", value=segment.value or "")


def _follows(user: User) -> bool:
    return user.followups


# -- delivery ---------------------------------------------------------------------------------


@jobs.kind(store.KIND, grace=GRACE, asked=True, quiet=False, opt_in=_follows, lane=True)
async def deliver(delivery: Delivery) -> list[Reply] | None:
    """The broadcast for one recipient; nothing once it was cancelled.

    `asked`: people switched these messages on, and an action is tied to a date, so the
    one-unasked-message-a-day rule does not hold a broadcast back (it still counts as that day's
    message, so a self-report then waits). Quiet hours are each broadcast's own choice, hence
    `quiet=False` for the kind and the check here.
    """
    core = delivery.core
    found = await store.get(core.repo, int(delivery.item.payload.get("broadcast_id", 0)))
    if found is None or found.status != "sending":
        return None
    quiet = QuietHours.from_settings(core.settings)
    if found.quiet and quiet.is_quiet(delivery.now):
        raise Postpone(quiet.release(delivery.now))
    return [replace(message(core.content, delivery.user.language, found, found.id), bulk=True)]


@jobs.every_tick
async def watch(core: Core, now: datetime) -> None:
    """Start broadcasts whose moment came, show progress, report the ones that are done."""
    quiet = QuietHours.from_settings(core.settings)
    for found in await store.active(core.repo, now):
        if found.status == "scheduled":
            if epoch(now) - found.send_at > GRACE.total_seconds():
                if await store.close(core.repo, found.id, "expired", now) is not None:
                    await _expired(core, found)
                continue
            due = quiet.release(now) if found.quiet else now
            await store.start(core.repo, found.id, due, now)
        await _progress(core, found.id, now)
    for found in await store.reporting(core.repo, now - ANSWERS_FOLLOWED):
        user = await _coordinator(core, found)
        if user is not None:
            await _show(core, found, user, await report(core, user.language, found.id), final=True)


async def _progress(core: Core, broadcast_id: int, now: datetime) -> None:
    found = await store.get(core.repo, broadcast_id)
    if found is None:
        return
    user = await _coordinator(core, found)
    counts = await store.tally(core.repo, broadcast_id)
    if counts.waiting:
        if user is not None:
            text = core.content.text(user.language, "broadcast.progress", **_counts(found, counts))
            await _show(core, found, user, text, final=False)
        return
    if await store.close(core.repo, broadcast_id, "done", now) is None:
        return  # another scheduler finished it first
    if user is not None:
        await _show(core, found, user, await report(core, user.language, found.id), final=True)


def _counts(found: store.Broadcast, counts: store.Tally) -> dict[str, Any]:
    return {
        "id": found.id,
        "sent": counts.sent,
        "total": counts.total,
        "skipped": counts.skipped,
        "blocked": counts.blocked,
        "failed": counts.failed,
    }


async def _coordinator(core: Core, found: store.Broadcast) -> User | None:
    if found.created_by is None:
        return None
    return await core.repo.user_by_id(found.created_by)


async def _show(core: Core, found: store.Broadcast, user: User, text: str, *, final: bool) -> None:
    """One status message: posted once, edited as the counts change, and finally turned into
    the report. One message at a time keeps the coordinator's chat within Telegram's one
    message a second; a channel that cannot edit (the terminal) only gets the report."""
    if text == found.shown:
        return
    channel = core.senders.get(user.channel)
    if not isinstance(channel, StaffChannel):
        if final and found.status != "done":  # once, when it ends (no later updates)
            await desk_of(core).send(user, [Reply(text)])
        return
    try:
        posted = await _post_or_edit(channel, user, found.status_message, text)
    except Unreachable:
        await core.repo.mark_unreachable(user.id)
        return
    except (RetryLater, DeliveryFailed) as exc:  # the next tick tries again; /berichten has it
        log.warning("broadcast %d status not shown: %s", found.id, type(exc).__name__)
        return
    await store.note_status_message(core.repo, found.id, posted, text)


async def _post_or_edit(
    channel: StaffChannel, user: User, message_id: int | None, text: str
) -> int | None:
    """Edit the status message; post a new one when there is none or it cannot be edited any
    more ("message to edit not found"): the report must reach the coordinator. The new id."""
    if message_id is not None:
        try:
            await channel.edit(user.external_id, message_id, Reply(text))
            return None
        except DeliveryFailed as exc:
            log.info("broadcast status message not editable (%s): sent anew", type(exc).__name__)
    return await channel.post(user.external_id, Reply(text))


async def report(core: Core, lang: str, broadcast_id: int) -> str:
    """The report: the frozen counts when done (else the current ones) and answers so far."""
    found = await store.get(core.repo, broadcast_id)
    assert found is not None
    counts = found.final or await store.tally(core.repo, broadcast_id)
    lines = [core.content.text(lang, "broadcast.report", **_counts(found, counts))]
    if found.responses:
        answers = await store.responses(core.repo, broadcast_id)
        lines.append(core.content.text(lang, "broadcast.report_responses", **answers))
        if found.finished_at is not None:
            until = desk_of(core).moment(lang, found.finished_at + ANSWERS_SECONDS)
            lines.append(core.content.text(lang, "broadcast.report_live", until=until))
    return "\n".join(lines)


async def _expired(core: Core, found: store.Broadcast) -> None:
    user = await _coordinator(core, found)
    if user is None:
        return
    desk = desk_of(core)
    text = desk.t(
        user.language,
        "broadcast.expired",
        id=found.id,
        moment=desk.moment(user.language, found.send_at),
    )
    await desk.send(user, [Reply(text)])


# -- answers ----------------------------------------------------------------------------------


@router.callback(PREFIX)
async def answer(turn: Turn, rest: str) -> None:
    """One answer per person and broadcast; only someone who got the message can answer."""
    number, _, choice = rest.partition(":")
    if number == str(PREVIEW_ID):
        turn.say("broadcast.response.preview")
        turn.engine.reshow(turn)
        return
    picked = store.CHOICE_OF.get(choice)
    if picked is None or not number.isdigit():
        turn.say("broadcast.response.gone")
        return
    recorded = await store.respond(turn.repo, int(number), turn.user.id, picked, turn.now())
    turn.say(f"broadcast.response.{picked}" if recorded else "broadcast.response.gone")


# -- /berichten ---------------------------------------------------------------------------------


@staff.command("berichten", "broadcasts", roles=MANAGERS)
async def list_command(st: StaffTurn, _args: str) -> None:
    """Planned and running broadcasts (with a cancel button each) and the latest finished."""
    desk, lang = st.desk, st.lang
    found = await store.listing(desk.repo, RECENT)
    if not found:
        st.say("broadcast.list.none")
        return
    lines = [st.t("broadcast.list.heading")]
    rows: list[tuple[Button, ...]] = []
    for item in found:
        excerpt = " ".join(item.text.split())
        values: dict[str, Any] = {
            "id": item.id,
            "moment": desk.moment(lang, item.send_at),
            "segment": describe(desk.content, lang, item.segment),
            "excerpt": excerpt if len(excerpt) <= EXCERPT else excerpt[: EXCERPT - 1] + "…",
            **_counts(item, item.final or store.Tally()),
        }
        lines.append(st.t(f"broadcast.list.{item.status}", **values))
        if item.responses and item.status != "scheduled":
            answers = await store.responses(desk.repo, item.id)
            lines.append(st.t("broadcast.list.responses", **answers))
        if item.status in ("scheduled", "sending"):
            label = st.t("broadcast.list.cancel", id=item.id)
            rows.append((Button(label, f"case:{CANCEL_VERB}:{item.id}"),))
    st.turn.send(Reply("\n".join(lines), tuple(rows)))


@staff.tap(CANCEL_VERB, roles=MANAGERS)
async def cancel_tap(st: StaffTurn, args: str) -> None:
    """Cancel a planned broadcast, or stop a running one (what went out stays out)."""
    if not args.isdigit():
        st.tell("broadcast.not_cancellable", id="?")
        return
    broadcast_id = int(args)
    counts = await store.close(st.desk.repo, broadcast_id, "cancelled", st.desk.now())
    st.note(detail=f"broadcast{broadcast_id}:cancel")
    if counts is None:
        st.tell("broadcast.not_cancellable", id=broadcast_id)
    else:
        st.tell("broadcast.cancelled", id=broadcast_id, sent=counts.sent)
