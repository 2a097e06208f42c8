"""Tests for the crisis detector (bot/core/safety.py, bot/core/crisis/) on the labelled corpus."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.crisis.model import load as load_model
from bot.core.safety import (
    CrisisKind,
    CrisisSignal,
    Outcome,
    detect_crisis,
    normalise,
    read_message,
)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.corpus import LABELS, Row, decide, load, score  # noqa: E402


@cache
def part(name: str) -> tuple[Row, ...]:
    """One part of the corpus ("dev" or "heldout")."""
    return tuple(load(name))


@cache
def figures(name: str) -> dict[str, float]:
    """Recall per class, overall recall and the false-alarm rate on one part."""
    rows = list(part(name))
    found = decide(rows, load_model())
    out = score(rows, found)
    pos = [f for r, f in zip(rows, found, strict=True) if r.label != "none"]
    out["all"] = sum(1 for f in pos if f != "none") / max(1, len(pos))
    return out


def found(text: str, where: str = "chat") -> set[str]:
    """The kind names detected in one text (empty when none)."""
    signal = detect_crisis(text, where)
    return {kind.value for kind in signal.kinds} if signal else set()


# --------------------------------------------------------------------------- the corpus


def test_dev_corpus_is_big_and_covers_every_class_in_both_languages() -> None:
    """The dev part has 1,500+ rows, nl and en, every class with 40+ rows and hard negatives."""
    rows = part("dev")
    assert len(rows) >= 1500
    assert {r.label for r in rows} == set(LABELS)
    for label in LABELS:
        for lang in ("nl", "en"):
            assert sum(1 for r in rows if r.label == label and r.lang == lang) >= 10, (label, lang)
    assert sum(1 for r in rows if r.where == "draft") >= 10


@pytest.mark.parametrize("label", [*LABELS[1:], "all"])
def test_dev_recall_per_class_is_at_least_95_percent(label: str) -> None:
    """Nearly every crisis message of the dev part is caught (clear or possible)."""
    assert figures("dev")[label] >= 0.95


def test_dev_false_alarm_rate_is_at_most_3_percent() -> None:
    """Harmless dev messages rarely get a crisis answer or question."""
    assert figures("dev")["false_alarm"] <= 0.03


@pytest.mark.skipif(not part("heldout"), reason="no held-out part in the repository yet")
@pytest.mark.parametrize("label", [*LABELS[1:], "all"])
def test_heldout_recall_stays_above_a_floor(label: str) -> None:
    """A regression guard only: the held-out part was never tuned on, so its figures are what
    they are (bench/crisis.py prints them); this floor catches a detector that broke, not one
    that is merely imperfect, and must not be raised by tuning on the held-out rows."""
    assert figures("heldout")[label] >= 0.6


@pytest.mark.skipif(not part("heldout"), reason="no held-out part in the repository yet")
def test_heldout_false_alarms_stay_below_a_ceiling() -> None:
    """A regression guard on harmless held-out messages (see the recall floor for why so loose)."""
    assert figures("heldout")["false_alarm"] <= 0.35


def test_shipped_model_agrees_with_the_training_figures() -> None:
    """The model file in the package gives exactly what bench/train_crisis.py measured on dev."""
    held = load_model().figures
    assert held["rows"] == len(part("dev")), "dev corpus changed: run bench/train_crisis.py"
    measured = score(list(part("dev")), decide(list(part("dev")), load_model()))
    assert measured == held["dev"]


HARD_CASES = [
    ("ik wil gwn nie meer lven", "suicide"),
    ("m'r ik wil echt dood", "suicide"),
    ("ik ben er klaar mee, met alles", "suicide"),
    ("ik hoop dat ik een ongeluk krijg en dood ga", "suicide"),
    ("ik heb pillen gespaard", "suicide"),
    ("wat is de snelste manier om zonder pijn te gaan", "suicide"),
    ("ik wil dood lol", "suicide"),
    ("ik wil weer snijden", "self_harm"),
    ("cut again", "self_harm"),
    ("hij zei dat hij me gaat steken", "violence"),
    ("ze willen mijn huis in brand steken", "violence"),
    ("ik weet waar je woont", "doxing"),
    ("mijn adres staat in die groep", "doxing"),
    ("ze willen geld anders sturen ze het naar mijn ouders", "sextortion"),
    ("hij heeft onze videocall opgenomen en wil nu geld", "sextortion"),
    ("hoe zet ik mijn locatie uit op snapchat", None),
    ("we hebben een les over zelfmoordpreventie op school", None),
    ("i would never kill myself", None),
    ("ik ga dood van de honger, wanneer is het pauze", None),
]


@pytest.mark.parametrize(("text", "kind"), HARD_CASES)
def test_hard_cases_from_the_issue(text: str, kind: str | None) -> None:
    """The patterns that failed before (issue 10) are now classified as decided."""
    kinds = found(text)
    if kind is None:
        assert not kinds
    else:
        assert kind in kinds


def test_counter_speech_in_a_draft_is_not_the_writers_crisis() -> None:
    """Quoted or rejected hate in "check my reply" is no crisis; a threat against the writer is."""
    assert not found("Telling someone to kill themselves is never ok", "draft")
    assert not found("Jij schreef 'ik maak je af', dat is niet oké", "draft")
    assert "violence" in found("hij schreef dat hij me na school opwacht", "draft")
    assert not found("'go cut yourself' is not a comeback, its just cruel", "draft")
    assert not found("iemand schreef 'ga dood' en ik wil zeggen: 'ik ben hier geboren'", "draft")


def test_a_crisis_inside_the_writers_own_quoted_draft_counts() -> None:
    """A goodbye or a relapse in the quoted post the writer plans is the writer's crisis."""
    goodbye = "kan ik dit posten: 'jullie hebben gewonnen, morgen ben ik er niet meer'"
    assert "suicide" in found(goodbye, "draft")
    relapse = "mijn reactie: 'door jullie zit ik weer met een mesje aan mijn arm', te eerlijk?"
    assert "self_harm" in found(relapse, "draft")


