"""Issue 12, item 2: cases change hands and nothing is lost; private notes; canned replies.
Real python-telegram-bot against the fake Bot API, two educators, a coordinator, two young
people."""

from __future__ import annotations

from bot.storage import staff as store
from tests.e2e import RunningBot, texts
from tests.staffkit import (
    GROUP,
    IDLE,
    ask_for_help,
    claim,
    join,
    onboard,
    staff_tg,  # noqa: F401 - the `tg` fixture with staff
)

NOOR, SEM, COR = 8501, 8502, 8503
ANNA, BRAM = 8601, 8602


async def _read(tg: RunningBot, user: int) -> str:
    return texts(await tg.fake.replies_until_idle(user, idle=IDLE))


async def _start(tg: RunningBot) -> int:
    """Noor, Sem and Cor on the team; Noor holds Anna's case and they have talked."""
    await join(tg, NOOR, "peer", "Noor")
    await join(tg, SEM, "peer", "Sem")
    await join(tg, COR, "coordinator", "Cor")
    await onboard(tg, ANNA)
    case_id = await ask_for_help(tg, ANNA)
    await claim(tg, NOOR, case_id, ANNA)
    # Plain hate, no crisis: "mijn foto in een groep" gets the possible-signal question now.
    await tg.say(ANNA, "Ze schelden me uit in een groep op Snapchat.")
    await tg.fake.replies_until_idle(NOOR, idle=IDLE)
    await tg.say(NOOR, "Wat naar. Weet je wie de groep beheert?")
    await tg.fake.replies_until_idle(ANNA, idle=IDLE)
    return case_id


async def test_hand_back_with_a_note_and_the_history_goes_along(tg: RunningBot) -> None:
    """/notitie and /teruggeven: Anna hears another peer educator takes over, the case is on a
    new card, and Sem, who claims it, gets the card, both notes and the last messages."""
    case_id = await _start(tg)
    saved = await tg.say(NOOR, "/notitie Anna wil eerst screenshots maken")
    assert f"Notitie bewaard bij zaak #{case_id}" in texts(saved)
    cards = len(tg.fake.sent_to(GROUP))
    released = await tg.say(NOOR, "/teruggeven graag iemand die Snapchat kent")
    assert f"Zaak #{case_id}" in texts(released)
    assert "staat weer in de groep" in texts(released)
    assert "Een andere peer educator neemt het over" in await _read(tg, ANNA)
    group = await tg.fake.replies_until_idle(GROUP, idle=IDLE)
    assert any("is teruggegeven aan het team" in str(c.params.get("text")) for c in group)
    assert len(tg.fake.sent_to(GROUP)) > cards
    assert "Ik pak" in str(tg.fake.sent_to(GROUP)[-1].params.get("reply_markup"))

    await tg.say(ANNA, "Is er nog iemand?")  # waits for the next educator
    await claim(tg, SEM, case_id, ANNA)
    brief = tg.fake.sent_to(SEM)
    shown = texts(brief)
    assert "Notities (2), alleen voor het team" in shown
    assert "Noor: Anna wil eerst screenshots maken" in shown
    assert "teruggegeven door Noor: graag iemand die Snapchat kent" in shown
    assert "De laatste berichten van dit gesprek" in shown
    copies = [c for c in brief if c.method == "copyMessage"]
    assert len(copies) == 3  # her message, Noor's answer, and what she wrote while waiting
    assert all(c.params["from_chat_id"] == ANNA for c in copies)
    assert "Sem (peer educator) is er nu voor je" in texts(tg.fake.sent_to(ANNA)[-3:])
    assert "screenshots" not in texts(tg.fake.sent_to(ANNA))  # notes never reach her


async def test_transfer_to_a_named_colleague_who_accepts(tg: RunningBot) -> None:
    """/overdragen Sem: Sem gets the card with an accept button; after yes Anna hears Sem takes
    over, Noor is told, the card names Sem, and Sem's replies reach Anna."""
    case_id = await _start(tg)
    asked = await tg.say(NOOR, "/overdragen sem")
    assert "Gevraagd aan Sem" in texts(asked)
    offer = await tg.fake.replies_until_idle(SEM, idle=IDLE)
    assert f"Noor vraagt of jij zaak #{case_id}" in texts(offer)
    taken = await tg.tap(SEM, "Ja, ik neem het over")
    assert "De laatste berichten van dit gesprek" in texts(taken)
    assert "Een andere peer educator neemt het over: Sem" in await _read(tg, ANNA)
    assert f"Sem heeft zaak #{case_id} overgenomen" in await _read(tg, NOOR)
    edits = [c for c in tg.fake.calls_of("editMessageText") if c.chat_id == GROUP]
    assert "Opgepakt door Sem" in str(edits[-1].params["text"])
    assert texts(await tg.say(SEM, "Hoi Anna, ik ben Sem.")).endswith("✓")
    assert "Sem: Hoi Anna, ik ben Sem." in await _read(tg, ANNA)
    refused = await tg.say(NOOR, "Nog iets")
    assert "geen zaak open" in texts(refused)
    assert tg.core is not None
    case = await store.case(tg.core.repo, case_id)
    assert case is not None
    assert case.offered_to is None


async def test_coordinator_reassigns_and_a_decline_is_told(tg: RunningBot) -> None:
    """A coordinator offers Noor's case to Sem; Sem declines and the coordinator hears it; the
    case stays with Noor."""
    case_id = await _start(tg)
    asked = await tg.say(COR, f"/overdragen {case_id} Sem")
    assert "Gevraagd aan Sem" in texts(asked)
    offer = await tg.fake.replies_until_idle(SEM, idle=IDLE)
    assert f"Cor vraagt of jij zaak #{case_id}" in texts(offer)
    await tg.tap(SEM, "Nee, nu niet")
    assert f"Sem neemt zaak #{case_id} nu niet over" in await _read(tg, COR)
    assert tg.core is not None
    case = await store.case(tg.core.repo, case_id)
    assert case is not None
    assert case.claimed_by is not None
    noor = await store.members(tg.core.repo)
    assert {m.user_id: m.name for m in noor}[case.claimed_by] == "Noor"


async def test_canned_replies_are_one_tap(tg: RunningBot) -> None:
    """/snel lists the canned replies from the YAML; one tap sends one, confirmed."""
    await _start(tg)
    listed = await tg.say(NOOR, "/snel")
    assert "Snelle antwoorden voor zaak" in texts(listed)
    sent = await tg.tap(NOOR, "2. Wat vervelend")
    assert texts(sent).startswith("→ Jongere #")
    got = await _read(tg, ANNA)
    assert "Noor: Wat vervelend dat je dit meemaakt. Hoe gaat het nu met je?" in got
    await tg.say(NOOR, "/snel 3")
    assert "Noor: Heb je al screenshots gemaakt?" in await _read(tg, ANNA)
