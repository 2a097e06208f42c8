"""Cases through the real engine and scheduler: announce, claim race, relay, close, rate,
service levels on the injectable clock, privacy."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from bot.core.clock import ManualClock
from bot.hours import StaffedHours
from bot.storage import staff as store
from bot.storage.coach import record_help_request, save_plan
from tests.staffkit import ADMIN, GROUP, Office, office, staff_settings

pytestmark = pytest.mark.both_stores

YOUNG = 5001
EDU, EDU2, COORD = 6001, 6002, 6003


@pytest.fixture
async def desk(settings: Settings, clock: ManualClock) -> AsyncIterator[Office]:
    async with office(staff_settings(settings), clock) as opened:
        yield opened


async def test_asking_opens_a_case_with_an_id_only_summary(desk: Office) -> None:
    """The talk flow opens a case from button answers and the latest plan, and the staff group
    gets a card with a pseudonym and a claim button, never the person's name or id."""
    young = await desk.young(YOUNG, "Jip")
    uid = await young.user_id()
    plan = {"platform": "tiktok", "form": "bullying", "approach": "empathy", "danger": "none"}
    await save_plan(desk.core.repo, uid, plan, desk.clock.now())
    case = await desk.ask_for_help(young)
    assert "doorgezet naar het team" in young.text
    assert case.summary == {
        "role": "target",
        "platform": "tiktok",
        "form": "bullying",
        "approach": "empathy",
    }
    card = desk.card()
    assert f"Jongere #{case.pseudonym}" in card.text
    assert "Rol: doelwit" in card.text
    assert "Vorm: pesten" in card.text
    assert "Platform: TikTok" in card.text
    assert "Jip" not in card.text
    assert str(YOUNG) not in card.text
    assert card.buttons[0][0].data == f"case:claim:{case.id}"
    assert not case.urgent


async def test_two_educators_claim_at_once_one_wins(desk: Office) -> None:
    """Simultaneous claims: exactly one wins, the card names the winner, the person hears a
    first name, the loser is told someone was faster."""
    young = await desk.young(YOUNG)
    case = await desk.ask_for_help(young)
    # Plain name-calling (the retrain of 9c65a6a asks about gossip in a group app: doxing?).
    await young.send("Iemand scheldt mij steeds uit onder mijn posts.")
    assert "Je bericht staat klaar" in young.text
    noor = await desk.staff(EDU, "peer_educator", "Noor")
    sem = await desk.staff(EDU2, "peer_educator", "Sem")
    toasts = await asyncio.gather(
        noor.group_tap(f"case:claim:{case.id}"), sem.group_tap(f"case:claim:{case.id}")
    )
    assert sorted(t or "" for t in toasts) == [
        f"Zaak #{case.id} is al opgepakt door iemand anders.",
        f"Zaak #{case.id} is van jou. Kijk in je privéchat met de bot.",
    ]
    claimed = await desk.case(case.id)
    winner, name = (EDU, "Noor") if claimed.claimed_by == await noor.user_id() else (EDU2, "Sem")
    [edit] = desk.channel.to(GROUP, "edit")
    assert f"Opgepakt door {name}" in edit.text
    assert edit.buttons == ()
    assert f"{name} (peer educator) is er nu voor je" in desk.channel.texts(YOUNG)
    [copy] = desk.channel.to(winner, "copy")  # what the person wrote while waiting
    assert copy.source == (str(YOUNG), young.last_message_id)
    assert f"Jongere #{case.pseudonym}" in copy.buttons[0][0].label
    assert desk.channel.to(EDU if winner == EDU2 else EDU2, "copy") == []
    log = await store.audit_log(desk.core.repo)
    claims = [(row[1], row[2], row[3]) for row in log if row[1] == "claim"]
    assert sorted(claims, key=str) == [("claim", case.id, "lost"), ("claim", case.id, None)]


