"""Impact figures (/cijfers): counts of people with small numbers hidden, the chart image read
back, and the anonymised CSV export (/export)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from PIL import Image

from bot.config import Settings
from bot.coordinator.stats import COLUMNS
from bot.core.clock import ManualClock, epoch
from bot.storage import checkins, staff, stats
from bot.storage.checkins import Outcome
from tests.broadcastkit import add_people, plan
from tests.staffkit import Office, office, staff_settings

pytestmark = pytest.mark.both_stores

ROLES = {"target": 6, "bystander": 2}  # people per role: 2 must show as <5


@pytest.fixture
async def room(settings: Settings, clock: ManualClock) -> AsyncIterator[Office]:
    async with office(staff_settings(settings), clock) as running:
        yield running


async def _history(room: Office) -> list[int]:
    """Eight young people with coaching, check-ins, self-reports, cases and answers."""
    repo, now = room.core.repo, room.clock.now()
    people = await add_people(repo, 8, now - timedelta(days=40), channel="telegram")
    roles = ["target"] * ROLES["target"] + ["bystander"] * ROLES["bystander"]
    for user_id, role in zip(people, roles, strict=True):
        await repo.record(user_id, "coach_started", None, now)
        await repo.record(user_id, "role", role, now)
        await repo.record(user_id, "approach_chosen", "empathy", now)
    for user_id in people[:6]:
        await repo.record(user_id, "coach_completed", "target", now)
        await repo.record(user_id, "coach_started", None, now)  # a second go
    replied: Outcome = "replied"
    outcomes: list[Outcome] = [*[replied] * 5, "worse"]
    for user_id, outcome in zip(people, outcomes, strict=False):
        outcome_id = await checkins.record_outcome(repo, user_id, None, outcome, 3, now)
        await checkins.add_story(repo, outcome_id, user_id, "Mijn geheime verhaal")
    for user_id in people[:5]:
        await checkins.save_selfreport(repo, user_id, 1, dict.fromkeys(checkins.FACTORS, 2), now)
        await checkins.save_selfreport(repo, user_id, 2, dict.fromkeys(checkins.FACTORS, 4), now)
    async with repo.transaction() as conn:
        await conn.executemany(
            "INSERT INTO cases (user_id, source, reason, status, created_at, claimed_at, "
            "rating) VALUES (?, 'request', 'asked', 'closed', ?, ?, ?)",
            [(uid, epoch(now), epoch(now) + 60 * (n + 1), 4) for n, uid in enumerate(people[:5])],
        )
        await conn.execute("UPDATE users SET city = 'Utrecht' WHERE id = ?", (people[0],))
    broadcast_id = await plan(room.core, people[0])
    async with repo.transaction() as conn:
        await conn.executemany(
            "INSERT INTO broadcast_responses (broadcast_id, user_id, choice, answered_at) "
            "VALUES (?, ?, ?, ?)",
            [
                (broadcast_id, uid, "in" if n < 6 else "out", epoch(now))
                for n, uid in enumerate(people)
            ],
        )
    return people


async def test_figures_count_people_and_hide_small_numbers(room: Office) -> None:
    """Counts per cell come with their number of people; 1-4 people show as <5, and a mean or
    median over fewer than five is left out. Staff are not counted."""
    await _history(room)
    await room.staff(6003, "coordinator", "Cora")  # staff: not in the figures
    figures = await stats.figures(room.core.repo)
    assert figures.users == stats.Count(8, 8)
    assert figures.activity["coach_started"] == stats.Count(14, 8)
    assert figures.roles["bystander"] == stats.Count(2, 2)
    assert figures.outcomes["worse"] == stats.Count(1, 1)
    assert figures.acted == stats.Count(5, 5)
    assert figures.selfreport["skill"] == stats.Paired(2.0, 4.0, 5)

    admin = await room.admin()
    await admin.send("/cijfers")
    text = admin.replies[0].text
    assert "Jongeren: 8" in text
    assert "Coaching: 14 keer gestart, 6 keer afgerond" in text
    assert "Doelwit 6 · Omstander <5 · Verspreider 0" in text
    assert "Gereageerd 5 · Gemeld 0 · Doelwit gesteund 0 · Niets gedaan 0 · Werd erger <5" in text
    assert "Tijd tot oppakken (mediaan): 3 min" in text
    assert "Waardering (1-5): 4,0 (n=5)" in text
    assert "Kennis 2,0 → 4,0 (n=5)" in text
    assert "Ik doe mee 6 · Deze keer niet <5" in text
    await admin.send("/cijfers 1")  # the history lies 40 days back, the activity today
    assert "laatste 1 dagen" in admin.replies[0].text
    assert "Jongeren: 0" in admin.replies[0].text
    await admin.send("/cijfers gisteren")
    assert "Gebruik: /cijfers" in admin.text


async def test_the_chart_is_a_png_with_the_figures_in_it(room: Office) -> None:
    """The image is a real PNG; its Series chunk holds what is drawn, hidden values as null."""
    await _history(room)
    admin = await room.admin()
    await admin.send("/stats")
    [reply] = [r for r in admin.replies if r.image is not None]
    assert reply.image is not None
    assert reply.image.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(reply.image)) as image:
        assert (image.format, image.size) == ("PNG", (1200, 800))
        series = json.loads(image.info["Series"])
        colours = image.convert("RGB").getcolors(maxcolors=100_000)
    assert colours is not None
    assert len(colours) > 10
    assert series["coaching"]["count"] == {"coach_started": 14, "coach_completed": 6}
    assert series["roles"]["count"] == {"target": 6, "bystander": None, "spreader": 0}
    assert series["selfreport"]["before"]["knowledge"] == 2.0
    assert series["selfreport"]["after"]["opportunity"] == 4.0
    assert series["answers"]["count"] == {"in": 6, "out": None}
    assert set(series) == {
        "trend",
        "coaching",
        "roles",
        "approaches",
        "outcomes",
        "selfreport",
        "answers",
    }
    # The trend: the eight people joined 40 days ago (week 3 of 8); coaching this week.
    assert list(series["trend"]["new"].values()) == [0, 0, 8, 0, 0, 0, 0, 0]
    assert list(series["trend"]["started"].values()) == [0] * 7 + [14]


async def test_the_chart_leaves_out_panels_without_data(room: Office) -> None:
    """Issue 12: with only coaching figures the chart has no empty panels; the headline
    numbers lead the text."""
    repo, now = room.core.repo, room.clock.now()
    people = await add_people(repo, 6, now - timedelta(days=3), channel="telegram")
    for user_id in people:
        await repo.record(user_id, "coach_started", None, now)
    admin = await room.admin()
    await admin.send("/cijfers")
    text = admin.replies[0].text
    assert text.splitlines()[1].startswith("Jongeren 6 · coaching gestart 6, afgerond 0")
    [reply] = [r for r in admin.replies if r.image is not None]
    assert reply.image is not None
    with Image.open(io.BytesIO(reply.image)) as image:
        series = json.loads(image.info["Series"])
    assert set(series) == {"trend", "coaching"}
    assert series["trend"]["new"]["w7"] == 6


async def test_export_is_anonymised(room: Office) -> None:
    """One row per young person with fresh pseudonyms, no free text, rare months hidden."""
    admin = await room.admin()
    await admin.send("/export")
    assert "minder dan 5 jongeren" in admin.text
    people = await _history(room)
    await add_people(room.core.repo, 2, room.clock.now(), channel="telegram", first=300_000)
    await admin.send("/export")
    [reply] = admin.replies
    assert reply.document is not None
    assert reply.document.filename.endswith(".csv")
    content = reply.document.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) == 10
    for secret in ("Utrecht", "geheime", *(f"T{n:09d}" for n in range(100_000, 100_008))):
        assert secret not in content
    assert {row["first_month"] for row in rows} == {"2025-11", "*"}  # the 2 of January hidden
    first = rows[0]
    assert (first["coach_started"], first["roles"], first["r1_skill"], first["r2_skill"]) == (
        "2",
        "target",
        "2",
        "4",
    )
    assert (first["checkin_replied"], first["cases"], first["answered_in"]) == ("1", "1", "1")
    await admin.send("/export")
    again = admin.replies[0].document
    assert again is not None
    pseudonyms = {row["pseudonym"] for row in rows}
    fresh = {
        row["pseudonym"] for row in csv.DictReader(io.StringIO(again.content.decode("utf-8-sig")))
    }
    assert len(pseudonyms) == len(fresh) == 10
    assert not pseudonyms & fresh  # a new export cannot be matched to the last one
    assert len(people) == 8


async def test_former_staff_are_never_counted_as_young_people(room: Office) -> None:
    """Issue 12: someone whose role was revoked stays out of /cijfers and /export."""
    await _history(room)
    former = await room.staff(6004, "peer_educator", "Pim")
    await former.send("/menu")  # staff are onboarded users too (they may try the bot)
    admin = await room.admin()
    member = await stats_member(room, await former.user_id())
    await admin.send(f"/intrekken {member}")
    assert "Pim is geen peer educator meer" in admin.text
    figures = await stats.figures(room.core.repo)
    assert figures.users == stats.Count(8, 8)
    people = await stats.people(room.core.repo)
    assert await former.user_id() not in {person.user_id for person in people}
    await admin.send("/export")
    [reply] = admin.replies
    assert reply.document is not None
    assert len(list(csv.DictReader(io.StringIO(reply.document.content.decode("utf-8-sig"))))) == 8


async def stats_member(room: Office, user_id: int) -> str:
    """The team code of a staff member (how /intrekken names them)."""
    member = await staff.member(room.core.repo, user_id)
    assert member is not None
    return member.code
