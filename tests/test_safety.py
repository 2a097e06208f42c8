"""Tests for the crisis detector (bot/core/safety.py) against the labelled corpus and hard cases."""

from __future__ import annotations

import re
import time
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core import safety
from bot.core.safety import CrisisKind, CrisisSignal, detect_crisis, normalise

CORPUS = Path(__file__).parent / "data" / "crisis_corpus.yaml"
LABELS = {"none", *(kind.value for kind in CrisisKind)}


@cache
def corpus() -> tuple[tuple[str, str, str], ...]:
    """The labelled corpus as (text, lang, label) rows."""
    rows = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))
    return tuple((str(r["text"]), str(r["lang"]), str(r["label"])) for r in rows)


@cache
def results() -> tuple[tuple[str, str, str, frozenset[str]], ...]:
    """Every corpus row with the kinds the detector found."""
    out = []
    for text, lang, label in corpus():
        signal = detect_crisis(text)
        found = frozenset(kind.value for kind in signal.kinds) if signal else frozenset()
        out.append((text, lang, label, found))
    return tuple(out)


def found(text: str) -> set[str]:
    """The kind names detected in one text (empty when none)."""
    signal = detect_crisis(text)
    return {kind.value for kind in signal.kinds} if signal else set()


# --------------------------------------------------------------------------- the corpus itself


def test_corpus_is_big_balanced_and_well_labelled() -> None:
    """The corpus has 360+ unique rows, both languages about equally, 40%+ positives."""
    rows = corpus()
    assert len(rows) >= 360
    assert {label for _, _, label in rows} <= LABELS
    assert {lang for _, lang, _ in rows} == {"nl", "en"}
    texts = [text.strip().lower() for text, _, _ in rows]
    assert len(texts) == len(set(texts)), "duplicate messages"
    langs = Counter(lang for _, lang, _ in rows)
    assert 0.4 <= langs["nl"] / len(rows) <= 0.6
    positives = [row for row in rows if row[2] != "none"]
    assert len(positives) / len(rows) >= 0.4
    per = Counter((lang, label) for _, lang, label in positives)
    for kind in CrisisKind:
        for lang in ("nl", "en"):
            assert per[(lang, kind.value)] >= 10, f"too few {lang} {kind} examples"


# --------------------------------------------------------------------------- corpus figures


@pytest.mark.parametrize("lang", ["nl", "en", None])
def test_corpus_recall_is_at_least_95_percent(lang: str | None) -> None:
    """Nearly every crisis message, per language and overall, is detected."""
    rows = [r for r in results() if r[2] != "none" and lang in (None, r[1])]
    misses = [text for text, _, _, kinds in rows if not kinds]
    assert 1 - len(misses) / len(rows) >= 0.95, misses


@pytest.mark.parametrize("lang", ["nl", "en", None])
def test_corpus_false_positive_rate_is_at_most_3_percent(lang: str | None) -> None:
    """Idioms, game talk, news and ordinary coaching messages rarely raise an alarm."""
    rows = [r for r in results() if r[2] == "none" and lang in (None, r[1])]
    alarms = [(text, sorted(kinds)) for text, _, _, kinds in rows if kinds]
    assert len(alarms) / len(rows) <= 0.03, alarms


def test_corpus_kind_is_right_for_at_least_90_percent_of_hits() -> None:
    """The detected kinds include the labelled kind, so the right helplines are shown."""
    hits = [r for r in results() if r[2] != "none" and r[3]]
    wrong = [(text, label, sorted(kinds)) for text, _, label, kinds in hits if label not in kinds]
    assert 1 - len(wrong) / len(hits) >= 0.90, wrong


# --------------------------------------------------------------------------- named hard cases

