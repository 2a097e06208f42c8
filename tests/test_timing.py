"""Quiet hours and 'in N days' on the wall clock, including both daylight-saving changes."""

from __future__ import annotations

import contextlib
import warnings
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.timing import QuietHours, wall_time
from tests.scheduling import AMS, ams

with contextlib.suppress(ImportError), warnings.catch_warnings():
    # On a failure Hypothesis imports libcst to suggest a patch; that import warns, and with
    # filterwarnings=error the warning would hide the failing example behind an INTERNALERROR.
    warnings.simplefilter("ignore", DeprecationWarning)
    import hypothesis.extra._patching  # noqa: F401

NIGHT = QuietHours(time(21), time(9), AMS)


@pytest.mark.parametrize(
    ("local", "quiet"),
    [
        ((2026, 1, 5, 20, 59), False),
        ((2026, 1, 5, 21, 0), True),
        ((2026, 1, 6, 0, 0), True),
        ((2026, 1, 6, 8, 59), True),
        ((2026, 1, 6, 9, 0), False),
        ((2026, 7, 6, 21, 0), True),  # summer time: still 21:00 on the wall
        ((2026, 7, 6, 9, 0), False),
    ],
)
def test_quiet_hours_follow_the_wall_clock(local: tuple[int, ...], quiet: bool) -> None:
    """21:00 up to 09:00 local time is quiet, winter and summer alike."""
    assert NIGHT.is_quiet(ams(*local)) is quiet


def test_release_moves_evening_and_night_to_the_morning() -> None:
    """An item due in the evening or night waits for 09:00; a daytime one stays put."""
    assert NIGHT.release(ams(2026, 1, 5, 22, 30)) == ams(2026, 1, 6, 9, 0)
    assert NIGHT.release(ams(2026, 1, 6, 7, 0)) == ams(2026, 1, 6, 9, 0)
    assert NIGHT.release(ams(2026, 1, 6, 12, 0)) == ams(2026, 1, 6, 12, 0)


def test_release_across_spring_forward() -> None:
    """The night of 28-29 March 2026 has 23 hours; 09:00 is 07:00 UTC (CEST) the next day."""
    released = NIGHT.release(ams(2026, 3, 28, 22, 30))
    assert released == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)
    assert released - ams(2026, 3, 28, 22, 30) == timedelta(hours=9, minutes=30)


def test_release_across_fall_back() -> None:
    """The night of 24-25 October 2026 has 25 hours; 09:00 is 08:00 UTC (CET) the next day."""
    released = NIGHT.release(ams(2026, 10, 24, 22, 30))
    assert released == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)
    assert released - ams(2026, 10, 24, 22, 30) == timedelta(hours=11, minutes=30)


def test_tomorrow_chosen_late_evening_is_tomorrow_morning() -> None:
    """Chosen at 22:30, 'tomorrow' is 09:00 the next day, not 09:00 the day after."""
    assert NIGHT.in_days(ams(2026, 1, 5, 22, 30), 1) == ams(2026, 1, 6, 9, 0)
    assert NIGHT.in_days(ams(2026, 1, 5, 7, 15), 1) == ams(2026, 1, 6, 9, 0)
    assert NIGHT.in_days(ams(2026, 1, 5, 14, 0), 3) == ams(2026, 1, 8, 14, 0)


def test_in_days_keeps_the_clock_time_over_dst() -> None:
    """'Tomorrow at 14:00' stays 14:00 local: 23 hours over spring-forward, 25 over fall-back."""
    spring = NIGHT.in_days(ams(2026, 3, 28, 14, 0), 1)
    fall = NIGHT.in_days(ams(2026, 10, 24, 14, 0), 1)
    assert spring - ams(2026, 3, 28, 14, 0) == timedelta(hours=23)
    assert fall - ams(2026, 10, 24, 14, 0) == timedelta(hours=25)
    assert spring.astimezone(AMS).time() == fall.astimezone(AMS).time() == time(14)


