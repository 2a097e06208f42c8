"""Roles, invites and the permission table: who may run which staff command."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.app import WIRING
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.storage import staff as store
from tests.staffkit import GROUP, Office, Person, office, staff_settings

YOUTH, PEER, MOD, COORD, ADMIN = "youth", "peer_educator", "moderator", "coordinator", "admin"
ROLES = (YOUTH, PEER, MOD, COORD, ADMIN)
DENIED = "Dit kan alleen met een andere rol in het team."

# Every staff command (its Dutch name), harmless arguments, and who may run it.
EXPECTED: dict[str, tuple[str, set[str]]] = {
    "staf": ("", {PEER, MOD, COORD, ADMIN}),
    "naam": ("", {PEER, MOD, COORD, ADMIN}),
    "vlag": ("", {PEER, COORD, ADMIN}),
    "notitie": ("", {PEER, COORD, ADMIN}),
    "teruggeven": ("", {PEER, COORD, ADMIN}),
    "overdragen": ("", {PEER, COORD, ADMIN}),
    "snel": ("", {PEER, COORD, ADMIN}),
    "team": ("", {COORD, ADMIN}),
    "uitnodigen": ("peer", {COORD, ADMIN}),
    "intrekken": ("", {COORD, ADMIN}),
    "escaleer": ("iemand wordt in de reacties uitgescholden", {MOD, COORD, ADMIN}),
    "zaken": ("", {PEER, COORD, ADMIN}),
    "zaak": ("1", {PEER, COORD, ADMIN}),
    "sluit": ("", {PEER, COORD, ADMIN}),
    "herinner": ("morgen 15:00 even bellen", {PEER, COORD, ADMIN}),
    "welzijn": ("", {MOD, ADMIN}),
    "overzicht": ("", {PEER, COORD, ADMIN}),
    # Broadcasts, groups and figures (bot/coordinator) are for coordinators.
    "bericht": ("", {COORD, ADMIN}),
    "berichten": ("", {COORD, ADMIN}),
    "tag": ("", {COORD, ADMIN}),
    "tags": ("", {COORD, ADMIN}),
    "cijfers": ("", {COORD, ADMIN}),
    "export": ("", {COORD, ADMIN}),
}
EXPECTED_TAPS: dict[str, set[str]] = {
    "claim": {PEER, COORD, ADMIN},
    "pick": {PEER, COORD, ADMIN},
    "show": {PEER, COORD, ADMIN},
    "close": {PEER, COORD, ADMIN},
    "to": {PEER, COORD, ADMIN},  # "which case?" when holding several
    "accept": {PEER, COORD, ADMIN},  # taking over a case offered with /overdragen
    "decline": {PEER, COORD, ADMIN},
    "quick": {PEER, COORD, ADMIN},  # a canned reply from /snel
    "bccancel": {COORD, ADMIN},  # cancel a broadcast (bot/coordinator)
}


@pytest.fixture
async def desk(settings: Settings, clock: ManualClock) -> AsyncIterator[Office]:
    async with office(staff_settings(settings), clock) as opened:
        yield opened


async def _as(desk: Office, role: str) -> Person:
    if role == ADMIN:
        return await desk.admin()
    if role == YOUTH:
        return await desk.young(4001)
    return await desk.staff(4100 + ROLES.index(role), role, f"Staf{ROLES.index(role)}")


def test_every_staff_command_and_button_is_in_the_table() -> None:
    """A new staff command or button needs a row in the permission table below."""
    assert {action.name for action in WIRING.staff.commands.values()} == set(EXPECTED)
    assert set(WIRING.staff.taps) == set(EXPECTED_TAPS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("command", sorted(EXPECTED))
async def test_staff_command_permissions(desk: Office, command: str, role: str) -> None:
    """Each role may run exactly the commands in the table; a young person never learns
    that staff commands exist (it is an unknown command to them) and is not audited."""
    args, allowed = EXPECTED[command]
    person = await _as(desk, role)
    before = len(await store.audit_log(desk.core.repo))
    await person.send(f"/{command} {args}".strip())
    log = (await store.audit_log(desk.core.repo))[before:]
    if role == YOUTH:
        assert f"Het commando /{command} ken ik niet" in person.text
        assert log == []
    elif role in allowed:
        assert DENIED not in person.text
        assert [row[1] for row in log][-1:] == [command]
        assert "denied" not in [row[3] for row in log]
    else:
        assert DENIED in person.text
        assert [(row[1], row[3]) for row in log] == [(command, "denied")]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("verb", sorted(EXPECTED_TAPS))
async def test_staff_button_permissions(desk: Office, verb: str, role: str) -> None:
    """Case buttons in the staff group only work for the roles that handle cases."""
    young = await desk.young(4999)
    case = await desk.ask_for_help(young)
    person = await _as(desk, role)
    toast = await person.group_tap(f"case:{verb}:{case.id}")
    if role in EXPECTED_TAPS[verb]:
        assert toast != DENIED
    else:
        assert toast == DENIED
    claimed = (await desk.case(case.id)).status == "claimed"
    assert claimed == (verb == "claim" and role in EXPECTED_TAPS[verb])


async def test_invite_grants_role_once(desk: Office) -> None:
    """An invite link works once, for the role it was made for, and is audited."""
    coordinator = await desk.staff(4200, COORD, "Cor")
    await coordinator.send("/uitnodigen moderator 3")
    assert "https://t.me/sterk_test_bot?start=inv_" in coordinator.text
    code = coordinator.text.split("start=")[1].split()[0]
    newcomer = Person(desk.core, 4201, "Mo")
    await newcomer.send(f"/start {code}")
    assert "Je bent nu moderator" in newcomer.text
    assert "Je bent in het team als moderator" in newcomer.text  # the staff start screen
    assert "Wat wil je doen?" not in newcomer.text  # not the young-person menu
    assert await store.roles_of(desk.core.repo, await newcomer.user_id()) == {MOD}
    other = Person(desk.core, 4202, "Ot")
    await other.send(f"/start {code}")
    assert "werkt niet" in other.text
    assert await store.roles_of(desk.core.repo, await other.user_id()) == frozenset()
    actions = [row[1] for row in await store.audit_log(desk.core.repo)]
    assert actions[-2:] == ["uitnodigen", "joined"]


async def test_invite_expires(desk: Office, clock: ManualClock) -> None:
    """An invite past its expiry grants nothing."""
    admin = await desk.admin()
    await admin.send("/uitnodigen peer 1")
    code = admin.text.split("start=")[1].split()[0]
    clock.advance(days=1, seconds=1)
    late = Person(desk.core, 4301, "Laat")
    await late.send(f"/start {code}")
    assert "werkt niet" in late.text
    assert await store.roles_of(desk.core.repo, await late.user_id()) == frozenset()


async def test_only_admins_manage_coordinators(desk: Office) -> None:
    """Coordinators cannot invite or revoke coordinators; admins can."""
    coordinator = await desk.staff(4400, COORD, "Cor")
    other = await desk.staff(4401, COORD, "Cas")
    await coordinator.send("/uitnodigen coordinator")
    assert "Alleen een beheerder" in coordinator.text
    handle = await store.member(desk.core.repo, await other.user_id())
    assert handle is not None
    await coordinator.send(f"/intrekken {handle.code}")
    assert "Alleen een beheerder" in coordinator.text
    admin = await desk.admin()
    await admin.send("/uitnodigen coordinator 2")
    assert "start=inv_" in admin.text
    await admin.send(f"/intrekken {handle.code} coordinator")
    assert "Cas is geen coördinator meer" in admin.text
    assert await store.member(desk.core.repo, await other.user_id()) is None


async def test_team_lists_staff_without_young_people(desk: Office) -> None:
    """/team shows team names, codes and roles of staff, nobody else, and no pseudonym (a
    case about a staff member shows that one)."""
    await desk.young(4500, "Jongere")
    await desk.staff(4501, PEER, "Noor")
    await desk.staff(4502, MOD, "Mo")
    admin = await desk.admin()
    await admin.send("/team")
    members = {m.name: m for m in await store.members(desk.core.repo)}
    assert f"Noor (code {members['Noor'].code})" in admin.text
    assert "peer educator" in admin.text
    assert f"Mo (code {members['Mo'].code})" in admin.text
    mod_id = members["Mo"].user_id
    mod = await desk.core.repo.user_by_id(mod_id)
    assert mod is not None
    assert mod.pseudonym not in admin.text
    assert "Jongere" not in admin.text
    assert "4501" not in admin.text  # never a Telegram id


async def test_revoke_gives_cases_back_and_stops_wellbeing(desk: Office) -> None:
    """A revoked peer educator's case is announced again; a moderator's check-ins stop."""
    young = await desk.young(4600)
    case = await desk.ask_for_help(young)
    educator = await desk.staff(4601, PEER, "Noor")
    await educator.group_tap(f"case:claim:{case.id}")
    moderator = Person(desk.core, 4602, "Mo")
    admin = await desk.admin()
    await admin.send("/uitnodigen moderator")
    await moderator.send("/start " + admin.text.split("start=")[1].split()[0])
    mod_id = await moderator.user_id()
    assert await store.pending_kind(desk.core.repo, "wellbeing", mod_id)
    cards = len(desk.channel.to(GROUP, "post"))
    for person in (educator, moderator):
        member = await store.member(desk.core.repo, await person.user_id())
        assert member is not None
        await admin.send(f"/intrekken {member.code}")
    assert (await desk.case(case.id)).status == "open"
    assert len(desk.channel.to(GROUP, "post")) == cards + 1
    assert await store.pending_kind(desk.core.repo, "wellbeing", mod_id) == []
    await educator.send("/zaken")
    assert "Het commando /zaken ken ik niet" in educator.text


async def test_group_chatter_is_ignored(desk: Office) -> None:
    """In the staff group only staff commands get an answer (in private)."""
    educator = await desk.staff(4700, PEER, "Noor")
    assert await educator.group_say("hoi allemaal, wie pakt de volgende?") == []
    assert await educator.group_say("/onbekend") == []
    replies = await educator.group_say("/zaken")
    assert "geen open zaken" in "\n".join(r.text for r in replies)
    young = await desk.young(4701)
    assert await young.group_say("/zaken") == []
    assert await young.group_say("ik wil dood") == []  # not coached, no crisis case for staff chat
    assert await store.active_case_of(desk.core.repo, await young.user_id()) is None


async def test_invite_days_are_bounded(desk: Office, clock: ManualClock) -> None:
    """Invites last 1 to 30 days; anything else shows how to use the command."""
    admin = await desk.admin()
    await admin.send("/uitnodigen peer 31")
    assert "Gebruik: /uitnodigen" in admin.text
    await admin.send("/uitnodigen piraat")
    assert "Gebruik: /uitnodigen" in admin.text
    await admin.send("/invite peer")
    assert "geldig tot" in admin.text
    [invite] = await desk.core.repo.fetch("SELECT expires_at - created_at FROM staff_invites")
    assert invite[0] == timedelta(days=7).total_seconds()