async def test_relay_both_ways_as_copies(desk: Office) -> None:
    """After the claim the person's texts and photos reach the educator as copies with the
    pseudonym; the educator's replies reach the person under the first name only."""
    young = await desk.young(YOUNG, "Jip")
    case = await desk.ask_for_help(young)
    noor = await desk.staff(EDU, "peer_educator", "Noor")
    await noor.group_tap(f"case:claim:{case.id}")
    await young.send("Ze noemen me elke dag dik.")
    text_id = young.last_message_id
    await young.photo("screenshot")
    copies = desk.channel.to(EDU, "copy")
    assert [c.source for c in copies] == [
        (str(YOUNG), text_id),
        (str(YOUNG), young.last_message_id),
    ]
    assert all(f"Jongere #{case.pseudonym} · #{case.id}" in c.buttons[0][0].label for c in copies)
    assert young.replies == []  # the coaching bot stays quiet
    await noor.send("Wat vervelend. Wil je vertellen waar dat gebeurt?")
    assert noor.replies == []
    to_young = desk.channel.to(YOUNG, "send")[-1]
    assert to_young.text == "Noor: Wat vervelend. Wil je vertellen waar dat gebeurt?"
    assert [row[0].data for row in to_young.buttons] == [
        f"case:leave:{case.id}",
        f"case:end:{case.id}",
    ]
    await noor.photo("")
    [media] = desk.channel.to(YOUNG, "copy")
    assert media.text == "📎 Noor"
    everything_to_staff = "\n".join(
        s.text + " ".join(b.label for row in s.buttons for b in row)
        for s in desk.channel.log
        if s.chat in (str(EDU), str(GROUP))
    )
    assert "Jip" not in everything_to_staff
    assert str(YOUNG) not in everything_to_staff
    assert (await desk.case(case.id)).waiting_since is None
    assert [row[1] for row in await store.audit_log(desk.core.repo)].count("relay") == 2


async def test_menu_and_crisis_still_work_during_a_conversation(desk: Office) -> None:
    """During a case /menu opens the menu (with the conversation and a way to end it), /hulp
    works, and a crisis message in the talk conversation gets the crisis answer and still
    reaches the educator."""
    young = await desk.young(YOUNG)
    case = await desk.ask_for_help(young)
    noor = await desk.staff(EDU, "peer_educator", "Noor")
    await noor.group_tap(f"case:claim:{case.id}")
    await young.send("/menu")
    assert "Je hebt een gesprek met Noor" in young.text
    assert "Wat wil je doen?" in young.text
    assert "Gesprek beëindigen" in young.labels()
    await young.send("/hulp")
    assert "113" in young.text
    await young.press(f"case:talk:{case.id}")
    assert "Je schrijft nu met Noor" in young.text
    await young.send("ik wil dood")
    assert "klinkt heel zwaar" in young.text  # the crisis answer
    assert desk.channel.to(EDU, "copy")[-1].source == (str(YOUNG), young.last_message_id)
    await desk.scheduler.tick()  # the urgent request lands in the open case
    case = await desk.case(case.id)
    assert case.urgent
    assert "is nu dringend" in desk.channel.texts(EDU)
    await noor.send("Bel 113 als je aan zelfmoord denkt, ik ben er ook.")
    assert noor.replies == []  # relayed, not read as the educator's own crisis
    assert "Noor: Bel 113" in desk.channel.texts(YOUNG)


async def test_close_and_rate(desk: Office) -> None:
    """/sluit offers outcomes, closing updates the card and asks the person for a rating."""
    young = await desk.young(YOUNG)
    case = await desk.ask_for_help(young)
    noor = await desk.staff(EDU, "peer_educator", "Noor")
    await noor.group_tap(f"case:claim:{case.id}")
    await noor.send("/sluit")
    assert [b.label for b in noor.buttons] == ["geholpen", "doorverwezen", "geen reactie", "anders"]
    await noor.tap("geholpen")
    closed = await desk.case(case.id)
    assert (closed.status, closed.outcome) == ("closed", "helped")
    assert "Gesloten: geholpen" in desk.channel.to(GROUP, "edit")[-1].text
    pushed = desk.channel.to(YOUNG, "send")
    assert "Noor heeft het gesprek afgesloten" in pushed[-2].text
    assert "Hoeveel heb je aan dit gesprek gehad" in pushed[-1].text
    rate = next(b for row in pushed[-1].buttons for b in row if b.label == "4")
    await young.press(rate.data or "")
    assert "Dank je wel" in young.text
    assert (await desk.case(case.id)).rating == 4
    await young.send("nog een bericht")
    assert "Dat antwoord begrijp ik niet" in young.text or young.replies  # normal bot again


async def test_person_ends_the_conversation(desk: Office) -> None:
    """The end button closes the case, tells the educator and asks for a rating."""
    young = await desk.young(YOUNG)
    case = await desk.ask_for_help(young)
    noor = await desk.staff(EDU, "peer_educator", "Noor")
    await noor.group_tap(f"case:claim:{case.id}")
    await young.press(f"case:end:{case.id}")
    assert "Hoeveel heb je aan dit gesprek gehad" in young.text
    assert (await desk.case(case.id)).outcome == "ended"
    assert f"Jongere #{case.pseudonym} heeft het gesprek beëindigd" in desk.channel.texts(EDU)
    await noor.send("Hallo?")
    assert not desk.channel.to(YOUNG, "send")[-1].text.startswith("Noor:")


