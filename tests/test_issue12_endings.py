"""Issue 12, items 3 and 4: a crisis in any case reaches the coordinators, educators can ask
for one, and every ending (/vergeetmij, a blocked bot, a revoke) is told to everyone. Real
python-telegram-bot against the fake Bot API; the scheduler is ticked where requests wait."""

from __future__ import annotations

from bot.storage import staff as store
from scheduler.service import Scheduler
from tests.e2e import RunningBot, texts
from tests.staffkit import (
    ADMIN,
    GROUP,
    IDLE,
    ask_for_help,
    claim,
    join,
    last_copy_from,
    onboard,
    staff_tg,  # noqa: F401 - the `tg` fixture with staff
)

NOOR, SEM, COR = 8301, 8302, 8303
ANNA, BRAM = 8401, 8402
CRISIS = "ik wil niet meer leven"


async def _desk(tg: RunningBot) -> dict[int, int]:
    """Noor and Sem (peer educators), Cor (coordinator), Anna and Bram each with a case that
    Noor holds. Returns the case ids by young person."""
    await join(tg, NOOR, "peer", "Noor")
    await join(tg, SEM, "peer", "Sem")
    await join(tg, COR, "coordinator", "Cor")
    cases = {}
    for young in (ANNA, BRAM):
        await onboard(tg, young)
        cases[young] = await ask_for_help(tg, young)
        await claim(tg, NOOR, cases[young], young)
    return cases


async def _read(tg: RunningBot, user: int) -> str:
    return texts(await tg.fake.replies_until_idle(user, idle=IDLE))


async def _label(tg: RunningBot, case_id: int) -> str:
    assert tg.core is not None
    case = await store.case(tg.core.repo, case_id)
    assert case is not None
    return f"Jongere #{case.pseudonym}"


async def test_crisis_inside_a_claimed_case_alerts_the_coordinators(tg: RunningBot) -> None:
    """A crisis signal in Noor's claimed case reaches Cor at once with the case card (Sem,
    another educator, hears nothing); a second signal in the same case reaches Cor again."""
    cases = await _desk(tg)
    assert tg.core is not None
    scheduler = Scheduler(tg.core, tg.clock)
    label = await _label(tg, cases[ANNA])
    answer = await tg.say(ANNA, CRISIS)
    assert "113" in texts(answer)  # the crisis answer with the helpline
    await scheduler.tick()  # the urgent request turns into the case's alarm
    alert = await _read(tg, COR)
    assert f"🚨 Crisis in zaak #{cases[ANNA]} ({label})" in alert
    assert "Noor heeft de zaak" in alert
    assert "Aanleiding: crisissignaal" in alert  # the case card comes along
    noor = await _read(tg, NOOR)
    assert f"Zaak #{cases[ANNA]} ({label}) is nu dringend" in noor
    assert "Nieuw crisissignaal" not in noor  # told once
    assert await tg.fake.replies_until_idle(SEM, idle=IDLE) == []

    await tg.say(ANNA, "/menu")
    await tg.say(ANNA, "ik wil dood")
    await scheduler.tick()
    assert f"🚨 Crisis in zaak #{cases[ANNA]}" in await _read(tg, COR)
    assert "Nieuw crisissignaal" in await _read(tg, NOOR)


async def test_educator_flags_a_case_for_a_coordinator(tg: RunningBot) -> None:
    """/vlag as a swipe-reply to Bram's message: Cor gets the card and the note, the staff
    group card shows 🚩."""
    cases = await _desk(tg)
    await tg.say(BRAM, "Ze dreigen mijn adres te posten.")
    await tg.fake.replies_until_idle(NOOR, idle=IDLE)
    copy = last_copy_from(tg, NOOR, BRAM)
    tg.fake.send_reply(NOOR, "/vlag dreiging met adres, wil overleg", copy)
    label = await _label(tg, cases[BRAM])
    assert f"De coördinatoren zijn ingelicht over zaak #{cases[BRAM]} ({label})" in await _read(
        tg, NOOR
    )
    flagged = await _read(tg, COR)
    assert f"Noor vraagt een coördinator bij zaak #{cases[BRAM]}" in flagged
    assert "Wat er speelt: dreiging met adres, wil overleg" in flagged
    edits = [c for c in tg.fake.calls_of("editMessageText") if c.chat_id == GROUP]
    assert "🚩 Coördinator gevraagd" in str(edits[-1].params["text"])
    assert await tg.fake.replies_until_idle(ANNA, idle=IDLE) == []
    assert "dreiging met adres" not in await _read(tg, BRAM)  # never shown to the young person


