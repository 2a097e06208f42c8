"""Issue 12, items 1 and 5: routing you can see, and identity, over real python-telegram-bot
against the fake Bot API with several staff and young people at once."""

from __future__ import annotations

import json

from bot.storage import staff as store
from tests.e2e import RunningBot, texts
from tests.fakebot import Call
from tests.staffkit import (
    GROUP,
    IDLE,
    ask_for_help,
    claim,
    join,
    last_copy_from,
    onboard,
    staff_tg,  # noqa: F401 - the `tg` fixture with staff
)

NOOR, SEM, COORD, MOD = 8101, 8102, 8103, 8104
ANNA, BRAM, CEES = 8201, 8202, 8203


def _labels(calls: list[Call]) -> list[str]:
    markup = calls[-1].params.get("reply_markup") or {} if calls else {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


async def _pseudonym(tg: RunningBot, case_id: int) -> str:
    assert tg.core is not None
    case = await store.case(tg.core.repo, case_id)
    assert case is not None
    return f"Jongere #{case.pseudonym}"


async def _said(tg: RunningBot, young: int) -> str:
    return texts(await tg.fake.replies_until_idle(young, idle=IDLE))


async def test_swipe_reply_routes_with_two_and_three_cases(tg: RunningBot) -> None:
    """Noor holds three cases (Sem one more): a swipe-reply goes to that message's case, every
    message is confirmed with the pseudonym, no reply target asks which case, the chosen case
    is marked in /zaken, and a reply to a closed case sends nothing."""
    await join(tg, NOOR, "peer", "Noor")
    await join(tg, SEM, "peer", "Sem")
    cases = {}
    for young in (ANNA, BRAM, CEES):
        await onboard(tg, young)
        cases[young] = await ask_for_help(tg, young)
    await claim(tg, NOOR, cases[ANNA], ANNA)
    await claim(tg, NOOR, cases[BRAM], BRAM)
    await tg.say(ANNA, "Anna hier, ze schelden me uit.")
    await tg.say(BRAM, "Bram hier, iemand deelt mijn foto.")
    await tg.fake.replies_until_idle(NOOR, idle=IDLE)
    anna_copy = last_copy_from(tg, NOOR, ANNA)
    anna, bram, cees = [await _pseudonym(tg, cases[y]) for y in (ANNA, BRAM, CEES)]

    # Two cases, Bram's claimed last: the swipe-reply to Anna's copy reaches Anna.
    tg.fake.send_reply(NOOR, "Wat rot, Anna. Waar gebeurt het?", anna_copy)
    confirm = texts(await tg.fake.replies_until_idle(NOOR, idle=IDLE))
    assert confirm == f"→ {anna} ✓"
    assert "Noor: Wat rot, Anna. Waar gebeurt het?" in await _said(tg, ANNA)
    assert await tg.fake.replies_until_idle(BRAM, idle=IDLE) == []

    # No reply target with two cases: the bot asks, one tap sends it and keeps sending there.
    asked = await tg.say(NOOR, "Heb je screenshots?")
    assert "Voor wie is dit bericht?" in texts(asked)
    assert any(bram in label for label in _labels(asked))
    assert await tg.fake.replies_until_idle(BRAM, idle=IDLE) == []
    chosen = await tg.tap(NOOR, bram)
    assert f"→ {bram} ✓" in texts(chosen)
    assert "Noor: Heb je screenshots?" in await _said(tg, BRAM)
    again = await tg.say(NOOR, "Stuur ze maar hier.")
    assert texts(again) == f"→ {bram} ✓"
    assert "Noor: Stuur ze maar hier." in await _said(tg, BRAM)
    listed = await tg.say(NOOR, "/zaken")
    assert f"▶️ Actief: {bram}" in texts(listed)
    assert any(label.startswith("▶️") and bram in label for label in _labels(listed))

    # A third case clears the choice: the next plain message asks again, with three buttons.
    await claim(tg, NOOR, cases[CEES], CEES)
    asked = await tg.say(NOOR, "Is iedereen er nog?")
    assert "Je hebt 3 zaken open" in texts(asked)
    assert sum(1 for label in _labels(asked) if "Jongere #" in label) == 3
    await tg.tap(NOOR, "Niet versturen")
    for young in (ANNA, BRAM, CEES):
        assert await tg.fake.replies_until_idle(young, idle=IDLE) == []
    listed = await tg.say(NOOR, "/zaken")
    assert "Je hebt meerdere zaken en nog geen actieve" in texts(listed)
    picked = await tg.tap(NOOR, cees)  # one tap switches
    assert f"Wat je nu typt, gaat naar {cees}" in texts(picked)
    assert texts(await tg.say(NOOR, "Hoi Cees!")) == f"→ {cees} ✓"
    assert "Noor: Hoi Cees!" in await _said(tg, CEES)

    # Anna ends the conversation: a reply to her copy now sends nothing and says why.
    await tg.tap(ANNA, "Gesprek beëindigen")
    ended = texts(await tg.fake.replies_until_idle(NOOR, idle=IDLE))
    assert f"{anna} heeft het gesprek beëindigd" in ended
    tg.fake.send_reply(NOOR, "Nog één ding", anna_copy)
    refused = texts(await tg.fake.replies_until_idle(NOOR, idle=IDLE))
    assert f"Zaak #{cases[ANNA]} ({anna}) is gesloten. Je bericht is niet verstuurd." in refused
    assert "Nog één ding" not in await _said(tg, ANNA)
    assert tg.fake.sent_to(SEM)[-1].method == "sendMessage"  # Sem got nothing of all this


async def test_a_forged_update_never_acts_as_the_chats_owner(tg: RunningBot) -> None:
    """A tap or message claiming to be in Noor's private chat but sent by someone else does
    nothing: the actor is always callback_query.from / message.from."""
    await join(tg, NOOR, "peer", "Noor")
    await onboard(tg, ANNA)
    case_id = await ask_for_help(tg, ANNA)
    await onboard(tg, BRAM, "Bram")
    await tg.say(NOOR, "/zaken")
    noor_chat = tg.fake.sent_to(NOOR)[-1].result
    mark = tg.fake.mark()
    tg.fake.push_raw(
        {
            "callback_query": {
                "id": "forged-1",
                "from": {"id": BRAM, "is_bot": False, "first_name": "Bram"},
                "message": noor_chat,
                "chat_instance": "1",
                "data": f"case:claim:{case_id}",
            }
        }
    )
    tg.fake.push_raw(
        {
            "message": {
                "message_id": 999,
                "date": 0,
                "chat": {"id": NOOR, "type": "private", "first_name": "Noor"},
                "from": {"id": BRAM, "is_bot": False, "first_name": "Bram"},
                "text": "/zaken",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            }
        }
    )
    await tg.fake.wait_for("answerCallbackQuery", timeout=5, since=mark)
    assert await tg.fake.replies_until_idle(NOOR, idle=0.3) == []
    assert await tg.fake.replies_until_idle(BRAM, idle=IDLE) == []
    assert tg.core is not None
    case = await store.case(tg.core.repo, case_id)
    assert case is not None
    assert case.status == "open"
    # A real tap by Noor in her own chat still works.
    tg.fake.tap(NOOR, f"case:claim:{case_id}")
    await tg.fake.replies_until_idle(NOOR, idle=IDLE)
    case = await store.case(tg.core.repo, case_id)
    assert case is not None
    assert case.claimed_by is not None


async def test_contact_location_and_phone_are_held_back(tg: RunningBot) -> None:
    """In a conversation a contact card, a location and a typed phone number wait for "Toch
    sturen?"; only that tap copies them to the educator."""
    await join(tg, NOOR, "peer", "Noor")
    await onboard(tg, ANNA)
    case_id = await ask_for_help(tg, ANNA)
    await claim(tg, NOOR, case_id, ANNA)
    copies = len(tg.fake.calls_of("copyMessage"))

    tg.fake.send_contact(ANNA)
    warned = await tg.fake.replies_until_idle(ANNA, idle=IDLE)
    assert "Dit laat je telefoonnummer zien aan de peer educator. Toch sturen?" in texts(warned)
    assert _labels(warned) == ["Toch sturen", "Niet sturen"]
    tg.fake.send_location(ANNA)
    assert "Dit laat zien waar je bent. Toch sturen?" in await _said(tg, ANNA)
    assert "Oké, het is niet verstuurd." in texts(await tg.tap(ANNA, "Niet sturen"))
    typed = await tg.say(ANNA, "Bel me maar op 06-12345678")
    assert "Toch sturen?" in texts(typed)
    assert len(tg.fake.calls_of("copyMessage")) == copies  # nothing reached Noor yet
    assert await tg.fake.replies_until_idle(NOOR, idle=IDLE) == []

    sent = await tg.tap(ANNA, "Toch sturen")
    assert "Verstuurd naar je peer educator." in texts(sent)
    [copy] = await tg.fake.replies_until_idle(NOOR, idle=IDLE)
    assert copy.method == "copyMessage"
    assert copy.params["from_chat_id"] == ANNA
    assert "Ik ben er, vertel." not in texts([copy])
    plain = await tg.say(ANNA, "Het begon gisteren om 21:30.")
    assert "Toch sturen" not in texts(plain)
    [copy] = await tg.fake.replies_until_idle(NOOR, idle=IDLE)
    assert copy.method == "copyMessage"


async def test_team_names_not_real_names_and_no_pseudonyms_in_team(tg: RunningBot) -> None:
    """A new educator is "Teamlid <code>" to young people, never their Telegram name, until
    they choose a name with /naam; /team shows names and codes, never a case pseudonym."""
    calls = await tg.say(9001, "/uitnodigen peer", first_name="Ada")
    link = texts(calls).split("start=")[1].split()[0]
    welcome = await tg.say(NOOR, f"/start {link}", first_name="Noortje")
    assert "Kies met /naam de naam die jongeren zien" in texts(welcome)
    assert "Fijn dat je er weer bent" not in texts(welcome)
    assert "Je bent in het team als peer educator" in texts(welcome)
    scope = json.dumps({"chat_id": NOOR, "type": "chat"}, sort_keys=True)
    menu = [c["command"] for c in tg.fake.commands[(scope, "")]]
    assert {"zaken", "sluit", "naam", "start"} <= set(menu)
    assert "cijfers" not in menu
    await onboard(tg, ANNA)
    case_id = await ask_for_help(tg, ANNA)
    await claim(tg, NOOR, case_id, ANNA)
    assert tg.core is not None
    [member] = await store.members(tg.core.repo)
    hello = texts(tg.fake.sent_to(ANNA)[-2:])
    assert f"Teamlid {member.code} (peer educator) is er nu voor je" in hello
    assert "Noortje" not in str([c.params for c in tg.fake.sent_to(ANNA)])
    assert "Jongeren zien jou nu als: Noor" in texts(await tg.say(NOOR, "/naam Noor"))
    await tg.say(NOOR, "Hoi!")
    assert "Noor: Hoi!" in await _said(tg, ANNA)

    await join(tg, MOD, "moderator", "Mo")
    await tg.say(MOD, "/escaleer Iemand wordt uitgescholden onder onze post.")
    [card] = await tg.fake.replies_until_idle(GROUP, idle=IDLE)
    moderator_label = card.params["text"].split("· ")[-1].split("\n")[0]
    assert moderator_label.startswith("Moderator #")
    team = texts(await tg.say(9001, "/team", first_name="Ada"))
    assert "Noor (code " in team
    assert "Mo (code " in team
    assert moderator_label.removeprefix("Moderator ") not in team
    assert moderator_label.split("#")[1] not in team