def test_wall_time_in_the_skipped_hour_is_the_jump() -> None:
    """02:30 does not exist on 29 March 2026: the clock passes it at 03:00 CEST (01:00 UTC)."""
    assert wall_time(date(2026, 3, 29), time(2, 30), AMS) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_wall_time_in_the_repeated_hour_is_the_first() -> None:
    """02:30 happens twice on 25 October 2026; the first time is 00:30 UTC."""
    assert wall_time(date(2026, 10, 25), time(2, 30), AMS) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )


def test_release_inside_the_repeated_hour_never_goes_back() -> None:
    """Quiet until 02:30: at the second 02:15 the wait ends at the second 02:30, not earlier."""
    early = QuietHours(time(23), time(2, 30), AMS)
    second_0215 = datetime(2026, 10, 25, 1, 15, tzinfo=UTC)  # 02:15 CET, after the repeat
    assert early.is_quiet(second_0215)
    assert early.release(second_0215) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def test_window_within_a_day_and_no_window() -> None:
    """A 12:00-13:00 window does not wrap midnight; equal start and end means never quiet."""
    lunch = QuietHours(time(12), time(13), AMS)
    assert lunch.is_quiet(ams(2026, 1, 5, 12, 30))
    assert not lunch.is_quiet(ams(2026, 1, 5, 22, 0))
    assert lunch.release(ams(2026, 1, 5, 12, 30)) == ams(2026, 1, 5, 13, 0)
    assert lunch.in_days(ams(2026, 1, 5, 12, 30), 1) == ams(2026, 1, 6, 13, 0)
    never = QuietHours(time(9), time(9), AMS)
    assert not never.is_quiet(ams(2026, 1, 5, 3, 0))


def test_day_start_and_next_day() -> None:
    """The daily limit counts from local midnight; the next day opens when quiet hours end."""
    assert NIGHT.day_start(ams(2026, 3, 29, 15, 0)) == ams(2026, 3, 29, 0, 0)
    assert NIGHT.next_day(ams(2026, 3, 28, 15, 0)) == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)
    assert NIGHT.next_day(ams(2026, 10, 24, 15, 0)) == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)


ZONES = st.sampled_from(
    [
        ZoneInfo("Europe/Amsterdam"),
        ZoneInfo("America/New_York"),
        ZoneInfo("Australia/Lord_Howe"),  # a 30-minute daylight-saving shift
        ZoneInfo("UTC"),
    ]
)
TIMES = st.times().map(lambda t: t.replace(second=0, microsecond=0))
INSTANTS = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=300, deadline=None)
@given(zone=ZONES, start=TIMES, end=TIMES, instant=INSTANTS)
def test_release_is_the_first_allowed_moment(
    zone: ZoneInfo, start: time, end: time, instant: datetime
) -> None:
    """Never earlier than asked, never quiet, and everything before it (from `instant`) quiet."""
    quiet = QuietHours(start, end, zone)
    released = quiet.release(instant)
    assert released >= instant
    assert not quiet.is_quiet(released)
    if released > instant:
        for fraction in (0.0, 0.5, 0.999):
            moment = instant + (released - instant) * fraction
            if released - moment >= timedelta(seconds=1):
                assert quiet.is_quiet(moment), moment


@settings(max_examples=300, deadline=None)
@given(zone=ZONES, start=TIMES, end=TIMES, instant=INSTANTS, days=st.integers(1, 14))
def test_in_days_lands_on_that_day_outside_quiet_hours(
    zone: ZoneInfo, start: time, end: time, instant: datetime, days: int
) -> None:
    """'In N days' is on the N-th next local calendar day and never in quiet hours."""
    quiet = QuietHours(start, end, zone)
    due = quiet.in_days(instant, days)
    expected_day = instant.astimezone(zone).date() + timedelta(days=days)
    assert due.astimezone(zone).date() == expected_day
    assert not quiet.is_quiet(due)
