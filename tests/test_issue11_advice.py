"""Issue 11, item 4: safe and consistent advice, through python-telegram-bot and the fake API.

No public reply after a threat, doxing or sextortion; several dangers at once; texts for a target
speak to the target; the pause fits the feeling; discrimination shows its report points.
"""

from __future__ import annotations

import json
import sqlite3

from bot.config import Settings
from bot.core.clock import ManualClock
from tests.e2e import RunningBot, texts
from tests.fakebot import Call
from tests.test_coach import PUBLIC_ROUTE
from tests.test_e2e_coach import ONBOARDING
from tests.wakit import running_whatsapp

PUBLIC_APPROACHES = ("Toon empathie", "Stel een vraag", "Zet de norm", "Steun het doelwit")


def _labels(calls: list[Call]) -> list[str]:
    """Button labels of the last keyboard among the calls."""
    for call in reversed(calls):
        markup = call.params.get("reply_markup")
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            return [str(b["text"]) for row in markup["inline_keyboard"] for b in row]
    return []


async def _walk(tg: RunningBot, user: int, *labels: str) -> list[Call]:
    """Onboard in Dutch, then tap `labels`; everything the bot sent on the way."""
    await tg.say(user, "/start")
    for label in ONBOARDING["Nederlands"]:
        await tg.tap(user, label)
    seen: list[Call] = []
    for label in labels:
        seen += await tg.tap(user, label)
    return seen


async def test_threat_and_doxing_together_get_no_public_reply(tg: RunningBot) -> None:
    """Both dangers can be ticked; both tips and the police come first; then only the
    behind-the-scenes actions, never 'show empathy' or another public reply; the plan keeps
    both dangers."""
    user = 9101
    await _walk(
        tg,
        user,
        "Ik zie nu iets haatdragends",
        "Ik zie het bij een ander",
        "Geschrokken",
        "Iemand anders",
        "Instagram",
        "Pesten",
    )
    ticked = await tg.tap(user, "Dreiging met geweld")
    assert "✅ Dreiging met geweld" in _labels(ticked)
    assert "Nee, niets hiervan" not in _labels(ticked)
    ticked = await tg.tap(user, "Gegevens gedeeld")
    assert {"✅ Dreiging met geweld", "✅ Gegevens gedeeld (doxing)"} <= set(_labels(ticked))
    assert "dreiging met geweld, doxing" in texts(ticked)
    safety = await tg.tap(user, "Klaar")
    assert "Bel meteen 112" in texts(safety)
    assert "Bij een bedreiging" in texts(safety)
    assert "Doxing is gegevens delen" in texts(safety)
    lines = await tg.tap(user, "Verder")
    assert "0900-8844" in texts(lines)
    assert "Helpwanted" in texts(lines)
    rest = await tg.tap(user, "Nee, nu niet")
    assert "Ook zonder openlijke reactie" in texts(rest)
    assert not any(name in texts(rest) for name in PUBLIC_APPROACHES)
    assert not any(label.startswith("💬") for label in _labels(rest))
    assert "Ga je het melden?" in texts(rest)
    for label in ("Ja, ik meld het", "Iemand die ik vertrouw", "Erover praten"):
        await tg.tap(user, label)
    with sqlite3.connect(tg.settings.db_path) as db:
        [(data,)] = db.execute("SELECT data FROM plans").fetchall()
        dangers = db.execute("SELECT detail FROM activity WHERE kind = 'danger'").fetchall()
    plan = json.loads(data)
    assert (plan["danger"], plan["approach"]) == ("threat doxing", "low_risk")
    assert sorted(dangers) == [("doxing",), ("threat",)]


async def test_unticking_every_danger_asks_the_full_question_again(tg: RunningBot) -> None:
    """Untick the only danger: the whole question with 'none of this' is back, and 'none'
    leads to the react-or-not screen with public approaches."""
    user = 9102
    await _walk(
        tg,
        user,
        "Ik zie nu iets haatdragends",
        "Ik zie het bij een ander",
        "Geschrokken",
        "Iemand anders",
        "TikTok",
        "Negatief",
        "Het gaat door offline",
    )
    again = await tg.tap(user, "Het gaat door offline")
    assert "Gebeurt een van deze dingen?" in texts(again)
    assert "Nee, niets hiervan" in _labels(again)
    assert not any(label.startswith("✅") for label in _labels(again))
    react = await tg.tap(user, "Nee, niets hiervan")
    assert "💬 Toon empathie" in _labels(react)


