"""Every rule of the content validator (bot/core/content.py), one mistake at a time.

Each test copies the bundled content, makes one mistake a content editor could make, and checks
that validation names the file, the key and what is wrong (issue 16, item 3). Problems are
matched by line, never by count, so a new rule elsewhere does not break these tests.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.app import load_checked_content
from bot.core.content import (
    MAX_CALLBACK,
    ContentError,
    FlowDef,
    OptionDef,
    StepDef,
    check_content,
    default_content_dir,
    read_content,
)

Edit = Callable[[Any], object]  # changes the data in place; what it returns is ignored


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A copy of the bundled content to break."""
    target = tmp_path / "content"
    shutil.copytree(default_content_dir(), target, ignore=shutil.ignore_patterns("*.py", "__*"))
    return target


def edit(root: Path, name: str, change: Edit) -> None:
    """Load one YAML file, change the data, write it back."""
    path = root / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def problems(root: Path) -> list[str]:
    """Every problem validation reports for the folder ([] when it is clean)."""
    try:
        load_checked_content(root)
    except ContentError as exc:
        return [str(problem) for problem in exc.problems]
    return []


def reports(root: Path, line: str) -> None:
    """Assert that one reported problem contains `line`."""
    found = problems(root)
    assert any(line in problem for problem in found), found


def test_an_untouched_copy_is_clean(content_dir: Path) -> None:
    """The baseline: the copy itself has no problem, so each test below sees only its own."""
    assert problems(content_dir) == []


# -- reading: YAML, layout and shapes --------------------------------------------------------


def test_an_unquoted_yes_key_must_be_quoted(content_dir: Path) -> None:
    """YAML reads `yes:` as true; the editor is told to quote it."""
    path = content_dir / "nl" / "menu.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\nextra:\n  yes: Ja\n", encoding="utf-8")
    reports(content_dir, "content/nl/menu.yaml: menu.extra.True: put this key in quotes")


def test_a_text_must_be_text_or_a_list_of_texts(content_dir: Path) -> None:
    """A null or a list of mappings is no text."""
    edit(content_dir, "nl/menu.yaml", lambda d: d["main"].update(text=None))
    reports(
        content_dir, "content/nl/menu.yaml: menu.main.text: expected text, a list of texts or a"
    )