async def test_withdrawing_an_unclaimed_request(desk: Office) -> None:
    """Before anyone claims it, the person can withdraw; the card says it is closed."""
    young = await desk.young(YOUNG)
    case = await desk.ask_for_help(young)
    await young.tap("Vraag intrekken")
    assert "ingetrokken" in young.text
    assert (await desk.case(case.id)).status == "closed"
    assert "Gesloten: beëindigd door de jongere" in desk.channel.to(GROUP, "edit")[-1].text


async def test_requests_from_other_flows_become_cases_urgent_first(desk: Office) -> None:
    """Help requests written elsewhere (coaching, crisis) are picked up by the scheduler;
    urgent ones are announced first and marked."""
    calm = await desk.young(YOUNG)
    crisis = await desk.young(YOUNG + 1)
    now = desk.clock.now()
    await record_help_request(desk.core.repo, await calm.user_id(), "feelings", False, now)
    await record_help_request(desk.core.repo, await crisis.user_id(), "crisis:suicide", True, now)
    await desk.scheduler.tick()
    first, second = desk.channel.to(GROUP, "post")
    assert first.text.startswith("🔴 DRINGEND")
    assert "Aanleiding: crisissignaal: zelfdoding" in first.text
    assert second.text.startswith("🟡 Zaak")
    assert "heeft het zwaar" in second.text
    await desk.scheduler.tick()
    assert len(desk.channel.to(GROUP, "post")) == 2  # nothing twice


async def test_unclaimed_case_is_reannounced_then_escalated(desk: Office) -> None:
    """After 10 minutes the card is posted again; after 30 coordinators and admins are told
    and the person hears it takes longer."""
    coordinator = await desk.staff(COORD, "coordinator", "Cor")
    await desk.admin()
    young = await desk.young(YOUNG)
    case = await desk.ask_for_help(young)
    await desk.scheduler.tick()
    desk.clock.advance(minutes=9)
    await desk.scheduler.tick()
    assert len(desk.channel.to(GROUP, "post")) == 1
    desk.clock.advance(minutes=1)
    await desk.scheduler.tick()
    again = desk.card()
    assert again.text.startswith("⏰ Nog niet opgepakt na 10 minuten")
    assert "opnieuw gemeld" in desk.channel.to(GROUP, "edit")[-1].text
    desk.clock.advance(minutes=20)
    await desk.scheduler.tick()
    for chat in (COORD, ADMIN):
        assert f"Zaak #{case.id} (Jongere #{case.pseudonym}) is na 30 minuten" in (
            desk.channel.texts(chat)
        )
    assert "Het duurt langer dan we willen" in desk.channel.texts(YOUNG)
    desk.clock.advance(hours=3)
    await desk.scheduler.tick()
    assert len(desk.channel.to(GROUP, "post")) == 2
    assert desk.channel.texts(COORD).count("nog niet opgepakt") == 1
    assert coordinator.user == str(COORD)


async def test_outside_staffed_hours(settings: Settings) -> None:
    """Friday evening: the person hears when to expect an answer; timers wait for Monday."""
    friday = ManualClock(datetime(2026, 1, 9, 17, 0, tzinfo=UTC))  # 18:00 in Amsterdam
    weekdays = staff_settings(settings, staffed_hours=StaffedHours.parse("Mon-Fri 09:00-17:30"))
    async with office(weekdays, friday) as desk:
        young = await desk.young(YOUNG)
        await desk.ask_for_help(young)
        assert "waarschijnlijk vanaf ma 09:00" in young.text
        assert "🆘 Hulplijnen" in young.labels()
        other = await desk.young(YOUNG + 1)
        now = friday.now()
        await record_help_request(desk.core.repo, await other.user_id(), "feelings", False, now)
        await desk.scheduler.tick()
        assert "Het team is nu niet online" in desk.channel.texts(YOUNG + 1)
        assert "Het team is nu niet online" not in desk.channel.texts(YOUNG)
        for _ in range(4):  # the weekend
            friday.advance(hours=12)
            await desk.scheduler.tick()
        friday.set(datetime(2026, 1, 12, 8, 0, tzinfo=UTC))  # Monday 09:00
        await desk.scheduler.tick()
        assert len(desk.channel.to(GROUP, "post")) == 2
        friday.advance(minutes=10)
        await desk.scheduler.tick()
        assert len(desk.channel.to(GROUP, "post")) == 4