def rule_kinds(text: str, where: str = "chat") -> set[str]:
    """The kinds the rules alone name (the model left out): the part that is by design."""
    reading = read_message(text, where)
    return {hit.kind for hit in reading.hits} if reading else set()


def test_quoted_words_in_a_chat_are_not_the_writers_wish_but_a_quoted_threat_is() -> None:
    """Words in quotes are someone else's: a song line is no wish to die, a threat still counts."""
    assert not rule_kinds("op tiktok gebruikt iedereen dat geluidje 'i wanna die' bij fails")
    assert "suicide" in rule_kinds("i wanna die")
    assert "violence" in rule_kinds("hij stuurde 'ik steek je neer' naar mij")  # you = me
    assert "suicide" in rule_kinds("ze schreven 'ga dood' en ik wil eigenlijk ook dood")


def test_a_story_of_something_over_is_left_to_the_model_but_again_is_not() -> None:
    """ "Twee jaar geleden ..., nu gaat het goed" is recovery; "vroeger ..., nu weer" is not."""
    assert not rule_kinds("twee jaar geleden deed ik aan zelfbeschadiging, nu ben ik clean")
    assert not rule_kinds("i used to get death threats but thats been over for ages")
    assert "self_harm" in rule_kinds("vroeger sneed ik mezelf en nu doe ik het weer")


