"""Updates fetched before a crash are answered after the restart, and only once."""

from __future__ import annotations

import json
import sqlite3

from bot.core.clock import epoch
from tests.e2e import RunningBot, texts

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
    db = sqlite3.connect(tg.settings.db_path)
    try:
        db.execute(
            "INSERT INTO inbox (update_id, chat, payload, received_at) VALUES (?, ?, ?, ?)",
            (900, str(USER), json.dumps(update), epoch(tg.clock.now())),
        )
        db.commit()
    finally:
        db.close()
    await tg.start()
    calls = await tg.fake.replies_until_idle(USER, idle=0.4)
    assert "In welke taal" in texts(calls)
    tg.fake.push_raw(update)  # Telegram had not seen the confirmation: it delivers it again
    again = await tg.fake.replies_until_idle(USER, idle=0.4)
    assert again == []
    db = sqlite3.connect(tg.settings.db_path)
    try:
        row = db.execute(
            "SELECT chat, payload, done_at FROM inbox WHERE update_id = 900"
        ).fetchone()
    finally:
        db.close()
    assert row[0] is None
    assert row[1] is None  # the message itself is gone once answered
    assert row[2] is not None


async def test_every_fetched_update_is_kept_until_answered(tg: RunningBot) -> None:
    """Normal traffic leaves only answered, wiped rows behind."""
    await tg.say(USER, "/start")
    await tg.tap(USER, "Nederlands")
    db = sqlite3.connect(tg.settings.db_path)
    try:
        rows = db.execute("SELECT count(*), count(payload), count(done_at) FROM inbox").fetchone()
    finally:
        db.close()
    assert rows[0] >= 2
    assert rows[1] == 0
    assert rows[2] == rows[0]
