"""Reminder times as peer educators type them, in Dutch or English.

`/herinner morgen 15:00 bel Jongere #A7F3 terug` → tomorrow at 15:00 local time, text "bel ...".
Understood at the start of the text:
- relative: "over 2 uur", "over een half uur", "over anderhalf uur", "over 3 dagen",
  "in 2 hours", "in half an hour", "in 30 min", "in a week";
- a day, optionally with a time: "vandaag", "morgen", "overmorgen", "today", "tomorrow",
  "day after tomorrow", weekdays ("maandag", "ma", "monday", "mon": always the coming one,
  never today), dates ("12-3", "12/03/2027", "2027-03-12"), and parts of the day
  ("morgenochtend", "vanavond", "tomorrow afternoon", "tonight");
- a time: "15:00", "15.30", "15u", "15u30", "om 9", "at 9", "3pm", "9:30am"; a time alone means
  today, or tomorrow when it has passed; a day alone means 09:00.

Anything not understood gives None, so the command can show examples instead of guessing.
Calendar work happens on the local wall clock (DST-safe via `scheduler.timing.wall_time`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.hours import WEEKDAYS
from scheduler.timing import wall_time

MAX_AHEAD = timedelta(days=366)
DEFAULT_TIME = time(9, 0)

_AMOUNTS = {
    "een half": 0.5,
    "half an": 0.5,
    "half": 0.5,
    "anderhalf": 1.5,
    "een": 1.0,
    "één": 1.0,
    "one": 1.0,
    "an": 1.0,
    "a": 1.0,
}
_UNITS = {
    "minuten": 1,
    "minuut": 1,
    "minutes": 1,
    "minute": 1,
    "mins": 1,
    "min": 1,
    "m": 1,
    "uren": 60,
    "uur": 60,
    "u": 60,
    "hours": 60,
    "hour": 60,
    "hrs": 60,
    "hr": 60,
    "h": 60,
    "dagen": 1440,
    "dag": 1440,
    "days": 1440,
    "day": 1440,
    "d": 1440,
    "weken": 10080,
    "week": 10080,
    "weeks": 10080,
    "w": 10080,
}
# Relative day offset and, for day parts, the time meant.
_DAYWORDS: dict[str, tuple[int, time | None]] = {
    "morgenochtend": (1, time(9, 0)),
    "morgenmiddag": (1, time(14, 0)),
    "morgenavond": (1, time(19, 0)),
    "tomorrow morning": (1, time(9, 0)),
    "tomorrow afternoon": (1, time(14, 0)),
    "tomorrow evening": (1, time(19, 0)),
    "tomorrow night": (1, time(20, 0)),
    "day after tomorrow": (2, None),
    "this morning": (0, time(9, 0)),
    "this afternoon": (0, time(14, 0)),
    "this evening": (0, time(19, 0)),
    "vanochtend": (0, time(9, 0)),
    "vanmorgen": (0, time(9, 0)),
    "vanmiddag": (0, time(14, 0)),
    "vanavond": (0, time(19, 0)),
    "tonight": (0, time(20, 0)),
    "overmorgen": (2, None),
    "tomorrow": (1, None),
    "vandaag": (0, None),
    "today": (0, None),
    "morgen": (1, None),
}


def _alternatives(words: Iterable[str]) -> str:
    """A regex alternation, longest first so "minuten" wins over "m"."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_END = r"(?=$|[\s,.:;!?-])"
_RELATIVE = re.compile(
    rf"(?:over|in)\s+(?P<amount>\d+(?:[.,]\d+)?|{_alternatives(_AMOUNTS)})\s*"
    rf"(?P<unit>{_alternatives(_UNITS)}){_END}"
)
_DAYWORD = re.compile(rf"(?:op\s+|on\s+)?(?P<word>{_alternatives(_DAYWORDS)}){_END}")
_WEEKDAY = re.compile(rf"(?:op\s+|on\s+)?(?P<day>{_alternatives(WEEKDAYS)}){_END}")
_DATE = re.compile(
    r"(?:op\s+|on\s+)?(?:(?P<y1>\d{4})-(?P<m1>\d{1,2})-(?P<d1>\d{1,2})"
    r"|(?P<d2>\d{1,2})[-/](?P<m2>\d{1,2})(?:[-/](?P<y2>\d{4}))?)" + _END
)
_TIME = re.compile(
    r"(?P<at>om\s+|at\s+|@\s*)?(?P<h>\d{1,2})"
    r"(?:(?:[:.]|u|h)(?P<m>\d{2}))?\s*(?P<suffix>a\.m\.|p\.m\.|am|pm|uur|u|h)?" + _END
)
_SEPARATORS = " \t,:;-–"