def test_topics_dates_and_plain_more_do_not_fire_rules() -> None:
    """Prevention is a topic, "volgende week" a date, "deed meer pijn" is not "again"."""
    assert not rule_kinds("mn zus is vrijwilliger bij een hulplijn voor zelfmoordpreventie")
    assert not rule_kinds("volgende week ben ik er niet, ik ga op vakantie")
    assert not rule_kinds("tattoo laten zetten op mn arm, deed meer pijn dan ik dacht")
    assert not rule_kinds("ik wil nie meer leven zonder die ijsjes van de italiaan")
    assert "self_harm" in rule_kinds("ik wil weer snijden")
    assert "violence" in rule_kinds("ik krijg doodsbedreigingen")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("waarom leef ik eigenlijk nog", "suicide"),
        ("why am i even still alive", "suicide"),
        ("ik voel me niet meer levend", "suicide"),
        ("wat is een dodelijke dosis paracetamol", "suicide"),
        ("zit al een uur op de rand van het balkon", "suicide"),
        ("is er een manier om dood te gaan zonder pijn", "suicide"),
        ("tell mn moeder dat t nie haar schuld was oke", "suicide"),
        ("ik wil er een eind aan maken", "suicide"),
        ("i just want to end it all", "suicide"),
        ("ik verdien de pijn gewoon", "self_harm"),
        ("the urge to cut is back", "self_harm"),
        ("being dead would be easier honestly", "suicide"),
        ("he told me hed burn my face if i told the teacher", "violence"),
        ("dreigbrief: 'verhuis of we steken je huis in de fik'", "violence"),
        ("my phone is not alive anymore", None),
        ("my phone is dead, better charge it", None),
        ("mn opa is dood, hij heeft nu rust", None),
        ("my coach will kill me if i miss practice again", None),
        ("zeg tegen hem dat het niet zijn schuld was dat we verloren", None),
        ("hoe gaan dieren pijnloos dood bij de dierenarts", None),
        ("in de les biologie: wat is een dodelijke dosis paracetamol", None),
        ("hoe kun je zonder pijn een tattoo laten zetten", None),
        ("i need pain killers for my back", None),
    ],
)
def test_endings_rules_need_the_writer_and_the_whole_shape(text: str, kind: str | None) -> None:
    """The writer's own end or pain, or a threat, fires a rule; the same words about a phone, a
    match, a pet, a grandad, a coach, a lesson or a tattoo do not (``rules._endings``)."""
    found = rule_kinds(text)
    assert (kind in found) if kind else not found, found


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # The word named as a subject, or someone else's death: no rule.
        ("ik werk aan een profielwerkstuk over sextortion onder jongens", None),
        ("mijn oma is twee jaar geleden overleden door zelfmoord, vandaag is haar sterfdag", None),
        ("is 13 reasons why too heavy? heard it has a suicide storyline", None),
        # ... unless the writer thinks of it: the rule holds.
        ("ik denk heel vaak na over zelfmoord", "suicide"),
        ("i'm thinking about suicide again", "suicide"),
        ("ik ben van plan om zelfmoord te plegen", "suicide"),
        ("ik ben slachtoffer van sextortion", "sextortion"),
        # Quoted words in a song or a joke, or aimed at a public figure: not a threat to me.
        ("die rapper zegt 'ik steek je' in elke track, waarom is dat normaal", None),
        ("mn teamgenoot typte 'ik weet waar je woont' als grap want hij is mn buurman", None),
        (
            "onder het filmpje van die influencer stond 'ik weet waar je woont', is dat strafbaar?",
            None,
        ),
        ("hoe verberg ik mijn adres? wil niet dat random mensen weten waar ik woon", None),
        # ... but aimed at me, or "geen grap": the threat holds.
        ("iemand schreef 'ik weet waar je woont' onder mijn post, is dat strafbaar?", "violence"),
        ("hij schreef 'ik steek je morgen' en zei dat het geen grap is", "violence"),
        (
            "in dat drillnummer noemt hij mijn naam: 'ik kom je steken', hij stuurde het naar mij",
            "violence",
        ),
        # "kms" about a thing, or called a joke: no rule; about a time: the rule holds.
        ("kms this homework is so boring", None),
        ("relax i was joking when i said i'd kill myself if i failed maths", None),
        ("i'm going to kill myself this weekend", "suicide"),
        # Old, fading or operation scars: a story of healing; new scars: the rule holds.
        ("mn littekens van mn blindedarmoperatie zijn nog steeds rood", None),
        ("ik heb nieuwe littekens en niemand weet het", "self_harm"),
    ],
)
def test_rules_read_the_whole_message_around_the_words(text: str, kind: str | None) -> None:
    """A topic, a song, a joke or a public figure around crisis words silences the rules; the
    writer thinking of it, a quote aimed at them or a plan with a time does not (2026-12-04:
    out of fold the rules' false alarms fell from 0.023 to 0.017 with these guards)."""
    found = rule_kinds(text)
    assert (kind in found) if kind else not found, found


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("ik heb al drie dagen niet gegeten, ik verdien het niet", "self_harm"),
        ("ze noemden me een vette koe dus ik heb vandaag niet gegeten", "self_harm"),
        ("i only eat one apple a day now. punishment for being me", "self_harm"),
        ("i throw up after dinner every night now", "self_harm"),
        ("ik heb nog niet gegeten, wat zal ik koken", None),
        ("ik moest overgeven van de buikgriep", None),
        ("tijdens ramadan eet ik overdag niet", None),
        ("ik sterf van de honger, heb sinds 8 uur niks gegeten", None),
        ("a year without purging, my dietitian teared up", None),
    ],
)
def test_starving_or_purging_to_punish_oneself_is_self_harm(text: str, kind: str | None) -> None:
    """Not eating for days, as a punishment or after body shaming, and purging are self-harm;
    not having eaten yet, a stomach bug, fasting or recovery are not (``rules._eating``)."""
    found = rule_kinds(text)
    assert (kind in found) if kind else not found, found


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("told my school counsellor i want to die and she said its a phase. so yeah", "suicide"),
        ("ik zei dat ik dood wilde en mn moeder lachte", "suicide"),
        ("als ik zeg dat ik dood wil bedoel ik t letterlijk, nie als meme", "suicide"),
        ("ngl ik wil gwn unalive gaan, niemand gaat t merken", "suicide"),
        ("ze zeiden dat ik dood moet", None),  # someone else's words: hate, for the model
        ("he told me i should die", None),
    ],
)
def test_the_writers_own_wish_to_die_in_other_words_counts(text: str, kind: str | None) -> None:
    """Telling what one said oneself ("ik zei dat ik dood wilde", "told my mentor i want to
    die") is the writer's own wish, not someone else's words reported (blind part 13 and the
    dev rows of set n missed these); the Dutch verb at the end after "dat ik" counts, and so
    does "unalive gaan" (to die; "unalive" alone is read as "kill")."""
    found = rule_kinds(text)
    assert (kind in found) if kind else "suicide" not in found, found


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("a lady told him to shut up and he got off at the next stop", None),
        (
            "nightmare last night: a guy with a knife chasing me, woke up sweating, school at 8",
            None,
        ),
        ("mijn groepje moet een lesbrief maken over foto's delen en chantage", None),
        ("reading a thriller where the girl gets blackmailed with photos", None),
        ("ik wil bloed gaan geven nu ik 18 ben, doet dat pijn?", None),
        ("you're next, we know where you live", "violence"),
        ("he pushed me down the stairs today and said next time itll be worse", "violence"),
    ],
)
def test_everyday_words_around_harm_words_fire_no_rule(text: str, kind: str | None) -> None:
    """The next stop, a nightmare, a lesson plan, a thriller and giving blood fire no rule (found
    in the dev rows of set o); "you're next" and "next time" after violence still do."""
    found = rule_kinds(text)
    assert (kind in found) if kind else not found, found