async def test_reply_reminders_for_a_silent_educator(desk: Office) -> None:
    """A claimed case where the person waits: the educator is reminded after the reply time,
    the coordinators after twice that; a reply stops the clock."""
    await desk.staff(COORD, "coordinator", "Cor")
    young = await desk.young(YOUNG)
    case = await desk.ask_for_help(young)
    noor = await desk.staff(EDU, "peer_educator", "Noor")
    await noor.group_tap(f"case:claim:{case.id}")
    desk.clock.advance(minutes=61)
    await desk.scheduler.tick()
    assert f"(zaak #{case.id}) wacht sinds" in desk.channel.texts(EDU)
    desk.clock.advance(minutes=60)
    await desk.scheduler.tick()
    assert "wacht al 121 minuten op een antwoord van Noor" in desk.channel.texts(COORD)
    await noor.send("Sorry, ik ben er nu!")
    await young.press(f"case:talk:{case.id}")  # a self-report question came in between
    await young.send("Fijn")
    desk.clock.advance(minutes=59)
    await desk.scheduler.tick()
    assert desk.channel.texts(EDU).count("wacht sinds") == 1
    desk.clock.advance(minutes=2)
    await desk.scheduler.tick()
    assert desk.channel.texts(EDU).count("wacht sinds") == 2


async def test_educator_reminder_about_a_case(desk: Office) -> None:
    """/herinner understands Dutch times, links the active case and arrives with its button."""
    young = await desk.young(YOUNG)
    case = await desk.ask_for_help(young)
    noor = await desk.staff(EDU, "peer_educator", "Noor")
    await noor.group_tap(f"case:claim:{case.id}")
    await noor.send("/herinner over 2 uur vragen hoe de melding ging")
    assert f"herinnering over zaak #{case.id}: 15:00" in noor.text
    desk.clock.advance(hours=2)
    await desk.scheduler.tick()
    [reminder] = [s for s in desk.channel.to(EDU, "send") if "hoe de melding" in s.text]
    assert reminder.text == "⏰ Herinnering: vragen hoe de melding ging"
    assert reminder.buttons[0][0].data == f"case:show:{case.id}"
    await noor.press(f"case:show:{case.id}")
    assert f"(zaak #{case.id})" in noor.text
    await noor.send("/herinner ooit een keer")
    assert "Gebruik: /herinner" in noor.text


async def test_digest_lists_what_is_open_and_due(desk: Office) -> None:
    """The daily digest tells each peer educator about open cases, their own and reminders."""
    waiting = await desk.young(YOUNG)
    mine = await desk.young(YOUNG + 1)
    await desk.ask_for_help(waiting)
    case = await desk.ask_for_help(mine)
    noor = await desk.staff(EDU, "peer_educator", "Noor")
    await desk.staff(EDU2, "peer_educator", "Sem")
    await noor.group_tap(f"case:claim:{case.id}")
    await noor.send("/herinner 16:00 evaluatie")
    await desk.scheduler.digest()
    digest = desk.channel.texts(EDU)
    assert "Open zaken in de groep: 1" in digest
    assert f"#{case.id} Jongere #{case.pseudonym}: wacht sinds 13:00" in digest
    assert "16:00: evaluatie" in digest
    assert "Open zaken in de groep: 1" in desk.channel.texts(EDU2)


async def test_forget_me_removes_cases_and_keeps_anonymous_audit(desk: Office) -> None:
    """/vergeetmij deletes the person's cases (and their texts); the audit keeps who on the
    staff side did what, without any link to the person."""
    young = await desk.young(YOUNG)
    case = await desk.ask_for_help(young)
    uid = await young.user_id()
    noor = await desk.staff(EDU, "peer_educator", "Noor")
    await noor.group_tap(f"case:claim:{case.id}")
    await noor.send("Hoi!")
    await young.send("/vergeetmij")
    await young.tap("Ja, wis alles")
    assert await desk.core.repo.count_rows_for(uid) == 0
    assert await store.case(desk.core.repo, case.id) is None
    audit = await store.audit_log(desk.core.repo)
    about_case = [row for row in audit if row[1] in ("claim", "relay")]
    assert [row[1] for row in about_case] == ["claim", "relay"]
    assert {row[0] for row in about_case} == {await noor.user_id()}
    assert {row[2] for row in audit} == {None}  # no link to the deleted case
    assert all(case.pseudonym not in str(row) and "Hoi" not in str(row) for row in audit)
    await noor.send("Ben je er nog?")
    assert desk.channel.to(YOUNG, "send")[-1].text != "Noor: Ben je er nog?"


