"""Issue 11, typed text is understood: stories typed at the menu or in a coaching step are read,
acknowledged and move the coach on, over python-telegram-bot and the fake Bot API."""

from __future__ import annotations

import json
import sqlite3

from bot.core.safety import CrisisKind, Outcome, detect_crisis
from tests.e2e import RunningBot, texts
from tests.fakebot import Call
from tests.test_coach import PUBLIC_ROUTE
from tests.test_e2e_coach import ONBOARDING

USER = 8301
USE_BUTTONS = "Tik op een van de knoppen"


def _labels(calls: list[Call]) -> list[str]:
    """Labels of the newest keyboard among the calls."""
    for call in reversed(calls):
        markup = call.params.get("reply_markup")
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            return [str(b["text"]) for row in markup["inline_keyboard"] for b in row]
    return []


async def _menu(tg: RunningBot, user: int = USER, language: str = "Nederlands") -> None:
    await tg.say(user, "/start")
    for label in ONBOARDING[language]:
        await tg.tap(user, label)


def _state(tg: RunningBot, user: int = USER) -> dict[str, object]:
    """The stored conversation state of one person."""
    db = sqlite3.connect(tg.settings.db_path)
    try:
        (raw,) = db.execute(
            "SELECT s.state FROM conversations s JOIN users u ON u.id = s.user_id"
            " WHERE u.external_id = ?",
            (str(user),),
        ).fetchone()
    finally:
        db.close()
    state: dict[str, object] = json.loads(raw)
    return state


async def test_story_at_the_menu_fills_answers_and_asks_the_first_open_question(
    tg: RunningBot,
) -> None:
    """A bystander's story starts the coach: one warm line, what was noted, then the feeling
    (not said); after it, who, where and what kind are passed: the danger check is next."""
    await _menu(tg)
    shown = await tg.say(USER, "mijn vriendin wordt elke dag gepest op tiktok")
    said = texts(shown)
    assert "Vervelend dat dit elke dag gebeurt." in said
    assert "Ik noteer: Ik zie het bij een ander · Iemand anders · TikTok · Pesten." in said
    assert "Hoe voel je je nu?" in said
    assert "Wie ben jij in dit verhaal?" not in said  # role was in the story
    shown = await tg.tap(USER, "Geschrokken")
    assert "Nog één check" in texts(shown)
    assert "Wie wordt er aangevallen?" not in texts(shown)
    assert "Waar zie je het?" not in texts(shown)
    await tg.tap(USER, "Nee, niets hiervan")
    answers = _state(tg)["answers"]
    assert isinstance(answers, dict)
    assert (answers["role"], answers["platform"], answers["form"]) == (
        "bystander",
        "tiktok",
        "bullying",
    )


async def test_the_issue_story_gets_a_warm_answer_not_tap_a_button(tg: RunningBot) -> None:
    """The story from the issue: acknowledged, sad for a target gets the pause first, then
    "Gaat het om jou persoonlijk" (role, platform and form are known already)."""
    await _menu(tg)
    story = "iemand zet elke dag gemene comments onder mijn tiktoks, ik ben het zo zat 😭"
    shown = await tg.say(USER, story)
    assert "Vervelend dat dit elke dag gebeurt." in texts(shown)
    assert USE_BUTTONS not in texts(shown)
    assert "Wacht even met reageren" in texts(shown)
    shown = await tg.tap(USER, "Ik wil verder")
    assert "Gaat het om jou persoonlijk" in texts(shown)
    shown = await tg.tap(USER, "Om mij persoonlijk")
    assert "Nog één check" in texts(shown)  # where and what kind were in the story
    answers = _state(tg)["answers"]
    assert isinstance(answers, dict)
    assert {k: answers[k] for k in ("role", "feeling", "who", "platform", "form")} == {
        "role": "target",
        "feeling": "sad",
        "who": "me",
        "platform": "tiktok",
        "form": "bullying",
    }


