"""Tests proving that ``tests.fakebot.FakeBotApi`` drives a real python-telegram-bot Application."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from tests.fakebot import FakeBotApi, UploadedFile, polling

App = Application[Any, Any, Any, Any, Any, Any]

TOKEN = "123:ABC"
USER = 4242
GROUP = -100500
KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("Ja", callback_data="ans:yes"),
            InlineKeyboardButton("Nee", callback_data="ans:no"),
        ]
    ]
)
KEYBOARD_DICT = {
    "inline_keyboard": [
        [{"text": "Ja", "callback_data": "ans:yes"}, {"text": "Nee", "callback_data": "ans:no"}]
    ]
}


class EchoBot:
    """The tiny bot under test; it remembers what its handlers saw."""

    def __init__(self) -> None:
        self.updates: asyncio.Queue[Update] = asyncio.Queue()
        self.errors: asyncio.Queue[TelegramError] = asyncio.Queue()
        self.taps: list[str] = []

    def build(self, fake: FakeBotApi, rate_limiter: AIORateLimiter | None = None) -> App:
        """A real PTB Application pointed at the fake."""
        # ``Any``: PTB's builder type changes with ``rate_limiter`` (generic parameter)
        builder: Any = ApplicationBuilder().token(TOKEN).base_url(fake.base_url)
        if rate_limiter is not None:
            builder = builder.rate_limiter(rate_limiter)
        app: App = builder.build()
        app.add_handler(TypeHandler(Update, self.on_any), group=-1)
        app.add_handler(CommandHandler("doc", self.on_doc))
        app.add_handler(CommandHandler("multi", self.on_multi))
        app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, self.on_edit))
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, self.on_text))
        app.add_handler(CallbackQueryHandler(self.on_tap))
        return app

    async def on_any(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.updates.put_nowait(update)

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        try:
            await message.reply_text(f"echo: {message.text}", reply_markup=KEYBOARD)
        except TelegramError as exc:
            self.errors.put_nowait(exc)

    async def on_edit(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.edited_message is not None
        await update.edited_message.reply_text(f"edited: {update.edited_message.text}")

    async def on_doc(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await update.effective_chat.send_document(
            document=b"verslag inhoud", filename="verslag.txt", caption="Je verslag"
        )

    async def on_multi(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        for n in range(3):
            await update.effective_chat.send_message(f"deel {n}")

    async def on_tap(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        assert query.data is not None
        self.taps.append(query.data)
        await query.answer()
        original = getattr(query.message, "text", None)
        await query.edit_message_text(f"gekozen: {query.data} (op: {original})")


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 warns on every ``RetryAfter`` unless PTB_TIMEDELTA is set (warnings are errors)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN) as api:
        yield api


@pytest.fixture
def echo() -> EchoBot:
    return EchoBot()


@pytest.fixture
async def running(fake: FakeBotApi, echo: EchoBot) -> AsyncIterator[App]:
    async with polling(echo.build(fake)) as app:
        yield app


async def test_text_echo_records_keyboard_as_dict(fake: FakeBotApi, running: App) -> None:
    update = fake.send_text(USER, "hallo")
    reply = await fake.next_reply(USER)
    assert reply.method == "sendMessage"
    assert reply.params["chat_id"] == USER
    assert reply.params["text"] == "echo: hallo"
    assert reply.params["reply_markup"] == KEYBOARD_DICT
    assert reply.result["reply_markup"] == KEYBOARD_DICT
    assert reply.result["message_id"] == update["message"]["message_id"] + 1
    assert reply.result["chat"] == {"id": USER, "type": "private", "first_name": "Sam"}
    assert fake.count("getMe") == 1
    assert fake.count("deleteWebhook") == 1
    assert fake.sent_to(USER) == [reply]


async def test_tap_reaches_handler_and_is_answered(
    fake: FakeBotApi, running: App, echo: EchoBot
) -> None:
    fake.send_text(USER, "kies")
    first = await fake.next_reply(USER)
    fake.tap(USER, "ans:yes")
    [answer] = await fake.wait_for("answerCallbackQuery")
    assert answer.ok
    edit = await fake.next_reply(USER)
    assert edit.method == "editMessageText"
    assert edit.params["message_id"] == first.result["message_id"]
    assert edit.params["text"] == "gekozen: ans:yes (op: echo: kies)"
    assert echo.taps == ["ans:yes"]
    # editing without reply_markup removed the keyboard, as on Telegram
    with pytest.raises(LookupError):
        fake.tap(USER, "ans:no")


async def test_429_once_then_aioratelimiter_retries(fake: FakeBotApi, echo: EchoBot) -> None:
    fake.fail_next("sendMessage", "429", retry_after=1)
    async with polling(echo.build(fake, AIORateLimiter(max_retries=2))):
        fake.send_text(USER, "hallo")
        reply = await fake.next_reply(USER, timeout=5)
    first, second = fake.calls_of("sendMessage")
    assert (first.status, second.status) == (429, 200)
    assert first.response["parameters"] == {"retry_after": 1}
    assert second is reply
    assert reply.at - first.at >= 1.0
    assert fake.rejected_429 == 1


async def test_403_reaches_handler_as_forbidden(
    fake: FakeBotApi, running: App, echo: EchoBot
) -> None:
    fake.block(USER)
    fake.send_text(USER, "hallo")
    error = await asyncio.wait_for(echo.errors.get(), 5)
    assert isinstance(error, Forbidden)
    assert "blocked" in error.message
    assert fake.sent_to(USER) == []
    fake.unblock(USER)
    fake.fail_next("sendMessage", "403", chat_id=USER)
    fake.send_text(USER, "nog eens")
    assert isinstance(await asyncio.wait_for(echo.errors.get(), 5), Forbidden)
    fake.send_text(USER, "weer")
    assert (await fake.next_reply(USER)).params["text"] == "echo: weer"


async def test_send_document_upload_is_recorded(fake: FakeBotApi, running: App) -> None:
    fake.send_text(USER, "/doc")
    reply = await fake.next_reply(USER)
    assert reply.method == "sendDocument"
    upload = reply.params["document"]
    assert isinstance(upload, UploadedFile)
    assert (upload.filename, upload.content) == ("verslag.txt", b"verslag inhoud")
    assert reply.params["caption"] == "Je verslag"
    assert reply.result["document"]["file_name"] == "verslag.txt"
    assert fake.uploads[reply.result["document"]["file_id"]] is upload


async def test_unknown_method_fails_loudly(fake: FakeBotApi, running: App) -> None:
    with pytest.raises(EndPointNotFound):
        await running.bot.do_api_request("frobnicateWidget")
    [call] = fake.calls_of("frobnicateWidget")
    assert call.status == 404
    assert call.response == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: method frobnicateWidget",
    }


async def test_rate_limit_counts_rejections(fake: FakeBotApi) -> None:
    fake.set_rate_limit(global_per_second=None, per_chat_per_second=2)
    async with Bot(TOKEN, base_url=fake.base_url) as bot:
        await bot.send_message(USER, "1")
        await bot.send_message(USER, "2")
        with pytest.raises(RetryAfter):
            await bot.send_message(USER, "3")
        await bot.send_message(USER + 1, "andere chat")
        fake.set_rate_limit(global_per_second=1)
        await bot.send_message(USER + 2, "a")
        with pytest.raises(RetryAfter):
            await bot.send_message(USER + 3, "b")
    assert fake.rejected_429 == 2
    assert [c.params["text"] for c in fake.sent_to(USER)] == ["1", "2"]


async def test_builders_produce_updates_ptb_parses(
    fake: FakeBotApi, running: App, echo: EchoBot
) -> None:
    fake.send_sticker(USER)
    fake.send_photo(USER, caption="screenshot")
    fake.send_voice(USER)
    fake.send_document(USER)
    fake.push_raw({"something_new": {"x": 1}})
    seen = [await asyncio.wait_for(echo.updates.get(), 5) for _ in range(5)]
    sticker, photo, voice, document = (u.message for u in seen[:4])
    assert sticker is not None
    assert sticker.sticker is not None
    assert photo is not None
    assert photo.photo
    assert photo.caption == "screenshot"
    assert voice is not None
    assert voice.voice is not None
    assert document is not None
    assert document.document is not None
    assert seen[4].api_kwargs == {"something_new": {"x": 1}}
    assert [u.update_id for u in seen] == sorted(u.update_id for u in seen)

    update = fake.send_text(USER, "oud")
    await fake.next_reply(USER)
    fake.edit_text(USER, update["message"]["message_id"], "nieuw")
    assert (await fake.next_reply(USER)).params["text"] == "edited: nieuw"

    fake.send_group_text(GROUP, USER, "in de groep")
    reply = await fake.next_reply(GROUP)
    assert reply.result["chat"]["type"] == "supergroup"
    assert reply.params["text"] == "echo: in de groep"

    fake.send_text(USER, "/multi")
    replies = await fake.replies_until_idle(USER, idle=0.2)
    assert [r.params["text"] for r in replies] == ["deel 0", "deel 1", "deel 2"]
    with pytest.raises(TimeoutError, match="sendPhoto"):
        await fake.wait_for("sendPhoto", timeout=0.05)


async def test_raw_http_parsing_and_errors(fake: FakeBotApi) -> None:
    url = f"{fake.base_url}{TOKEN}"
    async with aiohttp.ClientSession() as session:
        form = {
            "chat_id": "7",
            "text": "42",
            "disable_notification": "true",
            "reply_markup": json.dumps(KEYBOARD_DICT),
        }
        async with session.post(f"{url}/sendMessage", data=form) as resp:
            assert resp.status == 200
            assert (await resp.json())["result"]["text"] == "42"
        async with session.post(f"{url}/sendMessage", json={"chat_id": 7, "text": "j"}) as resp:
            assert resp.status == 200
        async with session.get(f"{url}/sendChatAction?chat_id=7&action=typing") as resp:
            assert (await resp.json()) == {"ok": True, "result": True}
        async with session.post(
            f"{url}/sendMessage", data="{oops", headers={"Content-Type": "application/json"}
        ) as resp:
            assert resp.status == 400
            assert (await resp.json())["description"].startswith("Bad Request")
        async with session.post(f"{url}/sendMessage", data={"chat_id": "7"}) as resp:
            assert (await resp.json())["description"] == "Bad Request: message text is empty"
        async with session.post(f"{fake.base_url}999:WRONG/getMe") as resp:
            assert resp.status == 401
        async with session.post(f"{url}/noSuchMethod", json={}) as resp:
            assert resp.status == 404
        async with session.get(f"{fake.base_file_url}{TOKEN}/photos/x.jpg") as resp:
            assert resp.status == 404
    params = fake.calls_of("sendMessage")[0].params
    assert params == {
        "chat_id": 7,
        "text": "42",
        "disable_notification": True,
        "reply_markup": KEYBOARD_DICT,
    }
    assert fake.calls_of("sendChatAction")[0].params == {"chat_id": 7, "action": "typing"}


async def test_get_updates_offset_and_limit(fake: FakeBotApi) -> None:
    ids = [fake.send_text(USER, f"m{n}")["update_id"] for n in range(3)]
    async with Bot(TOKEN, base_url=fake.base_url) as bot:
        assert [u.update_id for u in await bot.get_updates(limit=2)] == ids[:2]
        assert [u.update_id for u in await bot.get_updates(offset=ids[1])] == ids[1:]
        assert await bot.get_updates(offset=ids[2] + 1, timeout=0) == ()
        assert (await bot.get_webhook_info()).pending_update_count == 0


async def test_bot_side_validation(fake: FakeBotApi) -> None:
    async with Bot(TOKEN, base_url=fake.base_url) as bot:
        with pytest.raises(BadRequest, match=r"(?i)unsupported start tag"):
            await bot.send_message(USER, "a <br> b", parse_mode="HTML")
        sent = await bot.send_message(USER, "<b>vet</b> &amp; zo", parse_mode="HTML")
        assert sent.text == "vet & zo"
        with pytest.raises(BadRequest, match=r"(?i)not modified"):
            await bot.edit_message_text("vet & zo", chat_id=USER, message_id=sent.message_id)
        too_long = InlineKeyboardButton("x", callback_data="x" * 65)
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            await bot.send_message(USER, "hi", reply_markup=InlineKeyboardMarkup([[too_long]]))
        with pytest.raises(BadRequest, match=r"(?i)too old"):
            await bot.answer_callback_query("nonsense")
        copied = await bot.copy_message(USER + 1, USER, sent.message_id)
        assert fake.message(USER + 1, copied.message_id)["text"] == "vet & zo"  # type: ignore[index]
        assert await bot.set_my_commands([("start", "Begin")])
        assert [c.command for c in await bot.get_my_commands()] == ["start"]
        chat = await bot.get_chat(USER)
        assert chat.type == "private"


async def test_random_faults_are_seeded(fake: FakeBotApi) -> None:
    async def pattern() -> list[int]:
        fake.set_random_faults(p429=0.3, p5xx=0.2, seed=7)
        start = len(fake.calls)
        async with aiohttp.ClientSession() as session:
            for n in range(20):
                data = {"chat_id": str(n), "text": "x"}
                async with session.post(f"{fake.base_url}{TOKEN}/sendMessage", data=data):
                    pass
        return [c.status for c in fake.calls[start:]]

    first, second = await pattern(), await pattern()
    assert first == second
    assert {200, 429, 500} <= set(first)
    fake.set_random_faults()
    assert fake.rejected_429 == 2 * first.count(429)


async def test_stop_releases_long_polls_and_held_requests() -> None:
    async with (
        FakeBotApi(token=TOKEN, timeout_delay=30) as fake,
        Bot(TOKEN, base_url=fake.base_url) as bot,
    ):
        fake.fail_next("sendMessage", "timeout")
        with pytest.raises(TimedOut):
            await bot.send_message(USER, "hallo", read_timeout=0.3)
        [held] = await fake.wait_for("sendMessage")
        assert held.status == 0
        assert fake.sent_to(USER) == []
        poll = asyncio.create_task(bot.get_updates(timeout=30, read_timeout=40))
        await fake.long_poll_waiting()
        await fake.stop()
        # Released, not cut off: the fake answered it (a cancelled handler records nothing and
        # the bot would see a network error) before its 30 seconds were up.
        [answered] = [c for c in fake.calls_of("getUpdates") if c.ok]
        assert answered.result == []
        assert await poll == ()