def test_a_text_file_must_be_a_mapping(content_dir: Path) -> None:
    (content_dir / "en" / "rate.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    reports(content_dir, "content/en/rate.yaml: -: expected a mapping of keys to texts")


def test_an_unreadable_file_is_named(content_dir: Path) -> None:
    """A folder where a flow file should be: the file is named, nothing crashes."""
    (content_dir / "flows" / "broken.yaml").mkdir()
    reports(content_dir, "content/flows/broken.yaml: -: cannot read:")


def test_a_missing_language_folder(content_dir: Path) -> None:
    shutil.rmtree(content_dir / "en")
    reports(content_dir, "content/en: -: language folder is missing")


def test_flow_id_must_equal_the_file_name(content_dir: Path) -> None:
    edit(content_dir, "flows/forget.yaml", lambda d: d.update(id="vergeten"))
    reports(content_dir, "content/flows/forget.yaml: id: must equal the file name 'forget'")


def test_flow_fields_are_checked_by_their_model(content_dir: Path) -> None:
    """An unknown field, a bad option id: the schema's own message, located by key."""

    def change(data: Any) -> None:
        data["steps"]["confirm"]["colums"] = 2
        data["steps"]["confirm"]["options"][0]["id"] = "Ja!"

    edit(content_dir, "flows/forget.yaml", change)
    found = problems(content_dir)
    assert any(
        "content/flows/forget.yaml: steps.confirm.colums: Extra inputs" in p for p in found
    ), found
    assert any("steps.confirm.options.0.id: String should match pattern" in p for p in found)


def test_catalogues_are_checked_by_their_model(content_dir: Path) -> None:
    """A helpline without its `verified` date is refused (numbers must be re-checked)."""
    edit(content_dir, "helplines.yaml", lambda d: d["helplines"][0].pop("verified"))
    reports(content_dir, "content/helplines.yaml: helplines.0.verified: Field required")


# -- flows: where every step and answer leads --------------------------------------------------


def _step(data: Any, step: str) -> dict[str, Any]:
    found: dict[str, Any] = data["steps"][step]
    return found


def _option(data: Any, step: str, index: int) -> dict[str, Any]:
    found: dict[str, Any] = _step(data, step)["options"][index]
    return found


# One edit, one problem: (file, the mistake, what validation must say).
ONE_MISTAKE = [
    pytest.param(
        "flows/forget.yaml",
        lambda d: d.update(start="begin"),
        "content/flows/forget.yaml: start: unknown step 'begin'",
        id="start must be a step",
    ),
    pytest.param(
        "flows/forget.yaml",
        lambda d: _option(d, "confirm", 1).update(next="menuu:"),
        "content/flows/forget.yaml: steps.confirm.options[1].next: unknown flow 'menuu'",
        id="a target in an unknown flow",
    ),
    pytest.param(
        "flows/forget.yaml",
        lambda d: _option(d, "confirm", 1).update(next="menu:nope"),
        "steps.confirm.options[1].next: unknown step 'menu:nope'",
        id="a target step in another flow",
    ),
    pytest.param(
        "flows/settings.yaml",
        lambda d: _step(d, "city").update(next="savd"),
        "content/flows/settings.yaml: steps.city.next: unknown step 'savd'",
        id="a step's next is checked too",
    ),
    pytest.param(
        "flows/settings.yaml",
        lambda d: _step(d, "city").update(save="profile.id"),
        "content/flows/settings.yaml: steps.city.save: not a profile setting",
        id="save into the profile only what may be set",
    ),
    pytest.param(
        "flows/settings.yaml",
        lambda d: _option(d, "language", 0)["profile"].update(admin=True),
        "steps.language.options[0].profile.admin: not a profile setting",
        id="an option sets only profile settings",
    ),
    pytest.param(
        "flows/forget.yaml",
        lambda d: _step(d, "confirm").update(options=[]),
        "content/flows/forget.yaml: steps.confirm: dead end: no options or next",
        id="a dead end step",
    ),
    pytest.param(
        "flows/forget.yaml",
        lambda d: _option(d, "confirm", 1).update(id="yes"),
        "steps.confirm.options[1]: duplicate id 'yes'",
        id="duplicate option ids",
    ),
    pytest.param(
        "flows/forget.yaml",
        lambda d: _option(d, "confirm", 1).pop("next"),
        "content/flows/forget.yaml: steps.confirm.options[1]: needs next or action",
        id="an option must lead somewhere",
    ),
]


@pytest.mark.parametrize(("name", "change", "expected"), ONE_MISTAKE)
def test_one_mistake_in_a_flow(content_dir: Path, name: str, change: Edit, expected: str) -> None:
    """Where every step and answer leads: each mistake is named by file, key and what."""
    edit(content_dir, name, change)
    reports(content_dir, expected)


def test_unknown_actions_on_steps_options_and_text(content_dir: Path) -> None:
    """Every hook name is one the Python code registered."""

    def change(data: Any) -> None:
        _step(data, "main")["action"] = "settings.sumary"
        _step(data, "main")["options"][4]["action"] = "system.mydat"
        _step(data, "city")["on_text"] = "settings.nope"

    edit(content_dir, "flows/settings.yaml", change)
    found = problems(content_dir)
    for line in (
        "steps.main.action: unknown action 'settings.sumary'",
        "steps.main.options[4].action: unknown action 'system.mydat'",
        "steps.city.on_text: unknown action 'settings.nope'",
    ):
        assert any(f"content/flows/settings.yaml: {line}" in p for p in found), (line, found)


def test_text_input_needs_somewhere_to_keep_it_and_to_go(content_dir: Path) -> None:
    """A text step without save/on_text loses the answer; without next it goes nowhere."""

    def change(data: Any) -> None:
        del _step(data, "city")["on_text"]
        del _step(data, "city")["next"]

    edit(content_dir, "flows/settings.yaml", change)
    found = problems(content_dir)
    assert any("steps.city: text input needs save or on_text" in p for p in found), found
    assert any("steps.city: text input needs next" in p for p in found), found


def test_callback_data_must_fit_telegram() -> None:
    """The id pattern keeps callback data short; the check stays as the second lock (an id
    made in code, past the schema, is still caught)."""
    content, found = read_content(default_content_dir())
    assert found == []
    long_id = "x" * MAX_CALLBACK
    step = StepDef(
        options=[OptionDef.model_construct(id=long_id, next="start", set={}, profile={})]
    )
    content.flows["toolong"] = FlowDef(id="toolong", start="start", steps={"start": step})
    checked = [str(p) for p in check_content(content, known_hooks=())]
    assert any(
        "content/flows/toolong.yaml: steps.start.options[0]: callback data too long" in p
        for p in checked
    ), checked


# -- texts: present in every language, same shape, phone-sized ----------------------------------


def test_a_text_a_step_needs_is_missing_in_both_languages(content_dir: Path) -> None:
    for lang in ("nl", "en"):
        edit(content_dir, f"{lang}/forget.yaml", lambda d: d["confirm"].pop("text"))
    for lang in ("nl", "en"):
        reports(
            content_dir,
            f"content/{lang}/forget.yaml: forget.confirm.text: missing text "
            "(needed by content/flows/forget.yaml)",
        )


def test_a_missing_translation(content_dir: Path) -> None:
    edit(content_dir, "nl/menu.yaml", lambda d: d.update(only_dutch="Alleen Nederlands"))
    reports(
        content_dir, "content/en/menu.yaml: menu.only_dutch: missing translation (present in nl)"
    )


def test_texts_need_the_same_number_of_parts(content_dir: Path) -> None:
    edit(content_dir, "en/onboarding.yaml", lambda d: d["intro"].update(text="One part only."))
    reports(content_dir, "onboarding.intro.text: nl has 2 parts, en has 1")


def test_placeholders_must_match_between_languages(content_dir: Path) -> None:
    edit(
        content_dir,
        "en/common.yaml",
        lambda d: d.update(too_long="That is long. Keep it under {limt} characters."),
    )
    reports(content_dir, "common.too_long: placeholders differ between nl and en")


def test_an_empty_text(content_dir: Path) -> None:
    edit(content_dir, "nl/menu.yaml", lambda d: d["main"].update(text="  "))
    reports(content_dir, "content/nl/menu.yaml: menu.main.text: empty text")


def test_a_text_over_telegrams_limit(content_dir: Path) -> None:
    edit(content_dir, "en/menu.yaml", lambda d: d["main"].update(text="x" * 4097))
    reports(content_dir, "content/en/menu.yaml: menu.main.text: 4097 characters, Telegram allows")


def test_a_text_over_phone_size(content_dir: Path) -> None:
    edit(content_dir, "nl/menu.yaml", lambda d: d["main"].update(text="woord " * 120))
    reports(content_dir, "menu.main.text: 720 characters, keep messages under 600")


def test_a_button_label_over_thirty_characters(content_dir: Path) -> None:
    edit(
        content_dir,
        "nl/forget.yaml",
        lambda d: d["confirm"]["options"].update(no="Nee, liever toch niet, bedankt hoor"),
    )
    reports(content_dir, "content/nl/forget.yaml: forget.confirm.options.no: button label over 30")


# -- catalogues: every fact has its texts --------------------------------------------------------


def test_a_helpline_without_its_texts(content_dir: Path) -> None:
    edit(content_dir, "en/helplines.yaml", lambda d: d["emergency_112"].pop("what"))
    reports(content_dir, "content/en/helplines.yaml: helplines.emergency_112.what: missing text")


def test_an_approach_without_its_texts(content_dir: Path) -> None:
    edit(content_dir, "nl/approaches.yaml", lambda d: d["empathy"].pop("why"))
    reports(content_dir, "content/nl/approaches.yaml: approaches.empathy.why: missing text")


def test_a_quiz_item_without_its_texts_or_labels(content_dir: Path) -> None:
    def change(data: Any) -> None:
        data["items"]["q01"].pop("explanation")
        data["option_labels"].pop("negativity")

    edit(content_dir, "en/quiz.yaml", change)
    found = problems(content_dir)
    assert any("content/en/quiz.yaml: quiz.items.q01.explanation: missing text" in p for p in found)
    assert any(
        "content/en/quiz.yaml: quiz.option_labels.negativity: missing text" in p for p in found
    )


def test_a_quiz_answer_must_be_one_of_its_options(content_dir: Path) -> None:
    edit(content_dir, "quiz.yaml", lambda d: d["items"][0].update(correct="hate"))
    reports(content_dir, "content/quiz.yaml: items.q01.correct: must be one of the item's options")


def test_texts_the_code_needs_are_required(content_dir: Path) -> None:
    """Keys the Python code asks for by name (`required_keys`) are checked like step texts."""
    content, found = read_content(content_dir)
    assert found == []
    checked = [str(p) for p in check_content(content, (), required_keys=["common.not_there"])]
    assert "content/nl/common.yaml: common.not_there: missing text (needed by common texts)" in (
        checked
    )
