"""Groups (tags) and composing a broadcast, through the real engine and the staff commands."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.config import Settings
from bot.coordinator.compose import MAX_TEXT, Draft, parse_link
from bot.core.clock import ManualClock
from bot.storage import broadcast as store
from bot.storage import staff as staff_store
from tests.scheduling import ams
from tests.staffkit import Office, Person, office, staff_settings

YOUNG, COORD = 5001, 6003


@pytest.fixture
async def room(settings: Settings, clock: ManualClock) -> AsyncIterator[Office]:
    async with office(staff_settings(settings), clock) as running:
        yield running


async def _compose(person: Person, text: str = "Doe zaterdag mee!") -> None:
    """Through the flow up to the preview: no link, answer buttons, everyone, quiet hours."""
    await person.send("/bericht")
    await person.send(text)
    await person.tap("Geen link")
    await person.tap("Ja, met knoppen")
    await person.tap("Iedereen")
    await person.tap("Ja, wacht")


async def test_tags_link_join_and_member_counts(room: Office) -> None:
    """/tag makes a group with a join link; opening it joins (also before onboarding); /tags
    counts members; a wrong link is harmless; membership is in /mijndata and goes with
    /vergeetmij."""
    admin = await room.admin()
    await admin.send("/tag SCD-Utrecht Social Cleanup Day Utrecht")
    assert "https://t.me/sterk_test_bot?start=tag_scd-utrecht" in admin.text
    await admin.send("/tag scd-utrecht")
    assert "bestaat al" in admin.text
    for bad in ("/tag", "/tag x", "/tag te!st", "/tag " + "a" * 33):
        await admin.send(bad)
        assert "Gebruik: /tag" in admin.text, bad

    newcomer = Person(room.core, YOUNG, "Jip")
    await newcomer.send("/start tag_scd-utrecht")
    assert "Je hoort nu bij de groep Social Cleanup Day Utrecht." in newcomer.text
    assert newcomer.labels() == ["Nederlands", "English"]  # onboarding goes on
    await newcomer.onboard()
    quiet = await room.young(YOUNG + 1)
    await quiet.send("/instellingen")
    await quiet.tap("Berichten over acties")
    await quiet.tap("Uit")
    await quiet.send("/start tag_scd-utrecht")
    assert "Zet ze dan aan in /instellingen" in quiet.text
    await quiet.send("/start tag_bestaat-niet")
    assert "werkt niet (meer)" in quiet.text

    await admin.send("/tags")
    assert "scd-utrecht (Social Cleanup Day Utrecht) · 2 ·" in admin.text
    uid = await newcomer.user_id()
    exported = await room.core.repo.export_user(uid)
    assert len(exported["tag_members"]) == 1
    await newcomer.send("/vergeetmij")
    await newcomer.tap("Ja, wis alles")
    assert await room.core.repo.count_rows_for(uid) == 0
    [tag] = await store.tags(room.core.repo)
    assert tag.members == 1


async def test_young_people_cannot_use_coordinator_commands(room: Office) -> None:
    """To a young person /bericht, /tag, /cijfers and /export are unknown commands."""
    young = await room.young(YOUNG)
    for command in ("/bericht", "/broadcast", "/tag x1", "/tags", "/cijfers", "/export"):
        await young.send(command)
        assert "ken ik niet" in young.text, command
    await young.press("bc:7:in")
    assert "niet meer actief" in young.text


async def test_wizard_plans_a_broadcast_at_a_moment_after_quiet_hours(room: Office) -> None:
    """Link with its own label, a moment in quiet hours moves to the morning; stored once."""
    admin = await room.admin()
    await admin.send("/bericht")
    await admin.send("Doe zaterdag mee met de Social Cleanup Day!")
    await admin.send("https://example.org no-url")
    assert "geen bruikbare link" in admin.text
    await admin.send("Ik doe mee, meld me aan https://example.org/scd?x=1")
    await admin.tap("Nee")  # no answer buttons
    await admin.tap("Een woonplaats")
    await admin.send("  Utrecht ")
    await admin.tap("Ja, wacht")
    preview = admin.replies[0]
    assert preview.text == "Doe zaterdag mee met de Social Cleanup Day!"
    assert [(b.label, b.url) for row in preview.buttons for b in row] == [
        ("Ik doe mee, meld me aan", "https://example.org/scd?x=1")
    ]
    assert "Ontvangers nu: 0 (woonplaats Utrecht)" in admin.text
    await admin.tap("Kies een moment")
    await admin.send("gisteren misschien")
    assert "begrijp ik niet" in admin.text
    await admin.send("vandaag 22:30")
    assert "na de stille uren (morgen 09:00)" in admin.text
    await admin.tap("Ja, verstuur")
    assert "Bericht #1 is gepland voor morgen 09:00" in admin.text
    found = await store.get(room.core.repo, 1)
    assert found is not None
    assert (found.status, found.segment, found.responses, found.quiet) == (
        "scheduled",
        store.Segment("city", "Utrecht"),
        False,
        True,
    )
    assert found.send_at == int(ams(2026, 1, 6, 9, 0).timestamp())
    audit = await staff_store.audit_log(room.core.repo)
    assert ("broadcast", None, "broadcast1:city") in [row[1:] for row in audit]


async def test_text_limits_and_the_preview_buttons(room: Office) -> None:
    """4096 characters is fine, one more is refused; the preview's buttons do not count."""
    admin = await room.admin()
    await admin.send("/bericht")
    await admin.send("x" * (MAX_TEXT + 1))
    assert "4097 tekens" in admin.text
    await admin.send("   ")
    assert "Ik zie geen tekst" in admin.text
    await admin.send("y" * MAX_TEXT)
    assert "knop met een link" in admin.text
    await admin.tap("Geen link")
    await admin.tap("Ja, met knoppen")
    await admin.tap("Iedereen")
    await admin.tap("Ja, wacht")
    assert admin.replies[0].text == "y" * MAX_TEXT
    await admin.press("bc:0:in")
    assert "alleen het voorbeeld" in admin.text
    assert "Verstuur nu" in admin.labels()  # still at the preview


