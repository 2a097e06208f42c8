"""Reminder times typed by peer educators, in Dutch and English."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.staff.timeparse import parse_when

TZ = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)  # Monday 13:00 in Amsterdam


def local(text: str, now: datetime = NOW) -> tuple[str, str] | None:
    """(local moment, rest of the text) as `Mon 05-01 15:00`, or None."""
    found = parse_when(text, now, TZ)
    if found is None:
        return None
    return found.due.astimezone(TZ).strftime("%a %d-%m %H:%M"), found.rest


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("morgen 15:00 bel terug", ("Tue 06-01 15:00", "bel terug")),
        ("morgen om 9.30 evaluatie", ("Tue 06-01 09:30", "evaluatie")),
        ("morgen: bel", ("Tue 06-01 09:00", "bel")),
        ("overmorgen 10u30 x", ("Wed 07-01 10:30", "x")),
        ("over 2 uur check", ("Mon 05-01 15:00", "check")),
        ("over een half uur x", ("Mon 05-01 13:30", "x")),
        ("over anderhalf uur x", ("Mon 05-01 14:30", "x")),
        ("over 3 dagen x", ("Thu 08-01 13:00", "x")),
        ("over 10 minuten x", ("Mon 05-01 13:10", "x")),
        ("vanavond x", ("Mon 05-01 19:00", "x")),
        ("morgenochtend x", ("Tue 06-01 09:00", "x")),
        ("vrijdag 16:00 x", ("Fri 09-01 16:00", "x")),
        ("maandag 10:00 x", ("Mon 12-01 10:00", "x")),  # a weekday is always the coming one
        ("ma 9u x", ("Mon 12-01 09:00", "x")),
        ("15:00 x", ("Mon 05-01 15:00", "x")),
        ("10:00 x", ("Tue 06-01 10:00", "x")),  # passed today: tomorrow
        ("om 9 x", ("Tue 06-01 09:00", "x")),
        ("12-3 14:00 x", ("Thu 12-03 14:00", "x")),
        ("tomorrow 3pm call back", ("Tue 06-01 15:00", "call back")),
        ("tomorrow at 9:30am x", ("Tue 06-01 09:30", "x")),
        ("in 2 hours ping", ("Mon 05-01 15:00", "ping")),
        ("in half an hour x", ("Mon 05-01 13:30", "x")),
        ("in an hour x", ("Mon 05-01 14:00", "x")),
        ("in 30 min x", ("Mon 05-01 13:30", "x")),
        ("in a week x", ("Mon 12-01 13:00", "x")),
        ("on friday at 10 x", ("Fri 09-01 10:00", "x")),
        ("tonight x", ("Mon 05-01 20:00", "x")),
        ("day after tomorrow 8pm x", ("Wed 07-01 20:00", "x")),
        ("Morgen 15:00 Bel Terug", ("Tue 06-01 15:00", "Bel Terug")),  # the text keeps its case
    ],
)
def test_understood(text: str, expected: tuple[str, str]) -> None:
    """Each form lands on the local moment a person means."""
    assert local(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "doe het later",  # "do" (Thursday) only as a word of its own
        "in a meeting",
        "vandaag 08:00 x",  # passed
        "over 400 dagen x",  # more than a year ahead
        "31-02 x",  # no such date
        "25:00 x",
        "13pm x",
        "morgen9 x",
        "",
    ],
)
def test_not_understood(text: str) -> None:
    """Anything unclear or in the past gives None, so the command shows examples."""
    assert parse_when(text, NOW, TZ) is None


def test_bare_number_is_not_an_hour() -> None:
    """'morgen 9 bellen' means tomorrow at the default 09:00, with '9 bellen' as the text."""
    assert local("morgen 9 bellen") == ("Tue 06-01 09:00", "9 bellen")


def test_daylight_saving_is_wall_clock() -> None:
    """'morgen 15:00' across the spring change is 15:00 on the wall clock."""
    before_change = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # Saturday, CET
    assert local("morgen 15:00 x", before_change) == ("Sun 29-03 15:00", "x")
    found = parse_when("morgen 15:00 x", before_change, TZ)
    assert found is not None
    assert found.due == datetime(2026, 3, 29, 13, 0, tzinfo=UTC)  # CEST: UTC+2


@given(st.text(max_size=40))
def test_never_crashes_and_only_future(text: str) -> None:
    """Any input either gives None or a moment within the coming year."""
    found = parse_when(text, NOW, TZ)
    if found is not None:
        assert NOW < found.due <= NOW.replace(year=2027, day=6)