async def test_typing_in_a_step_that_fits_fills_it(tg: RunningBot) -> None:
    """At the feeling question "ik schrok me echt" is the Geschrokken button, with a warm line;
    at "where", a typo of a button label is that button."""
    await _menu(tg)
    await tg.tap(USER, "Ik zie nu iets haatdragends")
    await tg.tap(USER, "Ik zie het bij een ander")
    shown = await tg.say(USER, "ik schrok me echt")
    assert "Logisch dat je daarvan schrikt." in texts(shown)
    assert "Wie wordt er aangevallen?" in texts(shown)
    await tg.tap(USER, "Iemand anders")
    shown = await tg.say(USER, "instgram")
    assert "Wat voor bericht is het?" in texts(shown)


async def test_nonsense_gets_a_kind_line_and_the_closest_buttons(tg: RunningBot) -> None:
    """Where nothing fits: a kind line for this question and its buttons, never only
    "tap a button"; at the menu an invitation to tell the story."""
    await _menu(tg)
    shown = await tg.say(USER, "blablabla")
    assert "Vertel in een paar woorden wat er online gebeurt" in texts(shown)
    assert USE_BUTTONS not in texts(shown)
    await tg.tap(USER, "Ik zie nu iets haatdragends")
    await tg.tap(USER, "Ik zie het bij een ander")
    await tg.tap(USER, "Geschrokken")
    shown = await tg.tap(USER, "Iemand anders")
    assert "Waar zie je het?" in texts(shown)
    shown = await tg.say(USER, "weet ik veel man")
    assert "Die plek ken ik niet" in texts(shown)
    assert USE_BUTTONS not in texts(shown)
    assert {"TikTok", "Instagram", "Ergens anders"} <= set(_labels(shown))


async def test_a_wish_for_a_person_offers_the_peer_educator(tg: RunningBot) -> None:
    """Only a wish for a person opens the talk offer; with a story the coach starts and the
    peer educator is one tap away under the question."""
    await _menu(tg)
    shown = await tg.say(USER, "kan ik met een echt mens praten?")
    assert "Een peer educator is een getrainde jongere" in texts(shown)
    await tg.say(USER, "/menu")
    shown = await tg.say(USER, "ik word gepest op snap, kan ik met iemand praten")
    assert "Wil je met een peer educator praten?" in texts(shown)
    assert "💬 Met een peer educator" in _labels(shown)
    assert "Hoe voel je je nu?" in texts(shown)
    shown = await tg.tap(USER, "💬 Met een peer educator")
    assert "Een peer educator is een getrainde jongere" in texts(shown)


async def test_a_wish_for_a_person_in_a_step_keeps_the_question(tg: RunningBot) -> None:
    """Asking for a person at the "where" question offers the peer educator under that same
    question; the talk opened from there leads back to it."""
    await _menu(tg)
    for label in ("Ik zie nu iets haatdragends", "Ik zie het bij een ander", "Geschrokken"):
        await tg.tap(USER, label)
    await tg.tap(USER, "Iemand anders")
    shown = await tg.say(USER, "ik wil liever met een echt persoon praten")
    assert "Wil je met een peer educator praten?" in texts(shown)
    assert "Waar zie je het?" in texts(shown)
    assert {"TikTok", "💬 Met een peer educator"} <= set(_labels(shown))
    shown = await tg.tap(USER, "💬 Met een peer educator")
    assert "Een peer educator is een getrainde jongere" in texts(shown)


async def test_a_crisis_still_gets_the_crisis_answer_first(tg: RunningBot) -> None:
    """A clear crisis typed at the menu goes to the crisis net, not to the story reader."""
    await _menu(tg)
    shown = await tg.say(USER, "ze pesten me elke dag en ik wil niet meer leven, ik wil dood")
    assert "Ben je nu veilig?" in texts(shown)
    assert "Ik noteer" not in texts(shown)


