"""When a proactive message may go out: quiet hours and 'in N days', as pure functions.

Everything takes and returns aware UTC datetimes (what the clock and the database use) and does
its calendar work in the configured zone with `zoneinfo`, so daylight-saving changes are handled
by the zone rules: 09:00 is 09:00 on the wall clock whether the night before had 23 or 25 hours.

Wall-clock times that do not exist (the hour skipped in spring) resolve to the moment the clock
jumps past them; times that occur twice (the hour repeated in autumn) resolve to the first one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.config import Settings

_SECOND = timedelta(seconds=1)


def wall_time(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The first UTC instant at which the clock in `tz` shows `at` on `day` (or has passed it)."""
    naive = datetime.combine(day, at)
    first = naive.replace(tzinfo=tz, fold=0)
    if _shows(first.astimezone(UTC), tz) == naive:
        return first.astimezone(UTC)  # exists; fold=0 is the earlier of two occurrences
    # In a spring-forward gap: fold=1 reads the wall time with the later offset (an instant
    # before the jump), fold=0 with the earlier one (after it). Find the jump in between.
    low = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    high = first.astimezone(UTC)
    while high - low > _SECOND:
        middle = low + (high - low) / 2
        if _shows(middle, tz) >= naive:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


def _shows(instant: datetime, tz: ZoneInfo) -> datetime:
    """What a wall clock in `tz` shows at `instant` (naive)."""
    return instant.astimezone(tz).replace(tzinfo=None)


@dataclass(frozen=True, slots=True)
class QuietHours:
    """The nightly window without proactive messages, e.g. 21:00-09:00 local time.

    `start == end` means no quiet hours. A window may wrap midnight (21:00-09:00) or not
    (12:00-13:00); the end is the moment messages may go out again.
    """

    start: time
    end: time
    tz: ZoneInfo

    @classmethod
    def from_settings(cls, settings: Settings) -> QuietHours:
        """The configured window (STERK_QUIET_HOURS_START/END in STERK_TIMEZONE)."""
        return cls(settings.quiet_hours_start, settings.quiet_hours_end, settings.tz)

    def local(self, instant: datetime) -> datetime:
        """`instant` on the local wall clock."""
        return instant.astimezone(self.tz)

    def is_quiet(self, instant: datetime) -> bool:
        """Whether a message due at `instant` has to wait."""
        now = self.local(instant).time()
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end

    def release(self, instant: datetime) -> datetime:
        """The first moment at or after `instant` outside quiet hours."""
        if not self.is_quiet(instant):
            return instant
        local = self.local(instant)
        day = local.date()
        if self.start > self.end and local.time() >= self.start:
            day += timedelta(days=1)  # evening part of a window that wraps midnight
        end = wall_time(day, self.end, self.tz)
        if end < instant:  # inside the repeated autumn hour: the end's second occurrence
            end = datetime.combine(day, self.end).replace(tzinfo=self.tz, fold=1).astimezone(UTC)
        return end

    def next_day(self, instant: datetime) -> datetime:
        """The first allowed moment of the local calendar day after `instant`'s."""
        tomorrow = self.local(instant).date() + timedelta(days=1)
        return self.release(wall_time(tomorrow, time(0), self.tz))

    def day_start(self, instant: datetime) -> datetime:
        """Local midnight starting `instant`'s calendar day (for 'one message per day')."""
        return wall_time(self.local(instant).date(), time(0), self.tz)

    def in_days(self, now: datetime, days: int) -> datetime:
        """'In N days' as a person means it: that calendar day, never in its quiet hours.

        The same clock time N local days later; if that falls in quiet hours, the moment the
        quiet hours of that morning end instead (chosen at 22:30, 'tomorrow' is 09:00 tomorrow,
        not 09:00 the day after).
        """
        local = self.local(now)
        target = wall_time(local.date() + timedelta(days=days), local.time(), self.tz)
        if not self.is_quiet(target):
            return target
        return wall_time(self.local(target).date(), self.end, self.tz)
