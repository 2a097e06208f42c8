"""WhatsApp's limits for content (issue 14, item 3): rendering and validation per channel."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.__main__ import main
from bot.app import WIRING, load_checked_content
from bot.config import SettingsError
from bot.core.content import LANGUAGES, default_content_dir, option_label_key, step_text_key
from bot.core.model import Button, Document, Reply
from bot.transports.whatsapp import (
    MAX_BODY,
    MAX_TEXT,
    Outgoing,
    as_text_document,
    channel_labels,
    load_templates,
    render,
    text_event,
)
from tests.fakewa import APPROVED, Approved

NAV = (Button("🏠 Menu", "n:menu"), Button("🆘 Hulp", "n:help"))


def _valid(message: Outgoing) -> None:
    """What the strict fake (and Meta) would accept for one message."""
    if message.kind == "text":
        assert 1 <= len(message.body) <= MAX_TEXT
        return
    assert 1 <= len(message.body) <= MAX_BODY
    assert len(message.footer) <= 60
    ids = [option[0] for option in message.options]
    assert len(ids) == len(set(ids))
    if message.kind == "buttons":
        assert 1 <= len(message.options) <= 3
        titles = [title for _, title, _ in message.options]
        assert len(titles) == len(set(titles))
        assert all(1 <= len(t) <= 20 for t in titles)
    else:
        assert message.kind == "list"
        assert 1 <= len(message.options) <= 10
        assert 1 <= len(message.button) <= 20
        assert all(1 <= len(t) <= 24 and len(d) <= 72 for _, t, d in message.options)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_step_renders_within_whatsapps_limits(lang: str) -> None:
    """Every flow step with its menu/help row: valid messages, and up to 3 options as buttons."""
    content = load_checked_content()
    labels = channel_labels(content, lang)
    nav = (
        Button(content.text(lang, "common.nav.menu"), "n:menu"),
        Button(content.text(lang, "common.nav.help"), "n:help"),
    )
    for flow_id, flow in content.flows.items():
        for step_id, step in flow.steps.items():
            if not step.options:
                continue
            buttons = tuple(
                Button(content.text(lang, option_label_key(flow_id, step_id, o)), f"f:9:{o.id}")
                for o in step.options
            )
            text = content.messages(lang, step_text_key(flow_id, step_id, step))[-1]
            rows = (buttons, nav) if flow.nav and step.nav is not False else (buttons,)
            out = render([Reply(text, rows)], labels)
            for message in out:
                _valid(message)
            if len(step.options) <= 3:
                assert [m.kind for m in out] == ["buttons"], f"{flow_id}.{step_id}"


def test_texts_of_a_turn_are_merged_and_long_ones_split() -> None:
    """Three short texts and a question become one message; an over-long text is cut."""
    labels = channel_labels(load_checked_content(), "nl")
    out = render([Reply("Een."), Reply("Twee."), Reply("Kies?", ((NAV[0],), (NAV[1],)))], labels)
    assert [m.kind for m in out] == ["buttons"]
    assert out[0].body == "Een.\n\nTwee.\n\nKies?"
    long = "\n".join(["regel " * 20] * 60)
    out = render([Reply(long), Reply("Verder?", ((Button("Ja", "f:1:y"),),))], labels)
    assert all(len(m.body) <= (MAX_TEXT if m.kind == "text" else MAX_BODY) for m in out)
    assert out[-1].kind == "buttons"


def test_eleven_options_become_two_lists() -> None:
    """More than 10 answers: the menu/help rows are left to typing, the rest split in lists."""
    labels = channel_labels(load_checked_content(), "nl")
    many = tuple(Button(f"Keuze nummer {i} met een lange naam", f"f:1:o{i}") for i in range(11))
    out = render([Reply("Welke?", (many, NAV))], labels)
    assert [m.kind for m in out] == ["list", "list"]
    assert out[0].footer
    for message in out:
        _valid(message)
    assert out[0].options[0][2] == "Keuze nummer 0 met een lange naam"


def test_export_goes_as_text_file() -> None:
    """Meta refuses application/json uploads: /mijndata's JSON goes as a .txt document."""
    assert as_text_document(Document("sterk-online-AB12.json", b"{}")).filename == (
        "sterk-online-AB12.txt"
    )