async def test_offline_danger_keeps_low_risk_public_replies(tg: RunningBot) -> None:
    """'It goes on offline' alone is not a reason to hide every reply: low-risk ones only."""
    user = 9103
    await _walk(
        tg,
        user,
        "Ik zie nu iets haatdragends",
        "Ik zie het bij een ander",
        "Geschrokken",
        "Iemand anders",
        "TikTok",
        "Pesten",
        "Het gaat door offline",
        "Klaar",
        "Verder",
    )
    react = await tg.tap(user, "Nee, nu niet")
    assert "laag risico" in texts(react)
    assert "💬 Toon empathie" in _labels(react)


async def test_react_screen_speaks_to_a_target_as_you(tg: RunningBot) -> None:
    """A target reads about themselves ('jij'), a bystander about 'het doelwit'."""
    target = await _walk(
        tg,
        9104,
        "Ik zie nu iets haatdragends",
        "Ik ben zelf het doelwit",
        "Geschrokken",
        "Om mij persoonlijk",
        "TikTok",
        "Negatief",
        "Nee, niets hiervan",
    )
    react = texts(target[-4:])
    assert "Reageren of niet?" in react
    assert "doelwit" not in react.casefold()
    assert "jij" in react
    bystander = await _walk(
        tg,
        9105,
        "Ik zie nu iets haatdragends",
        "Ik zie het bij een ander",
        "Geschrokken",
        "Iemand anders",
        "TikTok",
        "Negatief",
        "Nee, niets hiervan",
    )
    assert "Het doelwit ziet" in texts(bystander[-4:])


async def test_angry_gets_the_pause_and_numb_is_not_a_strong_feeling(tg: RunningBot) -> None:
    """'Boos' gets 'wait before you react'; 'Ik voel niks' gets words for feeling nothing."""
    angry = await _walk(tg, 9106, "Ik zie nu iets haatdragends", "Ik ben zelf het doelwit", "Boos")
    assert "Wacht even met reageren" in texts(angry)
    assert "Ik wil verder" in _labels(angry)
    numb = await _walk(
        tg, 9107, "Ik zie nu iets haatdragends", "Ik zie het bij een ander", "Ik voel niks"
    )
    assert "Niks voelen kan ook" in texts(numb)
    assert "sterk gevoel" not in texts(numb)
    react = [
        *await tg.tap(9107, "Ik wil verder"),
        *await tg.tap(9107, "Iemand anders"),
        *await tg.tap(9107, "TikTok"),
        *await tg.tap(9107, "Pesten"),
        *await tg.tap(9107, "Nee, niets hiervan"),
    ]
    assert "Misschien voel je nu niks, maar het kan later nog binnenkomen" in texts(react)
    assert "Omdat dit veel met je doet" not in texts(react)


async def test_discrimination_strategy_shows_the_report_points(tg: RunningBot) -> None:
    """Discrimination: the strategy names Meld.Online Discriminatie and Discriminatie.nl with
    how to reach them (form and number), as the fact sheet gives them."""
    seen = await _walk(
        tg,
        9108,
        "Ik zie nu iets haatdragends",
        "Ik zie het bij een ander",
        "Geschrokken",
        "Een andere groep",
        "TikTok",
        "Discriminatie",
        "Geloof",
        "Nee, niets hiervan",
        "Niet openlijk reageren",
    )
    shown = texts(seen[-4:])
    assert "Meld.Online Discriminatie (088-554 32 22 · online formulier)" in shown
    assert "Discriminatie.nl (online formulier op discriminatie.nl)" in shown
    assert "Ga je het melden?" in shown


async def test_ticked_dangers_fit_whatsapps_list_rows_uncut(
    settings: Settings, clock: ManualClock
) -> None:
    """On WhatsApp the danger check is a list (rows of 24 characters): a ticked danger shows
    its own short label, never one cut mid-word with '…'."""
    phone = "31687654321"
    async with running_whatsapp(settings, clock) as wa:
        await wa.onboard(phone)
        for label in PUBLIC_ROUTE[:6]:
            await wa.tap(phone, label)
        for label in ("Dreiging met geweld", "Gegevens gedeeld", "Naaktfoto's/afpersing"):
            await wa.tap(phone, label)
        titles = [title for _, title, _ in wa.fake.last_options(phone)]
        assert {"✅ Dreiging met geweld", "✅ Gegevens gedeeld", "✅ Naaktfoto's/afpersing"} <= set(
            titles
        ), titles
        assert not any(title.endswith("…") for title in titles), titles
        assert not wa.fake.refused