HARD_CASES: list[tuple[str, str | None]] = [
    # the examples of the API
    ("iedereen is beter af zonder mij", "suicide"),
    ("i want to disappear forever", "suicide"),
    ("hij zegt dat hij me gaat neersteken", "violence"),
    ("they said they'll kill me", "violence"),
    ("ik ga hem morgen in elkaar slaan", "violence"),
    ("i'll shoot up the school", "violence"),
    ("ze hebben mijn adres online gezet", "doxing"),
    ("someone posted my phone number and school", "doxing"),
    ("hij dreigt mijn naaktfoto's te verspreiden als ik niet betaal", "sextortion"),
    ("they have my nudes and want money", "sextortion"),
    # hyperbole that is explicit still counts
    ("lol kms", "suicide"),
    ("kms lol this homework", "suicide"),
    ("haha ik wil dood", "suicide"),
    # misspellings
    ("ik denk aan zelfmoort", "suicide"),
    ("zelmoord is de enige uitweg", "suicide"),
    ("i think about suicde every day", "suicide"),
    ("suiside is all i think about", "suicide"),
    ("ik wil doodgaan", "suicide"),
    ("ik wil dood gaan", "suicide"),
    ("hij gaat me vermoorden", "violence"),
    ("hij vermoordt me als ik iets zeg, dat zei hij echt", "violence"),
    # method-seeking after distress
    ("ik kan niet meer. hoeveel paracetamol is dodelijk?", "suicide"),
    ("everyone hates me. what's the most painless way to die", "suicide"),
    # implicit
    ("niemand zou me missen", "suicide"),
    ("i'm such a burden to everyone", "suicide"),
    # idioms and hyperbole that must not trigger
    ("ik ga dood van het lachen", None),
    ("ik ga dood van de honger", None),
    ("ik ga dood van verveling", None),
    ("ik ga dood van schaamte", None),
    ("i'm dying of laughter", None),
    ("she's killing it", None),
    ("this song kills", None),
    ("that joke killed me", None),
    ("dit is moordgoed", None),
    ("wat een moordweer", None),
    ("dodelijk saai die les", None),
    ("ik schiet in de lach", None),
    ("ik maak je af met Fortnite", None),
    ("heb je de adresgegevens van de winkel?", None),
    ("ik zoek een nude kleur lipstick", None),
    ("my mom is going to kill me when she sees my grades", None),
    ("5 kms run this morning", None),
    # learning questions and news
    ("wat is doxing?", None),
    ("what is sextortion?", None),
    ("in het nieuws: jongen neergestoken in Utrecht", None),
    ("the news said a streamer got doxxed", None),
    # hate aimed at the user is for the coach, until the user starts to agree
    ("someone commented kys under my video", None),
    ("ze zeggen dat ik dood moet gaan omdat ik homo ben", None),
    ("they keep telling me to kys and maybe they're right", "suicide"),
    # negation
    ("i would never kill myself", None),
    ("ik wil niet dood, ik ben gewoon boos", None),
]


@pytest.mark.parametrize(("text", "kind"), HARD_CASES)
def test_hard_cases(text: str, kind: str | None) -> None:
    """The named hard cases from the peer lessons are classified as decided."""
    kinds = found(text)
    if kind is None:
        assert not kinds
    else:
        assert kind in kinds


def test_primary_is_the_most_urgent_kind() -> None:
    """A threat with a leaked address shows violence help first, then doxing help."""
    signal = detect_crisis("he says he'll kill me and someone posted my address on twitter")
    assert signal is not None
    assert signal.kinds == {CrisisKind.VIOLENCE, CrisisKind.DOXING}
    assert signal.primary is CrisisKind.VIOLENCE
    order = [CrisisKind.DOXING, CrisisKind.SEXTORTION, CrisisKind.VIOLENCE, CrisisKind.SUICIDE]
    for i, kind in enumerate(order):
        assert CrisisSignal(frozenset(order[: i + 1])).primary is kind


def test_a_signal_is_never_empty() -> None:
    """No crisis is None, never a signal without kinds."""
    with pytest.raises(ValueError, match="at least one kind"):
        CrisisSignal(frozenset())


def test_kinds_are_strings_for_storage() -> None:
    """Kinds compare and format as their stored names."""
    assert str(CrisisKind.SUICIDE) == "suicide"
    assert f"{CrisisKind.SEXTORTION}" == "sextortion"
    assert CrisisKind("doxing") is CrisisKind.DOXING


def test_a_sextortion_threat_is_not_also_counted_as_violence() -> None:
    """ "He threatens to spread my nudes" is sextortion, so its helplines come first."""
    signal = detect_crisis("hij dreigt mijn naaktfoto's te verspreiden")
    assert signal is not None
    assert signal.kinds == {CrisisKind.SEXTORTION}


# --------------------------------------------------------------------------- normalise()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("IK WIL DOOD", "ik wil dood"),
        ("zelf\u200bmoord", "zelfmoord"),  # zero-width space
        ("\u202ezelfmoord\u202c", "zelfmoord"),  # bidi override
        ("su\u00efcide", "suicide"),  # accent folding
        ("z\u00e9lfm\u00f3\u00f3rd", "zelfmoord"),
        ("\uff4b\uff49\uff4c\uff4c myself", "kill myself"),  # fullwidth letters
        ("k\u0456ll myself", "kill myself"),  # Cyrillic i
        ("z3lfm00rd", "zelfmoord"),
        ("k1ll mys3lf", "kill myself"),
        ("ki11 myself", "kill myself"),
        ("su1c1de", "suicide"),
        ("n4aktfoto", "naaktfoto"),
        ("5u1c1d3", "suicide"),
        ("7hrea7", "threat"),
        ("n@ked", "naked"),
        ("$ex", "sex"),
        ("dooooood", "dood"),
        ("killlll", "kill"),
        ("z e l f m o o r d", "zelfmoord"),
        ("k.y.s", "kill yourself"),
        ("z-m", "z m"),  # two letters are not a spaced-out word
        ("u r a legend", "you are a legend"),  # texting words stay words
        ("kms", "kill myself"),
        ("kys", "kill yourself"),
        ("denk aan zm", "denk aan zelfmoord"),
        ("kwil dood", "ik wil dood"),
        ("ikwil dood", "ik wil dood"),
        ("kill my self", "kill myself"),
        ("i'll kill u", "i will kill you"),
        ("don't wanna live", "do not want to live"),
        ("m'n adres", "mijn adres"),
        ("naaktfoto's", "naaktfotos"),
        ("5 kms", "5 kms"),
        ("  veel   ruimte \n hier ", "veel ruimte hier"),
        ("wat?!?!", "wat?"),
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    """One spelling per word: case, invisibles, accents, leet, stretching, spacing, shorthand."""
    assert normalise(raw) == expected


