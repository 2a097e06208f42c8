"""Updates fetched before a crash are answered after the restart, and only once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from prometheus_client import REGISTRY

from bot.core.clock import epoch
from bot.transports.telegram import replayable
from tests.e2e import RunningBot, texts
from tests.stores import query

pytestmark = pytest.mark.both_stores

USER = 6060601


def _start_update(update_id: int) -> dict[str, object]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": USER, "type": "private"},
            "from": {"id": USER, "is_bot": False, "first_name": "Sam"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def test_fetched_but_unanswered_update_is_replayed_once(tg: RunningBot) -> None:
    """An update a killed process held is answered at start; its redelivery is skipped."""
    await tg.stop()
    update = _start_update(900)
    query(
        tg.settings,
        "INSERT INTO inbox (update_id, chat, payload, received_at) VALUES (?, ?, ?, ?)",
        (900, str(USER), json.dumps(update), epoch(tg.clock.now())),
    )
    await tg.start()
    calls = await tg.fake.replies_until_idle(USER, idle=0.4)
    assert "In welke taal" in texts(calls)
    duplicates = {"channel": "telegram"}
    before = REGISTRY.get_sample_value("sterk_duplicate_updates_total", duplicates) or 0
    tg.fake.push_raw(update)  # Telegram had not seen the confirmation: it delivers it again
    again = await tg.fake.replies_until_idle(USER, idle=0.4)
    assert again == []
    assert REGISTRY.get_sample_value("sterk_duplicate_updates_total", duplicates) == before + 1
    [row] = query(tg.settings, "SELECT count(*) FROM inbox WHERE update_id = 900")
    [seen] = query(tg.settings, "SELECT count(*) FROM inbox_seen WHERE update_id = 900")
    assert row[0] == 0  # the row, and the message in it, is gone once answered
    assert seen[0] == 1  # only the bare id stays, to skip the second delivery


async def test_a_copy_fetched_with_the_first_or_after_it_is_answered_once(
    tg: RunningBot,
) -> None:
    """Two copies in one batch (the second waits for the first, then finds it answered in
    the process's memory) and a third copy later (found answered when its batch is kept)."""
    duplicates = {"channel": "telegram"}
    before = REGISTRY.get_sample_value("sterk_duplicate_updates_total", duplicates) or 0
    update = _start_update(910)
    tg.fake.push_raw(update)
    tg.fake.push_raw(update)
    calls = await tg.fake.replies_until_idle(USER, idle=0.4)
    assert texts(calls).count("In welke taal") == 1
    tg.fake.push_raw(update)
    assert await tg.fake.replies_until_idle(USER, idle=0.4) == []
    assert REGISTRY.get_sample_value("sterk_duplicate_updates_total", duplicates) == before + 2


async def test_every_fetched_update_is_gone_once_answered(tg: RunningBot) -> None:
    """Normal traffic leaves no inbox rows behind, only bare ids of answered updates."""
    await tg.say(USER, "/start")
    await tg.tap(USER, "Nederlands")
    [rows] = query(tg.settings, "SELECT count(*) FROM inbox")
    [seen] = query(tg.settings, "SELECT count(*) FROM inbox_seen")
    assert rows[0] == 0
    assert seen[0] >= 2


async def test_inbox_keeps_no_names_and_purges_old_updates(tg: RunningBot) -> None:
    """A kept update has no name or username; one unanswered for over a day is purged."""
    await tg.stop()
    update = _start_update(901)
    message = update["message"]
    assert isinstance(message, dict)
    message["from"] = {**message["from"], "username": "sam_secret", "last_name": "Jansen"}
    payload = json.dumps(replayable(update))
    for name in ("Sam", "sam_secret", "Jansen"):
        assert name not in payload
    for needed in (str(USER), "/start"):
        assert needed in payload
    query(
        tg.settings,
        "INSERT INTO inbox (update_id, chat, payload, received_at) VALUES (?, ?, ?, ?)",
        (901, str(USER), payload, epoch(tg.clock.now() - timedelta(days=2))),
    )
    await tg.start()
    assert await tg.fake.replies_until_idle(USER, idle=0.4) == []  # too old to answer now
    assert tg.core is not None
    assert await tg.core.repo.fetch("SELECT * FROM inbox") == []
