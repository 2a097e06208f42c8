"""The Telegram adapter: with `botapi.py` the only modules that import `telegram`.

It turns updates into core events and replies into Bot API calls, and maps Telegram's errors to
the core's delivery errors (403 → unreachable, 429 → retry later, 400 → rejected, a timeout
after sending → in doubt). Updates are processed concurrently (bounded); the engine keeps each
person's updates in order. An answer that cannot be delivered now (5xx, 429, network trouble)
goes to the outbox (bot/core/delivery.py) and is retried until it is delivered or the person
is unreachable.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import Any, Protocol, TypeVar

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.constants import ChatType, MessageLimit
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.app import Core
from bot.core import lanes
from bot.core.delivery import (
    DeliveryFailed,
    InDoubt,
    Outbox,
    Rejected,
    RetryLater,
    Unreachable,
)
from bot.core.flood import FloodGate, Verdict, judge
from bot.core.lanes import Lane
from bot.core.model import Button, Document, Event, EventKind, Outcome, Reply
from bot.storage import db, inbox, shared, tgfiles
from bot.storage import staff as staff_store
from bot.storage.files import disk_trouble
from bot.storage.repository import User
from bot.transports.botapi import (
    MAX_STORAGE_WAIT,
    LaneLimiter,
    PerPersonProcessor,
    TolerantBot,
    retry_seconds,
)
from bot.transports.replicas import SharedInbox
from bot.web import metrics
from bot.web.server import Ingress, WebServer, secret_header

log = logging.getLogger(__name__)

# Opt in to PTB's timedelta durations now: the old int form warns on every RetryAfter.
os.environ.setdefault("PTB_TIMEDELTA", "true")

T = TypeVar("T")

CHANNEL = "telegram"
WEBHOOK_PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# An answer is tried twice (0.5 s apart) while the person waits; after that the outbox retries
# it with backoff, so a Bot API outage holds no worker and loses no reply (bench/outage.py).
SEND_ATTEMPTS = 2
# While a chat has answers in the outbox (or the Bot API is down), a scheduled message to it
# waits this long and is tried again by the scheduler, so it never overtakes them.
OUTBOX_PATIENCE = 10.0
MAX_ARRIVALS = 10_000  # arrival times kept for updates not handled yet
# Ids of updates answered lately, kept to skip a second copy fetched while the first was being
# handled (that window is seconds; 10,000 ids are well over a minute of a busy bot's updates).
RECENT_ANSWERED = 10_000
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


def _file_of(message: Message) -> tgfiles.File | None:
    """The photo (largest size) or document of a message; other media are not relayed
    across channels."""
    if message.photo:
        return tgfiles.File("photo", message.photo[-1].file_id, None)
    if message.document is not None:
        return tgfiles.File("document", message.document.file_id, message.document.file_name)
    return None


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


def _tappable(reply: Reply) -> bool:
    """Whether a reply carries buttons that answer the bot (links do not)."""
    return any(button.data for row in reply.buttons for button in row)


def _merged(replies: list[Reply], limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[Reply]:
    """A turn's texts as few messages as fit: a plain text joins the message after it.

    Under Telegram's global limit (about 30 messages a second) every extra message per turn
    halves how many people a surge can serve, so a turn's texts and its question go out as one
    message. A photo, a file (a caption is short) and a reply marked `alone` keep their own
    message, and buttons stay last.
    """
    out: list[Reply] = []
    for reply in replies:
        before = out[-1] if out else None
        if (
            before is not None
            and not before.buttons
            and before.image is None
            and before.document is None
            and reply.image is None
            and reply.document is None
            and not (before.alone or reply.alone)
            and before.bulk == reply.bulk
            and len(before.text) + 2 + len(reply.text) <= limit
        ):
            out[-1] = replace(reply, text=f"{before.text}\n\n{reply.text}")
        else:
            out.append(reply)
    return out


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


def _not_modified(error: Exception) -> bool:
    """An edit that changed nothing: Telegram's 400 for it is no failure."""
    return isinstance(error, DeliveryFailed) and "not modified" in str(error).lower()


