"""The team: one-time invites per role, the staff list, revoking roles, and /staf help.

Admins come from STERK_ADMIN_IDS; everyone else joins with a one-time invite link that expires
(`/start inv_<code>`). Coordinators invite and revoke peer educators and moderators; only admins
do that for coordinators.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from bot.core.engine import Turn
from bot.core.model import Reply
from bot.staff.commands import StaffActions, StaffTurn
from bot.staff.desk import ANY_STAFF, CASEWORKERS, MANAGERS, Desk, Role, allowed, desk_for
from bot.staff.endings import release_all
from bot.staff.reminders import schedule_wellbeing, stop_wellbeing
from bot.storage import staff as store
from bot.storage.repository import User

staff = StaffActions()  # this feature's staff commands and buttons (bot/app.py)

INVITE_PREFIX = "inv_"
DEFAULT_DAYS, MAX_DAYS = 7, 30
NAME_MAX = 32
NAME_RE = re.compile(r"[\w .'-]+")
STAFF_FLOWS = frozenset({"broadcast"})  # flows only staff can be in (bot/coordinator/compose)
ROLE_WORDS = {
    "peer": Role.PEER_EDUCATOR,
    "peereducator": Role.PEER_EDUCATOR,
    "peer_educator": Role.PEER_EDUCATOR,
    "educator": Role.PEER_EDUCATOR,
    "moderator": Role.MODERATOR,
    "mod": Role.MODERATOR,
    "coordinator": Role.COORDINATOR,
    "coördinator": Role.COORDINATOR,
}


def hash_code(code: str) -> str:
    """Invites are stored as hashes; the code itself only exists in the link."""
    return hashlib.sha256(code.encode()).hexdigest()


def _role_name(st: StaffTurn, role: str) -> str:
    return st.t(f"staff.roles.{role}")


def _may_manage(st: StaffTurn, role: Role) -> bool:
    """Coordinators manage peer educators and moderators; coordinators need an admin."""
    return Role.ADMIN in st.roles if role is Role.COORDINATOR else True


@staff.command("uitnodigen", "invite", roles=MANAGERS)
async def invite_command(st: StaffTurn, args: str) -> None:
    """`/uitnodigen peer 7`: a link that makes whoever opens it a peer educator, once."""
    word, _, rest = args.strip().lower().partition(" ")
    role = ROLE_WORDS.get(word)
    days = int(rest) if rest.strip().isdigit() else DEFAULT_DAYS
    if role is None or not 1 <= days <= MAX_DAYS:
        st.say("staff.invite.usage", max=MAX_DAYS)
        return
    if not _may_manage(st, role):
        st.say("staff.invite.admins_only")
        st.note(detail=f"denied:{role}")
        return
    desk, now = st.desk, st.desk.now()
    code = secrets.token_urlsafe(12)
    expires = now + timedelta(days=days)
    invite_id = await store.create_invite(
        desk.repo, hash_code(code), role.value, st.user.id, now, expires
    )
    channel = desk.channel()
    payload = INVITE_PREFIX + code
    link = (channel.deep_link(payload) if channel else None) or f"/start {payload}"
    st.say(
        "staff.invite.created",
        role=_role_name(st, role),
        until=desk.moment(st.lang, expires),
        link=link,
    )
    st.note(detail=f"{role}:invite{invite_id}")


async def redeem(turn: Turn, args: str) -> bool:
    """`/start inv_<code>` grants the invite's role and shows the staff start screen; True
    then. An invite that does not work says so, and /start goes on as for anyone."""
    desk = desk_for(turn)
    now = desk.now()
    used = await store.redeem_invite(
        desk.repo, hash_code(args.removeprefix(INVITE_PREFIX)), turn.user.id, now
    )
    if used is None:
        turn.say("staff.invite.invalid")
        return False
    invite_id, role = used
    # Staff skip the young-person onboarding: otherwise the engine would send them there on
    # every button (a wellbeing check, a rating) before it reaches the flow.
    turn.user.onboarded = True
    await store.grant_role(
        desk.repo, turn.user.id, role, lambda code: turn.t("staff.name.default", code=code), now
    )
    if role == Role.MODERATOR:
        await schedule_wellbeing(desk, turn.user.id)
    await store.audit(desk.repo, turn.user.id, "joined", now, detail=f"{role}:invite{invite_id}")
    turn.say("staff.invite.welcome", role=turn.t(f"staff.roles.{role}"))
    await start_screen(desk, turn, await desk.roles(turn.user))
    return True


async def start_screen(desk: Desk, turn: Turn, roles: frozenset[Role]) -> None:
    """/start for staff: who you are to young people, what waits, and where to begin."""
    member = await store.member(desk.repo, turn.user.id)
    names = ", ".join(turn.t(f"staff.roles.{r}") for r in sorted(roles))
    lines = [turn.t("staff.start.heading", roles=names)]
    if member is not None:
        lines.append(turn.t("staff.start.name", name=member.name, code=member.code))
    if allowed(roles, CASEWORKERS):
        waiting = await store.open_cases(desk.repo)
        mine = await store.claimed_by(desk.repo, turn.user.id)
        lines.append(turn.t("staff.start.cases", open=len(waiting), mine=len(mine)))
    lines.append(turn.t("staff.start.more"))
    turn.send(Reply("\n".join(lines)))
    await desk.refresh_commands(turn.user)  # also for staff who joined before menus existed


@staff.command("naam", "name", roles=ANY_STAFF)
async def name_command(st: StaffTurn, args: str) -> None:
    """`/naam Sam`: the name young people see (no real name needed); alone: the current one."""
    name = " ".join(args.split())
    member = await store.member(st.desk.repo, st.user.id)
    if member is None:
        st.say("staff.name.no_member")
        return
    if not name:
        st.say("staff.name.current", name=member.name)
        return
    if len(name) > NAME_MAX or not NAME_RE.fullmatch(name):
        st.say("staff.name.invalid", max=NAME_MAX)
        return
    taken = [m for m in await store.find_members(st.desk.repo, name) if m.user_id != st.user.id]
    if taken:
        st.say("staff.name.taken", name=name)
        return
    await store.set_name(st.desk.repo, st.user.id, name)
    st.say("staff.name.set", name=name)


@staff.command("team", roles=MANAGERS)
async def team_command(st: StaffTurn, _args: str) -> None:
    """Everyone with a role: name, team code (for /intrekken and /overdragen), roles. No
    pseudonyms: those would tie a case about a staff member to a named colleague."""
    members = await store.members(st.desk.repo)
    lines = [st.t("staff.team.heading", count=len(members))]
    for member in members:
        roles = ", ".join(_role_name(st, r) for r in sorted(member.roles))
        lines.append(st.t("staff.team.line", name=member.name, code=member.code, roles=roles))
    lines.append(st.t("staff.team.admins", count=len(st.desk.settings.admin_ids)))
    st.say_text("\n".join(lines))


@staff.command("intrekken", "revoke", roles=MANAGERS)
async def revoke_command(st: StaffTurn, args: str) -> None:
    """`/intrekken K7P2 [rol]`: take one role, or all, from a staff member."""
    desk = st.desk
    handle, _, word = args.strip().partition(" ")
    found = await store.find_members(desk.repo, handle) if handle else []
    member = found[0] if len(found) == 1 else None
    role = ROLE_WORDS.get(word.strip().lower()) if word.strip() else None
    if member is None or (word.strip() and role is None):
        st.say("staff.revoke.usage")
        return
    roles = [Role(r) for r in member.roles if role is None or r == role]
    if not all(_may_manage(st, r) for r in roles):
        st.say("staff.invite.admins_only")
        st.note(detail="denied:coordinator")
        return
    removed = await store.revoke_roles(
        desk.repo, member.user_id, [r.value for r in roles], desk.now()
    )
    user = await desk.repo.user_by_id(member.user_id)
    if user is not None:
        await _after_revoke(desk, user, await desk.roles(user))
    st.note(detail=f"user{member.user_id}:{','.join(removed) or '-'}")
    names = ", ".join(_role_name(st, r) for r in removed) or "-"
    st.say("staff.revoke.done", name=member.name, roles=names)


async def _after_revoke(desk: Desk, user: User, remaining: frozenset[Role]) -> None:
    """Cases go back to the team, check-ins stop when the role that needed them goes, the
    "/" menu follows the roles; someone left without any role leaves the staff group and
    any staff flow they were in (a broadcast being written)."""
    if not allowed(remaining, CASEWORKERS):
        await release_all(desk, user.id)
    if Role.MODERATOR not in remaining:
        await stop_wellbeing(desk, user.id)
    await desk.refresh_commands(user)
    if remaining:
        return
    await desk.leave_group(user)
    loaded = await desk.repo.load(user.channel, user.external_id)
    flow = str(loaded[1].get("flow") or "") if loaded is not None else ""
    notice = [Reply(desk.t(user.language, "staff.revoke.told"))]
    if flow in STAFF_FLOWS:
        pushed = await desk.core.engine.push(user.id, "menu:")
        notice += pushed[1] if pushed else []
    await desk.send(user, notice)


@staff.command("staf", "staff", roles=ANY_STAFF)
async def staff_help(st: StaffTurn, _args: str) -> None:
    """The staff commands this person may use, one line each."""
    lines = [st.t("staff.help.heading")]
    seen: set[str] = set()
    for action in st.desk.core.staff.commands.values():
        if action.name in seen or not allowed(st.roles, action.roles):
            continue
        seen.add(action.name)
        key = f"staff.help.{action.name}"
        lines.append(st.t(key) if st.desk.content.has(st.lang, key) else f"/{action.name}")
    st.say_text("\n".join(lines))
