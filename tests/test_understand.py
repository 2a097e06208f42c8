"""The typed-story reader (bot/core/understand.py) on examples: each field, negation, emoji,
the crisis normaliser's spelling fixes, danger answers and the reasons it gives."""

from __future__ import annotations

import pytest

from bot.core.understand import Reading, problems, read


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "iemand zet elke dag gemene comments onder mijn tiktoks, ik ben het zo zat 😭",
            {"role": "target", "feeling": "sad", "platform": "tiktok", "form": "bullying"},
        ),
        (
            "mijn vriendin wordt gepest op insta",
            {"role": "bystander", "platform": "instagram", "form": "bullying"},
        ),
        (
            "ik heb een racistische grap in de groepsapp gezet",
            {
                "role": "spreader",
                "platform": "whatsapp",
                "form": "discrimination",
                "ground": "origin",
            },
        ),
        (
            "they call me gay as an insult in the cod lobby",
            {
                "role": "target",
                "platform": "game",
                "form": "discrimination",
                "ground": "orientation",
            },
        ),
        ("k word gepest op snap", {"role": "target", "platform": "snapchat", "form": "bullying"}),
        (
            "omdat ik een hoofddoek draag",
            {"role": "target", "form": "discrimination", "ground": "religion"},
        ),
        ("ik voel niks", {"feeling": "numb"}),
        ("op youtube", {"platform": "other"}),
    ],
)
def test_fields_are_read_from_a_story(text: str, expected: dict[str, str]) -> None:
    """Every field the story says is found, and nothing it does not say."""
    assert read(text).found == expected


def test_a_negated_feeling_does_not_count() -> None:
    """ "niet bang maar wel boos" is angry; "not angry, more like shocked" is shocked."""
    assert read("ik ben niet bang maar wel boos").found == {"feeling": "angry"}
    assert read("not angry, more like shocked").found == {"feeling": "shocked"}


def test_an_emoji_says_the_feeling() -> None:
    """A crying face outweighs "zat" (fed up); an angry face alone is angry."""
    assert read("ik ben het zo zat 😭").found["feeling"] == "sad"
    assert read("ze doen het weer 😡").found["feeling"] == "angry"


def test_the_crisis_normaliser_reads_shorthand_and_slips() -> None:
    """ "k" is "ik", "tiktoks" is tiktok, "mn" is mijn: the crisis detector's folding is used."""
    reading = read("k word gepest onder mn tiktoks")
    assert reading.found == {"role": "target", "platform": "tiktok", "form": "bullying"}


def test_sextortion_and_doxing_are_danger_answers() -> None:
    """The coach asks doxing and sextortion in the danger check; the form counts as a threat."""
    sextortion = read("een jongen heeft mijn nudes en wil geld, anders stuurt hij ze rond")
    assert sextortion.found["form"] == "sextortion"
    assert sextortion.answers()["danger"] == "sextortion"
    assert sextortion.answers()["form"] == "threat"
    doxing = read("iemand heeft mijn adres online gezet")
    assert doxing.answers() == {"role": "target", "form": "threat", "danger": "doxing"}


def test_a_ground_means_discrimination_unless_it_is_a_danger() -> None:
    """A ground makes the form discrimination, a threat stays a threat."""
    assert read("ze pesten me omdat ik moslim ben").found["form"] == "discrimination"
    assert read("iemand dreigt alle homo's in elkaar te slaan").found["form"] == "threat"


def test_a_wish_for_a_person() -> None:
    """Asking for a person is read; saying no to one is not."""
    assert read("kan ik met een echt mens praten?").help
    assert read("can i talk to someone? im being bullied").help
    assert not read("ik heb geen hulp nodig van een persoon").help


@pytest.mark.parametrize("text", ["hoi", "ok", "asdfgh", "", "🙂", "x" * 5000, "lol lol lol"])
def test_nothing_fits(text: str) -> None:
    """Greetings, noise and odd input give an empty reading (and never raise)."""
    assert not read(text)


def test_the_reading_explains_itself() -> None:
    """Each field names the cue that decided it, for peer educators and for tuning."""
    reading = read("ik word gepest op tiktok 😢")
    assert reading.why["platform"] == "tiktok*"
    assert reading.why["feeling"] == "😢"
    assert reading.why["form"] == "gepest ^3"
    assert reading.often is None
    assert read("ze doen het elke dag").often == "daily"


def test_an_empty_reading_is_false() -> None:
    """Only a reading with a field or a wish for a person counts as understood."""
    assert not Reading()
    assert Reading(help=True)


def test_who_is_hit_only_when_said_plainly() -> None:
    """ "mijn vriendin" is someone else, "mensen zoals ik" the writer's own group; a story that
    only says "me" leaves the question open."""
    assert read("mijn vriendin wordt gepest").answers()["who"] == "someone"
    assert read("ze haten mensen zoals ik").who == "own_group"
    assert read("ze pesten me op insta").who is None


def test_a_story_without_a_role_gets_one_from_its_person() -> None:
    """A longer story about a kind of message: first person is the target, else a bystander;
    a short answer ("pesten denk ik") gets no role."""
    assert read("sarcastische reacties op alles wat ik post").found["role"] == "target"
    assert read("op discord zeggen ze dat vrouwen dom zijn").found["role"] == "bystander"
    assert "role" not in read("pesten denk ik").found


def test_a_hurtful_act_without_a_form_is_bullying_when_repeated_else_negativity() -> None:
    """Something said or sent in no words of a known form: a one-off remark, or bullying when
    it keeps happening; a question about hate in general gets no form."""
    once = read("iemand zei onder mijn selfie dat mijn haar raar zit")
    assert once.found["form"] == "negativity"
    assert "once" in once.why["form"]
    assert (
        read("al sinds de zomer krijg ik anonieme berichten dat niemand me moet").found["form"]
        == "bullying"
    )
    assert "form" not in read("wat kan ik doen tegen haat op internet").found


def test_mean_remarks_told_as_repeated_are_bullying() -> None:
    """ "gemene reacties" is negativity; "blijven ... gemene reacties" is bullying."""
    assert read("iemand zette een gemene reactie onder mijn foto").found["form"] == "negativity"
    assert read("ze blijven gemene reacties onder mijn fotos zetten").found["form"] == "bullying"


def test_in_sextortion_the_writer_is_the_target_unless_someone_else_is_named() -> None:
    """The writer's own act ("ik heb een foto gestuurd") does not make them the one who did
    wrong; "mijn vriendin wordt afgeperst" stays someone else's story; a negation does not undo
    the danger ("als ik niet betaal")."""
    own = read("ik heb een pikfoto gestuurd en nu eist hij 500 euro")
    assert (own.found["form"], own.found["role"]) == ("sextortion", "target")
    friend = read("mijn vriendin wordt afgeperst met een filmpje van haar")
    assert (friend.found["form"], friend.found["role"]) == ("sextortion", "bystander")
    paid = read("he says he'll send my pics to my dad if i don't pay")
    assert (paid.found["form"], paid.found["role"]) == ("sextortion", "target")


def test_the_cues_are_well_formed() -> None:
    """No wildcard inside a word: it would never match."""
    assert problems() == []
