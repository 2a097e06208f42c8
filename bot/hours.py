"""Staffed hours: when peer educators are around to pick up cases.

Written in settings as `STERK_STAFFED_HOURS`, e.g. `Mon-Fri 09:00-21:00; Sat 12:00-17:00`
(English or Dutch day abbreviations, `always` for round the clock). Outside these hours a young
person who asks for help is told when to expect an answer, and the case timers (re-announce,
escalation, reply reminders) wait: nobody should be paged at night for a quiet queue.

Kept free of other bot modules, and outside `bot.staff`, because `bot.config` validates the
setting with it (inside, config and staff imported each other).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60
WEEKDAYS = {  # full and short day names, Dutch and English (also used by /herinner)
    "maandag": 0,
    "dinsdag": 1,
    "woensdag": 2,
    "donderdag": 3,
    "vrijdag": 4,
    "zaterdag": 5,
    "zondag": 6,
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
    "tues": 1,
    "thurs": 3,
    "thur": 3,
    "mon": 0,
    "tue": 1,
    "wed": 2,
    "thu": 3,
    "fri": 4,
    "sat": 5,
    "sun": 6,
    "ma": 0,
    "di": 1,
    "wo": 2,
    "do": 3,
    "vr": 4,
    "za": 5,
    "zo": 6,
}
_SEGMENT = re.compile(
    r"^(?P<days>[a-z, -]+?)\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})$"
)
_HELP = 'expected something like "Mon-Fri 09:00-21:00; Sat 12:00-17:00" or "always"'


@dataclass(frozen=True, slots=True)
class Window:
    """One staffed period on some weekdays (0 = Monday), in minutes after local midnight."""

    days: frozenset[int]
    start: int
    end: int  # exclusive; 1440 means until midnight


@dataclass(frozen=True, slots=True)
class StaffedHours:
    """A weekly timetable; times are read on the local wall clock of the given zone."""

    windows: tuple[Window, ...]

    @classmethod
    def parse(cls, text: str) -> StaffedHours:
        """Read the settings format; raises ValueError with a one-line explanation."""
        cleaned = " ".join(text.lower().split())
        if cleaned in ("always", "altijd", "24/7"):
            return cls((Window(frozenset(range(7)), 0, MINUTES_PER_DAY),))
        windows = [_window(part.strip()) for part in cleaned.split(";") if part.strip()]
        if not windows:
            raise ValueError(_HELP)
        return cls(tuple(windows))

    def is_open(self, instant: datetime, tz: ZoneInfo) -> bool:
        """Whether someone is expected to be around at `instant`."""
        return self.period(instant, tz) is not None

    def period(self, instant: datetime, tz: ZoneInfo) -> tuple[datetime, datetime] | None:
        """The staffed period (start, end, UTC) around `instant`, or None outside them."""
        local = instant.astimezone(tz)
        minute = local.hour * 60 + local.minute
        around = [
            w for w in self.windows if local.weekday() in w.days and w.start <= minute < w.end
        ]
        if not around:
            return None
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        start = midnight + timedelta(minutes=min(w.start for w in around))
        end = midnight + timedelta(minutes=max(w.end for w in around))
        return start.astimezone(UTC), end.astimezone(UTC)

    def next_open(self, instant: datetime, tz: ZoneInfo) -> datetime:
        """`instant` itself when staffed, else the start of the next staffed period (UTC)."""
        if self.is_open(instant, tz):
            return instant
        local = instant.astimezone(tz)
        minute = local.hour * 60 + local.minute
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        for offset in range(8):
            day = (local.weekday() + offset) % 7
            starts = [
                w.start for w in self.windows if day in w.days and (offset > 0 or w.start > minute)
            ]
            if starts:
                # Aware arithmetic with one zone is wall-clock arithmetic; the offset of the
                # result is looked up again, so a DST change in between is handled.
                return (midnight + timedelta(days=offset, minutes=min(starts))).astimezone(UTC)
        raise AssertionError("a parsed timetable always has a staffed day")  # pragma: no cover


def _window(part: str) -> Window:
    match = _SEGMENT.match(part)
    if match is None:
        raise ValueError(_HELP)
    start, end = _minutes(match["start"]), _minutes(match["end"])
    if not start < end:
        raise ValueError(f"{match['start']}-{match['end']}: the end must be after the start")
    return Window(_days(match["days"]), start, end)


def _minutes(value: str) -> int:
    hours, _, minutes = value.partition(":")
    total = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or total > MINUTES_PER_DAY:
        raise ValueError(f"{value} is not a time of day")
    return total


def _days(text: str) -> frozenset[int]:
    days: set[int] = set()
    for item in text.replace(" ", "").split(","):
        first, _, last = item.partition("-")
        begin = _day(first)
        finish = _day(last) if last else begin
        span = (finish - begin) % 7
        days.update((begin + n) % 7 for n in range(span + 1))
    return frozenset(days)


def _day(name: str) -> int:
    for length in (3, 2):
        if name[:length] in WEEKDAYS:
            return WEEKDAYS[name[:length]]
    raise ValueError(f"unknown day '{name}' ({_HELP})")
