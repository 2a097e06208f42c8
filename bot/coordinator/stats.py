"""Impact figures for coordinators (`/cijfers`, `/stats`) and the evaluators' CSV (`/export`).

`/cijfers [days]` answers with a short text and a chart image: the headline numbers, a trend
over the last eight weeks (new young people, coaching started), then young people, coaching started
and completed, roles, approaches, check-in outcomes (who acted, and how), requests for a peer
educator (count, median time until someone picked it up, ratings), the self-report before and
after per factor, and broadcasts with their answers.

Small numbers: a count of fewer than five people shows as "<5", and an average or median over
fewer than five people is not shown, so no one can be singled out from the figures. The export
has one row per young person under a pseudonym made fresh for every export (it matches neither
staff views nor earlier exports), only coded answers and counts (no free text, town or
organisation), the month of first use instead of a date, and a month or language shared by
fewer than five people replaced by "*".
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import hmac
import io
import secrets
import statistics
from collections import Counter
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from bot.coordinator.chart import Panel, Series, render
from bot.core.clock import from_epoch
from bot.core.model import Document, Reply
from bot.staff.commands import StaffActions, StaffTurn
from bot.staff.desk import MANAGERS
from bot.storage import stats as store
from bot.storage.checkins import FACTORS, OUTCOMES
from bot.storage.stats import Count, Figures, Paired

staff = StaffActions()  # this feature's staff commands and buttons (bot/app.py)

MIN_PEOPLE = 5
MAX_DAYS = 3650
ROLES = ("target", "bystander", "spreader")
CHOICES = ("in", "out")
HIDDEN = "<5"
TREND_WEEKS = 8


def visible(count: Count) -> int | None:
    """The number, or None when one to four people are behind it."""
    return None if 0 < count.people < MIN_PEOPLE else count.times


def _shown(count: Count) -> str:
    value = visible(count)
    return HIDDEN if value is None else str(value)


def _decimal(lang: str, value: float) -> str:
    text = f"{value:.1f}"
    return text.replace(".", ",") if lang == "nl" else text


class Report:
    """The figures of one period in one coordinator's language, as text and as chart panels."""

    def __init__(self, st: StaffTurn, figures: Figures, days: int | None) -> None:
        self.st = st
        self.figures = figures
        self.period = st.t("stats.period_days", days=days) if days else st.t("stats.period_all")
        self.approaches = tuple(approach.id for approach in st.desk.content.approaches)

    # -- text -----------------------------------------------------------------------------------

    def text(self) -> str:
        """The short text version, one line per subject."""
        st, f = self.st, self.figures
        chosen = sorted(
            (key for key in self.approaches if f.approaches.get(key, Count()).people),
            key=lambda key: -f.approaches[key].times,
        )
        lines = [
            st.t("stats.heading", period=self.period),
            self.headline(),
            st.t(
                "stats.users",
                users=_shown(f.users),
                checkins=_shown(f.checkins_on),
                followups=_shown(f.followups_on),
            ),
            st.t(
                "stats.coaching",
                started=_shown(f.activity["coach_started"]),
                completed=_shown(f.activity["coach_completed"]),
                quiz=_shown(f.activity["quiz_round"]),
                explainer=_shown(f.activity["explainer_done"]),
            ),
            st.t("stats.roles", items=self._items("stats.role_names", ROLES, f.roles)),
            st.t(
                "stats.approaches",
                items=self._items("approaches", chosen[:5], f.approaches, ".name")
                or st.t("stats.nothing"),
            ),
            st.t(
                "stats.checkins",
                checkins=_shown(f.checkins),
                acted=_shown(f.acted),
                items=self._items("stats.outcomes", OUTCOMES, f.outcomes),
            ),
            st.t(
                "stats.cases",
                cases=_shown(f.cases),
                claim=self._median_minutes(f.claim_seconds),
                rating=self._mean(f.ratings),
            ),
            st.t("stats.selfreport", items=self._selfreport()),
            st.t(
                "stats.broadcasts",
                broadcasts=f.broadcasts,
                delivered=_shown(f.delivered),
                answers=self._items("stats.answers", CHOICES, f.responses),
            ),
            st.t("stats.note"),
        ]
        return "\n".join(lines)

    def _items(
        self, prefix: str, keys: Iterable[str], counts: dict[str, Count], suffix: str = ""
    ) -> str:
        """ "Doelwit 12 · Omstander <5 · ..." """
        return " · ".join(
            f"{self.st.t(f'{prefix}.{key}{suffix}')} {_shown(counts.get(key, Count()))}"
            for key in keys
        )

    def _median_minutes(self, seconds: list[int]) -> str:
        if len(seconds) < MIN_PEOPLE:
            return self.st.t("stats.too_few")
        return self.st.t("stats.minutes", minutes=round(statistics.median(seconds) / 60))

    def _mean(self, values: list[int]) -> str:
        if len(values) < MIN_PEOPLE:
            return self.st.t("stats.too_few")
        return f"{_decimal(self.st.lang, statistics.fmean(values))} (n={len(values)})"

    def _paired(self) -> list[Paired | None]:
        """Per factor, in asking order; None where fewer than five people did both rounds."""
        found = [self.figures.selfreport.get(key) for key in FACTORS]
        return [p if p is not None and p.people >= MIN_PEOPLE else None for p in found]

    def _selfreport(self) -> str:
        paired = self._paired()
        if not any(paired):
            return self.st.t("stats.too_few")
        lang = self.st.lang
        return " · ".join(
            f"{self.st.t(f'stats.factors.{key}')} "
            + (
                f"{_decimal(lang, p.before)} → {_decimal(lang, p.after)} (n={p.people})"
                if p
                else HIDDEN
            )
            for key, p in zip(FACTORS, paired, strict=True)
        )

    # -- chart ----------------------------------------------------------------------------------

    def _counted(
        self, key: str, categories: tuple[str, ...], labels: list[str], counts: dict[str, Count]
    ) -> Panel:
        """A panel with one bar per category; hidden counts are None."""
        values = tuple(visible(counts.get(c, Count())) for c in categories)
        return Panel(
            key,
            self.st.t(f"stats.chart.{key}"),
            categories,
            tuple(labels),
            (Series("count", self.st.t("stats.chart.count"), values),),
        )

    def headline(self) -> str:
        """The few numbers that matter most, in one line (text and chart)."""
        f = self.figures
        return self.st.t(
            "stats.headline",
            users=_shown(f.users),
            started=_shown(f.activity["coach_started"]),
            completed=_shown(f.activity["coach_completed"]),
            acted=_shown(f.acted),
            cases=_shown(f.cases),
        )

    def trend(self, weeks: list[store.Week]) -> Panel:
        """New young people and coaching started per week, the last weeks."""
        t = self.st.t
        keys = tuple(f"w{n}" for n in range(len(weeks)))
        labels = tuple(
            from_epoch(w.start).astimezone(self.st.desk.settings.tz).strftime("%d-%m")
            for w in weeks
        )
        return Panel(
            "trend",
            t("stats.chart.trend"),
            keys,
            labels,
            (
                Series("new", t("stats.chart.new"), tuple(visible(w.new) for w in weeks)),
                Series(
                    "started", t("stats.chart.started"), tuple(visible(w.started) for w in weeks)
                ),
            ),
        )

    def panels(self, weeks: list[store.Week] | None = None) -> list[Panel]:
        """The chart, panel by panel (stable keys, translated labels): only panels with data,
        the weekly trend first."""
        found = [self.trend(weeks)] if weeks else []
        found += self._all_panels()
        return [panel for panel in found if has_data(panel)]

    def _all_panels(self) -> list[Panel]:
        t, f = self.st.t, self.figures
        coaching = ("coach_started", "coach_completed")
        paired = self._paired()
        return [
            self._counted(
                "coaching", coaching, [t(f"stats.chart.{k}") for k in coaching], f.activity
            ),
            self._counted("roles", ROLES, [t(f"stats.role_names.{k}") for k in ROLES], f.roles),
            self._counted(
                "approaches",
                self.approaches,
                [t(f"approaches.{k}.name") for k in self.approaches],
                f.approaches,
            ),
            self._counted(
                "outcomes", OUTCOMES, [t(f"stats.outcomes.{k}") for k in OUTCOMES], f.outcomes
            ),
            Panel(
                "selfreport",
                t("stats.chart.selfreport"),
                FACTORS,
                tuple(t(f"stats.factors.{k}") for k in FACTORS),
                (
                    Series(
                        "before",
                        t("stats.chart.before"),
                        tuple(p.before if p else None for p in paired),
                    ),
                    Series(
                        "after",
                        t("stats.chart.after"),
                        tuple(p.after if p else None for p in paired),
                    ),
                ),
                top=5,
            ),
            self._counted(
                "answers", CHOICES, [t(f"stats.answers.{k}") for k in CHOICES], f.responses
            ),
        ]


