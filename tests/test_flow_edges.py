"""Every edge in the flow tables (issue 16, item 1): branches and outcomes are checked by the
validator, drawn in the generated diagrams, and a step that vanished in an update is survived.

The validator tests break a copy of the bundled content one way at a time, as a content editor
could: a renamed step, a renamed predicate, a renamed text key, an outcome without a target.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from bot.app import Core, load_checked_content, open_core
from bot.config import Settings
from bot.core.clock import Clock
from bot.core.content import Content
from bot.core.diagram import document
from tests import e2e
from tests.e2e import RunningBot, texts
from tests.test_content_rules import content_dir, edit, reports

__all__ = ["content_dir"]  # the fixture, shared with test_content_rules

DOCS = Path(__file__).resolve().parent.parent / "docs" / "flows"
USER = 5557001


def _step(data: Any, step: str) -> dict[str, Any]:
    found: dict[str, Any] = data["steps"][step]
    return found


def test_a_renamed_step_is_named_where_a_branch_leads_to_it(content_dir: Path) -> None:
    def rename(data: Any) -> None:
        data["steps"]["offer_help_v2"] = data["steps"].pop("offer_help")

    edit(content_dir, "flows/checkin.yaml", rename)
    reports(
        content_dir, "flows/checkin.yaml: steps.close.branch[0].next: unknown step 'offer_help'"
    )


def test_a_renamed_step_is_named_where_an_outcome_leads_to_it(content_dir: Path) -> None:
    def rename(data: Any) -> None:
        data["steps"]["active_v2"] = data["steps"].pop("active")

    edit(content_dir, "flows/talk.yaml", rename)
    reports(content_dir, "flows/talk.yaml: steps.chat.outcomes.claimed: unknown step 'active'")


def test_a_renamed_predicate_is_named(content_dir: Path) -> None:
    def rename(data: Any) -> None:
        _step(data, "close")["branch"][0]["when"] = "checkin.went_wrong"

    edit(content_dir, "flows/checkin.yaml", rename)
    reports(
        content_dir,
        "flows/checkin.yaml: steps.close.branch[0].when: unknown predicate 'checkin.went_wrong'",
    )


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_renamed_text_key_is_named_per_language(content_dir: Path, lang: str) -> None:
    def rename(data: Any) -> None:
        data["thanks"]["message"] = data["thanks"].pop("text")

    edit(content_dir, f"{lang}/checkin.yaml", rename)
    reports(content_dir, f"content/{lang}/checkin.yaml: checkin.thanks.text: missing text")


def test_an_outcome_without_a_target_is_named(content_dir: Path) -> None:
    def drop(data: Any) -> None:
        del _step(data, "round")["outcomes"]

    edit(content_dir, "flows/quiz.yaml", drop)
    reports(
        content_dir,
        "flows/quiz.yaml: steps.round.outcomes: outcome 'empty' of action 'quiz.new_round'"
        " has no target",
    )


def test_an_outcome_of_a_run_time_button_needs_the_button_declared(content_dir: Path) -> None:
    """`offers:` says which actions the step's run-time buttons run; their outcomes need targets."""

    def drop(data: Any) -> None:
        _step(data, "main")["offers"] = []

    edit(content_dir, "flows/settings.yaml", drop)
    reports(
        content_dir,
        "flows/settings.yaml: steps.main.outcomes.nowhere: no action of this step reports",
    )


def test_an_outcome_no_action_reports_is_named(content_dir: Path) -> None:
    def add(data: Any) -> None:
        _step(data, "show")["outcomes"]["vanished"] = "list"

    edit(content_dir, "flows/plans.yaml", add)
    reports(
        content_dir,
        "flows/plans.yaml: steps.show.outcomes.vanished: no action of this step reports",
    )


def test_an_option_outcome_leading_nowhere_is_named(content_dir: Path) -> None:
    def point(data: Any) -> None:
        _step(data, "after")["options"][0]["outcomes"]["nowhere"] = "menu:gone"

    edit(content_dir, "flows/crisis.yaml", point)
    reports(
        content_dir,
        "flows/crisis.yaml: steps.after.options[0].outcomes.nowhere: unknown step 'menu:gone'",
    )


def test_an_unknown_run_time_action_is_named(content_dir: Path) -> None:
    def rename(data: Any) -> None:
        _step(data, "main")["offers"] = ["settings.go_back"]

    edit(content_dir, "flows/settings.yaml", rename)
    reports(content_dir, "flows/settings.yaml: steps.main.offers[0]: unknown action")


def test_the_diagrams_in_docs_are_generated_from_the_tables() -> None:
    """docs/flows/ is current: `sterk-online diagram --write docs/flows` after a table change."""
    content = load_checked_content()
    stale = [
        flow_id
        for flow_id, flow in content.flows.items()
        if not (DOCS / f"{flow_id}.md").exists()
        or (DOCS / f"{flow_id}.md").read_text(encoding="utf-8") != document(flow)
    ]
    extra = sorted({path.stem for path in DOCS.glob("*.md")} - set(content.flows))
    assert not stale, f"run `sterk-online diagram --write docs/flows`; out of date: {stale}"
    assert not extra, f"diagrams of flows that no longer exist: {extra}"


def _renamed(content: Content) -> Content:
    """An update that renamed onboarding's `followups` step (and what leads to it)."""
    flow = content.flows["onboarding"]
    steps = dict(flow.steps)
    steps["followups_v2"] = steps.pop("followups")
    checkins = steps["checkins"]
    options = [o.model_copy(update={"next": "followups_v2"}) for o in checkins.options]
    steps["checkins"] = checkins.model_copy(update={"options": options})
    flows = dict(content.flows)
    flows["onboarding"] = flow.model_copy(update={"steps": steps})
    texts = {
        lang: {k.replace(".followups.", ".followups_v2."): v for k, v in by_key.items()}
        for lang, by_key in content.texts.items()
    }
    return dataclasses.replace(content, flows=flows, texts=texts)


@pytest.mark.both_stores
async def test_a_saved_button_to_a_vanished_step_starts_the_flow_again(
    tg: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A restart onto content without the step a saved button leads to: a friendly line and
    the flow from its start, never an error."""
    await tg.say(USER, "/start")
    for label in ("English", "Continue", "OK, continue", "16 or older"):
        await tg.tap(USER, label)
    renamed = _renamed(load_checked_content())

    async def updated(settings: Settings, clock: Clock | None = None) -> Core:
        return await open_core(settings, clock=clock, content=renamed)

    monkeypatch.setattr(e2e, "open_core", updated)
    await tg.restart()
    calls = await tg.tap(USER, "Yes, please")  # its button led to `followups`
    shown = texts(calls)
    assert "This part has changed in the meantime" in shown
    assert tg.button(USER, "English")  # onboarding from its start: the language question
    assert "went wrong" not in shown
