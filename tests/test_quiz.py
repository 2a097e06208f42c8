"""The recognition quiz through the real engine and SQLite: rounds, feedback, score, repeats."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.app import Core, load_checked_content, open_core
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.content import LANGUAGES, QuizItemDef
from bot.flows import quiz as quiz_flow
from tests.driver import ChatDriver

pytestmark = pytest.mark.both_stores


@pytest.fixture(autouse=True)
def seeded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rounds are drawn from a seeded generator so every run sees the same items."""
    monkeypatch.setattr(quiz_flow, "RNG", random.Random(2026))


def _label(core: Core, lang: str, option: str) -> str:
    return core.content.text(lang, f"quiz.option_labels.{option}")


def _shown_item(chat: ChatDriver, core: Core, lang: str) -> QuizItemDef:
    """The item whose post is in the last turn's messages."""
    shown = [
        item
        for item in core.content.quiz
        if core.content.text(lang, f"quiz.items.{item.id}.post") in chat.text
    ]
    assert len(shown) == 1, chat.text
    return shown[0]


async def _press_label(chat: ChatDriver, label: str) -> None:
    """Tap the button with exactly this label (labels can contain each other)."""
    data = [b.data for b in chat.buttons if b.label == label]
    assert data, f"no button {label!r}; have {chat.labels()}"
    await chat.press(data[0] or "")


async def _answer(chat: ChatDriver, core: Core, right: bool, lang: str = "nl") -> QuizItemDef:
    """Answer the question on screen right or wrong; returns the item."""
    item = _shown_item(chat, core, lang)
    assert [b for b in chat.labels() if b in {_label(core, lang, o) for o in item.options}] == [
        _label(core, lang, o) for o in item.options
    ]
    option = item.correct if right else next(o for o in item.options if o != item.correct)
    await _press_label(chat, _label(core, lang, option))
    return item


async def _play_round(chat: ChatDriver, core: Core, pattern: list[bool]) -> list[QuizItemDef]:
    """Answer a whole round (Dutch) following `pattern`; ends on the score."""
    items = []
    for number, right in enumerate(pattern, start=1):
        assert f"Vraag {number} van {len(pattern)}." in chat.text
        items.append(await _answer(chat, core, right))
        await chat.tap("Volgende vraag" if number < len(pattern) else "Bekijk je score")
    return items


async def _user_id(core: Core, chat: ChatDriver) -> int:
    loaded = await core.repo.load("test", chat.user)
    assert loaded is not None
    return loaded[0].id


async def _rows(core: Core, chat: ChatDriver, table: str) -> list[dict[str, object]]:
    exported = await core.repo.export_user(await _user_id(core, chat))
    return exported[table]


async def test_full_round_gives_feedback_and_score(chat: ChatDriver, core: Core) -> None:
    """Eight questions, each with right/wrong and the explanation, then the score is recorded."""
    await chat.onboard()
    await chat.tap("Quiz")
    assert "Herken jij online haat?" in chat.text
    pattern = [True, False, True, True, False, True, True, False]
    for number, right in enumerate(pattern, start=1):
        assert f"Vraag {number} van 8." in chat.text
        item = await _answer(chat, core, right)
        if right:
            assert "Goed zo!" in chat.text
        else:
            correct = _label(core, "nl", item.correct)
            assert f"Net niet. Het juiste antwoord is: {correct}." in chat.text
        assert core.content.text("nl", f"quiz.items.{item.id}.explanation") in chat.text
        expected = "Volgende vraag" if number < 8 else "Bekijk je score"
        assert expected in chat.labels()
        await chat.tap(expected)
    assert "Je had er 5 van de 8 goed." in chat.text
    assert "komen later nog een keer terug" in chat.text
    assert "🔁 Nog een ronde" in chat.labels()
    assert "🏠 Menu" in chat.labels()
    answers = await _rows(core, chat, "quiz_answers")
    in_order = sorted(answers, key=lambda row: int(str(row["id"])))
    assert [bool(row["correct"]) for row in in_order] == pattern
    activity = await _rows(core, chat, "activity")
    assert [row["detail"] for row in activity if row["kind"] == "quiz_round"] == ["5/8"]
    await chat.tap("Menu")
    assert "Wat wil je doen?" in chat.text


