"""Issue 11, item 5: a plan you can act on, progress on the three steps, and carrying on.

Through python-telegram-bot and the fake Bot API on a real SQLite file, restart included.
"""

from __future__ import annotations

from bot.storage.coach import save_plan
from bot.storage.staff import user_by_external
from tests.e2e import RunningBot, texts
from tests.fakebot import Call
from tests.test_e2e_coach import ONBOARDING

TO_WHERE = ("Ik zie nu iets haatdragends", "Ik zie het bij een ander", "Geschrokken")
RESUME = "▶️ Verder waar je was"


def _labels(calls: list[Call]) -> list[str]:
    """Button labels of the last keyboard among the calls."""
    for call in reversed(calls):
        markup = call.params.get("reply_markup")
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            return [str(b["text"]) for row in markup["inline_keyboard"] for b in row]
    return []


async def _walk(tg: RunningBot, user: int, *labels: str, onboard: bool = True) -> list[Call]:
    """Onboard in Dutch (unless done), then tap `labels`; everything sent on the way."""
    if onboard:
        await tg.say(user, "/start")
        for label in ONBOARDING["Nederlands"]:
            await tg.tap(user, label)
    seen: list[Call] = []
    for label in labels:
        seen += await tg.tap(user, label)
    return seen


async def test_card_lists_the_steps_in_order_with_the_reply_word_for_word(tg: RunningBot) -> None:
    """'📍 Stap N van 3' marks the three parts; the card numbers the steps: the picked reply
    word for word, how to report on Instagram, who to involve, self-care; phone-sized."""
    seen = await _walk(
        tg,
        9301,
        *TO_WHERE,
        "Iemand anders",
        "Instagram",
        "Pesten",
        "Nee, niets hiervan",
        "Stel een vraag",
        "Reactie 3",
        "Een tweede account",
        "Ja, ik meld het",
        "Mijn groep of klas",
        "Iets leuks doen",
    )
    shown = [str(call.params.get("text")) for call in seen]
    marks = [text.splitlines()[0] for text in shown if text.startswith("📍")]
    assert marks == [
        "📍 Stap 1 van 3 · Stop en denk",
        "📍 Stap 2 van 3 · Reageren of niet?",
        "📍 Stap 3 van 3 · Een veilig plan",
    ]
    [card] = [text for text in shown if text.startswith("📋 Jouw plan")]
    assert len(card) <= 600
    assert card.splitlines()[2:] == [
        "1. Log in op je tweede account, zonder je naam of foto.",
        "2. Plaats één reactie, woord voor woord: “Zou je dit ook zeggen als ze gewoon naast"
        " je stond?” Ga daarna niet in discussie.",
        "3. Maak screenshots (datum, tijd, link) en meld het op Instagram met Melden (dat is"
        " anoniem); je kunt ook beperken of blokkeren.",
        "4. Doe het samen met je groep of klas: like elkaars rustige reacties.",
        "5. Doe daarna iets leuks voor jezelf.",
    ]


async def test_after_a_danger_the_card_is_followed_by_the_helplines_that_fit(
    tg: RunningBot,
) -> None:
    """Threat and doxing: after the card 112 and the police and Helpwanted lines; the copy
    to forward has the steps but no helplines and no danger."""
    seen = await _walk(
        tg,
        9302,
        *TO_WHERE,
        "Iemand anders",
        "TikTok",
        "Pesten",
        "Dreiging met geweld",
        "Gegevens gedeeld",
        "Klaar",
        "Verder",
        "Nee, nu niet",
        "Nee, nu niet",
        "Iemand die ik vertrouw",
        "Erover praten",
    )
    shown = [str(call.params.get("text")) for call in seen]
    card = next(i for i, text in enumerate(shown) if text.startswith("📋 Jouw plan"))
    helplines = shown[card + 1]
    assert helplines.startswith("🚨 Bij direct gevaar: bel meteen 112.")
    assert "• Politie (geen spoed): 0900-8844" in helplines
    assert "• Helpwanted: 020-261 52 75 · chat" in helplines
    assert "Kindertelefoon" not in helplines
    assert "2. Blokkeer, demp of beperk het account" in shown[card]
    await tg.tap(9302, "Nee, bedankt")
    await tg.tap(9302, "Mijn plannen")
    await tg.tap(9302, "Actie achter de schermen")
    copy = await tg.tap(9302, "Kopieer als tekst")
    plain = str(copy[0].params["text"])
    assert "1. Reageer niet openlijk" in plain
    assert "0900-8844" not in plain
    assert "doxing" not in plain


