"""A per-person message limit, so one flooder gets one friendly line instead of 200 answers.

At most `limit` messages per `seconds` from one person are answered. The first message over the
limit gets the "rustig aan" line (`common.slow_down`), later ones nothing, until fewer than
`limit` messages arrived in the last `seconds`: every arrival counts, so someone who keeps
flooding stays limited until they pause. Messages over the limit still pass the safety filters
(the crisis check answers them as usual, see `Engine.handle`), and the help commands always
pass. Button taps do not count: they are cheap, and the engine already ignores double taps.

Replicas count in the database instead (`shared.flood`, judged by `judge`): a flood spread over
several processes is one flood, and gets one line.
"""

from __future__ import annotations

from collections import deque
from enum import Enum

from bot.core.model import Event, EventKind

ALWAYS = frozenset({"hulp", "help"})  # the slow-down line points here: never held back
SWEEP_EVERY = 1000  # arrivals between sweeps of people who went quiet


class Verdict(Enum):
    """What to do with one message."""

    ANSWER = "answer"
    WARN = "warn"  # the first over the limit: only the slow-down line (and the crisis check)
    DROP = "drop"  # over the limit: only the crisis check


def judge(tokens: float) -> Verdict:
    """The verdict from a bucket count (replicas, bot/storage/shared.py): the tokens left after
    this message; the first message without a whole token gets the line, later ones nothing."""
    if tokens >= 0:
        return Verdict.ANSWER
    return Verdict.WARN if tokens >= -1 else Verdict.DROP


class FloodGate:
    """Counts each person's messages in a sliding window (in memory: a restart forgives)."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self._seen: dict[str, deque[float]] = {}
        self._warned: set[str] = set()
        self._arrivals = 0

    def check(self, event: Event, now: float) -> Verdict:
        """Count the message of `event`, which arrived at `now` (seconds), and judge it.

        The arrival time, not the moment its turn comes: a backlog worked through more slowly
        than the window must not open the window again for the messages still waiting.
        """
        if not self.counts(event):
            return Verdict.ANSWER
        key = f"{event.channel}:{event.user}"
        seen = self._seen.setdefault(key, deque())
        while seen and seen[0] <= now - self.seconds:
            seen.popleft()
        over = len(seen) >= self.limit
        seen.append(now)
        if len(seen) > self.limit * 2:  # enough to know they keep flooding
            seen.popleft()
        self._arrivals += 1
        if self._arrivals % SWEEP_EVERY == 0:
            self._sweep(now)
        if not over:
            self._warned.discard(key)
            return Verdict.ANSWER
        if key in self._warned:
            return Verdict.DROP
        self._warned.add(key)
        return Verdict.WARN

    def counts(self, event: Event) -> bool:
        """Whether `event` counts against the limit at all (the shared count asks it too)."""
        if self.limit <= 0 or event.kind is EventKind.CHOICE:
            return False
        return not (event.kind is EventKind.COMMAND and event.command in ALWAYS)

    def _sweep(self, now: float) -> None:
        """Forget people whose last message is older than the window."""
        for key in [
            k for k, seen in self._seen.items() if not seen or seen[-1] <= now - self.seconds
        ]:
            del self._seen[key]
            self._warned.discard(key)
