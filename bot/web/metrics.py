"""What an operator's Prometheus scrapes from GET /metrics.

Counters and the latency histogram are updated where things happen (the transports); the
gauges describe the database (what waits, what is late) and are read fresh at every scrape, so
they are right after a restart too. Everything is in prometheus-client's default registry, which
also brings the process's own memory, CPU and open files (`process_*`). No label carries a
person: labels are channels and kinds.
"""

from __future__ import annotations

from datetime import datetime

from prometheus_client import Counter, Gauge, Histogram, generate_latest

from bot.core.clock import epoch
from bot.core.delivery import DeliveryFailed, InDoubt, RetryLater, Unreachable
from bot.storage import inbox, outbox
from bot.storage import whatsapp as wa_store
from bot.storage.repository import Repository

UPDATES = Counter(
    "sterk_updates_handled", "Updates handled by the bot (each delivered update once)", ["channel"]
)
REPLY_LATENCY = Histogram(
    "sterk_reply_latency_seconds",
    "From an event reaching the engine to its last reply accepted by the channel",
    ["channel"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0),
)
DELIVERY_FAILURES = Counter(
    "sterk_delivery_failures",
    "Messages a channel did not deliver: unreachable (blocked), rate_limited, failed, "
    "in_doubt (timed out after sending: not sent again)",
    ["channel", "kind"],
)
INBOX_DEPTH = Gauge("sterk_inbox_depth", "Updates received but not answered yet")
OUTBOX_DEPTH = Gauge("sterk_outbox_depth", "Replies not delivered yet, kept for a retry")
DUPLICATES = Counter(
    "sterk_duplicate_updates",
    "Updates delivered again by the channel (a retry of one already kept) and not handled twice",
    ["channel"],
)
WA_INBOX_DEPTH = Gauge(
    "sterk_whatsapp_inbox_depth", "WhatsApp webhook events kept but not handled yet"
)
WA_INBOX_SEEN = Gauge(
    "sterk_whatsapp_inbox_seen", "Handled WhatsApp events remembered (hash only) to spot retries"
)
WA_HELD = Gauge(
    "sterk_whatsapp_held",
    "WhatsApp messages waiting for the person to open the 24-hour window again",
)
DUE_ROWS = Gauge(
    "sterk_scheduler_due_rows", "Scheduled messages that are due and still waiting", ["kind"]
)
LATENESS = Gauge(
    "sterk_scheduler_lateness_seconds", "How long the oldest due scheduled message has waited"
)
UNCLAIMED = Gauge("sterk_cases_unclaimed", "Cases no peer educator has claimed yet")
UNCLAIMED_AGE = Gauge(
    "sterk_cases_unclaimed_oldest_seconds", "Age of the oldest case nobody has claimed"
)
BROADCASTS = Gauge("sterk_broadcasts_sending", "Broadcasts being sent now")
BROADCAST_MESSAGES = Gauge(
    "sterk_broadcast_messages",
    "Messages of the broadcasts being sent, by state (pending, claimed, sent, ...)",
    ["state"],
)

_FAILURE_KINDS: dict[type[Exception], str] = {
    Unreachable: "unreachable",
    RetryLater: "rate_limited",
    InDoubt: "in_doubt",
    DeliveryFailed: "failed",
}


def channel_started(channel: str) -> None:
    """Show a channel's counters and latency at 0 from start-up: a family without samples is
    left out of /metrics, and an operator's alert on "no such series" would fire for nothing."""
    UPDATES.labels(channel)
    REPLY_LATENCY.labels(channel)


def delivery_failed(channel: str, error: Exception) -> None:
    """Count one undelivered message under the kind of its delivery error."""
    kind = next((k for t, k in _FAILURE_KINDS.items() if isinstance(error, t)), "failed")
    DELIVERY_FAILURES.labels(channel, kind).inc()


async def _refresh(repo: Repository, now: datetime) -> None:
    """Set the gauges from the database: all reads first, then all sets (no scrape between)."""
    at = epoch(now)
    depth = await inbox.depth(repo)
    undelivered = await outbox.depth(repo)
    wa_waiting, wa_seen, wa_held = await wa_store.depths(repo)
    due = await repo.fetch(
        "SELECT kind, COUNT(*), MIN(due_at) FROM scheduled "
        "WHERE status = 'pending' AND due_at <= ? GROUP BY kind",
        (at,),
    )
    cases = await repo.fetch_one("SELECT COUNT(*), MIN(created_at) FROM cases WHERE status='open'")
    sending = await repo.fetch_one("SELECT COUNT(*) FROM broadcasts WHERE status = 'sending'")
    progress = await repo.fetch(
        "SELECT s.status, COUNT(*) FROM scheduled s "
        "JOIN broadcasts b ON b.id = CAST(json_extract(s.payload, '$.broadcast_id') AS INTEGER) "
        "WHERE s.kind = 'broadcast' AND b.status = 'sending' GROUP BY s.status"
    )
    INBOX_DEPTH.set(depth)
    OUTBOX_DEPTH.set(undelivered)
    WA_INBOX_DEPTH.set(wa_waiting)
    WA_INBOX_SEEN.set(wa_seen)
    WA_HELD.set(wa_held)
    DUE_ROWS.clear()
    for kind, count, _oldest in due:
        DUE_ROWS.labels(str(kind)).set(int(count))
    oldest_due = min((int(oldest) for _kind, _count, oldest in due), default=at)
    LATENESS.set(max(0, at - oldest_due))
    open_cases, oldest_case = cases or (0, None)
    UNCLAIMED.set(int(open_cases))
    UNCLAIMED_AGE.set(max(0, at - int(oldest_case)) if oldest_case is not None else 0)
    BROADCASTS.set(int(sending[0]) if sending else 0)
    BROADCAST_MESSAGES.clear()
    for state, count in progress:
        BROADCAST_MESSAGES.labels(str(state)).set(int(count))


async def exposition(repo: Repository, now: datetime) -> bytes:
    """The text Prometheus reads, with the database gauges as of `now`."""
    await _refresh(repo, now)
    return generate_latest()