async def test_a_journey_left_half_way_is_taken_up_from_the_menu(tg: RunningBot) -> None:
    """Menu, quiz, even a restart: the menu offers 'carry on where you were', which shows the
    same question; after the plan is saved the offer is gone."""
    user = 9303
    await _walk(tg, user, *TO_WHERE, "Iemand anders", "Menu")
    await tg.tap(user, "Quiz")
    await tg.restart()
    menu = await tg.say(user, "/menu")
    assert "Je was nog bezig met de coaching" in texts(menu)
    assert RESUME in _labels(menu)
    back = await tg.tap(user, "Verder waar je was")
    assert "Waar zie je het?" in texts(back)
    await _walk(
        tg,
        user,
        "TikTok",
        "Pesten",
        "Nee, niets hiervan",
        "Niet openlijk reageren",
        "Ja, ik meld het",
        "Een vriend of vriendin",
        "Even offline",
        "Nee, bedankt",
        onboard=False,
    )
    menu = await tg.say(user, "/menu")
    assert RESUME not in _labels(menu)
    assert "Je was nog bezig" not in texts(menu)


async def test_carrying_on_after_a_language_change_shows_the_question_in_english(
    tg: RunningBot,
) -> None:
    """Left at the platform question, language switched at the menu: the same question comes
    back in English; a new journey drops the old one."""
    user = 9304
    await _walk(tg, user, *TO_WHERE, "Iemand anders", "Menu")
    await tg.say(user, "/taal")
    await tg.tap(user, "English")
    menu = await tg.say(user, "/menu")
    assert "▶️ Carry on where you were" in _labels(menu)
    back = await tg.tap(user, "Carry on where you were")
    assert "Where do you see it?" in texts(back)
    await tg.say(user, "/menu")
    await tg.tap(user, "I see something hateful now")
    menu = await tg.say(user, "/menu")  # left at the first question of a new journey
    assert "▶️ Carry on where you were" in _labels(menu)
    back = await tg.tap(user, "Carry on where you were")
    assert "Who are you in this story?" in texts(back) or "I'm the target" in _labels(back)


DANGER_ROUTE = (*TO_WHERE, "Iemand anders", "TikTok", "Pesten", "Dreiging met geweld")
THREAT_TIP = "Bij een bedreiging: ga niet in gesprek met wie dreigt"


async def test_a_journey_left_through_the_settings_keeps_its_answers(tg: RunningBot) -> None:
    """Left at the danger check with a threat ticked, through /instellingen and then the menu:
    carrying on shows what was ticked, and 'Klaar' gives the advice for a threat (the answers
    were once replaced by the settings' own before the journey was kept)."""
    user = 9305
    await _walk(tg, user, *DANGER_ROUTE)
    await tg.say(user, "/instellingen")
    menu = await tg.say(user, "/menu")
    assert RESUME in _labels(menu)
    back = await tg.tap(user, "Verder waar je was")
    assert "Aangetikt: dreiging met geweld." in texts(back)
    assert "✅ Dreiging met geweld" in _labels(back)
    done = await tg.tap(user, "Klaar")
    assert THREAT_TIP in texts(done)


async def test_a_check_in_mid_journey_keeps_the_journey_s_answers(tg: RunningBot) -> None:
    """A flow the bot starts (here the round-2 self-report, as the scheduler starts it) while a
    threat is ticked: afterwards, in English, the danger question comes back with the tick and
    its name filled in, not '{chosen}'."""
    user = 9306
    await _walk(tg, user, *DANGER_ROUTE)
    assert tg.core is not None
    [person] = await user_by_external(tg.core.repo, "telegram", [str(user)])
    assert await tg.core.engine.push(person, "selfreport:offer2", {"round": 2}) is not None
    await tg.say(user, "/taal")
    english = await tg.tap(user, "English")
    assert "May I ask them once more?" in texts(english)  # back at the bot's question
    await tg.say(user, "/menu")
    back = await tg.tap(user, "Carry on where you were")
    assert "Ticked: threat of violence." in texts(back)
    assert "{chosen}" not in texts(back)
    done = await tg.tap(user, "Done")
    assert "With a threat: don't get into a conversation" in texts(done)


async def test_own_words_and_plans_from_before_the_reply_was_kept(tg: RunningBot) -> None:
    """'In mijn eigen woorden' reads so on the card; a plan saved before the picked reply was
    stored (no `reply` at all) gets a neutral line, not 'in your own words'."""
    seen = await _walk(
        tg,
        9304,
        *TO_WHERE,
        "Iemand anders",
        "Instagram",
        "Pesten",
        "Nee, niets hiervan",
        "Stel een vraag",
        "In mijn eigen woorden",
        "Mijn eigen account",
        "Ja, ik meld het",
        "Mijn groep of klas",
        "Iets leuks doen",
    )
    assert "Plaats één reactie in je eigen woorden, met de aanpak 'Stel een vraag'" in texts(seen)
    assert tg.core is not None
    [user] = await user_by_external(tg.core.repo, "telegram", ["9304"])
    old = {"role": "bystander", "approach": "set_norm", "platform": "instagram"}
    await save_plan(tg.core.repo, user, old, tg.clock.now())
    await tg.say(9304, "/menu")
    listed = _labels(await tg.tap(9304, "Mijn plannen"))
    [label] = [label for label in listed if "Zet de norm" in label]
    card = texts(await tg.tap(9304, label))
    assert "Plaats één reactie met de aanpak 'Zet de norm'. Ga daarna niet in discussie." in card
    assert "eigen woorden" not in card