async def test_typed_text_is_a_message_not_a_crisis_nor_a_relay(room: Office) -> None:
    """A coordinator with an open conversation types a broadcast that looks like a crisis: it
    is neither relayed to the young person nor answered as the coordinator's own crisis."""
    young = await room.young(YOUNG)
    case = await room.ask_for_help(young)
    coordinator = await room.staff(COORD, "coordinator", "Cora")
    await coordinator.group_tap(f"case:claim:{case.id}")
    await coordinator.send("Hoi, ik ben Cora.")  # the conversation works
    assert "Cora: Hoi, ik ben Cora." in room.channel.texts(YOUNG)
    relayed = len(room.channel.to(YOUNG, "send"))
    await coordinator.send("/bericht")
    await coordinator.send("Actie tegen bedreigingen en doxing online: kom ook!")
    assert "knop met een link" in coordinator.text
    assert len(room.channel.to(YOUNG, "send")) == relayed
    crisis = await room.core.repo.fetch(
        "SELECT COUNT(*) FROM help_requests WHERE user_id = ?", (await coordinator.user_id(),)
    )
    assert crisis == [(0,)]


async def test_a_revoked_coordinator_cannot_send_the_draft(room: Office) -> None:
    """The role is checked again at the last tap."""
    coordinator = await room.staff(COORD, "coordinator", "Cora")
    await _compose(coordinator)
    await coordinator.tap("Verstuur nu")
    await staff_store.revoke_roles(
        room.core.repo, await coordinator.user_id(), ["coordinator"], room.clock.now()
    )
    await coordinator.tap("Ja, verstuur")
    assert "andere rol" in coordinator.text
    assert await store.get(room.core.repo, 1) is None


def test_links_must_be_web_links() -> None:
    """Only http(s) with a dotted host and no spaces; the words before it label the button."""
    assert parse_link("https://example.org") == (None, "https://example.org")
    assert parse_link("Meld je aan  http://a.example.nl/x?y=1#z") == (
        "Meld je aan",
        "http://a.example.nl/x?y=1#z",
    )
    for bad in (
        "",
        "example.org",
        "javascript:alert(1)",
        "ftp://example.org/file",
        "https://localhost/x",
        "https://[::1/",
        "https://exa\u200bmple.org",
        "https://example.org/" + "x" * 2100,
    ):
        assert parse_link(bad) is None, bad


def test_a_draft_without_a_segment_goes_to_nobody() -> None:
    """A draft missing its segment (or its group) is incomplete, never "everyone"."""
    text = {"text": "Doe mee!"}
    assert Draft.of({**text, "segment": "tag"}) is None
    assert Draft.of({**text, "segment": "city", "segment_value": ""}) is None
    assert Draft.of(text) is None
    assert Draft.of({"segment": "all"}) is None
    draft = Draft.of({**text, "segment": "tag", "segment_value": "scd"})
    assert draft is not None
    assert (draft.segment, draft.quiet, draft.send_at) == (store.Segment("tag", "scd"), True, None)
