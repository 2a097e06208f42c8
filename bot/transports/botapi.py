"""Bot API plumbing under PTB: requests over aiohttp, and polling that survives bad updates.

Requests: measured with `bench/load.py` on this project's 2-core machine, one Bot API call costs
about 1.6 ms of CPU through PTB's default `HTTPXRequest` (a third of it scanning httpcore's
connection pool) and about 0.25 ms through aiohttp. A coaching turn makes two or three calls
(answer the tap, then the messages), so the HTTP client was most of the bot's CPU time. PTB
supports this through its `BaseRequest` extension point; status codes, JSON parsing and error
mapping stay PTB's own.

Fairness: PTB's own processor takes a worker for every update and only then lets the handler
wait for the person's turn, so 200 messages from one person held all 32 workers while they
waited for each other (another person's /menu waited 11.6 s). `PerPersonProcessor` lines up each
person's updates first and gives a worker only to the first in each line.

Polling: PTB parses a `getUpdates` batch as a whole, so one update it cannot parse fails the
batch, the offset never moves and the bot answers nobody again (found by tests/test_fuzz.py).
`TolerantBot` fetches such a batch once more, replaces what cannot be parsed by an empty update
with the same id (so the offset moves on) and logs only the ids, never the content.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import aiohttp
from telegram import Update
from telegram.error import NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import AIORateLimiter, BaseUpdateProcessor, ExtBot
from telegram.request import BaseRequest, RequestData

from bot.core import lanes
from bot.core.lanes import ChatPacer, PriorityGate
from bot.storage import db
from bot.storage.files import disk_trouble

log = logging.getLogger(__name__)

# PTB's HTTPXRequest defaults, except the read timeout of calls other than getUpdates: a call
# that timed out while Telegram was still working on it was re-sent and arrived twice
# (bench/load.py --faults, with slow answers under load). Telegram's front end answers 5xx when
# its back end is stuck, so waiting longer turns nearly every doubt into a clear answer.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 5.0
SEND_READ_TIMEOUT = 60.0
POOL_TIMEOUT = 1.0
MAX_STORAGE_WAIT = 30.0  # longest pause between fetches while the database cannot be written


def _seconds(value: object, default: float | None) -> float | None:
    """A timeout argument: PTB passes a number, None (no limit) or its DEFAULT_NONE marker."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return default


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` with one aiohttp session and a bounded keep-alive connection pool."""

    def __init__(self, pool_size: int = 8, read_timeout: float | None = SEND_READ_TIMEOUT) -> None:
        self._pool_size = pool_size
        self._read_timeout = read_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (PTB adds the long-poll time for getUpdates)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (idempotent; PTB initialises each request object once per bot)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one request; a read timeout becomes `TimedOut`, other failures `NetworkError`.

        Only a timeout after the request went out is `TimedOut` (it may have arrived: the
        transport does not send it again); no connection in time is a `NetworkError` (it did
        not arrive: safe to retry).
        """
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        data: aiohttp.FormData | dict[str, str] | None = None
        if request_data is not None:
            data = request_data.json_parameters
            if request_data.contains_files:
                form = aiohttp.FormData(data)
                for name, (filename, content, mime) in request_data.multipart_data.items():
                    form.add_field(name, content, filename=filename, content_type=mime)
                data = form
        connect = _seconds(connect_timeout, CONNECT_TIMEOUT)
        pool = _seconds(pool_timeout, POOL_TIMEOUT)
        # aiohttp has no write timeout; its `connect` covers waiting for a pooled connection.
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=_seconds(read_timeout, self._read_timeout),
        )
        try:
            async with session.request(method, url, data=data, timeout=timeout) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc


class PerPersonProcessor(BaseUpdateProcessor):
    """Updates run concurrently, one at a time per person, and waiting holds no worker.

    Each person's updates wait in line (in arrival order: asyncio's locks are fair) before they
    ask for one of `workers` slots, so one person's backlog takes at most one slot and their
    updates are handled, and answered, strictly one after the other. The base class's own
    limit is set out of the way; `workers` is the real one.
    """

    __slots__ = ("_arrived", "_lines", "_workers")

    def __init__(self, workers: int, arrived: Callable[[object], None] | None = None) -> None:
        super().__init__(max_concurrent_updates=2**31 - 1)
        self._workers = asyncio.Semaphore(workers)
        self._lines: dict[int, tuple[asyncio.Lock, list[None]]] = {}
        self._arrived = arrived  # told of each update before it waits (the flood limit's clock)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the person's earlier updates, then for a worker, then handle the update."""
        if self._arrived is not None:
            self._arrived(update)
        person = _person(update)
        if person is None:
            async with self._workers:
                await coroutine
            return
        lock, waiting = self._lines.setdefault(person, (asyncio.Lock(), []))
        waiting.append(None)
        try:
            async with lock, self._workers:
                await coroutine
        finally:
            waiting.pop()
            if not waiting:
                del self._lines[person]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def _person(update: object) -> int | None:
    """Whose update it is: the sender (in a private chat also the chat), else the chat."""
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    return update.effective_chat.id if update.effective_chat is not None else None


class UpdatesRequest(AiohttpRequest):
    """The `getUpdates` connection; can clean the next batch of what PTB cannot parse."""

    def __init__(self) -> None:
        super().__init__(pool_size=1, read_timeout=READ_TIMEOUT)
        self.check_next = False
        self.dropped: list[int] = []

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """As `AiohttpRequest`; after a failed parse the next batch is checked update by update."""
        status, body = await super().do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )
        if self.check_next and status == 200:
            self.check_next = False
            body, self.dropped = parseable(body)
        return status, body


def parseable(body: bytes) -> tuple[bytes, list[int]]:
    """The getUpdates answer with unparseable updates emptied (id kept); and their ids."""
    try:
        payload = json.loads(body)
    except ValueError:
        return body, []
    result = payload.get("result") if isinstance(payload, dict) else None
    if not isinstance(result, list):
        return body, []
    kept: list[Any] = []
    dropped: list[int] = []
    for item in result:
        try:
            Update.de_json(copy.deepcopy(item), None)  # de_json consumes its dict
            kept.append(item)
        except Exception:  # any shape PTB cannot handle
            update_id = item.get("update_id") if isinstance(item, dict) else None
            if isinstance(update_id, int) and not isinstance(update_id, bool):
                kept.append({"update_id": update_id})
                dropped.append(update_id)
    return json.dumps({**payload, "result": kept}).encode(), dropped


class _QuietParseErrors(logging.Filter):
    """PTB logs a failed batch in full (people's messages); `TolerantBot` logs ids instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Error while parsing updates")


logging.getLogger("telegram.ext.ExtBot").addFilter(_QuietParseErrors())


# Calls that put a message or new text in a chat: they count against Telegram's limit of about
# 30 messages a second and one a second per chat (a broadcast's progress report is edited in
# place). Other chat calls (buttons taken off, chat actions) have their own gate.
MESSAGE_ENDPOINTS = frozenset(
    {
        "editMessageText",
        "editMessageCaption",
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendVideo",
        "sendVoice",
        "sendAudio",
        "sendAnimation",
        "sendSticker",
        "sendMediaGroup",
        "copyMessage",
        "forwardMessage",
    }
)


RATE_MARGIN = 0.95  # the share of STERK_TELEGRAM_MAX_RATE the gates send at
MAX_RETRIES = 3  # a call that gets 429 this often more is given up (the outbox keeps it)


def retry_seconds(exc: RetryAfter) -> float:
    """`RetryAfter.retry_after` is a timedelta with PTB_TIMEDELTA set, else seconds."""
    wait = exc.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


class LaneLimiter(AIORateLimiter):
    """Telegram's global limit with lanes (bot/core/lanes.py): a crisis answer goes before
    answers to people who are chatting, they before staff relays, check-ins and broadcasts.

    Messages wait for one gate, other calls to a chat (edits) for a second one at the same
    rate, so taking the buttons off an old question never delays an answer. Messages the bot
    starts (staff relays, check-ins, broadcasts) keep to one a second per chat; an answer to
    what a person just did is not held back (one answer per message: the person's own pace).
    A 429 soon after a message to the same chat holds only that chat; any other holds the gate.
    With `reserve` (replicas on PostgreSQL, bot/storage/shared.py) every message also waits
    for a bucket the whole deployment shares; if the database cannot be asked it goes out on
    the local limit alone.
    PTB's own limiter still does the rest: groups (20 a minute) and retrying a 429.
    """

    def __init__(self, rate: float, reserve: Callable[[], Awaitable[float]] | None = None) -> None:
        super().__init__(overall_max_rate=0, max_retries=MAX_RETRIES)
        # Telegram counts calls when they arrive, and the network bunches them up a little:
        # at exactly the limit a few earned a 429, and one 429 pauses every call for a second.
        self._messages = PriorityGate(rate * RATE_MARGIN)
        self._other = PriorityGate(rate * RATE_MARGIN)
        self._chats = ChatPacer()
        self._reserve = reserve

    async def process_request(
        self,
        callback: Callable[..., Any],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        """Wait in the call's lane, then send (through PTB's group limit). A 429 holds the
        gate for its `retry_after` and the call waits in its lane again: PTB's own handling
        let every call that had passed the gate meanwhile go at once when the pause ended,
        which earned the next 429. Calls without a chat and paid broadcasts go as in PTB."""
        chat = data.get("chat_id")
        if chat is None or data.get("allow_paid_broadcast"):
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        level = lanes.current()
        message = endpoint in MESSAGE_ENDPOINTS
        gate = self._messages if message else self._other
        group: int | str | bool = False
        with contextlib.suppress(ValueError, TypeError):
            chat = int(chat)
        if (isinstance(chat, int) and chat < 0) or isinstance(chat, str):
            group = chat  # groups and channels: PTB's 20 a minute
        retries = rate_limit_args or MAX_RETRIES
        for attempt in range(retries + 1):
            key: int | None = None
            before: float | None = None
            if message:
                key, before = await self._paced(chat, level)
                await self._shared()
            else:
                await gate.acquire(level)
            try:
                return await self._run_request(
                    chat=True,
                    group=group,
                    allow_paid_broadcast=False,
                    callback=callback,
                    args=args,
                    kwargs=kwargs,
                )
            except RetryAfter as exc:
                if attempt == retries:
                    raise
                wait = retry_seconds(exc) + 0.1
                if key is not None and self._chats.recent(before):  # that chat's own limit
                    log.info("Bot API 429 for one chat: it waits %.1f s", wait)
                    self._chats.hold(key, wait)
                else:
                    log.info("Bot API 429: the gate waits %.1f s", wait)
                    gate.hold(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _paced(self, chat: object, level: lanes.Lane) -> tuple[int | None, float | None]:
        """Wait for the chat's pace, then for a token in the lane; the pace is checked again
        with the token in hand (another message to the chat may have left meanwhile). An
        answer waits only while its chat is held after a 429. Returns the chat and when its
        message before this one left."""
        try:
            key = int(str(chat))
        except ValueError:  # a @channel name: the global gate alone
            await self._messages.acquire(level)
            return None, None
        if level <= lanes.Lane.REPLY:  # one answer per message the person sent: their pace
            if (wait := self._chats.held(key)) > 0:
                await asyncio.sleep(wait)
            await self._messages.acquire(level)
            return key, self._chats.sent(key)
        if (wait := self._chats.wait(key)) > 0:
            await asyncio.sleep(wait)
        await self._messages.acquire(level)
        if (wait := self._chats.wait(key)) > 0:
            await asyncio.sleep(wait)
        return key, self._chats.sent(key)

    async def _shared(self) -> None:
        if self._reserve is None:
            return
        try:
            wait = await self._reserve()
        except db.Error as exc:
            log.debug("shared rate bucket not reached: %s", type(exc).__name__)
            wait = 0.0
        if wait > 0:
            await asyncio.sleep(wait)


class TolerantBot(ExtBot[int]):
    """PTB's bot with aiohttp requests, whose polling survives updates it cannot parse."""

    __slots__ = ("_on_batch", "_storage_wait", "_updates")

    def __init__(
        self,
        token: str,
        base_url: str,
        base_file_url: str,
        pool_size: int,
        rate_limiter: LaneLimiter,
        on_batch: Callable[[tuple[Update, ...]], Awaitable[None]] | None = None,
    ) -> None:
        updates = UpdatesRequest()
        super().__init__(
            token,
            base_url=base_url,
            base_file_url=base_file_url,
            request=AiohttpRequest(pool_size=pool_size),
            get_updates_request=updates,
            rate_limiter=rate_limiter,
        )
        self._updates = updates
        # Called with every fetched batch before it is returned, and so before PTB confirms it
        # to Telegram with the next getUpdates (the transport keeps it in the inbox).
        self._on_batch = on_batch
        self._storage_wait = 0.0  # seconds between fetches while the inbox cannot be written

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        """PTB's getUpdates; a batch it cannot parse is fetched again and cleaned."""
        try:
            updates = await super().get_updates(*args, **kwargs)
        except TelegramError:
            raise  # network trouble: PTB's polling loop retries
        except Exception:  # a malformed update: the same batch is still waiting
            self._updates.check_next = True
            updates = await super().get_updates(*args, **kwargs)
            log.warning(
                "ignored %d malformed update(s): %s",
                len(self._updates.dropped),
                self._updates.dropped,
            )
        if updates and self._on_batch is not None:
            try:
                await self._on_batch(updates)
            except db.Error as exc:
                # Disk full or read-only: the batch stays unconfirmed at Telegram (PTB moves the
                # offset only past what this returns), so nothing is lost. Wait, log once a
                # minute, and fetch it again; PTB's own loop would retry at once, forever.
                disk_trouble.report("fetched updates stay at Telegram until it can", exc)
                self._storage_wait = min(MAX_STORAGE_WAIT, self._storage_wait * 2 or 1.0)
                await asyncio.sleep(self._storage_wait)
                return ()
            if self._storage_wait:
                self._storage_wait = 0.0
                disk_trouble.recovered()
        return updates