def test_a_threat_the_draft_says_the_hater_sent_is_danger_to_the_writer() -> None:
    """ "jullie zeiden 'morgen na school ben je dood'" in a reply: the writer was threatened;
    a hater's "kill yourself" quoted to rebut it is not the writer's crisis."""
    threat = (
        "jij schreef letterlijk 'ik weet waar je woont en ik kom je vanavond steken'. laat ik zien"
    )
    signal = detect_crisis(threat, where="draft")
    assert signal is not None
    assert CrisisKind.VIOLENCE in signal.kinds
    assert detect_crisis("you said 'kill yourself'. that's not an argument", where="draft") is None
    assert detect_crisis("'ik maak je af' is geen argument, het is zielig", where="draft") is None


def test_harm_to_oneself_after_hate_is_self_harm_not_a_threat() -> None:
    """ "ze zeiden 'sukkel' en nu wil ik mezelf pijn doen" is the writer's self-harm, not a
    threat by "ze" (found by a mutmut run, 2026-12-04: it got the violence answer and 112)."""
    found = rule_kinds("ze zeiden 'sukkel' en nu wil ik mezelf pijn doen")
    assert found == {"self_harm"}, found
    assert "violence" in rule_kinds("ze willen me pijn doen")


def test_people_at_the_door_is_acute() -> None:
    """Someone outside the door now is immediate danger: 112 comes first."""
    signal = detect_crisis("er staan mensen voor mijn deur, ze roepen mijn naam")
    assert signal is not None
    assert signal.acute