@dataclass(frozen=True, slots=True)
class When:
    """A parsed reminder moment (aware UTC) and the text that followed it."""

    due: datetime
    rest: str


def parse_when(text: str, now: datetime, tz: ZoneInfo) -> When | None:
    """The moment at the start of `text`, if it is a future one within a year."""
    lowered = text.lower()
    parsed = _relative(lowered, now) or _absolute(lowered, now, tz)
    if parsed is None:
        return None
    due, consumed = parsed
    if not now < due <= now + MAX_AHEAD:
        return None
    return When(due.astimezone(UTC), text[consumed:].lstrip(_SEPARATORS).strip())


def _relative(text: str, now: datetime) -> tuple[datetime, int] | None:
    match = _RELATIVE.match(text)
    if match is None:
        return None
    raw = match["amount"]
    amount = _AMOUNTS.get(raw) or float(raw.replace(",", "."))
    return now + timedelta(minutes=amount * _UNITS[match["unit"]]), match.end()


def _absolute(text: str, now: datetime, tz: ZoneInfo) -> tuple[datetime, int] | None:
    today = now.astimezone(tz).date()
    day, part, used = _day(text, today)
    after = text[used:]
    gap = len(after) - len(after.lstrip())
    at, length = _time(after[gap:])
    if at is None:
        return (wall_time(day, part or DEFAULT_TIME, tz), used) if day is not None else None
    consumed = used + gap + length
    if day is not None:
        return wall_time(day, at, tz), consumed
    due = wall_time(today, at, tz)  # a time alone: today, or tomorrow once it has passed
    return (due if due > now else wall_time(today + timedelta(days=1), at, tz)), consumed


def _day(text: str, today: date) -> tuple[date | None, time | None, int]:
    """A day at the start of `text`: (day, time a day part implies, characters used)."""
    if match := _DAYWORD.match(text):
        offset, part = _DAYWORDS[match["word"]]
        return today + timedelta(days=offset), part, match.end()
    if match := _WEEKDAY.match(text):
        ahead = (WEEKDAYS[match["day"]] - today.weekday() - 1) % 7 + 1
        return today + timedelta(days=ahead), None, match.end()
    if match := _DATE.match(text):
        found = _calendar_date(match, today)
        if found is not None:
            return found, None, match.end()
    return None, None, 0


def _calendar_date(match: re.Match[str], today: date) -> date | None:
    """`12-3` means the coming 12 March (next year once it has passed)."""
    year = match["y1"] or match["y2"]
    day, month = int(match["d1"] or match["d2"]), int(match["m1"] or match["m2"])
    try:
        found = date(int(year) if year else today.year, month, day)
    except ValueError:
        return None
    if not year and found < today:
        try:
            found = date(today.year + 1, month, day)
        except ValueError:  # 29 February
            return None
    return found


def _time(text: str) -> tuple[time | None, int]:
    """A clock time at the start of `text` and the characters it used.

    A bare number ("morgen 9 bellen") only counts with "om"/"at", minutes or am/pm/uur, so a
    number at the start of the reminder text is not mistaken for an hour.
    """
    match = _TIME.match(text)
    if match is None:
        return None, 0
    hour, minute = int(match["h"]), int(match["m"] or 0)
    suffix = (match["suffix"] or "").replace(".", "")
    if not (match["at"] or match["m"] or suffix):
        return None, 0
    if suffix in ("am", "pm"):
        if not 1 <= hour <= 12:
            return None, 0
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if hour > 23 or minute > 59:
        return None, 0
    return time(hour, minute), match.end()
