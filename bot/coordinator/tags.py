"""Groups (tags) for broadcasts: `/tag` makes one with a join link, `/tags` lists them.

Young people join by opening the link (`/start tag_<code>`), e.g. everyone at one Social Cleanup
Day, so a follow-up can go to just them. Membership is personal data: `/mijndata` shows it and
`/vergeetmij` deletes it. Joining never switches anything on: broadcasts still need the
follow-up opt-in.
"""

from __future__ import annotations

import re

from bot.core.engine import Turn
from bot.staff.commands import StaffActions, StaffTurn
from bot.staff.desk import MANAGERS, Desk
from bot.storage import broadcast as store

staff = StaffActions()  # this feature's staff commands and buttons (bot/app.py)

TAG_PREFIX = "tag_"
CODE = re.compile(r"[a-z0-9][a-z0-9_-]{1,31}")  # Telegram start parameters allow A-Za-z0-9_-
NAME_MAX = 60


def join_link(desk: Desk, code: str) -> str:
    """`https://t.me/<bot>?start=tag_<code>`, or the command when the channel has no links."""
    payload = TAG_PREFIX + code
    channel = desk.channel()
    return (channel.deep_link(payload) if channel else None) or f"/start {payload}"


@staff.command("tag", roles=MANAGERS)
async def tag_command(st: StaffTurn, args: str) -> None:
    """`/tag scd-utrecht Social Cleanup Day Utrecht`: a group and the link to join it."""
    code, _, name = args.strip().partition(" ")
    code = code.lower()
    if not CODE.fullmatch(code):
        st.say("broadcast.tags.usage")
        return
    created = await store.create_tag(
        st.desk.repo, code, " ".join(name.split())[:NAME_MAX] or None, st.user.id, st.desk.now()
    )
    key = "broadcast.tags.created" if created else "broadcast.tags.exists"
    st.say(key, code=code, link=join_link(st.desk, code))
    st.note(detail=f"tag:{code}")


@staff.command("tags", roles=MANAGERS)
async def tags_command(st: StaffTurn, _args: str) -> None:
    """Every group with its number of members and its link."""
    found = await store.tags(st.desk.repo)
    if not found:
        st.say("broadcast.tags.none")
        return
    lines = [st.t("broadcast.tags.heading")]
    for tag in found:
        name = f"({tag.name}) " if tag.name else ""
        link = join_link(st.desk, tag.code)
        lines.append(
            st.t("broadcast.tags.line", code=tag.code, name=name, members=tag.members, link=link)
        )
    st.say_text("\n".join(lines))


async def join(turn: Turn, args: str) -> None:
    """Start hook: `/start tag_<code>` adds the person to the group; /start then goes on."""
    if not args.startswith(TAG_PREFIX):
        return
    code = args.removeprefix(TAG_PREFIX).lower()
    found = await store.tags(turn.repo, code) if CODE.fullmatch(code) else []
    if not found:
        turn.say("broadcast.tags.unknown")
        return
    tag = found[0]
    await store.join_tag(turn.repo, tag.id, turn.user.id, turn.now())
    wants = turn.user.followups or not turn.user.onboarded  # onboarding asks about it next
    key = "broadcast.tags.joined" if wants else "broadcast.tags.joined_off"
    turn.say(key, name=tag.name or tag.code)
