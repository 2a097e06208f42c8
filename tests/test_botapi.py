"""The aiohttp requests and the malformed-update cleaning under PTB (bot/transports/botapi.py)."""

from __future__ import annotations

import json
import socket

import pytest
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot.transports.botapi import AiohttpRequest, parseable
from tests.fakebot import FakeBotApi

TOKEN = "123:ABC"


async def test_calls_uploads_and_timeouts_map_to_ptb_errors() -> None:
    """Plain calls and uploads work; a held answer is TimedOut, a closed port NetworkError."""
    async with FakeBotApi(token=TOKEN, timeout_delay=2) as fake:
        request = AiohttpRequest(pool_size=2, read_timeout=0.3)
        bot = Bot(TOKEN, base_url=fake.base_url, request=request, get_updates_request=request)
        async with bot:
            message = await bot.send_message(42, "hallo")
            assert message.text == "hallo"
            await bot.send_document(42, document=b"{}", filename="data.json")
            assert list(fake.uploads.values())[-1].content == b"{}"
            fake.fail_next("sendMessage", "timeout")
            with pytest.raises(TimedOut):
                await bot.send_message(42, "te laat")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    closed = AiohttpRequest()
    await closed.initialize()
    try:
        with pytest.raises(NetworkError):
            await closed.do_request(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe", "POST")
    finally:
        await closed.shutdown()


async def test_uninitialised_request_refuses() -> None:
    """Using the request before PTB initialised it is a programming error, said plainly."""
    with pytest.raises(RuntimeError, match="not initialized"):
        await AiohttpRequest().do_request("http://127.0.0.1:1/x", "POST")


def test_parseable_keeps_good_updates_and_empties_bad_ones() -> None:
    """Unparseable updates keep only their id (so the offset moves on); the rest is untouched."""
    good = {
        "update_id": 7,
        "message": {"message_id": 1, "date": 1, "chat": {"id": 5, "type": "private"}},
    }
    body = json.dumps(
        {"ok": True, "result": [good, {"update_id": 8, "message": "junk"}, {"nothing": 1}]}
    ).encode()
    cleaned, dropped = parseable(body)
    assert json.loads(cleaned)["result"] == [good, {"update_id": 8}]
    assert dropped == [8]
    assert parseable(b"not json") == (b"not json", [])
