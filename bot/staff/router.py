"""Where staff-related events go, and `install`, which hooks the staff side into a core.

Two hooks on the engine, because of the crisis filter in between:
- before the safety filters: everything from the staff group (never coached), staff commands
  (an /escaleer description about someone else's crisis is not the moderator's own crisis), a
  peer educator's replies during a case (quoting a helpline is not a crisis either), and a copy
  of the person's own message to their educator, so the educator also sees a message that
  trips the crisis answer;
- after them, before the flows: case buttons, media without a caption, and the person's own
  messages in the talk conversation.

A person with an open case is never locked in: only the chat steps of the talk flow relay
(`relay.talking`); everywhere else menu, coaching, quiz and plans answer as always, and every
step with the menu row gets a "✉️" button to switch to the talk conversation.
"""

from __future__ import annotations

from dataclasses import dataclass
from weakref import WeakKeyDictionary

from bot.core.engine import Turn
from bot.core.model import EventKind, Reply
from bot.staff import casework, privacy, relay, routing, talk, team
from bot.staff.commands import run
from bot.staff.desk import Desk, Role
from bot.storage import staff as store

RELAYED = frozenset({EventKind.TEXT, EventKind.MEDIA})


@dataclass(slots=True)
class _Seen:
    """What one event's hooks learned about its sender, so both hooks ask the database once."""

    roles: frozenset[Role]
    subject: store.Case | None  # the person's own open conversation
    routed: bool = False  # a staff member's message went to a case (or got a line why not)
    relayed: bool = False
    held: bool = False  # the person's message shows a number or place: asked before relaying


class StaffRouter:
    """The engine hooks of one desk."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self._seen: WeakKeyDictionary[Turn, _Seen] = WeakKeyDictionary()

    async def before_safety(self, turn: Turn, _text: str) -> bool:
        """Text filter placed first: True when the staff side handled the event."""
        if turn.event.chat is not None:
            await self._group(turn)
            return True
        if await self._start(turn):
            return True
        seen = await self._context(turn)
        if await self._staff(turn, seen):
            return True
        if seen.subject is not None and turn.event.kind in RELAYED and _talking(turn):
            await self._from_person(turn, seen)
        return False

    async def _from_person(self, turn: Turn, seen: _Seen) -> None:
        """Relay the person's message, unless it shows their number or place: then ask first."""
        assert seen.subject is not None
        seen.relayed = True
        if privacy.revealing(turn.event):
            seen.held = True
            privacy.hold_back(turn, seen.subject)
            return
        await relay.from_person(self.desk, turn, seen.subject)

    async def _start(self, turn: Turn) -> bool:
        """`/start inv_…` joins the team; staff get their own start screen, not the menu."""
        event = turn.event
        if event.kind is not EventKind.COMMAND or event.command != "start":
            return False
        if event.args.startswith(team.INVITE_PREFIX):
            return await team.redeem(turn, event.args)
        roles = await self.desk.roles(turn.user)
        if not roles:
            return False
        await team.start_screen(self.desk, turn, roles)
        return True

    async def intercept(self, turn: Turn) -> bool:
        """Interceptor: case buttons, then staff events without text, then a quiet bot."""
        event = turn.event
        if event.kind is EventKind.CHOICE and event.choice.startswith("case:"):
            await self._tap(turn)
            return True
        if event.chat is not None:
            await self._group(turn)
            return True
        seen = await self._context(turn)
        if await self._staff(turn, seen):
            return True
        if seen.subject is None:
            return False
        if _talking(turn):
            return await self._in_talk(turn, seen)
        turn.extra_nav = (talk.write_button(seen.subject),)
        return False

    async def _context(self, turn: Turn) -> _Seen:
        seen = self._seen.get(turn)
        if seen is None:
            stored, subject_id = turn.staff_seen or await store.context(
                self.desk.repo, turn.user.id
            )
            roles = self.desk.with_admin(turn.user, stored)
            subject = await store.case(self.desk.repo, subject_id) if subject_id else None
            seen = self._seen[turn] = _Seen(roles, subject)
        return seen

    async def _staff(self, turn: Turn, seen: _Seen) -> bool:
        """A staff command, or a peer educator's message for their active case."""
        if not seen.roles:
            return False
        event = turn.event
        command = self.desk.core.staff.commands.get(event.command)
        if event.kind is EventKind.COMMAND and command is not None:
            await run(self.desk, turn, command, seen.roles, event.args)
            return True
        if event.kind not in RELAYED:
            return False
        if event.kind is EventKind.TEXT and turn.state.text_input is not None:
            return False  # typed text belongs to the step that asked for it (e.g. a broadcast)
        if seen.routed:
            return True  # the text filter routed it already; this is the interceptor
        seen.routed = await routing.route(self.desk, turn, seen.roles, seen.subject is not None)
        return seen.routed

    async def _group(self, turn: Turn) -> None:
        """In the staff group only staff commands count (answered in private; case buttons are
        handled before this); the rest is the team talking among themselves."""
        event = turn.event
        command = self.desk.core.staff.commands.get(event.command)
        if event.kind is not EventKind.COMMAND or command is None:
            return
        seen = await self._context(turn)
        if seen.roles:
            await run(self.desk, turn, command, seen.roles, event.args)

    async def _tap(self, turn: Turn) -> None:
        """`case:<verb>:<args>` buttons. Handled here rather than in the engine's callback
        table: staff who never did the young-person onboarding would be sent there first."""
        verb, _, args = turn.event.choice.removeprefix("case:").partition(":")
        seen = await self._context(turn)
        if verb in PERSON_TAPS:
            if seen.subject is not None:
                turn.extra_nav = (talk.write_button(seen.subject),)
            await self._person_tap(turn, verb, int(args) if args.isdigit() else 0)
            return
        action = self.desk.core.staff.taps.get(verb)
        if action is None or not seen.roles:
            if turn.event.chat is not None:
                turn.notice = self.desk.t(turn.lang, "staff.not_allowed")
            else:
                turn.say("common.stale")
                turn.engine.reshow(turn)
            return
        await run(self.desk, turn, action, seen.roles, args)

    async def _person_tap(self, turn: Turn, verb: str, case_id: int) -> None:
        """The young person's buttons under relayed messages and notices."""
        if verb in privacy.VERBS:
            await privacy.answer(self.desk, turn, verb, case_id)
        elif verb == "end":
            rated = await casework.end_by_person(self.desk, turn, case_id)
            await turn.engine.enter(turn, "rate:ask" if rated else "menu:")
        elif verb == "talk":
            await talk.open_talk(turn, case_id)
        elif verb == "leave" and _talking(turn):
            if not await talk.leave(turn):
                await turn.engine.enter(turn, "menu:")
        else:  # "carry on where I was", or leaving a conversation already left
            turn.engine.reshow(turn)

    async def _in_talk(self, turn: Turn, seen: _Seen) -> bool:
        """In the talk conversation the person's messages go to their peer educator."""
        assert seen.subject is not None
        event, case = turn.event, seen.subject
        if event.kind not in RELAYED:
            return False
        if not seen.relayed:
            await self._from_person(turn, seen)
        if seen.held:
            return True
        if case.status == "open":
            buttons = relay.talk_buttons(self.desk, turn.lang, case, turn.state.answers)
            turn.send(Reply(turn.t("staff.person.queued"), buttons))
        return True


def _talking(turn: Turn) -> bool:
    return relay.talking(turn.state.flow, turn.state.step)


PERSON_TAPS = frozenset({"end", "talk", "leave", "resume", *privacy.VERBS})
