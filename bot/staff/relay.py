"""Relaying between a person and their peer educator, both ways, as copies.

Only what the person writes in the talk conversation (the chat steps of the `talk` flow) is
relayed; in coaching, the quiz or "check my reply" their words stay with the coaching bot, so a
draft or a story is never queued or copied to anyone. The person's messages reach the educator
as copies (never forwards, which would show the person's account), each with a button naming
the pseudonym that also makes that case the educator's active one. Before anyone claims the
case, they wait as message ids and are copied after the claim.

The educator's texts reach the person as "Sam: ..." (the name the educator chose with /naam),
media as copies with that caption, in a way
that fits what the person is doing (`_presence`): in the talk conversation with the buttons back
and end; at the menu the talk conversation opens, so the next thing they type is the answer;
busy in another step, the step is left alone and the message carries "✉️ Reply" and "carry on
where I was".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from bot.core.engine import RETURN_KEY, Turn
from bot.core.model import Button, Reply
from bot.staff.cases import arm, pick_button
from bot.staff.desk import FAILED, Delivered, Desk
from bot.storage import staff as store
from bot.storage.repository import User

# Media that can carry a caption (stickers, voice notes and the like cannot).
CAPTIONED = frozenset({"photo", "video", "document", "animation", "audio"})
CHAT_STEPS = frozenset({"waiting", "offhours", "active"})  # the talk conversation (talk.yaml)
IDLE_FLOWS = frozenset({"", "menu"})
Presence = Literal["talk", "idle", "busy"]


def talking(flow: str, step: str) -> bool:
    """Whether what the person types now is meant for their peer educator."""
    return flow == "talk" and step in CHAT_STEPS


def back_key(answers: Mapping[str, Any]) -> str:
    """The label of the way out of the talk conversation: where it leads."""
    back = answers.get(RETURN_KEY)
    if not isinstance(back, dict):
        return "talk.buttons.back_menu"
    if str(back.get("flow", "")).startswith("coach"):
        return "talk.buttons.back_coaching"
    return "talk.buttons.resume"


def end_label(desk: Desk, lang: str, case: store.Case) -> str:
    """Before a claim the person withdraws a request; after it they end a conversation."""
    key = "talk.buttons.withdraw" if case.status == "open" else "staff.person.end"
    return desk.t(lang, key)


def talk_buttons(
    desk: Desk, lang: str, case: store.Case, answers: Mapping[str, Any]
) -> tuple[tuple[Button, ...], ...]:
    """Under messages in the talk conversation: back where the person came from, or end."""
    back = Button(desk.t(lang, back_key(answers)), f"case:leave:{case.id}")
    return ((back,), (Button(end_label(desk, lang, case), f"case:end:{case.id}"),))


def _busy_buttons(desk: Desk, lang: str, case: store.Case) -> tuple[tuple[Button, ...], ...]:
    answer = Button(desk.t(lang, "talk.buttons.answer"), f"case:talk:{case.id}")
    return ((answer,), (Button(desk.t(lang, "talk.buttons.resume"), "case:resume"),))


async def _presence(desk: Desk, person: User) -> tuple[Presence, dict[str, Any]]:
    """What the person is doing now, and their stored answers."""
    loaded = await desk.repo.load(person.channel, person.external_id)
    state = loaded[1] if loaded is not None else {}
    flow, step = str(state.get("flow") or ""), str(state.get("step") or "")
    answers = state.get("answers") or {}
    if talking(flow, step):
        return "talk", answers
    if flow in IDLE_FLOWS or not state.get("prompt"):
        return "idle", answers
    return "busy", answers


async def _open_talk(desk: Desk, person: User, answers: dict[str, Any] | None) -> list[Reply]:
    """Move the person into the talk conversation (keeping its way back); its prompt."""
    pushed = await desk.core.engine.push(person.id, "talk:chat", answers)
    return pushed[1] if pushed else []


async def greet(desk: Desk, person: User, case: store.Case, name: str) -> None:
    """Tell the person who picked up their request, without breaking off what they do."""
    lang = person.language
    hello = desk.t(lang, "staff.person.claimed", name=name)
    presence, answers = await _presence(desk, person)
    if presence == "busy":
        text = f"{hello}\n\n{desk.t(lang, 'talk.busy', name=name)}"
        await desk.send(person, [Reply(text, _busy_buttons(desk, lang, case))])
        return
    pushed = await _open_talk(desk, person, answers if presence == "talk" else None)
    await desk.send(person, [Reply(hello), *pushed])


async def from_person(desk: Desk, turn: Turn, case: store.Case) -> None:
    """Copy the person's message to the educator, or keep it until the case is claimed."""
    message_id = turn.event.message_id
    if message_id is None:  # a channel without message ids has nothing to copy
        return
    await copy_to_educator(desk, turn, case, message_id)


async def copy_to_educator(desk: Desk, turn: Turn, case: store.Case, message_id: int) -> None:
    """One of the person's messages to their educator, with the case's button; a swipe-reply
    to the copy goes back to this case."""
    now = desk.now()
    if case.status == "open" or case.claimed_by is None:
        await store.add_backlog(desk.repo, case.id, message_id, now)
        return
    educator = await desk.repo.user_by_id(case.claimed_by)
    if educator is None:
        return
    buttons = ((pick_button(desk, educator.language, case),),)
    copied = await desk.copy(turn.user, message_id, educator, None, buttons)
    if not copied.ok:
        turn.say("staff.person.not_delivered")
        return
    for copy_id in copied.ids:
        await store.add_message(
            desk.repo,
            case.id,
            now,
            staff_id=educator.id,
            staff_message_id=copy_id,
            person_message_id=message_id,
        )
    if await store.note_person_message(desk.repo, case.id, now):
        await arm(desk, case, now)  # the reply clock started


async def to_person(
    desk: Desk, educator: User, case: store.Case, message: store.Pending
) -> Delivered:
    """Send the educator's message to the person under the educator's chosen name."""
    person = await desk.repo.user_by_id(case.user_id)
    member = await store.member(desk.repo, educator.id)
    if person is None or member is None:
        return FAILED
    lang, name = person.language, member.name
    presence, answers = await _presence(desk, person)
    after: list[Reply] = []
    suffix = ""
    if presence == "talk":
        buttons = talk_buttons(desk, lang, case, answers)
    elif presence == "busy":
        buttons = _busy_buttons(desk, lang, case)
        suffix = "\n\n" + desk.t(lang, "talk.busy", name=name)
    else:  # the educator wrote first: the next thing the person types is the answer
        buttons = ()
        after = await _open_talk(desk, person, None)
    if not message.media:
        text = desk.t(lang, "staff.relay.text", name=name, text=message.text) + suffix
        delivered = await desk.deliver(person, [Reply(text, buttons), *after])
    else:
        caption = None
        if message.media in CAPTIONED:
            key = "staff.relay.caption" if message.text else "staff.relay.media"
            caption = desk.t(lang, key, name=name, text=message.text) + suffix
        delivered = await desk.copy(educator, message.message_id, person, caption, buttons)
        if delivered.ok and after:
            more = await desk.deliver(person, after)
            delivered = Delivered(delivered.ids + more.ids, more.ok, more.blocked)
    if not delivered.ok:
        return delivered
    now = desk.now()
    await store.add_message(
        desk.repo,
        case.id,
        now,
        staff_id=educator.id,
        staff_message_id=message.message_id or None,
        person_message_id=delivered.ids[0] if delivered.ids else None,
    )
    await store.note_staff_reply(desk.repo, case.id)
    await store.audit(desk.repo, educator.id, "relay", now, case.id)
    return delivered
