"""Injectable time, so tests move the clock instead of sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Source of the current time (always timezone-aware UTC)."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock tests set and advance by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 5, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        """Jump to an absolute moment (must be aware)."""
        if when.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = when.astimezone(UTC)

    def advance(self, **delta: float) -> None:
        """Move forward, e.g. `advance(hours=2)`."""
        self._now += timedelta(**delta)


def epoch(when: datetime) -> int:
    """Whole seconds since 1970, the storage format for timestamps."""
    return int(when.timestamp())


def from_epoch(seconds: int) -> datetime:
    """Inverse of `epoch`."""
    return datetime.fromtimestamp(seconds, UTC)