def has_data(panel: Panel) -> bool:
    """A panel with something to show: a count above zero or one hidden as "<5" (1-4
    people); for averages (a fixed scale) a hidden value means too few, so only real values."""
    values = [v for series in panel.series for v in series.values]
    if panel.top is not None:
        return any(v is not None for v in values)
    return any(v is None or v > 0 for v in values)


def _days(args: str) -> int | None:
    """`/cijfers 30` → 30, no argument → None (everything); ValueError for anything else."""
    text = args.strip()
    if not text:
        return None
    days = int(text) if text.isdigit() else 0
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(text)
    return days


@staff.command("cijfers", "stats", roles=MANAGERS)
async def stats_command(st: StaffTurn, args: str) -> None:
    """The figures as text and as a chart image (drawn in a worker thread)."""
    try:
        days = _days(args)
    except ValueError:
        st.say("stats.usage", max=MAX_DAYS)
        return
    now = st.desk.now()
    since = now - timedelta(days=days) if days else None
    report = Report(st, await store.figures(st.desk.repo, since), days)
    st.say_text(report.text())
    weeks = await store.weekly(st.desk.repo, now, TREND_WEEKS)
    image = await asyncio.to_thread(
        render,
        st.t("stats.chart.title", period=report.period),
        report.panels(weeks),
        HIDDEN,
        report.headline(),
        st.t("stats.chart.empty"),
    )
    st.turn.send(Reply(st.t("stats.chart.caption", period=report.period), image=image))
    st.note(detail=f"days:{days or 'all'}")