def message_event(message: Message, edited: bool = False) -> Event | None:
    """A private-chat message as a core event, or None when there is nothing to act on.

    The actor is always the sender (`message.from`): an update whose private chat is not the
    sender's own is not something Telegram sends, so it is dropped rather than believed.
    """
    user = message.from_user
    if user is None or message.chat.type != ChatType.PRIVATE or message.chat.id != user.id:
        return None
    replied = message.reply_to_message
    base: dict[str, Any] = {
        "channel": CHANNEL,
        "user": str(user.id),
        "language_hint": user.language_code,
        "first_name": user.first_name,
        "message_id": message.message_id,
        "reply_to": replied.message_id if replied is not None else None,
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


# Stripped from an update before it is kept in the inbox: names and usernames (the bot never
# shows them to anyone), quoted messages, the replied-to message except its id (which routes a
# staff reply to its case), and the details of a shared contact or place. A replay needs ids,
# texts and the kind of media.
_NAMES = ("first_name", "last_name", "username", "title", "bio")
_DROPPED = ("external_reply", "quote", "pinned_message", "venue")
_REPLIED = "reply_to_message"
_STUBS: dict[str, dict[str, Any]] = {
    "contact": {"phone_number": "", "first_name": ""},
    "location": {"latitude": 0.0, "longitude": 0.0},
}


def replayable(data: Any) -> Any:
    """An update's dict with only what handling it again needs (for the inbox)."""
    if isinstance(data, list):
        return [replayable(item) for item in data]
    if not isinstance(data, dict):
        return data
    kept: dict[str, Any] = {}
    for key, value in data.items():
        if key in _DROPPED:
            continue
        if key == _REPLIED and isinstance(value, dict):
            chat = value.get("chat") or {}
            kept[key] = {
                "message_id": value.get("message_id"),
                "date": value.get("date", 0),
                "chat": {"id": chat.get("id"), "type": chat.get("type", "private")},
            }
        elif key in _STUBS:
            kept[key] = _STUBS[key]
        elif key in _NAMES:
            if key == "first_name":
                kept[key] = ""  # required by PTB's User
        else:
            kept[key] = replayable(value)
    return kept


def staff_group_event(message: Message) -> Event | None:
    """A command typed in the staff group, as an event from the staff member who typed it.

    Everything else said in the group is the team talking and never reaches the core.
    """
    user, text = message.from_user, message.text or ""
    if user is None or not text.startswith("/"):
        return None
    head, _, args = text[1:].partition(" ")
    return Event(
        channel=CHANNEL,
        user=str(user.id),
        kind=EventKind.COMMAND,
        text=text,
        command=head.split("@", 1)[0].lower(),
        args=args.strip(),
        language_hint=user.language_code,
        first_name=user.first_name,
        message_id=message.message_id,
        chat=str(message.chat.id),
    )


class UpdateWatch(Protocol):
    """Told which updates the transport holds and when each is done, its sends included.

    The end-to-end tests wait on this instead of taking a moment of silence as "answered";
    a running bot has none (`TelegramTransport.watch` stays None).
    """

    def update_taken(self, update_id: int) -> None:
        """An update reached the bot without being fetched now (replayed from the inbox)."""

    def update_done(self, update_id: int) -> None:
        """Handling the update is over: answered, skipped as a repeat, or ignored."""


class TelegramTransport:
    """Owns the PTB `Application`; handlers are bound to the core.

    Also the core's `StaffChannel` (bot/staff/channel.py): posting case cards to the staff group
    (STERK_STAFF_GROUP_ID), editing them, and relaying messages with copyMessage.
    """

    def __init__(self, core: Core) -> None:
        self.core = core
        settings = core.settings
        if not settings.telegram_bot_token:
            raise ValueError("TELEGRAM_BOT_TOKEN is required for the Telegram transport")
        base = settings.telegram_api_base_url
        replicas = bool(settings.webhook_url) and core.repo.dialect == "postgresql"
        rate = settings.telegram_max_rate
        limiter = LaneLimiter(
            rate,
            (lambda: shared.reserve(core.repo, "telegram", rate, rate, time.time()))
            if replicas
            else None,
        )
        # aiohttp instead of httpx (a sixth of the CPU per Bot API call), and polling that
        # survives an update PTB cannot parse: see botapi.py.
        bot = TolerantBot(
            settings.telegram_bot_token,
            base_url=base,
            base_file_url=base.removesuffix("/bot") + "/file/bot",
            pool_size=max(8, settings.concurrent_updates),
            rate_limiter=limiter,
            on_batch=self._keep_batch,
        )
        builder = (
            ApplicationBuilder()
            .bot(bot)
            # One worker at most per person, so a flood slows only the flooder (botapi.py).
            .concurrent_updates(PerPersonProcessor(settings.concurrent_updates, self._arrived))
            .job_queue(None)  # our scheduler owns timing; see scheduler/
        )
        if settings.webhook_url:
            builder = builder.updater(None)  # updates arrive on our web server (bot/web/)
        self.app: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        private = filters.ChatType.PRIVATE
        self.app.add_handler(MessageHandler(private & filters.UpdateType.MESSAGE, self._on_message))
        self.app.add_handler(
            MessageHandler(private & filters.UpdateType.EDITED_MESSAGE, self._on_edited)
        )
        if settings.staff_group_id is not None:
            staff_group = filters.Chat(chat_id=settings.staff_group_id)
            self.app.add_handler(
                MessageHandler(
                    staff_group & filters.COMMAND & filters.UpdateType.MESSAGE,
                    self._on_staff_command,
                )
            )
        self.app.add_handler(CallbackQueryHandler(self._on_callback))
        # Around the handlers: skip an update answered before (replayed after a crash and
        # delivered again), and mark each one answered when its handlers are done.
        self.app.add_handler(TypeHandler(Update, self._skip_answered), group=-1)
        self.app.add_handler(TypeHandler(Update, self._mark_answered), group=99)
        self.app.add_error_handler(self._on_error)
        self._in_hand: set[int] = set()
        # Without replicas, which updates were answered is known without a read per update:
        # a redelivery of one answered before was found when its batch was kept, and a second
        # copy fetched while the first was in hand is among the ids answered lately.
        self._answered: OrderedDict[int, None] = OrderedDict()
        # Webhook posts get 503 until then: the inbox could not be written (see `_receive`).
        self._refuse_until = 0.0
        self._refuse_wait = 0.0
        self._retry_wait: dict[int, float] = {}  # updates a full disk stopped (`_handle_again`)
        # Per private chat the message with the one live keyboard (see `_keep_live`). Kept in
        # memory (replicas: in the database): after a restart a tap on an older keyboard is
        # stripped when it is used, and the engine answers it with the current question.
        self._live: dict[int, int] = {}
        self.watch: UpdateWatch | None = None
        self.flood = FloodGate(settings.flood_messages, settings.flood_seconds)
        # When each update reached the process (update id -> clock seconds): the flood limit
        # counts arrivals, so a backlog that takes longer than the window to work through (a
        # slow Telegram) does not open the window again for the messages still waiting.
        self._arrivals: dict[int, float] = {}
        # Webhook mode on PostgreSQL: replicas may share the database, so an update is handled
        # by the replica that claims it from the inbox, not by the one it was posted to; a
        # held reply by the replica that claims it from the outbox.
        self.claims: SharedInbox | None = None
        if replicas:
            self.claims = SharedInbox(
                core.repo, settings.concurrent_updates, settings.inbox_lease, self._claimed
            )
        self.outbox = Outbox(
            core.repo,
            core.clock,
            CHANNEL,
            self._send_held,
            self._mark_unreachable,
            replica=self.claims.name if self.claims else None,
            lease=settings.inbox_lease,
        )
        core.senders[CHANNEL] = self

    # -- incoming ---------------------------------------------------------------------------

    async def _on_message(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.message is None:
            return
        event = message_event(update.message)
        if event is not None:
            if event.kind is EventKind.MEDIA:
                await self._keep_file(event, update.message)
            await self._process(event, update.update_id)

    async def _keep_file(self, event: Event, message: Message) -> None:
        """A staff member's photo or file: its file id, so a relay to a young person on a
        channel that cannot take a Telegram copy (WhatsApp) can download and upload it."""
        found = _file_of(message)
        if found is None or set(self.core.senders) <= {CHANNEL} or event.message_id is None:
            return
        loaded = await self.core.repo.load(CHANNEL, event.user)
        if loaded is None:
            return
        roles, _case = await staff_store.context(self.core.repo, loaded[0].id)
        if roles or int(event.user) in self.core.settings.admin_ids:
            now = self.core.clock.now()
            await tgfiles.keep(self.core.repo, loaded[0].id, event.message_id, found, now)

    async def replies_for(
        self,
        source: User,
        message_id: int,
        caption: str | None,
        buttons: tuple[tuple[Button, ...], ...],
    ) -> list[Reply] | None:
        """`Relayer` (bot/staff/channel.py): a staff member's photo or file for another
        channel, downloaded with getFile to be uploaded there (never a link to it)."""
        found = await tgfiles.get(self.core.repo, source.id, message_id)
        if found is None:
            return None
        try:
            file = await self.app.bot.get_file(found.file_id)
            data = bytes(await file.download_as_bytearray())
        except TelegramError as exc:  # gone, over 20 MB, or no connection: not relayed
            log.warning("Telegram file not downloaded: %s", type(exc).__name__)
            return None
        text = caption or ""
        if found.kind == "photo":
            return [Reply(text, buttons, image=data)]
        return [Reply(text, buttons, document=Document(found.filename or "bestand", data))]

    async def _on_edited(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.edited_message is None:
            return
        event = message_event(update.edited_message, edited=True)
        if event is not None:
            await self._process(event, update.update_id)

    async def _on_staff_command(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """A staff command in the staff group; the answer goes to the sender's private chat."""
        event = staff_group_event(update.message) if update.message is not None else None
        if event is not None:
            await self._process(event, update.update_id)

    def _is_staff_group(self, chat_id: int) -> bool:
        return chat_id == self.core.settings.staff_group_id

    async def _on_callback(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        chat = query.message.chat if query.message is not None else None
        private = chat is not None and chat.type == ChatType.PRIVATE
        in_group = chat is not None and self._is_staff_group(chat.id)
        if chat is None or not (private or in_group) or not query.data:
            await self._answer(query.id)
            return
        user = query.from_user
        if private and chat.id != user.id:  # a tap in someone else's private chat: forged
            await self._answer(query.id)
            return
        event = Event(
            channel=CHANNEL,
            user=str(user.id),  # the actor is who tapped (callback_query.from), never the chat
            kind=EventKind.CHOICE,
            choice=query.data[:64],
            language_hint=user.language_code,
            first_name=user.first_name,
            chat=None if private else str(chat.id),
        )
        if private:
            # Answer first so the spinner stops even if the reply takes a moment.
            await self._answer(query.id)
            tapped = query.message.message_id if query.message is not None else None
            # An old keyboard: no second tap on it. The live one is not stripped here: a new
            # question takes the buttons off it (`_keep_live`), and without one it stays live.
            old = tapped is not None and tapped != await self._live_keyboard(chat.id)
            await self._process(event)
            if old and tapped is not None:
                await self._strip(chat.id, tapped)
        else:
            # A claim in the staff group is answered with its result ("someone was faster").
            outcome = await self._process(event)
            await self._answer(query.id, outcome.notice)

    async def _answer(self, query_id: str, text: str | None = None) -> None:
        try:
            await self.app.bot.answer_callback_query(query_id, text=text)
        except TelegramError as exc:  # an old query cannot be answered; nothing to do
            log.debug("answerCallbackQuery failed: %s", type(exc).__name__)

    def _arrived(self, update: object) -> None:
        """`PerPersonProcessor`: note when an update came in, before it waits for its turn."""
        if isinstance(update, Update):  # a claimed update arrived when it was kept
            self._arrivals.setdefault(update.update_id, self.core.clock.now().timestamp())
            if len(self._arrivals) > MAX_ARRIVALS:  # never marked answered (failed): forget
                del self._arrivals[next(iter(self._arrivals))]

    async def _process(self, event: Event, update_id: int | None = None) -> Outcome:
        started = time.perf_counter()
        now = self.core.clock.now().timestamp()
        arrived = self._arrivals.pop(update_id, now) if update_id is not None else now
        verdict = await self._verdict(event, arrived)
        outcome = await self.core.engine.handle(event, verdict)
        if outcome.replies and await self._answer_with(event.user, outcome):
            metrics.REPLY_LATENCY.labels(CHANNEL).observe(time.perf_counter() - started)
        return outcome

    async def _verdict(self, event: Event, arrived: float) -> Verdict:
        """The flood limit: counted in memory, or in the database when replicas share the
        person's messages (each replica would otherwise allow the limit and say the line)."""
        if self.claims is None or not self.flood.counts(event):
            return self.flood.check(event, arrived)
        settings = self.core.settings
        return judge(
            await shared.flood(
                self.core.repo,
                f"{CHANNEL}:{event.user}",
                settings.flood_messages,
                settings.flood_seconds,
                arrived,
            )
        )

    async def _answer_with(self, chat: str, outcome: Outcome) -> bool:
        """Send an answer now, or hold it in the outbox; True when it was delivered now.

        Held at once while the chat has answers waiting (order) or the Bot API is down (no
        worker waits on it); held from the first reply that failed otherwise.
        """
        replies = _merged(outcome.replies)
        if self.outbox.waiting(chat) or self.outbox.outage():
            await self.outbox.hold(chat, outcome.user_id, replies, outcome.urgent)
            return False
        with lanes.lane(Lane.CRISIS if outcome.urgent else Lane.REPLY):
            return await self._answer_now(chat, outcome, replies)

    async def _answer_now(self, chat: str, outcome: Outcome, replies: list[Reply]) -> bool:
        for index, reply in enumerate(replies):
            try:
                await self._with_retry(int(chat), reply, patient=True)
            except Unreachable:
                await self._mark_unreachable(chat)
                return False
            except (InDoubt, Rejected):  # counted; sending it again would not help
                continue
            except (RetryLater, DeliveryFailed) as exc:
                log.warning("reply kept in the outbox: %s", type(exc).__name__)
                await self.outbox.hold(chat, outcome.user_id, replies[index:], outcome.urgent)
                return False
        return True

    async def _send_held(self, chat: str, reply: Reply) -> None:
        """One try for the outbox's worker (it does the waiting between tries)."""
        await self._guarded(lambda: self._send_one(int(chat), reply), attempts=1)

    async def _mark_unreachable(self, external_id: str) -> None:
        loaded = await self.core.repo.load(CHANNEL, external_id)
        if loaded is not None:
            await self.core.repo.mark_unreachable(loaded[0].id)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log without personal data and tell the person something went wrong."""
        error = context.error
        update_id = update.update_id if isinstance(update, Update) else None
        if isinstance(error, db.Error) and isinstance(update, Update):
            self._handle_again(update, error)
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

    def _handle_again(self, update: Update, error: Exception) -> None:
        """A full or read-only disk stopped the handling (nothing was saved or sent): handle
        the update again later (1, 2, 4 ... 30 s), skip the rest of its handlers (so it is not
        marked answered), and log one line a minute instead of a traceback each time."""
        update_id = update.update_id
        disk_trouble.report(f"update {update_id} is handled again in a moment", error)
        self._in_hand.discard(update_id)
        wait = min(MAX_STORAGE_WAIT, self._retry_wait.get(update_id, 0.5) * 2)
        self._retry_wait[update_id] = wait
        asyncio.get_running_loop().call_later(wait, self.app.update_queue.put_nowait, update)
        raise ApplicationHandlerStop

    # -- outgoing ---------------------------------------------------------------------------

    async def send(self, user: User, replies: list[Reply]) -> None:
        """`Sender` protocol: deliver to a known user (scheduler, relays).

        Behind answers still in the outbox it raises `RetryLater`, so it does not overtake them.
        """
        if self.outbox.waiting(user.external_id) or self.outbox.outage():
            raise RetryLater(OUTBOX_PATIENCE)
        await self.deliver(int(user.external_id), replies)

    async def send_ids(self, user: User, replies: list[Reply]) -> list[int]:
        """Like `send` (also behind the outbox), returning the message ids: a relay remembers
        which case they are for."""
        if self.outbox.waiting(user.external_id) or self.outbox.outage():
            raise RetryLater(OUTBOX_PATIENCE)
        return await self.deliver(int(user.external_id), replies)

    async def deliver(
        self, chat_id: int, replies: list[Reply], *, patient: bool = False
    ) -> list[int]:
        """Send replies in order, mapping Telegram errors to delivery errors; the message ids.

        `patient` (answers to what the person just did) also waits out a 429 that outlasted the
        rate limiter's own retries; senders that can reschedule (the scheduler) get `RetryLater`
        at once. A reply in doubt (timed out after sending) counts as sent, never sent twice.
        """
        ids = []
        for reply in _merged(replies):
            try:
                ids.append(await self._with_retry(chat_id, reply, patient))
            except InDoubt:  # counted as sent; its message id is not known
                continue
        return ids

    async def _with_retry(self, chat_id: int, reply: Reply, patient: bool) -> int:
        return await self._guarded(lambda: self._send_one(chat_id, reply), patient=patient)

    async def _guarded(
        self,
        call: Callable[[], Awaitable[T]],
        *,
        patient: bool = False,
        attempts: int = SEND_ATTEMPTS,
    ) -> T:
        """Run a Bot API call, retrying network trouble; errors as delivery errors (counted)."""
        try:
            return await self._attempts(call, patient, attempts)
        except (Unreachable, RetryLater, DeliveryFailed) as exc:
            if not _not_modified(exc):
                metrics.delivery_failed(CHANNEL, exc)
            raise

    async def _attempts(self, call: Callable[[], Awaitable[T]], patient: bool, attempts: int) -> T:
        for attempt in range(attempts):
            last = attempt + 1 == attempts
            try:
                return await call()
            except Forbidden as exc:
                raise Unreachable(str(exc)) from exc
            except RetryAfter as exc:
                seconds = retry_seconds(exc)
                if not patient or last:
                    raise RetryLater(seconds) from exc
                await asyncio.sleep(seconds)
            except BadRequest as exc:
                if "chat not found" in str(exc).lower():
                    raise Unreachable(str(exc)) from exc
                raise Rejected(str(exc)) from exc
            except TimedOut as exc:  # sent, but no answer within a minute: it may have arrived
                log.warning("a Bot API call timed out after sending; not sent again")
                raise InDoubt(type(exc).__name__) from exc
            except NetworkError as exc:  # 5xx, or no connection: it did not arrive
                if last:
                    raise DeliveryFailed(type(exc).__name__) from exc
                await asyncio.sleep(0.5 * 2**attempt)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _send_one(self, chat_id: int, reply: Reply) -> int:
        if reply.bulk:  # a broadcast waits behind everything else under the global limit
            with lanes.lane(Lane.BROADCAST):
                return await self._send_now(chat_id, reply)
        return await self._send_now(chat_id, reply)

    async def _send_now(self, chat_id: int, reply: Reply) -> int:
        bot = self.app.bot
        sent: Message
        if reply.document is not None:
            sent = await bot.send_document(
                chat_id,
                document=InputFile(reply.document.content, filename=reply.document.filename),
                caption=reply.text[: MessageLimit.CAPTION_LENGTH],
                reply_markup=_markup(reply),
            )
        elif reply.image is not None:
            sent = await bot.send_photo(
                chat_id,
                photo=InputFile(reply.image, filename="chart.png"),
                caption=reply.text[: MessageLimit.CAPTION_LENGTH],
                reply_markup=_markup(reply),
            )
        else:
            parts = _split(reply.text)
            for part in parts[:-1]:
                await bot.send_message(chat_id, part)
            sent = await bot.send_message(
                chat_id,
                parts[-1],
                reply_markup=_markup(reply),
                allow_paid_broadcast=(reply.bulk and self.core.settings.telegram_paid_broadcast)
                or None,
            )
        if _tappable(reply):
            await self._keep_live(chat_id, sent.message_id)
        return int(sent.message_id)

    async def _keep_live(self, chat_id: int, message_id: int) -> None:
        """One live keyboard per chat: a new one takes the buttons off the one before, so only
        the current question can be tapped."""
        if self.claims is not None:  # the last one may have come from another replica
            before = await shared.swap_live(
                self.core.repo, str(chat_id), message_id, self.core.clock.now()
            )
        else:
            before = self._live.get(chat_id)
            self._live[chat_id] = message_id
        if before is not None and before != message_id:
            await self._strip(chat_id, before)

    async def _live_keyboard(self, chat_id: int) -> int | None:
        """The message with the chat's live keyboard, whichever replica sent it."""
        if self.claims is not None:
            return await shared.live(self.core.repo, str(chat_id))
        return self._live.get(chat_id)

    async def _strip(self, chat_id: int, message_id: int) -> None:
        """Remove a message's buttons (best effort: a tap on it still gets a sensible answer)."""
        try:
            await self.app.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
        except TelegramError as exc:  # gone, too old or already without buttons
            log.debug("editMessageReplyMarkup failed: %s", type(exc).__name__)

    # -- staff channel (bot/staff/channel.py) ------------------------------------------------

    async def post(self, chat: str, reply: Reply) -> int:
        """Send one message to any chat (the staff group); its message id."""
        text = reply.text[: MessageLimit.MAX_TEXT_LENGTH]
        message = await self._guarded(
            lambda: self.app.bot.send_message(int(chat), text, reply_markup=_markup(reply))
        )
        return int(message.message_id)

    async def edit(self, chat: str, message_id: int, reply: Reply) -> None:
        """Replace a card's text and buttons (no buttons: the claim button disappears)."""
        text = reply.text[: MessageLimit.MAX_TEXT_LENGTH]
        try:
            await self._guarded(
                lambda: self.app.bot.edit_message_text(
                    text, chat_id=int(chat), message_id=message_id, reply_markup=_markup(reply)
                )
            )
        except DeliveryFailed as exc:
            if not _not_modified(exc):
                raise

    async def copy(
        self,
        from_chat: str,
        message_id: int,
        to_chat: str,
        caption: str | None = None,
        buttons: tuple[tuple[Button, ...], ...] = (),
    ) -> int:
        """copyMessage, never forwardMessage: a copy does not show who sent the original."""
        copied = await self._guarded(
            lambda: self.app.bot.copy_message(
                chat_id=int(to_chat),
                from_chat_id=int(from_chat),
                message_id=message_id,
                caption=caption[: MessageLimit.CAPTION_LENGTH] if caption else None,
                reply_markup=_markup(Reply("", buttons)),
            )
        )
        if _tappable(Reply("", buttons)):
            await self._keep_live(int(to_chat), copied.message_id)
        return int(copied.message_id)

    async def set_commands(self, chat: str, commands: list[tuple[str, str]]) -> None:
        """The "/" menu of one chat (a staff member's); empty: back to the default menu."""
        scope = BotCommandScopeChat(int(chat))
        if commands:
            listed = [BotCommand(name, text[:256]) for name, text in commands]
            await self._guarded(lambda: self.app.bot.set_my_commands(listed, scope=scope))
        else:
            await self._guarded(lambda: self.app.bot.delete_my_commands(scope=scope))

    async def remove_from_group(self, chat: str, user: str) -> None:
        """Take someone out of a group and let them join again later with a new invite:
        banChatMember, then unbanChatMember (only_if_banned, so nobody is added)."""
        await self._guarded(lambda: self.app.bot.ban_chat_member(int(chat), int(user)))
        await self._guarded(
            lambda: self.app.bot.unban_chat_member(int(chat), int(user), only_if_banned=True)
        )

    def deep_link(self, payload: str) -> str | None:
        """`https://t.me/<bot>?start=<payload>` once the bot knows its username."""
        try:
            username = self.app.bot.username
        except RuntimeError:  # not initialised yet
            return None
        return f"https://t.me/{username}?start={payload}"

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

    # -- inbox: nothing fetched is lost when the process dies -------------------------------

    async def _keep_batch(self, updates: tuple[Update, ...]) -> None:
        rows = []
        for update in updates:
            chat = update.effective_chat
            rows.append(
                (
                    update.update_id,
                    str(chat.id) if chat else None,
                    json.dumps(replayable(update.to_dict()), ensure_ascii=False),
                )
            )
        for update_id in await inbox.keep(self.core.repo, rows, self.core.clock.now()):
            self._remember_answered(update_id)

    def _remember_answered(self, update_id: int) -> None:
        self._answered[update_id] = None
        if len(self._answered) > RECENT_ANSWERED:
            self._answered.popitem(last=False)

    async def _was_answered(self, update_id: int) -> bool:
        if self.claims is not None:  # another replica may have answered it: ask the inbox
            return await inbox.is_answered(self.core.repo, update_id)
        return update_id in self._answered

    async def _skip_answered(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        # Claimed before the first await: a webhook post that arrives while the inbox is
        # replayed is queued twice, and both copies may be here at the same moment.
        if update.update_id in self._in_hand:
            metrics.DUPLICATES.labels(CHANNEL).inc()
            raise ApplicationHandlerStop
        self._in_hand.add(update.update_id)
        if await self._was_answered(update.update_id):
            metrics.DUPLICATES.labels(CHANNEL).inc()
            if self.claims is not None:  # kept again as it was answered: cross it off again
                await inbox.answered(self.core.repo, update.update_id, self.core.clock.now())
                self.claims.done(update.update_id)
            self._in_hand.discard(update.update_id)
            self._done(update.update_id)
            raise ApplicationHandlerStop

    async def _mark_answered(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        if self._retry_wait.pop(update.update_id, None) is not None:
            disk_trouble.recovered()
        metrics.UPDATES.labels(CHANNEL).inc()
        self._arrivals.pop(update.update_id, None)  # taps and odd updates never use theirs
        try:
            await inbox.answered(self.core.repo, update.update_id, self.core.clock.now())
            self._remember_answered(update.update_id)
        finally:
            # Only now: a second copy (the inbox replay and Telegram's redelivery of the same
            # update) let in before the row was written was answered twice.
            self._in_hand.discard(update.update_id)
            if self.claims is not None:
                self.claims.done(update.update_id)
        self._done(update.update_id)

    def _done(self, update_id: int) -> None:
        if self.watch is not None:
            self.watch.update_done(update_id)

    # -- webhook: Telegram posts each update to our web server --------------------------------

    def serve_on(self, web: WebServer) -> None:
        """In webhook mode, receive updates at WEBHOOK_PATH on the project's web server."""
        secret = self.core.settings.webhook_secret
        if self.core.settings.webhook_url and secret:  # config.py refuses a URL without one
            admit = secret_header(SECRET_HEADER, secret)
            web.add_ingress(WEBHOOK_PATH, Ingress(admit=admit, accept=self._receive))

    async def _receive(self, body: bytes, _headers: Mapping[str, str]) -> int:
        """Keep a posted update in the inbox, then queue it; the 200 comes after the keeping."""
        try:
            data = json.loads(body)
        except ValueError:
            log.warning("ignored a webhook body that is not JSON (%d bytes)", len(body))
            return 400
        try:
            update = Update.de_json(data, self.app.bot)
        except Exception:  # not an update PTB can read: say what it was, never what it said
            kinds = (k for k in Update.ALL_TYPES if isinstance(data, dict) and k in data)
            kind = next(kinds, "unknown")
            log.warning("ignored a malformed webhook update (%s, %d bytes)", kind, len(body))
            update_id = data.get("update_id") if isinstance(data, dict) else None
            if isinstance(update_id, int):
                self._done(update_id)
            return 200  # answered, so Telegram does not send it again and again
        if update is None:
            return 200
        # Full or read-only disk: 503, and Telegram keeps the update and posts it again. After a
        # failure posts get 503 without a try for a while (1, 2, 4 ... 30 s), as polling waits.
        if time.monotonic() < self._refuse_until:
            return 503
        try:
            await self._keep_batch((update,))
        except db.Error as exc:
            disk_trouble.report("webhook updates are answered 503 until it can", exc)
            self._refuse_wait = min(MAX_STORAGE_WAIT, self._refuse_wait * 2 or 1.0)
            self._refuse_until = time.monotonic() + self._refuse_wait
            return 503
        if self._refuse_wait:
            self._refuse_wait = 0.0
            disk_trouble.recovered()
        if self.claims is not None:
            self.claims.wake()  # this replica or another claims it (bot/transports/replicas.py)
        else:
            await self.app.update_queue.put(update)
        return 200

    async def _claimed(self, update_id: int, payload: str, received_at: int) -> None:
        """`SharedInbox`: an update this replica claimed, to handle now."""
        update = Update.de_json(json.loads(payload), self.app.bot)
        if update is None:
            await inbox.answered(self.core.repo, update_id, self.core.clock.now())
            if self.claims is not None:
                self.claims.done(update_id)
            return
        self._arrivals[update_id] = float(received_at)
        if self.watch is not None:
            self.watch.update_taken(update_id)
        await self.app.update_queue.put(update)

    async def _replay_inbox(self) -> None:
        """Queue what a previous process fetched but never answered, before polling starts."""
        await inbox.purge(self.core.repo, self.core.clock.now())
        if self.claims is not None:  # other replicas hold some: the claim loop takes the rest
            return
        waiting = await inbox.unanswered(self.core.repo)
        for payload in waiting:
            update = Update.de_json(json.loads(payload), self.app.bot)
            if update is not None:
                if self.watch is not None:
                    self.watch.update_taken(update.update_id)
                await self.app.update_queue.put(update)
        if waiting:
            log.info("replaying %d update(s) fetched before a restart", len(waiting))

    async def start(self, poll_timeout: int = 10) -> None:
        """Initialise, register commands and start receiving updates (polling or webhook)."""
        settings = self.core.settings
        metrics.channel_started(CHANNEL)
        await self.app.initialize()
        await self._replay_inbox()
        await self.outbox.load()
        try:
            await self.register_commands()
        except TelegramError as exc:
            log.warning("could not register commands: %s", type(exc).__name__)
        await self.app.start()
        self.outbox.start()
        if self.claims is not None:
            self.claims.start()
        if settings.webhook_url:
            await self.app.bot.set_webhook(
                settings.webhook_url.rstrip("/") + WEBHOOK_PATH,
                secret_token=settings.webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            assert self.app.updater is not None
            await self.app.updater.start_polling(
                poll_interval=0.0, timeout=poll_timeout, allowed_updates=Update.ALL_TYPES
            )

    def running(self) -> bool:
        """Whether updates are being received and handled (/healthz)."""
        updater = self.app.updater
        return self.app.running and (updater is None or updater.running)

    async def stop(self) -> None:
        """Stop receiving, finish running handlers and close HTTP sessions.

        A webhook stays registered: Telegram keeps new updates until the next start.
        """
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self.claims is not None:
            await self.claims.stop()
        if self.app.running:
            await self.app.stop()
        if self.claims is not None:
            await self.claims.release()
        await self.outbox.stop()  # what still waits is in the database for the next start
        await self.app.shutdown()