def test_a_signal_has_an_outcome() -> None:
    """An explicit statement is clear; the outcome is kept on the signal."""
    signal = detect_crisis("ik wil zelfmoord plegen")
    assert signal is not None
    assert signal.outcome is Outcome.CLEAR
    assert signal.primary is CrisisKind.SUICIDE


def test_primary_is_the_most_urgent_kind() -> None:
    """Life before safety before images: suicide, self-harm, violence, sextortion, doxing."""
    order = [
        CrisisKind.DOXING,
        CrisisKind.SEXTORTION,
        CrisisKind.VIOLENCE,
        CrisisKind.SELF_HARM,
        CrisisKind.SUICIDE,
    ]
    for i, kind in enumerate(order):
        assert CrisisSignal(frozenset(order[: i + 1])).primary is kind


def test_a_signal_is_never_empty() -> None:
    """No crisis is None, never a signal without kinds."""
    with pytest.raises(ValueError, match="at least one kind"):
        CrisisSignal(frozenset())


def test_kinds_are_strings_for_storage() -> None:
    """Kinds compare and format as their stored names."""
    assert str(CrisisKind.SUICIDE) == "suicide"
    assert str(CrisisKind.SELF_HARM) == "self_harm"
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
        ("m'r d'n z'r", "maar de haar"),
        ("ik wil gwn nie meer", "ik wil gewoon niet meer"),
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
        *("'", '"', "“", "”", "‘", "’", "«", " je ", " you ", " zei ", " said "),  # quotes
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(NOISE, max_size=120).map("".join))
def test_texting_noise_is_handled(text: str) -> None:
    """Leet, spacing, invisibles, quotes and crisis words in random mixes never raise, in a chat
    (quoted words read from the writer's side) or in a draft."""
    for where in ("chat", "draft"):
        signal = detect_crisis(text, where)
        assert signal is None or signal.kinds


def test_very_long_input_is_handled() -> None:
    """20,000 characters are handled and a crisis at the very end is found (bench/crisis.py
    prints how long it takes; the test run asserts no timing)."""
    benign = ("ik vind die reacties echt stom en ik ga ze melden bij insta. " * 400)[:20_000]
    crisis = benign[:19_980] + " ik wil dood"
    repetitive = ("het weer en de trein en school en " * 700)[:20_000]
    for text in (benign, crisis, repetitive, "a" * 20_000, "😂" * 20_000):
        signal = detect_crisis(text)
        if text is crisis:
            assert signal is not None


def test_empty_and_blank_input() -> None:
    """Nothing typed is no crisis."""
    assert detect_crisis("") is None
    assert detect_crisis(" \n\t ") is None
    assert normalise("") == ""


@pytest.mark.parametrize("text", ["m'r", "d'n", "z'r", "m'r d'n z'r 't", "'", "''", "h'm'r"])
def test_odd_contractions_never_raise(text: str) -> None:
    """The contractions that raised a KeyError before are read like any other text."""
    detect_crisis(text)
    assert isinstance(normalise(text), str)