@pytest.mark.parametrize(
    ("typed", "command"),
    [
        ("hulp", "hulp"),
        ("Hulp!", "hulp"),
        ("/hulp", "hulp"),
        ("menu", "menu"),
        ("STOP", "stop"),
        ("vergeet mij", "vergeetmij"),
        ("Vergeet  mij.", "vergeetmij"),
        ("forget me", "forgetme"),
        ("mijn data", "mijndata"),
        ("help", "help"),
    ],
)
def test_typed_words_are_commands(typed: str, command: str) -> None:
    """The words that stand in for Telegram's commands, in Dutch and English."""
    event = text_event("wa1", typed)
    assert (event.kind, event.command) == ("command", command)


def test_other_text_stays_text() -> None:
    """A sentence with a command word in it is an answer, not a command."""
    assert text_event("wa1", "ik heb hulp nodig bij een reactie").kind == "text"


def test_validator_names_file_key_and_channel(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A label too long for WhatsApp (without a short label) is reported with its channel."""
    target = tmp_path / "content"
    shutil.copytree(default_content_dir(), target, ignore=shutil.ignore_patterns("*.py"))
    nl = target / "nl" / "whatsapp.yaml"
    data = yaml.safe_load(nl.read_text(encoding="utf-8"))
    del data["labels"]["coach.role.options.target"]
    del data["labels"]["coach.danger.ticked.sextortion"]
    data["labels"]["coach.nope.options.x"] = "Weg"
    nl.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    en = target / "en" / "whatsapp.yaml"
    data = yaml.safe_load(en.read_text(encoding="utf-8"))
    data["labels"]["coach.nope.options.x"] = "Gone"
    en.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert main(["validate-content", str(target)]) == 1
    out = capsys.readouterr().out
    assert (
        "content/nl/coach.yaml: coach.role.options.target: WhatsApp: 23 characters, "
        "a reply button allows 20"
    ) in out
    assert (
        "content/nl/coach.yaml: coach.danger.ticked.sextortion: WhatsApp: 27 characters, "
        "a list row allows 24"
    ) in out
    assert "whatsapp.labels.coach.nope.options.x: WhatsApp: short label for an unknown key" in out


def test_shipped_templates_name_one_per_kind() -> None:
    """Check-ins, reminders and broadcasts each have their own approved template; the rest
    is announced by `waiting`."""
    templates = load_templates(WIRING.jobs.kinds)
    assert templates.for_kind("checkin").name == "sterk_checkin_klaar"
    assert templates.for_kind("selfreport").name == "sterk_herinnering"
    assert templates.for_kind("reminder").name == "sterk_herinnering"
    assert templates.for_kind("broadcast").name == "sterk_nieuws"
    assert templates.for_kind("").name == templates.for_kind("case_timer").name
    assert templates.for_kind("").name == "sterk_bericht_klaar"


def test_the_fake_knows_the_templates_as_shipped() -> None:
    """What tests/fakewa.py holds as approved at Meta is what the template file sends."""
    shipped = {
        t.name: Approved(tuple(t.languages.values()), len(t.parameters), t.button)
        for t in load_templates(WIRING.jobs.kinds).templates.values()
    }
    assert shipped == APPROVED


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda t: t.pop("waiting"), "templates.waiting: missing"),
        (
            lambda t: t["checkin"]["kinds"].append("chekin"),
            "templates.checkin.kinds: unknown scheduled kind 'chekin'",
        ),
        (
            lambda t: t["broadcast"]["kinds"].append("checkin"),
            "templates.broadcast.kinds: 'checkin' is also in templates.checkin",
        ),
        (
            lambda t: t["reminder"].update(name="sterk_nieuws"),
            "templates.broadcast.name: 'sterk_nieuws' is also templates.reminder",
        ),
        (
            lambda t: t["checkin"]["languages"].pop("en"),
            "templates.checkin.languages: needs exactly nl, en",
        ),
        (lambda t: t["checkin"].update(opt_in="always"), "templates.checkin.opt_in"),
    ],
)
def test_templates_are_checked_at_start_up(
    tmp_path: Path, change: Callable[[dict[str, Any]], object], problem: str
) -> None:
    """A broken template file stops start-up with one line naming the file and the key."""
    source = default_content_dir() / "whatsapp_templates.yaml"
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    change(data["templates"])
    (tmp_path / "whatsapp_templates.yaml").write_text(
        yaml.safe_dump(data, sort_keys=False), encoding="utf-8"
    )
    with pytest.raises(SettingsError) as raised:
        load_templates(WIRING.jobs.kinds, tmp_path)
    assert str(raised.value).startswith("whatsapp_templates.yaml: ")
    assert problem in str(raised.value)
