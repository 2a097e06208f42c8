"""Staff settings: staffed hours and service levels, validated with one-line errors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import load_settings
from bot.hours import StaffedHours

TZ = ZoneInfo("Europe/Amsterdam")
ENV_EXAMPLE = Path(__file__).resolve().parent.parent / ".env.example"
STAFF_VARIABLES = (
    "STERK_CASE_REANNOUNCE_MINUTES",
    "STERK_CASE_ESCALATE_MINUTES",
    "STERK_STAFFED_HOURS",
    "STERK_CASE_REPLY_REMINDER_MINUTES",
    "STERK_WELLBEING_DAYS",
)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """January 2026 in Amsterdam (the 5th is a Monday)."""
    return datetime(2026, 1, day, hour, minute, tzinfo=TZ)


def test_defaults() -> None:
    """Without configuration: 10 and 30 minutes, an hour for replies, weekly check-ins."""
    settings = load_settings(_env_file=None)
    assert settings.case_reannounce_minutes == 10
    assert settings.case_escalate_minutes == 30
    assert settings.case_reply_reminder_minutes == 60
    assert settings.wellbeing_days == 7
    assert settings.staffed_hours == StaffedHours.parse("Mon-Fri 09:00-21:00")


def test_staffed_hours_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Several periods, Dutch day names and ranges that wrap the week are read."""
    monkeypatch.setenv("STERK_STAFFED_HOURS", "za-ma 12:00-17:00; wo 09:00-24:00")
    hours = load_settings(_env_file=None).staffed_hours
    assert hours.is_open(at(10, 12), TZ)  # Saturday
    assert hours.is_open(at(5, 16, 59), TZ)  # Monday
    assert not hours.is_open(at(6, 13), TZ)  # Tuesday
    assert hours.is_open(at(7, 23, 59), TZ)  # Wednesday until midnight


def test_every_staff_setting_is_documented() -> None:
    """.env.example explains each staff setting, with its default value."""
    example = ENV_EXAMPLE.read_text(encoding="utf-8")
    defaults = load_settings(_env_file=None)
    assert f"STERK_CASE_REANNOUNCE_MINUTES={defaults.case_reannounce_minutes}\n" in example
    assert f"STERK_CASE_ESCALATE_MINUTES={defaults.case_escalate_minutes}\n" in example
    assert "STERK_STAFFED_HOURS=Mon-Fri 09:00-21:00\n" in example
    for variable in STAFF_VARIABLES:
        above = example.split(f"\n{variable}=")[0].splitlines()[-1]
        assert above.startswith("#"), variable


def test_next_opening() -> None:
    """Outside staffed hours: the start of the next period, over the weekend if needed."""
    hours = StaffedHours.parse("Mon-Fri 09:00-17:30")
    friday_evening = at(9, 18)
    assert hours.next_open(friday_evening, TZ) == at(12, 9).astimezone(UTC)
    assert hours.next_open(at(12, 8, 59), TZ) == at(12, 9).astimezone(UTC)
    assert hours.next_open(at(12, 10), TZ) == at(12, 10)
    assert hours.period(at(12, 10), TZ) == (
        at(12, 9).astimezone(UTC),
        at(12, 17, 30).astimezone(UTC),
    )
    assert hours.period(friday_evening, TZ) is None


def test_always() -> None:
    """'always' is staffed round the clock."""
    hours = StaffedHours.parse("always")
    assert all(hours.is_open(at(day, hour), TZ) for day in range(5, 12) for hour in range(24))