async def test_forget_me_with_an_open_claimed_case(tg: RunningBot) -> None:
    """Anna uses /vergeetmij mid-conversation: the card says so, Noor is told, and Noor's next
    messages get a clear line instead of the young-person menu."""
    cases = await _desk(tg)
    await tg.say(ANNA, "Hoi Noor")
    await tg.fake.replies_until_idle(NOOR, idle=IDLE)
    anna_copy = last_copy_from(tg, NOOR, ANNA)
    label = await _label(tg, cases[ANNA])
    await tg.say(ANNA, "/vergeetmij")
    await tg.tap(ANNA, "Ja, wis alles")
    told = await _read(tg, NOOR)
    assert f"🗑️ {label} heeft met /vergeetmij alle gegevens laten wissen" in told
    assert f"Je berichten gaan nu naar {await _label(tg, cases[BRAM])}" in told
    edits = [c for c in tg.fake.calls_of("editMessageText") if c.chat_id == GROUP]
    assert "Gesloten: de jongere heeft al zijn gegevens laten wissen" in str(edits[-1].params)

    tg.fake.send_reply(NOOR, "Ben je er nog?", anna_copy)
    refused = await _read(tg, NOOR)
    assert "hoort niet bij een zaak die nog bestaat" in refused
    assert "Wat wil je doen?" not in refused
    assert "Ben je er nog?" not in await _read(tg, ANNA)
    await tg.tap(BRAM, "Gesprek beëindigen")
    await tg.fake.replies_until_idle(NOOR, idle=IDLE)
    alone = texts(await tg.say(NOOR, "Hallo?"))
    assert "Je hebt nu geen zaak open, dus dit bericht is niet verstuurd." in alone
    assert "Dat begrijp ik niet" not in alone


async def test_a_blocked_bot_ends_the_case(tg: RunningBot) -> None:
    """Bram blocks the bot: Noor's next message to him gets a 403, the case closes, the card
    says why and Noor is told."""
    cases = await _desk(tg)
    tg.fake.block(BRAM)
    label = await _label(tg, cases[BRAM])
    await tg.say(BRAM, "laatste bericht")  # what he sent before blocking still arrives
    await tg.fake.replies_until_idle(NOOR, idle=IDLE)
    copy = last_copy_from(tg, NOOR, BRAM)
    tg.fake.send_reply(NOOR, "Hoe gaat het nu?", copy)
    told = await _read(tg, NOOR)
    assert f"⛔ {label} heeft de bot geblokkeerd. Zaak #{cases[BRAM]} is gesloten" in told
    assert "✓" not in told
    assert tg.core is not None
    case = await store.case(tg.core.repo, cases[BRAM])
    assert case is not None
    assert (case.status, case.outcome) == ("closed", "blocked")
    edits = [c for c in tg.fake.calls_of("editMessageText") if c.chat_id == GROUP]
    assert "de jongere heeft de bot geblokkeerd" in str(edits[-1].params["text"])


async def test_revoke_tells_everyone_and_ends_staff_flows(tg: RunningBot) -> None:
    """Revoking Noor gives her cases back (Anna hears another peer educator takes over, the old
    card points to the new one); revoking Cor mid-/bericht ends the compose flow, takes both
    out of the staff group and resets their "/" menus."""
    cases = await _desk(tg)
    await tg.say(COR, "/bericht")
    await tg.say(COR, "Kom zaterdag meedoen aan de Social Cleanup Day!")
    assert tg.core is not None
    members = {m.name: m for m in await store.members(tg.core.repo)}
    cards_before = len([c for c in tg.fake.sent_to(GROUP) if c.method == "sendMessage"])

    done = await tg.say(ADMIN, f"/intrekken {members['Noor'].code}", first_name="Ada")
    assert "Noor is geen peer educator meer" in texts(done)
    assert "Een andere peer educator neemt het over" in await _read(tg, ANNA)
    assert "Een andere peer educator neemt het over" in await _read(tg, BRAM)
    assert "Je hebt geen rol meer in het team" in await _read(tg, NOOR)
    group = await tg.fake.replies_until_idle(GROUP, idle=IDLE)
    assert any("is teruggegeven aan het team" in str(c.params.get("text")) for c in group)
    new_cards = [c for c in tg.fake.sent_to(GROUP) if c.method == "sendMessage"]
    assert len(new_cards) == cards_before + 2
    for case_id in cases.values():
        case = await store.case(tg.core.repo, case_id)
        assert case is not None
        assert case.status == "open"

    await tg.say(ADMIN, f"/intrekken {members['Cor'].code}", first_name="Ada")
    told = await _read(tg, COR)
    assert "Je hebt geen rol meer in het team" in told
    assert "Wat wil je doen?" in told  # out of the compose flow, at the menu
    after = await tg.say(COR, "Aanmelden https://example.org/scd")
    assert "Zo ziet het bericht eruit" not in texts(after)
    for user in (NOOR, COR):
        assert (GROUP, user) not in tg.fake.banned  # banned and unbanned: out, may come back
        bans = [c for c in tg.fake.calls_of("banChatMember") if c.params["user_id"] == user]
        assert len(bans) == 1
        scope = f'{{"chat_id": {user}, "type": "chat"}}'
        assert (scope, "") not in tg.fake.commands
    assert any(c.params["user_id"] == NOOR for c in tg.fake.calls_of("unbanChatMember"))