async def test_case_texts_are_emptied_after_retention(desk: Office) -> None:
    """A moderator's description and the closing note go after STERK_RETENTION_DAYS."""
    moderator = await desk.staff(EDU2, "moderator", "Mo")
    await moderator.send("/escaleer Er staan haatreacties onder onze post over de moskee.")
    noor = await desk.staff(EDU, "peer_educator", "Noor")
    case = await store.active_case_of(desk.core.repo, await moderator.user_id())
    assert case is not None
    assert case.description == "Er staan haatreacties onder onze post over de moskee."
    await noor.group_tap(f"case:claim:{case.id}")
    await noor.send("/sluit doorverwezen naar het meldpunt")
    desk.clock.advance(days=desk.core.settings.retention_days + 1)
    await desk.scheduler.sweep()
    rows = await desk.core.repo.fetch("SELECT description, outcome_note, outcome FROM cases")
    assert [tuple(row) for row in rows] == [(None, None, "referred")]


async def test_moderator_escalation_and_wellbeing(desk: Office) -> None:
    """/escaleer opens a case with the moderator as contact; a low wellbeing score does too."""
    moderator = await desk.staff(EDU2, "moderator", "Mo")
    await moderator.send("/escaleer dringend Iemand schrijft: ik wil dood. Wie kan helpen?")
    assert "Zaak #" in moderator.text
    assert "klinkt heel zwaar" not in moderator.text  # someone else's crisis, not theirs
    card = desk.card()
    assert card.text.startswith("🔴 DRINGEND")
    assert "Moderator #" in card.text
    assert "Beschrijving van de moderator: Iemand schrijft: ik wil dood." in card.text
    case = await store.active_case_of(desk.core.repo, await moderator.user_id())
    assert case is not None
    await moderator.press(f"case:end:{case.id}")
    await moderator.send("/welzijn")
    await moderator.tap("Slecht")
    assert "Een peer educator neemt contact met je op" in moderator.text
    assert "welzijnscheck, score 1 van 5" in desk.card().text
    rows = await desk.core.repo.fetch("SELECT score FROM wellbeing_scores")
    assert [row[0] for row in rows] == [1]


async def test_wellbeing_check_comes_every_n_days(desk: Office) -> None:
    """A moderator who joined gets the check after STERK_WELLBEING_DAYS, then again."""
    admin = await desk.admin()
    await admin.send("/uitnodigen moderator")
    from tests.staffkit import Person

    moderator = Person(desk.core, EDU2, "Mo")
    await moderator.send("/start " + admin.text.split("start=")[1].split()[0])
    desk.clock.advance(days=6)
    await desk.scheduler.tick()
    assert "check-in voor jou als moderator" not in desk.channel.texts(EDU2)
    desk.clock.advance(days=1, hours=1)
    await desk.scheduler.tick()
    assert "check-in voor jou als moderator" in desk.channel.texts(EDU2)
    pending = await store.pending_kind(desk.core.repo, "wellbeing", await moderator.user_id())
    assert len(pending) == 1
    assert timedelta(seconds=pending[0] - int(desk.clock.now().timestamp())) == timedelta(days=7)


async def test_typed_answer_to_a_question_is_not_relayed(desk: Office) -> None:
    """When a step asks a staff member to type something (here: their town), that text
    answers the step and is not sent to the young person."""
    young = await desk.young(YOUNG)
    case = await desk.ask_for_help(young)
    noor = await desk.staff(EDU, "peer_educator", "Noor")
    await noor.group_tap(f"case:claim:{case.id}")
    await noor.send("/instellingen")
    await noor.tap("Woonplaats of organisatie")
    await noor.tap("Woonplaats")
    await noor.send("Utrecht")
    assert "Noor: Utrecht" not in desk.channel.texts(YOUNG)
    loaded = await desk.core.repo.load("telegram", str(EDU))
    assert loaded is not None
    assert loaded[0].city == "Utrecht"
    await noor.send("Daar ben ik weer.")
    assert "Noor: Daar ben ik weer." in desk.channel.texts(YOUNG)
