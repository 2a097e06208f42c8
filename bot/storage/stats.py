"""SQL for the impact figures and the evaluators' export: how many, never who.

Young people only: anyone with a staff role is left out. Every count comes with the number of
different people behind it, so the figures can hide cells of fewer than five people
(bot/coordinator/stats.py). No free text is read here (no stories, descriptions, towns or
organisations).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.core.clock import epoch
from bot.storage.checkins import FACTORS
from bot.storage.repository import Repository

STAFF_EVER = "SELECT user_id FROM staff_members UNION SELECT user_id FROM former_staff"
YOUNG = f"user_id NOT IN ({STAFF_EVER})"  # former staff are never counted as young people
ACTED = ("replied", "reported", "supported")  # check-in outcomes where the person did something
COUNTED = ("coach_started", "coach_completed", "quiz_round", "explainer_done")


@dataclass(frozen=True, slots=True)
class Count:
    """How often something happened, and how many different people did it."""

    times: int = 0
    people: int = 0


@dataclass(frozen=True, slots=True)
class Paired:
    """A self-report factor: mean score in round 1 and round 2 of the people who did both."""

    before: float
    after: float
    people: int


@dataclass(frozen=True, slots=True)
class Figures:
    """Everything /cijfers shows, for one period."""

    users: Count
    checkins_on: Count
    followups_on: Count
    activity: dict[str, Count]  # coach_started, coach_completed, ...
    roles: dict[str, Count]
    approaches: dict[str, Count]
    checkins: Count
    acted: Count
    outcomes: dict[str, Count]
    cases: Count
    claim_seconds: list[int]
    ratings: list[int]
    selfreport: dict[str, Paired]
    broadcasts: int
    delivered: Count
    responses: dict[str, Count]


async def _counts(repo: Repository, sql: str, params: tuple[Any, ...]) -> dict[str, Count]:
    """`SELECT key, times, people ...` as a dict."""
    return {
        str(key): Count(int(times), int(people))
        for key, times, people in await repo.fetch(sql, params)
    }


async def _count(repo: Repository, sql: str, params: tuple[Any, ...]) -> Count:
    row = await repo.fetch_one(sql, params)
    return Count(int(row[0] or 0), int(row[1] or 0)) if row else Count()


async def figures(repo: Repository, since: datetime | None = None) -> Figures:
    """The impact figures from `since` on (everything when None)."""
    start = (epoch(since) if since else 0,)
    row = await repo.fetch_one(
        "SELECT COUNT(*), COALESCE(SUM(checkins), 0), COALESCE(SUM(followups), 0) FROM users "
        f"WHERE onboarded = 1 AND created_at >= ? AND id NOT IN ({STAFF_EVER})",
        start,
    )
    users, checkins_on, followups_on = (int(value) for value in row) if row else (0, 0, 0)
    marks = ", ".join("?" for _ in COUNTED)
    activity = await _counts(
        repo,
        "SELECT kind, COUNT(*), COUNT(DISTINCT user_id) FROM activity "
        f"WHERE at >= ? AND kind IN ({marks}) AND {YOUNG} GROUP BY kind",
        (*start, *COUNTED),
    )
    details = "SELECT detail, COUNT(*), COUNT(DISTINCT user_id) FROM activity WHERE at >= ? "
    details += f"AND kind = ? AND detail IS NOT NULL AND {YOUNG} GROUP BY detail"
    checkins = f"FROM checkin_outcomes WHERE created_at >= ? AND {YOUNG}"
    acted = ", ".join(f"'{outcome}'" for outcome in ACTED)
    cases = "FROM cases WHERE created_at >= ?"
    broadcasts = await repo.fetch_one(
        "SELECT COUNT(*), COALESCE(SUM(sent), 0) FROM broadcasts "
        "WHERE status = 'done' AND finished_at >= ?",
        start,
    )
    done, delivered = (int(value) for value in broadcasts) if broadcasts else (0, 0)
    return Figures(
        users=Count(users, users),
        checkins_on=Count(int(checkins_on), int(checkins_on)),
        followups_on=Count(int(followups_on), int(followups_on)),
        activity={kind: activity.get(kind, Count()) for kind in COUNTED},
        roles=await _counts(repo, details, (*start, "role")),
        approaches=await _counts(repo, details, (*start, "approach_chosen")),
        checkins=await _count(repo, f"SELECT COUNT(*), COUNT(DISTINCT user_id) {checkins}", start),
        acted=await _count(
            repo,
            f"SELECT COUNT(*), COUNT(DISTINCT user_id) {checkins} AND outcome IN ({acted})",
            start,
        ),
        outcomes=await _counts(
            repo,
            f"SELECT outcome, COUNT(*), COUNT(DISTINCT user_id) {checkins} GROUP BY outcome",
            start,
        ),
        cases=await _count(repo, f"SELECT COUNT(*), COUNT(DISTINCT user_id) {cases}", start),
        claim_seconds=[
            int(row[0])
            for row in await repo.fetch(
                f"SELECT claimed_at - created_at {cases} AND claimed_at IS NOT NULL", start
            )
        ],
        ratings=[
            int(row[0])
            for row in await repo.fetch(f"SELECT rating {cases} AND rating IS NOT NULL", start)
        ],
        selfreport={
            str(factor): Paired(float(before), float(after), int(people))
            for factor, before, after, people in await repo.fetch(
                "SELECT a.factor, AVG(a.score), AVG(b.score), COUNT(*) FROM selfreports a "
                "JOIN selfreports b ON b.user_id = a.user_id AND b.factor = a.factor "
                "AND b.round = 2 WHERE a.round = 1 AND b.created_at >= ? GROUP BY a.factor",
                start,
            )
        },
        broadcasts=done,
        delivered=Count(delivered, delivered),
        responses=await _counts(
            repo,
            "SELECT choice, COUNT(*), COUNT(DISTINCT user_id) FROM broadcast_responses "
            "WHERE answered_at >= ? GROUP BY choice",
            start,
        ),
    )


@dataclass(slots=True)
class Person:
    """One young person's coded answers and counts, for the evaluators' export."""

    user_id: int
    created_at: int
    language: str
    checkins: bool
    followups: bool
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    roles: set[str] = field(default_factory=set)
    approaches: set[str] = field(default_factory=set)
    selfreport: dict[str, int] = field(default_factory=dict)  # "r1_knowledge" -> score
    ratings: list[int] = field(default_factory=list)


async def people(repo: Repository) -> list[Person]:
    """Every onboarded young person with what they did, in a handful of grouped queries."""
    found = {
        int(row[0]): Person(int(row[0]), int(row[1]), str(row[2]), bool(row[3]), bool(row[4]))
        for row in await repo.fetch(
            "SELECT id, created_at, language, checkins, followups FROM users "
            f"WHERE onboarded = 1 AND id NOT IN ({STAFF_EVER}) ORDER BY id"
        )
    }
    marks = ", ".join("?" for _ in COUNTED)
    for user_id, kind, count in await repo.fetch(
        f"SELECT user_id, kind, COUNT(*) FROM activity WHERE kind IN ({marks}) "
        "GROUP BY user_id, kind",
        COUNTED,
    ):
        if user_id in found:
            found[user_id].counts[str(kind)] = int(count)
    for user_id, kind, detail in await repo.fetch(
        "SELECT DISTINCT user_id, kind, detail FROM activity "
        "WHERE kind IN ('role', 'approach_chosen') AND detail IS NOT NULL"
    ):
        if user_id in found:
            chosen = found[user_id].roles if kind == "role" else found[user_id].approaches
            chosen.add(str(detail))
    for user_id, outcome, count in await repo.fetch(
        "SELECT user_id, outcome, COUNT(*) FROM checkin_outcomes GROUP BY user_id, outcome"
    ):
        if user_id in found:
            found[user_id].counts[f"checkin_{outcome}"] = int(count)
    for user_id, round_, factor, score in await repo.fetch(
        "SELECT user_id, round, factor, score FROM selfreports"
    ):
        if user_id in found and factor in FACTORS:
            found[user_id].selfreport[f"r{round_}_{factor}"] = int(score)
    for user_id, rating in await repo.fetch("SELECT user_id, rating FROM cases"):
        if user_id in found:
            found[user_id].counts["cases"] += 1
            if rating is not None:
                found[user_id].ratings.append(int(rating))
    for user_id, choice, count in await repo.fetch(
        "SELECT user_id, choice, COUNT(*) FROM broadcast_responses GROUP BY user_id, choice"
    ):
        if user_id in found:
            found[user_id].counts[f"answered_{choice}"] = int(count)
    return list(found.values())


@dataclass(frozen=True, slots=True)
class Week:
    """One week of the trend: new young people and coaching started."""

    start: int  # epoch of the week's first moment
    new: Count
    started: Count


WEEK = 7 * 24 * 3600


async def weekly(repo: Repository, now: datetime, weeks: int) -> list[Week]:
    """The last `weeks` seven-day periods up to now, oldest first."""
    end = epoch(now) + 1  # up to and including this second
    first = end - weeks * WEEK
    bucket = f"(({{col}} - {first}) / {WEEK})"
    new = {
        int(b): Count(int(n), int(n))
        for b, n in await repo.fetch(
            f"SELECT {bucket.format(col='created_at')} AS b, COUNT(*) FROM users "
            f"WHERE onboarded = 1 AND created_at >= ? AND created_at < ? "
            f"AND id NOT IN ({STAFF_EVER}) GROUP BY b",
            (first, end),
        )
    }
    started = {
        int(b): Count(int(t), int(p))
        for b, t, p in await repo.fetch(
            f"SELECT {bucket.format(col='at')} AS b, COUNT(*), COUNT(DISTINCT user_id) "
            f"FROM activity WHERE kind = 'coach_started' AND at >= ? AND at < ? AND {YOUNG} "
            "GROUP BY b",
            (first, end),
        )
    }
    return [
        Week(first + n * WEEK, new.get(n, Count()), started.get(n, Count())) for n in range(weeks)
    ]
