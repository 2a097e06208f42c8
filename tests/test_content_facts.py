"""Content checks in CI: phone-sized texts and labels, and every helpline fact from the sources.

Numbers, addresses and opening hours shown to young people may only come from
`docs/content-facts.md` (a copy of the team's shared fact sheet, committed so CI can read it).
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.app import load_checked_content
from bot.core.content import LANGUAGES, Content
from bot.flows.coach import RISK_ICON

ROOT = Path(__file__).resolve().parent.parent
FACTS = (ROOT / "docs" / "content-facts.md").read_text(encoding="utf-8")
MAX_TEXT = 600
MAX_LABEL = 30
# Helpline-style numbers: 112/113, 0800/0900 lines and area-code numbers (not 06 mobiles,
# which only appear as examples of personal data in the reply check).
PHONE = re.compile(
    r"(?<![\d-])(?:11[23]|0[1-57-9]\d{1,2}[- ]?\d{2,4}(?:[ -]?\d{2,3}){0,3})(?![\d])"
)
DOMAIN = re.compile(
    r"\b(?:https?://)?(?:www\.)?((?:[a-z0-9-]+\.)+(?:nl|com|org|eu|be|net))\b", re.I
)
HOURS = re.compile(r"dag en nacht|day and night|24/7|24 uur|24 hours|altijd open|always open", re.I)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _rows() -> list[list[str]]:
    """The helpline table of the fact sheet: service, contact, for, status."""
    rows = []
    for line in FACTS.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 4 and not set(cells[0]) <= {"-", " "}:
            rows.append(cells)
    return rows[1:]  # without the header


def _texts(content: Content) -> list[tuple[str, str, str]]:
    """(language, key, text) for every text part in every language."""
    found = []
    for lang in LANGUAGES:
        for key, value in content.texts[lang].items():
            for part in value if isinstance(value, list) else [value]:
                found.append((lang, key, part))
    return found


def test_fact_sheet_copy_is_readable() -> None:
    """The committed copy holds the helpline table the checks below read."""
    services = [row[0] for row in _rows()]
    assert "112" in services
    assert any("Helpwanted" in service for service in services)


LABEL_PREFIXES = ("quiz.option_labels.", "common.nav.")


def test_no_text_over_600_and_no_label_over_30() -> None:
    """Every text part is phone-sized; every button label fits, also the ones made at run time
    (approach buttons with their icon, ticked dangers, quiz answers)."""
    content = load_checked_content()
    long_texts = [(lang, key) for lang, key, text in _texts(content) if len(text) > MAX_TEXT]
    assert long_texts == []
    labels = []
    for lang, key, text in _texts(content):
        if ".options." in key or ".ticked." in key or key.startswith(LABEL_PREFIXES):
            labels.append((lang, key, text))
    for lang in LANGUAGES:
        for approach in content.approaches:
            name = content.text(lang, f"approaches.{approach.id}.name")
            labels.append((lang, approach.id, f"💬 {name}"))
            labels.append((lang, approach.id, f"{RISK_ICON[approach.risk]} {name}"))
    assert len(labels) > 100
    assert [(lang, key, text) for lang, key, text in labels if len(text) > MAX_LABEL] == []


def test_every_helpline_fact_is_on_the_fact_sheet() -> None:
    """Numbers, addresses, chat, online form and opening hours of each helpline come from
    its row on the fact sheet; 'day and night' only where the sheet says 24/7."""
    content = load_checked_content()
    rows = _rows()
    for line in content.helplines:
        keys = [_digits(p) for p in (line.phone, line.phone_alt) if p]
        row = next(
            (
                r
                for r in rows
                if any(k and k in _digits(r[1]) for k in keys)
                or (line.url and line.url.casefold() in (r[0] + r[1]).casefold())
            ),
            None,
        )
        assert row is not None, line.id
        contact = row[1].casefold()
        for number in keys:
            assert number in _digits(row[1]), (line.id, number)
        if line.url:
            assert line.url.casefold() in (row[0] + " " + contact).casefold(), line.id
        assert line.chat == ("chat" in contact), line.id
        assert line.form == ("online form" in contact), line.id
        assert (line.hours == "always") == ("24/7" in row[2]), line.id


def test_numbers_and_addresses_in_texts_are_on_the_fact_sheet() -> None:
    """A phone number or web address written in any text is one the fact sheet gives."""
    content = load_checked_content()
    digits = {_digits(match) for match in PHONE.findall(FACTS)}
    domains = {match.casefold() for match in DOMAIN.findall(FACTS)}
    domains |= {"example.org", "example.com"}  # reserved for examples (a coordinator's link)
    unknown = []
    for lang, key, text in _texts(content):
        unknown += [(lang, key, n) for n in PHONE.findall(text) if _digits(n) not in digits]
        unknown += [(lang, key, d) for d in DOMAIN.findall(text) if d.casefold() not in domains]
    assert "0800-0113" in FACTS
    assert "113.nl" in domains
    assert unknown == []


def test_opening_hours_only_next_to_a_line_verified_as_24_7() -> None:
    """'Day and night' stands only in a sentence (or right after one) naming a line the fact
    sheet verifies as 24/7, never above lines whose hours are not verified."""
    content = load_checked_content()
    always = [row for row in _rows() if "24/7" in row[2]]
    assert always
    names = {row[0].casefold() for row in always}
    names |= {n for row in always for n in re.findall(r"[\d][\d-]*\d", row[1])}
    wrong = []
    for lang, key, text in _texts(content):
        if key.startswith("helplines.hours."):
            continue  # shown only with a line whose `hours` the check above verified
        sentences = re.split(r"(?<=[.!?])\s+", text)
        for index, sentence in enumerate(sentences):
            if not HOURS.search(sentence):
                continue
            near = " ".join(sentences[max(0, index - 1) : index + 1]).casefold()
            if not any(name in near for name in names):
                wrong.append((lang, key, sentence))
    assert wrong == []
