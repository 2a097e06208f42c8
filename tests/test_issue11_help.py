"""Issue 11, items 7 and 8, through python-telegram-bot and the fake Bot API.

Compact /hulp that puts what fits first and returns to the step; a check-in that went badly
offers helplines and a peer educator (the scheduler running, as in production); /taal and
/instellingen mid-journey come back to the same step; the town field keeps only a name.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator

import pytest

from bot.config import Settings
from bot.core.clock import ManualClock
from bot.flows.place import personal_detail
from scheduler.service import Scheduler
from tests.e2e import RunningBot, running_bot, texts
from tests.fakebot import Call
from tests.staffkit import GROUP, staff_settings
from tests.test_e2e_coach import ONBOARDING

TO_WHERE = ("Ik zie nu iets haatdragends", "Ik zie het bij een ander", "Geschrokken")
HELP_LIMIT = 1200


def _labels(calls: list[Call]) -> list[str]:
    """Button labels of the last keyboard among the calls."""
    for call in reversed(calls):
        markup = call.params.get("reply_markup")
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            return [str(b["text"]) for row in markup["inline_keyboard"] for b in row]
    return []


async def _walk(tg: RunningBot, user: int, *labels: str) -> list[Call]:
    """Onboard in Dutch, then tap `labels`; what the last tap got back."""
    await tg.say(user, "/start")
    for label in ONBOARDING["Nederlands"]:
        await tg.tap(user, label)
    calls: list[Call] = []
    for label in labels:
        calls = await tg.tap(user, label)
    return calls


def _help_texts(calls: list[Call]) -> list[str]:
    return [str(call.params.get("text")) for call in calls if call.method == "sendMessage"]


async def test_help_is_two_short_messages_with_112_first(tg: RunningBot) -> None:
    """From the menu: at most two messages and 1,200 characters, 112 as the opening line, no
    '112 (alarmnummer) (112)', and 'day and night' only on the lines verified as 24/7."""
    await _walk(tg, 9201)
    shown = _help_texts(await tg.say(9201, "/hulp"))
    assert 1 <= len(shown) <= 2
    assert sum(len(text) for text in shown) <= HELP_LIMIT
    first = shown[0].splitlines()
    assert first[1].startswith("🚨 Bel meteen 112")
    joined = "\n".join(shown)
    assert "(112)" not in joined
    assert joined.count("112") == 1
    always = [line for line in joined.splitlines() if "dag en nacht" in line]
    assert len(always) == 2
    assert always[0].startswith("• 113 Zelfmoordpreventie")
    assert always[1].startswith("• Centrum Seksueel Geweld")
    assert "www." not in joined


async def test_help_after_threat_and_doxing_lists_the_police_first_and_goes_back(
    tg: RunningBot,
) -> None:
    """In the safety branch /hulp puts the police and Helpwanted under 'fits you best', above
    the other lines, and 'back' shows the same question again."""
    await _walk(
        tg,
        9202,
        *TO_WHERE,
        "Iemand anders",
        "TikTok",
        "Pesten",
        "Dreiging met geweld",
        "Gegevens gedeeld",
        "Klaar",
        "Verder",
    )
    shown = _help_texts(await tg.say(9202, "/hulp"))
    assert len(shown) <= 2
    assert sum(len(text) for text in shown) <= HELP_LIMIT
    joined = "\n".join(shown)
    fits = joined.index("Past nu het best bij jou:")
    more = joined.index("Andere hulp:")
    assert fits < joined.index("Politie (geen spoed): 0900-8844") < more
    assert fits < joined.index("Helpwanted: 020-261 52 75 · chat") < more
    assert joined.index("Slachtofferhulp") > more
    back = await tg.tap(9202, "Terug naar waar ik was")
    assert "Wil je dat een peer educator contact met je opneemt?" in texts(back)
    assert "Ja, graag" in _labels(back)


@pytest.fixture
async def ticking(settings: Settings, clock: ManualClock) -> AsyncIterator[RunningBot]:
    """The bot with its scheduler running (check-ins and cases come from its ticks)."""
    async with running_bot(staff_settings(settings), clock) as running:
        assert running.core is not None
        async with Scheduler(running.core, clock, tick_seconds=0.1).running():
            yield running


@pytest.mark.parametrize(
    ("outcome", "score"), [("Het werd erger", "4"), ("Ik heb het gemeld", "1")]
)
async def test_checkin_that_went_badly_offers_helplines_and_a_peer_educator(
    ticking: RunningBot, clock: ManualClock, outcome: str, score: str
) -> None:
    """The scheduler sends the check-in a day later; 'it got worse' or a 1 shows the helplines
    to talk to and the offer; 'yes' becomes a case in the staff group at the next tick."""
    tg, user = ticking, 9203
    await _walk(
        tg,
        user,
        *TO_WHERE,
        "Iemand anders",
        "TikTok",
        "Pesten",
        "Nee, niets hiervan",
        "Niet openlijk reageren",
        "Ja, ik meld het",
        "Een vriend of vriendin",
        "Even offline",
        "Morgen",
    )
    clock.advance(days=1)
    await tg.fake.wait_for(
        "sendMessage", chat_id=user, predicate=lambda c: "check-in" in (c.text or ""), timeout=5
    )
    await tg.fake.replies_until_idle(user, idle=0.15)
    await tg.tap(user, outcome)
    await tg.tap(user, score)
    offered = await tg.tap(user, "Overslaan")
    shown = texts(offered)
    assert "Dank je wel voor het delen" not in shown
    assert "113 Zelfmoordpreventie (113 · 0800-0113 · chat op 113.nl · dag en nacht)" in shown
    assert "Alles Oké? Supportlijn" in shown
    assert "peer educator" in shown
    assert "Ja, graag" in _labels(offered)
    asked = await tg.tap(user, "Ja, graag")
    assert "Ik heb het doorgegeven" in texts(asked)
    [card] = await tg.fake.wait_for("sendMessage", chat_id=GROUP, timeout=5)
    assert "check-in ging niet goed" in str(card.params["text"])


async def test_taal_mid_journey_shows_the_same_question_in_english(tg: RunningBot) -> None:
    """/taal at 'Waar zie je het?': after 'English' the same question comes in English and
    the journey goes on from there with the answers given so far."""
    await _walk(tg, 9204, *TO_WHERE, "Iemand anders")
    await tg.say(9204, "/taal")
    back = await tg.tap(9204, "English")
    assert "Where do you see it?" in texts(back)
    assert "Game or Discord" in " ".join(_labels(back))
    form = await tg.tap(9204, "TikTok")
    assert "What kind of message is it?" in texts(form)
    with sqlite3.connect(tg.settings.db_path) as db:
        [(language,)] = db.execute("SELECT language FROM users").fetchall()
    assert language == "en"


async def test_settings_mid_journey_offer_the_way_back(tg: RunningBot) -> None:
    """/instellingen mid-journey: change check-ins, then 'carry on where I was' shows the step."""
    await _walk(tg, 9205, *TO_WHERE, "Iemand anders")
    main = await tg.say(9205, "/instellingen")
    assert "Je instellingen" in texts(main)
    assert "↩️ Verder waar ik was" in _labels(main)
    await tg.tap(9205, "Check-ins")
    saved = await tg.tap(9205, "Uit")
    assert "Opgeslagen" in texts(saved)
    assert "↩️ Verder waar ik was" in _labels(saved)
    back = await tg.tap(9205, "Verder waar ik was")
    assert "Waar zie je het?" in texts(back)
    assert "TikTok" in _labels(back)


async def test_town_field_refuses_address_postcode_phone_and_email(tg: RunningBot) -> None:
    """Each look-alike gets a line saying why and the question again; a town name is kept,
    and nothing refused reaches the database."""
    await _walk(tg, 9206)
    await tg.say(9206, "/instellingen")
    await tg.tap(9206, "Woonplaats of organisatie")
    await tg.tap(9206, "Woonplaats")
    refused = {
        "Kerkstraat 12, Utrecht": "lijkt op een adres",
        "3512 AB": "lijkt op een postcode",
        "06-12345678": "lijkt op een telefoonnummer",
        "jip@example.org": "lijkt op een e-mailadres",
    }
    for typed, why in refused.items():
        answer = await tg.say(9206, typed)
        assert why in texts(answer), typed
        assert "Typ je woonplaats" in texts(answer)
    saved = await tg.say(9206, "Utrecht")
    assert "Opgeslagen" in texts(saved)
    assert "Woonplaats: Utrecht" in texts(saved)
    with sqlite3.connect(tg.settings.db_path) as db:
        [(city,)] = db.execute("SELECT city FROM users").fetchall()
    assert city == "Utrecht"
    raw = tg.settings.db_path.read_bytes()
    assert all(typed.encode() not in raw for typed in refused)


@pytest.mark.parametrize(
    ("text", "town", "found"),
    [
        ("Utrecht", True, None),
        ("'s-Hertogenbosch", True, None),
        ("Kinderdijk", True, None),
        ("Dorpsweg 5a", True, "address"),
        ("Utrecht 3", True, "address"),
        ("1234ab Amsterdam", True, "postcode"),
        ("+31 6 1234 5678", True, "phone"),
        ("Jongerenwerk 040", False, None),
        ("Scouting, Dorpsweg 5", False, "address"),
        ("info@jongerenwerk.nl", False, "email"),
        ("Buurthuis 020 123 45 67", False, "phone"),
    ],
)
def test_personal_detail_reads_what_a_field_should_not_keep(
    text: str, town: bool, found: str | None
) -> None:
    """Town names pass, organisations may hold a short number; addresses, postcodes, phone
    numbers and e-mail addresses do not."""
    assert personal_detail(text, town) == found


async def test_onboarding_town_field_refuses_a_postcode_and_keeps_the_name(
    tg: RunningBot,
) -> None:
    """The same check in onboarding: a postcode is refused and asked again (skip still
    offered); the town name is kept and onboarding goes on."""
    await tg.say(9207, "/start")
    for label in ONBOARDING["Nederlands"][:-1]:  # up to the place question
        await tg.tap(9207, label)
    await tg.tap(9207, "Woonplaats invullen")
    refused = await tg.say(9207, "Utrecht 3512 AB")
    assert "lijkt op een postcode" in texts(refused)
    assert "Typ je woonplaats" in texts(refused)
    assert "Toch overslaan" in _labels(refused)
    kept = await tg.say(9207, "Utrecht")
    assert "Klaar" in _labels(kept)
    with sqlite3.connect(tg.settings.db_path) as db:
        [(city,)] = db.execute("SELECT city FROM users").fetchall()
    assert city == "Utrecht"