# Stories about online hate that the shipped crisis detector asks one question about (a
# possible doxing or threat signal); the first that still does is used, as in test_crisis_flow.
ASKED_ABOUT = [
    "ik heb gisteren iets racistisch gezegd in een tiktok live en nu heb ik spijt",
    "er gaat een filmpje van mij rond op snap waar ze me uitlachen",
    "er gaat een foto van mij rond in de klassenapp",
    "iemand heeft een filmpje van mij op tiktok gezet",
    "ze hebben een foto van mij in de groep gezet en lachen me uit",
    "ze delen screenshots van mijn chats in de klas",
    "iemand dreigt mij online",
]
ASKED_ABOUT_THREAT = [
    "iemand dreigt me",
    "ze dreigen me",
    "ze zeggen dat ik moet oppassen",
    "hij zegt dat ik moet oppassen",
    "iemand dreigt me online",
    "ze pesten me en zeggen dat ik moet oppassen",
]


def _asked(candidates: list[str], kinds: frozenset[CrisisKind] | None = None) -> str:
    """The first story that gets the possible-signal question from the shipped detector, about
    a danger from others (a question about the writer's own safety is never read back as a
    story; the candidates are several because each retrain moves the model's scores), of
    ``kinds`` only when given (a threat story must be asked about as a threat)."""
    for text in candidates:
        signal = detect_crisis(text, "chat")
        asked = signal is not None and signal.outcome is Outcome.POSSIBLE
        others = signal is not None and not signal.kinds & {
            CrisisKind.SUICIDE,
            CrisisKind.SELF_HARM,
        }
        if asked and signal and others and (kinds is None or signal.kinds <= kinds):
            return text
    raise AssertionError("no story gets the possible-signal question any more")


async def test_a_story_the_crisis_check_asked_about_is_read_after_no(tg: RunningBot) -> None:
    """A story the crisis detector reads as a possible danger signal gets the one direct
    question first; after "no" the story is read as if typed at the menu."""
    await _menu(tg)
    shown = await tg.say(USER, _asked(ASKED_ABOUT))
    assert "Klopt dat?" in texts(shown)
    shown = await tg.tap(USER, "Nee, ik bedoelde iets anders")
    assert "Ik noteer: " in texts(shown)
    assert "Wat wil je doen?" not in texts(shown)  # not just back at the menu


async def test_a_danger_denied_to_the_crisis_question_is_not_read_back(tg: RunningBot) -> None:
    """'No, I meant something else' to the threat question: the story is read, but not as a
    threat again (nothing noted as a threat, no form filled)."""
    await _menu(tg)
    shown = await tg.say(USER, _asked(ASKED_ABOUT_THREAT, frozenset([CrisisKind.VIOLENCE])))
    assert "Klopt dat?" in texts(shown)
    shown = await tg.tap(USER, "Nee, ik bedoelde iets anders")
    assert "Ik noteer: Ik ben zelf het doelwit" in texts(shown)
    assert "Bedreiging" not in texts(shown)
    answers = _state(tg)["answers"]
    assert isinstance(answers, dict)
    # Other things the story says may be noted ("ze pesten me ...": bullying); a threat not.
    assert answers.get("form") != "threat"


async def test_a_draft_in_check_my_reply_is_not_read(tg: RunningBot) -> None:
    """A draft that reads like a story is checked as a reply, never read as a story: no
    acknowledgement, nothing noted, no answers filled from it."""
    await _menu(tg)
    for label in [*PUBLIC_ROUTE[:8], "Eerst mijn reactie checken"]:
        await tg.tap(USER, label)
    shown = await tg.say(USER, "ik word ook gepest op insta, ik ben bang en verdrietig")
    assert "Ik noteer" not in texts(shown)
    assert "Logisch" not in texts(shown)
    assert "✅ Klaar, verder" in _labels(shown)
    answers = _state(tg)["answers"]
    assert isinstance(answers, dict)
    assert "prefilled" not in answers
    assert answers["platform"] == "tiktok"  # the tapped answer, not the draft's "insta"
