"""'Check my reply' as a pure function: what it finds in Dutch and English, and what it leaves."""

from __future__ import annotations

import pytest

from bot.app import load_checked_content
from bot.core.content import LANGUAGES
from bot.flows.replycheck import FINDINGS, LONG_REPLY, check_reply


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        # positives
        ("Is dat echt nodig?", "nl", ["question"]),
        ("Zulke uitspraken raken echte mensen.", "nl", ["empathy"]),
        ("Would you say that to her face? This hurts real people.", "en", ["question", "empathy"]),
        # insults and swearing, incl. Dutch disease swearing, disguises and stretched letters
        ("Doe normaal, kankerlijer", "nl", ["insult"]),
        ("wat een teringzooi hier", "nl", ["insult"]),
        ("krijg de pest", "nl", ["insult"]),
        ("jij bent echt een k@nker idioooot", "nl", ["insult"]),
        ("hou je bek", "nl", ["insult"]),
        ("shut up you f*cking moron", "en", ["insult"]),
        ("what a pathetic loser", "en", ["insult"]),
        # shouting and length
        ("DOE EENS NORMAAL JIJ", "nl", ["caps"]),
        ("Serieus, STOP HIER NU MEE alsjeblieft", "nl", ["caps"]),
        ("a" * (LONG_REPLY + 1), "en", ["long"]),
        # personal data
        ("Bel haar op 06-12345678", "nl", ["phone"]),
        ("call +31 6 1234 5678 now", "en", ["phone"]),
        ("mail hem op sanne.devries@example.nl", "nl", ["email"]),
        ("ze woont op de Kerkstraat 12a", "nl", ["address"]),
        ("he lives at 10 Downing Street", "en", ["address"]),
        ("postcode 1234 AB toch", "nl", ["postcode"]),
        ("hij zit op het Stedelijk Lyceum", "nl", ["school"]),
        ("ook op het Erasmuscollege", "nl", ["school"]),
        ("Ik zag dat Sanne de Vries dit schreef", "nl", ["name"]),
        ("Gisteren zag ik Sanne Jansen op TikTok", "nl", ["name"]),
        ("I saw Tom Baker post this", "en", ["name"]),
    ],
)
def test_finds(text: str, lang: str, expected: list[str]) -> None:
    """Each kind of finding is spotted on its own, in the language it is typical for."""
    assert check_reply(text, lang) == expected


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Stop met pesten, dat is niet oké", "nl"),  # 'pest' must not count as swearing
        ("Ik ga morgen naar school en koop nieuwe kleren", "nl"),  # 'kleren' is not 'klere'
        ("In 2024 is dit al 3 keer gebeurd, op 12-01-2024", "nl"),  # years and dates
        ("Sanne Jansen is echt aardig", "nl"),  # capitalised at the start of the sentence
        ("Dit zag ik op Instagram Reels vandaag", "nl"),  # app names are not people
        ("As Muslim Women we stand with you", "en"),  # English capitalises groups
        ("Het NOS journaal en RTL Nieuws zeiden dit", "nl"),
        ("Doe normaal.", "nl"),
        ("LHBTI mensen verdienen respect", "nl"),  # one acronym is not shouting
    ],
)
def test_leaves_ordinary_replies_alone(text: str, lang: str) -> None:
    """Ordinary words that look like findings are not reported as problems."""
    problems = set(check_reply(text, lang)) - {"question", "empathy"}
    assert not problems


def test_everything_at_once_in_display_order() -> None:
    """Several findings come back once each, positives first, then tone, then privacy."""
    text = (
        "Waarom doe je dit? Het raakt echte mensen. DOE NORMAAL SUKKEL. Bel 0612345678, "
        "mail a@b.nl, Kerkstraat 1, 1234 AB, Stedelijk Lyceum, vraag naar Sanne de Vries. "
        + "x"
        * 200
    )
    assert check_reply(text, "nl") == list(FINDINGS)


def test_every_finding_has_a_suggestion_in_every_language() -> None:
    """Feedback is a text per finding id, written as a suggestion in both languages."""
    content = load_checked_content()
    for lang in LANGUAGES:
        for finding in FINDINGS:
            assert content.has(lang, f"coach_check.findings.{finding}"), (lang, finding)
