"""The coaching journey driven like a person would, through the real engine and real SQLite."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from bot.app import Core, load_checked_content
from bot.config import Settings
from bot.core.clock import ManualClock, from_epoch
from bot.core.content import LANGUAGES
from bot.flows.coach import recommend
from bot.flows.plans import plan_summary, plan_text
from bot.storage.coach import latest_plan, record_help_request
from tests.driver import ChatDriver

# The shortest sensible route from the menu to a saved plan: decide not to react publicly.
QUIET_ROUTE = [
    "Ik zie nu iets haatdragends",
    "Ik zie het bij een ander",
    "Geschrokken",
    "Iemand anders",
    "TikTok",
    "Pesten",
    "Nee, niets hiervan",
    "Niet openlijk reageren",
    "Ja, ik meld het",
    "Een vriend of vriendin",
    "Even offline",
]
# The same situation with a public reply: pick an approach, confirm it, choose an account.
PUBLIC_ROUTE = [
    *QUIET_ROUTE[:7],
    "Toon empathie",
    "Reactie 1",
    "Mijn eigen account",
    *QUIET_ROUTE[8:],
]
TARGET_ROUTE_EN = [
    "I see something hateful now",
    "I'm the target",
    "Sad",  # strong for a target: first 'wait before you act'
    "I want to carry on",
    "About me personally",
    "Instagram",
    "Negativity",
    "No, none of this",
]
SPREADER_ROUTE = [
    "Ik zie nu iets haatdragends",
    "Ik heb zelf iets gezegd",
    "Een grap die verkeerd viel",
    "Weghalen én sorry zeggen",
]
MY_NAMESPACES = (
    "coach",
    "coach_approach",
    "coach_check",
    "coach_strategy",
    "coach_repair",
    "coach_plan",
    "plans",
)
PHONE_MESSAGE = 600
PHONE_LABEL = 30


async def _taps(chat: ChatDriver, labels: list[str]) -> None:
    """Tap buttons in order; every answer must be phone-sized."""
    for label in labels:
        await chat.tap(label)
        assert all(len(reply.text) <= PHONE_MESSAGE for reply in chat.replies), chat.text
        assert all(len(shown) <= PHONE_LABEL for shown in chat.labels()), chat.labels()


async def _state(core: Core, chat: ChatDriver) -> tuple[int, dict[str, Any]]:
    loaded = await core.repo.load(chat.channel, chat.user)
    assert loaded is not None
    return loaded[0].id, loaded[1]


async def _rows(core: Core, chat: ChatDriver, table: str) -> list[dict[str, Any]]:
    user_id, _ = await _state(core, chat)
    return (await core.repo.export_user(user_id)).get(table, [])


async def _plans(core: Core, chat: ChatDriver) -> list[dict[str, Any]]:
    return [json.loads(row["data"]) for row in await _rows(core, chat, "plans")]


async def test_bystander_public_reply_ends_in_a_saved_plan(chat: ChatDriver, core: Core) -> None:
    """Stop-en-denk, an approach, a strategy: a card, a plan with ids only, activity rows."""
    await chat.onboard()
    await _taps(chat, PUBLIC_ROUTE)
    assert "📋 Jouw plan · TikTok · Pesten" in chat.text
    assert (
        "1. Plaats één reactie, woord voor woord: “Zulke uitspraken raken echte mensen" in chat.text
    )
    assert "2. Maak screenshots (datum, tijd, link) en meld het op TikTok" in chat.text
    assert "3. Vraag een vriend of vriendin om mee te doen" in chat.text
    assert "4. Leg daarna je telefoon even weg." in chat.text
    assert await _plans(core, chat) == [
        {
            "role": "bystander",
            "who": "someone",
            "platform": "tiktok",
            "form": "bullying",
            "danger": "none",
            "approach": "empathy",
            "reply": "1",
            "account": "own",
            "report": "yes",
            "with": "friend",
            "selfcare": "offline",
        }
    ]
    _, state = await _state(core, chat)
    assert state["answers"]["role"] == "bystander"
    activity = [(row["kind"], row["detail"]) for row in await _rows(core, chat, "activity")]
    assert activity[1:] == [
        ("coach_started", None),
        ("role", "bystander"),
        ("approach_chosen", "empathy"),
        ("coach_completed", "bystander"),
    ]


async def test_target_with_strong_feeling_gets_a_pause_and_low_risk_only(
    chat: ChatDriver, core: Core
) -> None:
    """Sad as a target: wait first, self-care, then only low-risk approaches; plan in English."""
    await chat.onboard(language="English")
    await _taps(chat, TARGET_ROUTE_EN[:3])
    assert "Wait a bit before you react" in chat.text
    await _taps(chat, TARGET_ROUTE_EN[3:])
    assert "only showing low-risk approaches" in chat.text
    offered = [label.removeprefix("💬 ") for label in chat.labels() if label.startswith("💬")]
    content = load_checked_content()
    risk = {content.text("en", f"approaches.{a.id}.name"): a.risk for a in content.approaches}
    assert offered == ["Show empathy", "Ask a question", "Set the norm"]
    assert {risk[name] for name in offered} == {"low"}
    await _taps(
        chat,
        [
            "Set the norm",
            "Reply 1",
            "A second account",
            "Not now",
            "Someone I trust",
            "Talking about it",
        ],
    )
    _, state = await _state(core, chat)
    assert state["answers"]["role"] == "target"
    assert (await _plans(core, chat))[0]["approach"] == "set_norm"
    assert "Your plan" in chat.text


async def test_spreader_path_is_short_and_ends_in_a_plan(chat: ChatDriver, core: Core) -> None:
    """'I said something': what happened, impact, how to delete and say sorry, then a plan."""
    await chat.onboard()
    await _taps(chat, SPREADER_ROUTE)
    assert "verwijderen" in chat.text
    assert "Sorry, dat was niet oké van me." in chat.text
    assert "1. Haal je bericht weg en zeg daarna kort en eerlijk sorry." in chat.text
    assert "2. Volgende keer: eerst even wachten, dan pas posten." in chat.text
    assert await _plans(core, chat) == [{"role": "spreader", "incident": "joke", "repair": "both"}]
    kinds = [row["kind"] for row in await _rows(core, chat, "activity")]
    assert kinds[-1] == "coach_completed"
    assert ("role", "spreader") in [
        (row["kind"], row["detail"]) for row in await _rows(core, chat, "activity")
    ]


async def test_danger_opens_safety_branch_and_records_help_request(
    chat: ChatDriver, core: Core
) -> None:
    """Doxing: 112 and evidence first, police and Helpwanted, an urgent request on 'yes'."""
    await chat.onboard()
    await _taps(chat, [*QUIET_ROUTE[:6], "Gegevens gedeeld (doxing)", "Klaar"])
    assert "112" in chat.text
    assert "screenshots" in chat.text
    await chat.tap("Verder")
    assert "Politie" in chat.text
    assert "Helpwanted" in chat.text
    assert "113" not in chat.text  # only the helplines for this danger
    assert "Zo meld je iets op TikTok" in chat.text
    await chat.tap("Ja, graag")
    requests = await _rows(core, chat, "help_requests")
    assert [(r["reason"], r["urgent"], r["status"]) for r in requests] == [
        ("danger:doxing", 1, "open")
    ]
    activity = [(row["kind"], row["detail"]) for row in await _rows(core, chat, "activity")]
    assert ("danger", "doxing") in activity
    await chat.tap("Verder")  # after doxing no public reply: the behind-the-scenes actions
    assert "Ook zonder openlijke reactie" in chat.text
    assert "Ga je het melden?" in chat.text
    assert not any(label.startswith("💬") for label in chat.labels())


async def test_sextortion_goes_to_behind_the_scenes_actions(chat: ChatDriver, core: Core) -> None:
    """With sextortion no public reply is offered; the plan is low-risk actions."""
    await chat.onboard()
    await _taps(chat, [*QUIET_ROUTE[:6], "Naaktbeelden of afpersing", "Klaar"])
    assert "betaal niet" in chat.text
    await _taps(chat, ["Verder"])
    assert "Centrum Seksueel Geweld" in chat.text
    assert "Helpwanted" in chat.text
    await _taps(chat, ["Nee, nu niet"])
    assert "Ga je het melden?" in chat.text
    await _taps(chat, ["Ja, ik meld het", "Iemand die ik vertrouw", "Erover praten"])
    plan = (await _plans(core, chat))[0]
    assert (plan["approach"], plan["danger"]) == ("low_risk", "sextortion")
    assert "account" not in plan
    assert await _rows(core, chat, "help_requests") == []


async def test_one_open_help_request_per_person(core: Core, chat: ChatDriver) -> None:
    """A second request while one is open raises it to urgent instead of adding a case."""
    await chat.onboard()
    user_id, _ = await _state(core, chat)
    now = core.clock.now()
    first = await record_help_request(core.repo, user_id, "feelings", False, now)
    second = await record_help_request(core.repo, user_id, "danger:threat", True, now)
    assert first == second
    rows = await _rows(core, chat, "help_requests")
    assert [(r["reason"], r["urgent"]) for r in rows] == [("danger:threat", 1)]


async def test_reply_check_gives_suggestions_in_dutch(chat: ChatDriver) -> None:
    """Swearing, shouting and a phone number get suggestions; a calm question gets praise."""
    await chat.onboard()
    await _taps(chat, [*PUBLIC_ROUTE[:8], "Eerst mijn reactie checken"])
    await chat.send("HOU JE BEK KANKERLIJER, bel me op 06-12345678")
    assert "scheldwoord" in chat.text
    assert "hoofdletters" in chat.text
    assert "telefoonnummer" in chat.text
    await chat.send("Is dat echt nodig? Dit raakt echte mensen.")
    assert "Je stelt een vraag" in chat.text
    assert "echte mensen raken" in chat.text
    assert "Ik zie niets wat het gesprek kan laten ontsporen" in chat.text
    await chat.tap("Klaar, verder")
    assert "Met welk account reageer je?" in chat.text


async def test_reply_check_gives_suggestions_in_english(chat: ChatDriver) -> None:
    """The same check in English, including a full name and a long reply."""
    await chat.onboard(language="English")
    await _taps(chat, [*TARGET_ROUTE_EN, "Ask a question", "Check my reply first"])
    await chat.send("Everyone knows Tom Baker is an idiot. " + "Really. " * 40)
    assert "swear word or insult" in chat.text
    assert "full name" in chat.text
    assert "quite long" in chat.text


async def test_draft_is_never_stored(chat: ChatDriver, core: Core, settings: Settings) -> None:
    """The typed reply is not in answers, the stored state, any table or the database file."""
    await chat.onboard()
    await _taps(chat, [*PUBLIC_ROUTE[:8], "Eerst mijn reactie checken"])
    marker = "Zebrapaardje Qwertyuiop 0611122233"
    await chat.send(marker)
    assert "telefoonnummer" in chat.text
    user_id, state = await _state(core, chat)
    assert marker not in json.dumps(state, ensure_ascii=False)
    assert marker not in json.dumps(await core.repo.export_user(user_id), ensure_ascii=False)
    await chat.tap("Klaar, verder")
    await chat.send("/menu")
    db = settings.db_path
    for path in (db, db.with_name(db.name + "-wal")):
        if path.exists():
            assert marker.encode() not in path.read_bytes()


async def test_plans_are_listed_shown_and_copied(
    chat: ChatDriver, core: Core, clock: ManualClock
) -> None:
    """My plans lists the newest first; a plan shows as a card and copies as plain text."""
    await chat.onboard()
    await _taps(chat, [*SPREADER_ROUTE, "Nee, bedankt"])
    clock.advance(days=1)
    await _taps(chat, [*QUIET_ROUTE, "Nee, bedankt"])
    await chat.tap("Mijn plannen")
    plan_buttons = [label for label in chat.labels() if label[:2].isdigit()]
    assert plan_buttons == ["06-01 Actie achter de schermen", "05-01 Herstelplan"]
    await chat.tap("Actie achter de schermen")
    assert "1. Reageer niet openlijk. Like steunende reacties" in chat.text
    await chat.tap("Kopieer als tekst")
    plain = chat.replies[0].text
    assert plain.startswith("Mijn plan tegen online haat (06-01-2026)")
    assert "2. Maak screenshots (datum, tijd, link) en meld het op TikTok" in plain
    user_id, _ = await _state(core, chat)
    loaded = await core.repo.user_by_id(user_id)
    assert loaded is not None
    assert loaded.pseudonym not in plain
    assert "doxing" not in plain
    await chat.tap("Mijn plannen")
    assert "Je laatste plannen" in chat.text


async def test_plans_empty_offers_a_new_plan(chat: ChatDriver) -> None:
    """Without plans, My plans offers to make one or to check a reply."""
    await chat.onboard()
    await chat.tap("Mijn plannen")
    assert "nog geen plannen" in chat.text
    await chat.tap("Maak een plan")
    assert "Stop even" in chat.text


async def test_latest_plan_and_summary_for_the_checkin(chat: ChatDriver, core: Core) -> None:
    """The check-in can read the newest plan and say what was planned, in both languages."""
    await chat.onboard()
    await _taps(chat, PUBLIC_ROUTE)
    user_id, _ = await _state(core, chat)
    plan = await latest_plan(core.repo, user_id)
    assert plan is not None
    content = load_checked_content()
    assert plan_summary(content, "nl", plan.data) == (
        "Je plan: reageren met 'Toon empathie', het melden en samen met een vriend of vriendin."
    )
    assert plan_summary(content, "en", plan.data) == (
        "Your plan: reply with 'Show empathy', report it and together with a friend."
    )
    spreader = {"role": "spreader", "incident": "angry", "repair": "delete"}
    assert plan_summary(content, "en", spreader) == "Your plan: delete your post."
    assert "1. Delete your post: press and hold it" in plan_text(
        content, "en", spreader, "05-01-2026"
    )


@pytest.mark.parametrize(
    ("label", "days"), [("Morgen", 1), ("Over 3 dagen", 3), ("Over een week", 7)]
)
async def test_checkin_is_scheduled_when_chosen(
    chat: ChatDriver, core: Core, clock: ManualClock, label: str, days: int
) -> None:
    """A check-in row for the plan, due the same clock time N days later, proactive."""
    await chat.onboard()
    await _taps(chat, [*QUIET_ROUTE, label])
    assert "Afgesproken" in chat.text
    plan_id = (await _rows(core, chat, "plans"))[0]["id"]
    checkins = [r for r in await _rows(core, chat, "scheduled") if r["kind"] == "checkin"]
    assert len(checkins) == 1
    row = checkins[0]
    assert json.loads(row["payload"]) == {"plan_id": plan_id}
    assert row["due_at"] == (clock.now() + timedelta(days=days)).isoformat()
    assert row["created_at"] == clock.now().isoformat()
    assert (row["proactive"], row["status"]) == (1, "pending")


async def test_checkin_chosen_late_in_the_evening_waits_for_the_morning(
    chat: ChatDriver, core: Core, clock: ManualClock
) -> None:
    """'Tomorrow' at 22:30 local time is due at 09:00 tomorrow, outside quiet hours."""
    await chat.onboard()
    clock.advance(hours=9, minutes=30)  # 21:30 UTC = 22:30 in Amsterdam
    await _taps(chat, [*QUIET_ROUTE, "Morgen"])
    row = next(r for r in await _rows(core, chat, "scheduled") if r["kind"] == "checkin")
    assert row["due_at"] == from_epoch(1767686400).isoformat()  # 6 Jan 2026, 08:00 UTC


async def test_no_checkin_without_opt_in_but_an_offer_to_switch_on(
    chat: ChatDriver, core: Core
) -> None:
    """Check-ins off: no row; the person may switch them on and then choose a moment."""
    await chat.onboard(checkins=False)
    await _taps(chat, [*QUIET_ROUTE])
    assert "Check-ins staan uit" in chat.text
    await chat.tap("Nee, bedankt")
    assert [r for r in await _rows(core, chat, "scheduled") if r["kind"] == "checkin"] == []
    await _taps(chat, [*QUIET_ROUTE, "Ja, zet aan", "Over een week"])
    loaded = await core.repo.load(chat.channel, chat.user)
    assert loaded is not None
    assert loaded[0].checkins
    checkins = [r for r in await _rows(core, chat, "scheduled") if r["kind"] == "checkin"]
    assert len(checkins) == 1


async def test_tap_count_from_menu_to_saved_plan(chat: ChatDriver, core: Core) -> None:
    """The shortest sensible route is at most 12 taps; the plan is saved by the last one."""
    await chat.onboard()
    for count, label in enumerate(QUIET_ROUTE, start=1):
        assert await _plans(core, chat) == [], f"saved early, after {count - 1} taps"
        await chat.tap(label)
    assert len(QUIET_ROUTE) <= 12
    assert len(await _plans(core, chat)) == 1
    await chat.tap("Nee, bedankt")
    await _taps(chat, PUBLIC_ROUTE)
    assert len(PUBLIC_ROUTE) == 13  # a public reply adds: approach, confirm it, account
    assert len(await _plans(core, chat)) == 2


@pytest.mark.parametrize(
    ("language", "route", "show_all", "other"),
    [
        ("Nederlands", PUBLIC_ROUTE[:7], "Alle aanpakken bekijken", "Andere aanpak"),
        ("English", TARGET_ROUTE_EN, "See all approaches", "Other approach"),
    ],
)
async def test_every_approach_reads_well_on_a_phone(
    chat: ChatDriver, language: str, route: list[str], show_all: str, other: str
) -> None:
    """Show all: each approach shows when, risk, why and three examples in short messages."""
    await chat.onboard(language=language)
    await _taps(chat, [*route, show_all])
    labels = [label for label in chat.labels() if label[0] in "🟢🟠🔴"]
    assert len(labels) == len(load_checked_content().approaches)
    for label in labels:
        await _taps(chat, [label])
        card, examples, question = (r.text for r in chat.replies)
        assert "\n\n" in card
        assert [f"\n{n}. " in examples for n in (1, 2, 3)] == [True, True, True]
        assert "?" in question
        # one button per example reply, own words, check my reply first, other; Menu, Help
        assert len(chat.labels()) == 8
        await _taps(chat, [other, show_all])


async def test_forgetting_deletes_plans_requests_and_checkins(chat: ChatDriver, core: Core) -> None:
    """/vergeetmij removes plans, help requests and the planned check-in with the person."""
    await chat.onboard()
    await _taps(chat, [*QUIET_ROUTE, "Morgen"])
    user_id, _ = await _state(core, chat)
    await record_help_request(core.repo, user_id, "feelings", False, core.clock.now())
    await chat.send("/vergeetmij")
    await chat.tap("Ja, wis alles")
    assert await core.repo.count_rows_for(user_id) == 0


def test_texts_are_phone_sized() -> None:
    """Every coaching text fits a phone: messages up to 600 characters, buttons up to 30."""
    content = load_checked_content()
    for lang in LANGUAGES:
        for key, value in content.texts[lang].items():
            if key.split(".")[0] not in MY_NAMESPACES:
                continue
            for part in value if isinstance(value, list) else [value]:
                limit = PHONE_LABEL if ".options." in key else PHONE_MESSAGE
                assert len(part) <= limit, (lang, key, len(part))


def test_recommendations_follow_the_answers() -> None:
    """Empathy first; who is hit matters; danger and strong feelings keep it low-risk."""
    approaches = load_checked_content().approaches

    def ids(**answers: str) -> list[str]:
        return [a.id for a in recommend(approaches, answers)]

    assert ids(role="bystander", form="negativity", who="someone", danger="none") == [
        "empathy",
        "support_target",
        "ask_question",
    ]
    assert ids(role="bystander", form="discrimination", who="own_group")[:2] == [
        "empathy",
        "affiliation",
    ]
    assert "affiliation" not in ids(role="bystander", form="discrimination", danger="threat")
    assert ids(role="target", form="bullying", feeling="scared") == [
        "empathy",
        "ask_question",
        "set_norm",
    ]
    assert ids(role="target", form="threat") == []
    assert ids(role="bystander", form="threat") == ["support_target"]