async def test_perfect_round_has_no_retry_note(chat: ChatDriver, core: Core) -> None:
    """All right: the score, without the note that mistakes come back."""
    await chat.onboard()
    await chat.tap("Quiz")
    await _play_round(chat, core, [True] * 8)
    assert "Je had er 8 van de 8 goed." in chat.text
    assert "komen later" not in chat.text


async def test_wrong_items_come_back_first(chat: ChatDriver, core: Core) -> None:
    """Next round opens with the items still wrong, then unseen ones; fixed mistakes drop out."""
    await chat.onboard()
    await chat.tap("Quiz")
    first_pattern = [False, True, False, True, True, False, True, True]
    first = await _play_round(chat, core, first_pattern)
    wrong = {item.id for item, ok in zip(first, first_pattern, strict=True) if not ok}
    await chat.tap("Nog een ronde")
    second_pattern = [True, False, False, True, True, True, True, True]
    second = await _play_round(chat, core, second_pattern)
    assert {item.id for item in second[:3]} == wrong
    assert not {item.id for item in second[3:]} & {item.id for item in first}
    await chat.tap("Nog een ronde")
    third = await _play_round(chat, core, [True] * 8)
    assert {item.id for item in third[:2]} == {second[1].id, second[2].id}
    assert second[0].id not in {item.id for item in third}


async def test_stale_and_double_taps_count_once(
    chat: ChatDriver, core: Core, clock: ManualClock
) -> None:
    """A double tap is ignored, old buttons get the friendly stale line; one answer is stored."""
    await chat.onboard()
    await chat.tap("Quiz")
    item = _shown_item(chat, core, "nl")
    question_buttons = {b.label: b.data or "" for b in chat.buttons}
    tapped = question_buttons[_label(core, "nl", item.correct)]
    await chat.press(tapped)
    assert "Goed zo!" in chat.text
    assert await chat.press(tapped) == []
    clock.advance(seconds=10)
    await chat.press(tapped)
    assert "eerder bericht" in chat.text
    assert "Volgende vraag" in chat.labels()
    next_data = chat.button("Volgende vraag").data or ""
    await chat.press(next_data)
    assert "Vraag 2 van 8." in chat.text
    second_labels = chat.labels()
    other = next(data for label, data in question_buttons.items() if data != tapped)
    await chat.press(other)
    assert "eerder bericht" in chat.text
    clock.advance(seconds=10)
    await chat.press(next_data)
    assert "eerder bericht" in chat.text
    assert chat.labels() == second_labels
    assert len(await _rows(core, chat, "quiz_answers")) == 1


@pytest.mark.parametrize(
    ("language", "intro", "ask", "right", "wrong"),
    [
        ("Nederlands", "Herken jij", "Vraag 1 van 8.", "Goed zo!", "Het juiste antwoord is: "),
        ("English", "Can you spot", "Question 1 of 8.", "Well done!", "The right answer is: "),
    ],
)
async def test_quiz_in_both_languages(
    chat: ChatDriver,
    core: Core,
    language: str,
    intro: str,
    ask: str,
    right: str,
    wrong: str,
) -> None:
    """Posts, options, feedback and buttons all come in the person's language."""
    lang = "nl" if language == "Nederlands" else "en"
    await chat.onboard(language=language)
    await chat.press(chat.buttons[1].data or "")  # the quiz is the second menu option
    assert intro in chat.text
    assert ask in chat.text
    assert core.content.text(lang, f"quiz.questions.{_shown_item(chat, core, lang).kind}") in (
        chat.text
    )
    item = await _answer(chat, core, right=False, lang=lang)
    assert f"{wrong}{_label(core, lang, item.correct)}." in chat.text
    await chat.press(chat.buttons[0].data or "")
    await _answer(chat, core, right=True, lang=lang)
    assert right in chat.text


