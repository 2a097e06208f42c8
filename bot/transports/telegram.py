"""The Telegram adapter: the only module that imports `telegram`.

It turns updates into core events and replies into Bot API calls, and maps Telegram's errors to
the core's delivery errors (403 → unreachable, 429 → retry later). Updates are processed
concurrently (bounded); the engine keeps each person's updates in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import Any

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.constants import ChatType, MessageLimit
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.app import Core
from bot.core.delivery import DeliveryFailed, RetryLater, Unreachable
from bot.core.model import Event, EventKind, Reply
from bot.storage.repository import User

log = logging.getLogger(__name__)

# Opt in to PTB's timedelta durations now: the old int form warns on every RetryAfter.
os.environ.setdefault("PTB_TIMEDELTA", "true")

CHANNEL = "telegram"
SEND_ATTEMPTS = 2  # one retry after a timeout or network error
COMMANDS = {
    "nl": ("start", "menu", "hulp", "taal", "mijndata", "vergeetmij", "stop", "privacy"),
    "en": ("start", "menu", "help", "language", "mydata", "forgetme", "stop", "privacy"),
}
_DESCRIPTION_KEY = {
    "help": "hulp",
    "language": "taal",
    "mydata": "mijndata",
    "forgetme": "vergeetmij",
}
MEDIA_KINDS = (
    "sticker",
    "photo",
    "voice",
    "video",
    "video_note",
    "audio",
    "document",
    "animation",
    "location",
    "contact",
    "poll",
    "dice",
)


def _markup(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.label, url=b.url)
                if b.url
                else InlineKeyboardButton(b.label, callback_data=b.data)
                for b in row
            ]
            for row in reply.buttons
        ]
    )


def _split(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Cut over-long texts at line breaks so Telegram never rejects them."""
    parts: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > 0 else limit
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n")
    parts.append(text)
    return parts


def message_event(message: Message, edited: bool = False) -> Event | None:
    """A private-chat message as a core event, or None when there is nothing to act on."""
    user = message.from_user
    if user is None or message.chat.type != ChatType.PRIVATE:
        return None
    base: dict[str, Any] = {
        "channel": CHANNEL,
        "user": str(message.chat.id),
        "language_hint": user.language_code,
        "first_name": user.first_name,
        "message_id": message.message_id,
    }
    text = message.text or ""
    if edited:
        return Event(kind=EventKind.EDITED, text=text or (message.caption or ""), **base)
    if text.startswith("/"):
        head, _, args = text[1:].partition(" ")
        command = head.split("@", 1)[0].lower()
        return Event(kind=EventKind.COMMAND, text=text, command=command, args=args.strip(), **base)
    if text:
        return Event(kind=EventKind.TEXT, text=text, **base)
    media = next((kind for kind in MEDIA_KINDS if getattr(message, kind, None)), "other")
    return Event(kind=EventKind.MEDIA, media=media, text=message.caption or "", **base)