# -- export -----------------------------------------------------------------------------------

COLUMNS = (
    "pseudonym",
    "first_month",
    "language",
    "checkins_on",
    "followups_on",
    "coach_started",
    "coach_completed",
    "quiz_rounds",
    "explainers",
    "roles",
    "approaches",
    *(f"checkin_{outcome}" for outcome in OUTCOMES),
    *(f"r{round_}_{factor}" for round_ in (1, 2) for factor in FACTORS),
    "cases",
    "case_rating",
    "answered_in",
    "answered_out",
)
COARSENED = ("first_month", "language")  # could point to a person when few share them


def export_rows(people: list[store.Person], key: bytes) -> list[dict[str, Any]]:
    """One row per person: coded answers and counts only, rare quasi-identifiers hidden."""
    rows: list[dict[str, Any]] = []
    for person in people:
        counts = person.counts
        digest = hmac.new(key, str(person.user_id).encode(), hashlib.sha256).hexdigest()
        row: dict[str, Any] = {
            "pseudonym": digest[:12].upper(),
            "first_month": from_epoch(person.created_at).strftime("%Y-%m"),
            "language": person.language,
            "checkins_on": int(person.checkins),
            "followups_on": int(person.followups),
            "coach_started": counts.get("coach_started", 0),
            "coach_completed": counts.get("coach_completed", 0),
            "quiz_rounds": counts.get("quiz_round", 0),
            "explainers": counts.get("explainer_done", 0),
            "roles": ";".join(sorted(person.roles)),
            "approaches": ";".join(sorted(person.approaches)),
            "cases": counts.get("cases", 0),
            "case_rating": round(statistics.fmean(person.ratings), 1) if person.ratings else "",
            "answered_in": counts.get("answered_in", 0),
            "answered_out": counts.get("answered_out", 0),
        }
        for outcome in OUTCOMES:
            row[f"checkin_{outcome}"] = counts.get(f"checkin_{outcome}", 0)
        for name in COLUMNS:
            if name[:3] in ("r1_", "r2_"):
                row[name] = person.selfreport.get(name, "")
        rows.append(row)
    for column in COARSENED:
        common = Counter(row[column] for row in rows)
        for row in rows:
            if common[row[column]] < MIN_PEOPLE:
                row[column] = "*"
    return rows


def export_csv(rows: list[dict[str, Any]]) -> bytes:
    """UTF-8 CSV with a header row (with a BOM, so spreadsheet programs read it right)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


@staff.command("export", roles=MANAGERS)
async def export_command(st: StaffTurn, _args: str) -> None:
    """The anonymised CSV for evaluators, as a file in the chat."""
    people = await store.people(st.desk.repo)
    if len(people) < MIN_PEOPLE:
        st.say("stats.export_too_few", min=MIN_PEOPLE)
        return
    rows = export_rows(people, secrets.token_bytes(32))
    name = f"sterk-online-export-{st.desk.now().strftime('%Y%m%d')}.csv"
    caption = st.t("stats.export_caption", people=len(rows))
    st.turn.send(Reply(caption, document=Document(name, export_csv(rows))))
    st.note(detail=f"rows:{len(rows)}")