async def test_help_mid_question_returns_to_the_same_post(chat: ChatDriver, core: Core) -> None:
    """/hulp in the middle of a question, then back: the same post and options again."""
    await chat.onboard()
    await chat.tap("Quiz")
    item = _shown_item(chat, core, "nl")
    labels = chat.labels()
    await chat.send("/hulp")
    assert "112" in chat.text
    await chat.tap("Terug")
    assert _shown_item(chat, core, "nl") == item
    assert chat.labels() == labels
    await _answer(chat, core, right=True)
    assert "Goed zo!" in chat.text


async def test_progress_is_exported_and_forgotten(chat: ChatDriver, core: Core) -> None:
    """Quiz answers are in /mijndata and go with /vergeetmij like every other row."""
    await chat.onboard()
    await chat.tap("Quiz")
    await _answer(chat, core, right=False)
    user_id = await _user_id(core, chat)
    assert len((await core.repo.export_user(user_id))["quiz_answers"]) == 1
    await chat.send("/vergeetmij")
    await chat.tap("Ja, wis alles")
    assert await core.repo.count_rows_for(user_id) == 0


async def test_round_survives_restart(settings: Settings, clock: ManualClock) -> None:
    """Round, position and score live in SQLite: a new process carries on at question 2."""
    first = await open_core(settings, clock=clock)
    chat = ChatDriver(first)
    await chat.onboard()
    await chat.tap("Quiz")
    await _answer(chat, first, right=True)
    data = chat.button("Volgende vraag").data or ""
    await first.close()
    second = await open_core(settings, clock=clock)
    try:
        again = ChatDriver(second, user=chat.user)
        await again.press(data)
        assert "Vraag 2 van 8." in again.text
    finally:
        await second.close()


def test_pick_round_is_repeatable_with_a_seed() -> None:
    """The same seed and history give the same round."""
    items = [f"q{n:02}" for n in range(1, 37)]
    latest = {"q05": False, "q07": True}
    one = quiz_flow.pick_round(items, latest, random.Random(1))
    two = quiz_flow.pick_round(items, latest, random.Random(1))
    assert one == two
    assert one[0] == "q05"
    assert "q07" not in one


@given(
    history=st.dictionaries(st.integers(0, 11).map(lambda n: f"i{n}"), st.booleans()),
    size=st.integers(1, 12),
    seed=st.integers(0, 2**32),
)
def test_pick_round_orders_wrong_unseen_rest(
    history: dict[str, bool], size: int, seed: int
) -> None:
    """Any history: no repeats, the right size, and groups in the order wrong, unseen, rest."""
    items = [f"i{n}" for n in range(12)]
    picked = quiz_flow.pick_round(items, history, random.Random(seed), size)
    assert len(picked) == len(set(picked)) == min(size, len(items))

    def rank(item: str) -> int:
        return 1 if item not in history else 2 if history[item] else 0

    ranks = [rank(item) for item in picked]
    assert ranks == sorted(ranks)
    assert ranks.count(0) == min(size, sum(1 for v in history.values() if not v))


def test_quiz_covers_every_grade_and_ground_of_the_report() -> None:
    """At least 40 posts in each language; the right answers cover the report's four grades
    (negativity, bullying, discrimination, extremism), the threat, every ground including
    gender identity, and the three free-speech verdicts."""
    content = load_checked_content()
    for lang in LANGUAGES:
        posts = [i for i in content.quiz if content.has(lang, f"quiz.items.{i.id}.post")]
        assert len(posts) >= 40
    correct = {(item.kind, item.correct) for item in content.quiz}
    grades = {"negativity", "bullying", "discrimination", "extremism", "threat"}
    grounds = {"origin", "religion", "gender", "gender_identity", "sexual_orientation"}
    grounds |= {"disability", "other"}
    assert {("form", grade) for grade in grades} <= correct
    assert {("ground", ground) for ground in grounds} <= correct
    assert {("freespeech", v) for v in ("opinion", "hurtful_not_crime", "maybe_crime")} <= correct
