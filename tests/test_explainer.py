"""Free speech or hate? walked through the real engine: checks, urgent jumps and the endings."""

from __future__ import annotations

import dataclasses

import pytest

from bot.app import Core
from bot.core.content import FlowDef, OptionDef, StepDef
from tests.driver import ChatDriver

YES_NO = {"nl": ("Ja", "Nee"), "en": ("Yes", "No")}


async def _press_label(chat: ChatDriver, label: str) -> None:
    """Tap the button with exactly this label ("No" is part of other labels)."""
    data = [b.data for b in chat.buttons if b.label == label]
    assert data, f"no button {label!r}; have {chat.labels()}"
    await chat.press(data[0] or "")


async def _answer(chat: ChatDriver, lang: str, *answers: bool) -> None:
    yes, no = YES_NO[lang]
    for answer in answers:
        await _press_label(chat, yes if answer else no)


async def _open(chat: ChatDriver, language: str = "Nederlands") -> None:
    await chat.onboard(language=language)
    await chat.press(chat.buttons[2].data or "")  # the explainer is the third menu option


async def _activity(core: Core, chat: ChatDriver) -> list[str | None]:
    loaded = await core.repo.load("test", chat.user)
    assert loaded is not None
    rows = (await core.repo.export_user(loaded[0].id))["activity"]
    return [row["detail"] for row in rows if row["kind"] == "explainer_done"]


async def test_walk_with_threat_jump_and_punishable_ending(chat: ChatDriver, core: Core) -> None:
    """'Yes' on the threat check shows the police at once, then the checks carry on."""
    await _open(chat)
    assert "Vrije mening of haat?" in chat.text
    assert "Vraag 1 van 6:" in chat.text
    assert "Voorbeeld: " in chat.text
    assert chat.labels()[:2] == ["Ja", "Nee"]
    await _answer(chat, "nl", False, False, False)
    assert "Vraag 4 van 6:" in chat.text
    await _answer(chat, "nl", True)
    assert "Neem een bedreiging altijd serieus" in chat.text
    assert "0900-8844" in chat.text
    assert "Alarmnummer (112)" in chat.text
    assert "Helpwanted" not in chat.text
    await _press_label(chat, "Volgende")
    assert "Vraag 5 van 6:" in chat.text
    await _answer(chat, "nl", False, False)
    assert "strafbaar kan zijn" in chat.text
    assert "Politie (geen spoed)" in chat.text
    assert "Meld.Online Discriminatie" not in chat.text
    assert "Geen misdrijf betekent niet" not in chat.text
    assert "geen juridisch advies" in chat.text
    assert "🛑 Hulp bij reageren" in chat.labels()
    assert await _activity(core, chat) == ["maybe_crime"]


async def test_doxing_jump_names_police_and_helpwanted(chat: ChatDriver) -> None:
    """'Yes' on the doxing check shows the police and Helpwanted from the helplines."""
    await _open(chat)
    await _answer(chat, "nl", False, False, False, False, True)
    assert "Helpwanted (020-261 52 75" in chat.text
    assert "Politie (geen spoed)" in chat.text
    await _press_label(chat, "Volgende")
    assert "Vraag 6 van 6:" in chat.text


async def test_not_a_crime_ending(chat: ChatDriver, core: Core) -> None:
    """No punishable signs: 'probably not a crime, but it can still hurt', plus the disclaimer."""
    await _open(chat)
    await _answer(chat, "nl", True, False, False, False, False, True)
    assert "wijzen er niet op dat dit strafbaar is" in chat.text
    assert core.content.text("nl", "explainer.outro_not_crime") in chat.text
    assert core.content.text("nl", "explainer.disclaimer") in chat.text
    assert "0900-8844" not in chat.text
    assert await _activity(core, chat) == ["not_crime"]
    await chat.tap("Ander bericht checken")
    assert "Vraag 1 van 6:" in chat.text


async def test_group_insult_in_english_points_to_report_points(chat: ChatDriver) -> None:
    """About people for who they are and insulting in itself: report points, in English."""
    await _open(chat, "English")
    assert "Question 1 of 6:" in chat.text
    assert "Example: " in chat.text
    await _answer(chat, "en", True, True, False, False, False, False)
    assert "could be a crime" in chat.text
    assert "Meld.Online Discriminatie" in chat.text
    assert "not legal advice" in chat.text
    assert "🛑 Help me respond" in chat.labels()


async def test_stale_tap_does_not_change_answers(chat: ChatDriver) -> None:
    """A yes/no button of an earlier check answers with the stale line, not a new answer."""
    await _open(chat)
    old_yes = chat.button("Ja").data or ""
    await _answer(chat, "nl", False)
    await chat.press(old_yes)
    assert "eerder bericht" in chat.text
    assert "Vraag 2 van 6:" in chat.text


@pytest.mark.parametrize("coach_exists", [False, True])
async def test_coach_button_follows_flow_availability(
    chat: ChatDriver, core: Core, monkeypatch: pytest.MonkeyPatch, coach_exists: bool
) -> None:
    """The coaching button opens the coach flow once it exists, and the menu until then."""
    flows = {k: v for k, v in core.content.flows.items() if k != "coach"}
    if coach_exists:
        stay = OptionDef(id="back", next="menu:", label="common.nav.menu")
        flows["coach"] = FlowDef(
            id="coach",
            start="start",
            steps={"start": StepDef(text="menu.soon.text", options=[stay])},
        )
    monkeypatch.setattr(core.engine, "content", dataclasses.replace(core.content, flows=flows))
    await _open(chat)
    await _answer(chat, "nl", False, False, False, False, False, False)
    await chat.tap("Hulp bij reageren")
    loaded = await core.repo.load("test", chat.user)
    assert loaded is not None
    assert loaded[1]["flow"] == ("coach" if coach_exists else "menu")
