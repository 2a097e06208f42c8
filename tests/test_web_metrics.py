"""The database gauges of GET /metrics, read from a real SQLite file at a manual moment."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from bot.app import Core
from bot.core.clock import ManualClock
from bot.storage import inbox, scheduled, staff
from bot.web import metrics
from tests.broadcastkit import add_people, lane, plan


async def _gauges(core: Core) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = (await metrics.exposition(core.repo, core.clock.now())).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name.startswith("sterk_")
    }


async def test_gauges_show_what_waits_and_for_how_long(core: Core, clock: ManualClock) -> None:
    """Due rows and lateness, unclaimed cases and their age, broadcast progress, inbox depth."""
    empty = await _gauges(core)
    assert empty[("sterk_scheduler_lateness_seconds", ())] == 0
    assert empty[("sterk_cases_unclaimed", ())] == 0
    assert empty[("sterk_broadcasts_sending", ())] == 0

    now = clock.now()
    people = await add_people(core.repo, 3, now)
    await scheduled.schedule(core.repo, "metrics_test", people[0], now - timedelta(minutes=5), now)
    await scheduled.schedule(core.repo, "metrics_test", people[1], now + timedelta(hours=1), now)
    await staff.open_case(
        core.repo, people[1], "request", "talk", False, {}, now - timedelta(minutes=12)
    )
    await plan(core, people[2])
    await lane(core, clock).tick()  # starts the broadcast; its lane is not running
    await inbox.keep(core.repo, [(41, "chat", "{}")], now)

    gauges = await _gauges(core)
    assert gauges[("sterk_scheduler_due_rows", (("kind", "metrics_test"),))] == 1
    assert gauges[("sterk_scheduler_lateness_seconds", ())] >= 300
    assert gauges[("sterk_cases_unclaimed", ())] == 1
    assert gauges[("sterk_cases_unclaimed_oldest_seconds", ())] == 720
    assert gauges[("sterk_broadcasts_sending", ())] == 1
    assert gauges[("sterk_broadcast_messages", (("state", "pending"),))] >= 1
    assert gauges[("sterk_inbox_depth", ())] == 1