class TelegramTransport:
    """Owns the PTB `Application`; handlers are bound to the core."""

    def __init__(self, core: Core) -> None:
        self.core = core
        settings = core.settings
        if not settings.telegram_bot_token:
            raise ValueError("TELEGRAM_BOT_TOKEN is required for the Telegram transport")
        base = settings.telegram_api_base_url
        builder = (
            ApplicationBuilder()
            .token(settings.telegram_bot_token)
            .base_url(base)
            .base_file_url(base.removesuffix("/bot") + "/file/bot")
            .rate_limiter(
                AIORateLimiter(overall_max_rate=settings.telegram_max_rate, max_retries=3)
            )
            .concurrent_updates(settings.concurrent_updates)
            .connection_pool_size(max(8, settings.concurrent_updates))
            .job_queue(None)  # our scheduler owns timing; see scheduler/
        )
        self.app: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        private = filters.ChatType.PRIVATE
        self.app.add_handler(MessageHandler(private & filters.UpdateType.MESSAGE, self._on_message))
        self.app.add_handler(
            MessageHandler(private & filters.UpdateType.EDITED_MESSAGE, self._on_edited)
        )
        self.app.add_handler(CallbackQueryHandler(self._on_callback))
        self.app.add_error_handler(self._on_error)
        core.senders[CHANNEL] = self

    # -- incoming ---------------------------------------------------------------------------

    async def _on_message(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.message is None:
            return
        event = message_event(update.message)
        if event is not None:
            await self._process(event)

    async def _on_edited(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.edited_message is None:
            return
        event = message_event(update.edited_message, edited=True)
        if event is not None:
            await self._process(event)

    async def _on_callback(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        chat = query.message.chat if query.message is not None else None
        if chat is None or chat.type != ChatType.PRIVATE or not query.data:
            await self._answer(query.id)
            return
        user = query.from_user
        event = Event(
            channel=CHANNEL,
            user=str(chat.id),
            kind=EventKind.CHOICE,
            choice=query.data[:64],
            language_hint=user.language_code,
            first_name=user.first_name,
        )
        # Answer first so the spinner stops even if the reply takes a moment.
        await self._answer(query.id)
        await self._process(event)

    async def _answer(self, query_id: str) -> None:
        try:
            await self.app.bot.answer_callback_query(query_id)
        except TelegramError as exc:  # an old query cannot be answered; nothing to do
            log.debug("answerCallbackQuery failed: %s", type(exc).__name__)

    async def _process(self, event: Event) -> None:
        outcome = await self.core.engine.handle(event)
        if not outcome.replies:
            return
        try:
            await self.deliver(int(event.user), outcome.replies)
        except Unreachable:
            await self._mark_unreachable(event.user)
        except (RetryLater, DeliveryFailed) as exc:
            log.warning("reply not delivered: %s", type(exc).__name__)

    async def _mark_unreachable(self, external_id: str) -> None:
        loaded = await self.core.repo.load(CHANNEL, external_id)
        if loaded is not None:
            await self.core.repo.mark_unreachable(loaded[0].id)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log without personal data and tell the person something went wrong."""
        error = context.error
        update_id = update.update_id if isinstance(update, Update) else None
        log.error(
            "error handling update %s: %s",
            update_id,
            type(error).__name__,
            exc_info=error if not isinstance(error, TelegramError) else None,
        )
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        if update.effective_chat.type != ChatType.PRIVATE:
            return
        content = self.core.content
        user = update.effective_user
        lang = "en" if user and (user.language_code or "").startswith("en") else "nl"
        with contextlib.suppress(Unreachable, RetryLater, DeliveryFailed):
            await self.deliver(
                update.effective_chat.id, [Reply(content.text(lang, "common.error"))]
            )

    # -- outgoing ---------------------------------------------------------------------------

    async def send(self, user: User, replies: list[Reply]) -> None:
        """`Sender` protocol: deliver to a known user (scheduler, relays)."""
        await self.deliver(int(user.external_id), replies)

    async def deliver(self, chat_id: int, replies: list[Reply]) -> None:
        """Send replies in order, mapping Telegram errors to delivery errors."""
        for reply in replies:
            await self._with_retry(chat_id, reply)

    async def _with_retry(self, chat_id: int, reply: Reply) -> None:
        for attempt in range(SEND_ATTEMPTS):
            try:
                await self._send_one(chat_id, reply)
                return
            except Forbidden as exc:
                raise Unreachable(str(exc)) from exc
            except RetryAfter as exc:
                retry = exc.retry_after
                seconds = retry if isinstance(retry, int | float) else retry.total_seconds()
                raise RetryLater(float(seconds)) from exc
            except BadRequest as exc:
                if "chat not found" in str(exc).lower():
                    raise Unreachable(str(exc)) from exc
                raise DeliveryFailed(str(exc)) from exc
            except (TimedOut, NetworkError) as exc:
                if attempt + 1 == SEND_ATTEMPTS:
                    raise DeliveryFailed(type(exc).__name__) from exc
                await asyncio.sleep(0.5)

    async def _send_one(self, chat_id: int, reply: Reply) -> None:
        bot = self.app.bot
        if reply.document is not None:
            await bot.send_document(
                chat_id,
                document=InputFile(reply.document.content, filename=reply.document.filename),
                caption=reply.text[: MessageLimit.CAPTION_LENGTH],
                reply_markup=_markup(reply),
            )
            return
        if reply.image is not None:
            await bot.send_photo(
                chat_id,
                photo=InputFile(reply.image, filename="chart.png"),
                caption=reply.text[: MessageLimit.CAPTION_LENGTH],
                reply_markup=_markup(reply),
            )
            return
        parts = _split(reply.text)
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            await bot.send_message(chat_id, part, reply_markup=_markup(reply) if last else None)

    # -- lifecycle --------------------------------------------------------------------------

    async def register_commands(self) -> None:
        """The command menu per language; the default list is the default language's."""
        content = self.core.content
        for lang, names in COMMANDS.items():
            commands = [
                BotCommand(
                    name, content.text(lang, f"common.commands.{_DESCRIPTION_KEY.get(name, name)}")
                )
                for name in names
            ]
            await self.app.bot.set_my_commands(commands, language_code=lang)
            if lang == self.core.settings.default_language:
                await self.app.bot.set_my_commands(commands)

    async def start(self, poll_timeout: int = 10) -> None:
        """Initialise, register commands and start receiving updates (polling or webhook)."""
        settings = self.core.settings
        await self.app.initialize()
        try:
            await self.register_commands()
        except TelegramError as exc:
            log.warning("could not register commands: %s", type(exc).__name__)
        await self.app.start()
        assert self.app.updater is not None
        if settings.webhook_url:
            await self.app.updater.start_webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                url_path="telegram",
                webhook_url=settings.webhook_url.rstrip("/") + "/telegram",
                secret_token=settings.webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            await self.app.updater.start_polling(
                poll_interval=0.0, timeout=poll_timeout, allowed_updates=Update.ALL_TYPES
            )

    async def stop(self) -> None:
        """Stop receiving, finish running handlers and close HTTP sessions."""
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()