def test_normalise_is_idempotent_on_plain_text() -> None:
    """Already normalised text stays as it is."""
    text = "ik wil niet meer naar school want iedereen lacht me uit"
    assert normalise(normalise(text)) == normalise(text) == text


# --------------------------------------------------------------------------- robustness


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_unicode_text_is_handled(text: str) -> None:
    """Random unicode never raises: the answer is None or a non-empty signal."""
    signal = detect_crisis(text)
    assert signal is None or (isinstance(signal, CrisisSignal) and signal.kinds)
    assert isinstance(normalise(text), str)


NOISE = st.sampled_from(
    [
        *"abdeiklmnorstuwz013457@$!.,-_* '\u200b\u202e\u0301😂",
        *("ik ", "wil ", "dood", "kill", "my", "self", "zelf", "moord", "nudes", "adres", " me "),
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(NOISE, max_size=120).map("".join))
def test_texting_noise_is_handled(text: str) -> None:
    """Leet, spacing, invisibles and crisis words in random mixes never raise."""
    signal = detect_crisis(text)
    assert signal is None or signal.kinds


def test_very_long_input_is_handled_quickly() -> None:
    """20,000 characters, including a repetitive worst case, finish well within a second."""
    benign = ("ik vind die reacties echt stom en ik wil dat het stopt. " * 400)[:20_000]
    crisis = benign[:19_980] + " ik wil dood"
    repetitive = ("mijn adres en nummer en school en " * 700)[:20_000]
    for text in (benign, crisis, repetitive, "a" * 20_000, "😂" * 20_000):
        start = time.perf_counter()
        signal = detect_crisis(text)
        assert time.perf_counter() - start < 1.0
        assert (signal is not None) == (text is crisis)


def test_empty_and_blank_input() -> None:
    """Nothing typed is no crisis."""
    assert detect_crisis("") is None
    assert detect_crisis(" \n\t ") is None
    assert normalise("") == ""


def test_typical_messages_are_fast() -> None:
    """A generous bound on the corpus mean; bench/crisis.py reports the real figure (~35 µs)."""
    texts = [text for text, _, _ in corpus()]
    for text in texts:  # warm up
        detect_crisis(text)
    start = time.perf_counter()
    for text in texts:
        detect_crisis(text)
    mean = (time.perf_counter() - start) / len(texts)
    assert mean < 250e-6


# --------------------------------------------------------------------------- the speed-up is safe


def test_no_rule_holds_a_formatting_accident() -> None:
    """A "{0,3}" inside an f-string turns into "(0, 3)": no compiled rule may contain one."""
    accidents = [
        rule.regex.pattern[:80]
        for _, rule in safety._ALL_RULES
        if re.search(r"\(\d+, \d+\)", rule.regex.pattern)
    ]
    assert not accidents


def test_every_rule_has_required_words() -> None:
    """Each rule is skipped unless its words occur, so none has to run on every message."""
    assert all(rule.anchors for _, rule in safety._ALL_RULES)


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(st.data())
def test_required_words_are_in_every_match(data: st.DataObject) -> None:
    """Skipping a rule never loses a hit: any text a rule matches wakes that rule."""
    number = data.draw(st.integers(0, len(safety._ALL_RULES) - 1))
    _, rule = safety._ALL_RULES[number]
    text = data.draw(st.from_regex(rule.regex))
    match = rule.regex.search(text)
    assert match is not None
    assert rule.anchors is not None
    assert any(anchor in match.group(0) for anchor in rule.anchors)
    assert number in safety._woken(text)[0]


def test_required_words_cover_every_corpus_match() -> None:
    """On real messages too, every rule that matches was woken by the scan."""
    for text, _, _ in corpus():
        for variant in safety._variants(text):
            woken = safety._woken(variant)[0]
            for number, (_, rule) in enumerate(safety._ALL_RULES):
                if rule.regex.search(variant):
                    assert number in woken, (text, rule.regex.pattern[:60])
