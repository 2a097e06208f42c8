"""A local fake of the Telegram Bot API for driving a real python-telegram-bot ``Application``.

The fake is an aiohttp server on 127.0.0.1 (random free port) that speaks the Bot API wire
format closely enough for PTB 22: it answers ``getUpdates`` long polls from an internal queue,
records every call, returns realistic ``Message`` dicts and can inject faults (429/403/5xx,
timeouts, blocked users, random faults, rate limits). Typical use::

    async with FakeBotApi(token="123:ABC") as fake:
        app = ApplicationBuilder().token("123:ABC").base_url(fake.base_url).build()
        ...  # add handlers
        async with polling(app):
            fake.send_text(42, "/start")
            reply = await fake.next_reply(42)
            assert reply.params["text"] == "Welcome"

Waiting is event driven (no sleeps): ``wait_for``, ``next_reply`` and ``replies_until_idle``
resolve as soon as the bot's calls arrive. A bot in the same process can also report when it is
done with each update (``track_handling``, ``update_done``; the transport's ``UpdateWatch``):
``settled`` then waits for exactly that, and ``replies_until_idle`` waits for it before its
silence window, so a slow machine never passes off the previous answer as the new one.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import inspect
import json
import logging
import random
import re
import secrets
import socket
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from types import TracebackType
from typing import Any, Literal

import aiohttp
from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError
from telegram.ext import Application

__all__ = [
    "MESSAGE_METHODS",
    "Call",
    "FakeBotApi",
    "FaultKind",
    "UploadedFile",
    "polling",
]

logger = logging.getLogger(__name__)

#: Methods that put a message into a chat; ``sent_to``/``next_reply`` and rate limits use these.
MESSAGE_METHODS: frozenset[str] = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "copyMessage",
        "forwardMessage",
        "editMessageText",
    }
)
#: Methods that answer 403 while the target chat is blocked (see ``FakeBotApi.block``).
_BLOCKABLE_METHODS: frozenset[str] = MESSAGE_METHODS | {"sendChatAction", "editMessageReplyMarkup"}

FaultKind = Literal["400", "403", "429", "500", "502", "timeout", "timeout_delivered"]
_FAULT_KINDS: frozenset[str] = frozenset(
    {"400", "403", "429", "500", "502", "timeout", "timeout_delivered"}
)


def _words(text: str) -> frozenset[str]:
    """A set from a whitespace-separated word list."""
    return frozenset(text.split())


#: Form fields that are always plain strings, even when they look like JSON ("42", "true").
_STRING_PARAMS: frozenset[str] = _words(
    "text caption parse_mode callback_query_id inline_message_id data url title name "
    "description short_description query action emoji secret_token language_code "
    "message_effect_id business_connection_id photo document sticker voice video audio "
    "animation file_id"
)
_NUMBER_RE = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]+)?")
_BOT_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_BARE_LT_RE = re.compile(r"<(?![A-Za-z/])")
_HTML_TAGS: frozenset[str] = _words(
    "b strong i em u ins s strike del span tg-spoiler a tg-emoji code pre blockquote"
)
_BUTTON_ACTIONS: frozenset[str] = _words(
    "callback_data url web_app login_url switch_inline_query "
    "switch_inline_query_current_chat switch_inline_query_chosen_chat copy_text "
    "callback_game pay"
)
_MAX_TEXT = 4096
_MAX_CAPTION = 1024
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)

ChatKey = int | str


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request (an ``InputFile`` uploaded by PTB)."""

    field: str
    filename: str
    content: bytes
    content_type: str | None = None


@dataclass
class Call:
    """One recorded Bot API request.

    ``response`` is the JSON body that was answered (``None`` when the request was held as a
    timeout), ``status`` the HTTP status (0 = never answered in time), ``at`` is
    ``time.monotonic()`` at arrival.
    """

    method: str
    params: dict[str, Any]
    at: float
    response: Any
    status: int = 200

    @property
    def ok(self) -> bool:
        """True if the call was answered with HTTP 200."""
        return self.status == 200

    @property
    def result(self) -> Any:
        """The ``result`` field of a successful response, else ``None``."""
        if self.ok and isinstance(self.response, dict):
            return self.response.get("result")
        return None

    @property
    def chat_id(self) -> ChatKey | None:
        """The ``chat_id`` parameter, normalised to int where possible."""
        return _chat_key(self.params.get("chat_id"))

    @property
    def text(self) -> str | None:
        """The ``text`` (or ``caption``) parameter, if any."""
        value = self.params.get("text", self.params.get("caption"))
        return value if isinstance(value, str) else None


class _ApiError(Exception):
    """An error answered to the client as ``{"ok": false, ...}``."""

    def __init__(self, code: int, description: str, retry_after: float | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        """The JSON error body Telegram would send."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": _num(self.retry_after)}
        return body


def _fault_error(kind: str, retry_after: float = 1) -> _ApiError:
    """The error answered for an injected fault of ``kind``."""
    if kind == "429":
        return _ApiError(429, f"Too Many Requests: retry after {_num(retry_after)}", retry_after)
    if kind == "403":
        return _ApiError(403, "Forbidden: bot was blocked by the user")
    if kind == "400":
        return _ApiError(400, "Bad Request: injected failure")
    if kind == "502":
        return _ApiError(502, "Bad Gateway")
    return _ApiError(500, "Internal Server Error")


def _bad(description: str) -> _ApiError:
    """A 400 Bad Request error."""
    return _ApiError(400, f"Bad Request: {description}")


def _num(value: float) -> int | float:
    """Render whole floats as ints (Telegram sends integer seconds)."""
    return int(value) if float(value).is_integer() else value


def _chat_key(value: Any) -> ChatKey | None:
    """Normalise a chat id (int, "123", "@name") for comparisons; ``None`` if absent."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        return text or None


def _decode(name: str, raw: str) -> Any:
    """Decode a form value the way PTB encoded it (non-strings are JSON-encoded)."""
    if name in _STRING_PARAMS:
        return raw
    text = raw.strip()
    if text in ("true", "false"):
        return text == "true"
    if text.startswith(("{", "[")) or _NUMBER_RE.fullmatch(text):
        try:
            return json.loads(text)
        except ValueError:
            return raw
    return raw


# The start of a JPEG file (what users' photos hold; the bot tells pictures apart by it).
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def _photo_sizes(file_id: str, unique_id: str, size: int) -> list[dict[str, Any]]:
    """PhotoSize list (small to large) as Telegram returns it; the largest has ``file_id``."""
    widths = (90, 320, 1280)
    return [
        {
            "file_id": file_id if w == widths[-1] else f"{file_id}-{w}",
            "file_unique_id": f"{unique_id}-{w}",
            "width": w,
            "height": w * 3 // 4,
            "file_size": max(size * w // widths[-1], 1),
        }
        for w in widths
    ]


def _utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Telegram measures entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _command_entities(text: str) -> list[dict[str, Any]]:
    """A ``bot_command`` entity for a leading ``/command`` (what Telegram clients send)."""
    match = _COMMAND_RE.match(text)
    if not match:
        return []
    return [{"type": "bot_command", "offset": 0, "length": _utf16_len(match.group())}]


def _req_chat(params: dict[str, Any], key: str = "chat_id") -> int:
    """A required integer chat id parameter."""
    value = _chat_key(params.get(key))
    if value is None:
        raise _bad(f"{key} is empty")
    if not isinstance(value, int):
        raise _bad("chat not found")
    return value


def _req_int(params: dict[str, Any], key: str) -> int:
    """A required integer parameter."""
    value = params.get(key)
    if isinstance(value, bool) or value is None:
        raise _bad(f"{key} is required")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _bad(f"invalid {key}") from None


def _opt_float(params: dict[str, Any], key: str, default: float) -> float:
    """An optional numeric parameter."""
    value = params.get(key)
    if value is None or value == "" or isinstance(value, bool):
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        raise _bad(f"invalid {key}") from None


class _TelegramHtml(HTMLParser):
    """Validates Telegram's HTML subset and extracts the plain text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS:
            raise _bad(f'can\'t parse entities: Unsupported start tag "{tag}"')
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise _bad(f'can\'t parse entities: Unsupported start tag "{tag}"')

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise _bad(f'can\'t parse entities: Unmatched end tag "{tag}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def unknown_decl(self, data: str) -> None:
        raise _bad("can't parse entities: Unsupported declaration")

    def handle_comment(self, data: str) -> None:
        raise _bad("can't parse entities: Unsupported comment")


def _render_text(text: str, parse_mode: Any) -> str:
    """The text Telegram would store: HTML is validated and stripped, others kept as-is."""
    if not isinstance(parse_mode, str) or parse_mode.upper() != "HTML":
        return text
    bare = _BARE_LT_RE.search(text)
    if bare:
        raise _bad(
            f"can't parse entities: Unsupported start tag at byte offset "
            f"{len(text[: bare.start()].encode())}"
        )
    parser = _TelegramHtml()
    parser.feed(text)
    parser.close()
    if parser.stack:
        raise _bad(
            f"can't parse entities: Can't find end tag corresponding to start tag \""
            f'{parser.stack[-1]}"'
        )
    return "".join(parser.parts)


def _inline_markup(value: Any) -> dict[str, Any] | None:
    """Validate ``reply_markup``; return it if it is an inline keyboard (echoed in messages)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _bad("can't parse reply keyboard markup JSON object")
    rows = value.get("inline_keyboard")
    if rows is None:
        return None
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad("can't parse inline keyboard markup: field inline_keyboard must be an Array")
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise _bad("can't parse inline keyboard button: Text must be a String")
            if not _BUTTON_ACTIONS.intersection(button):
                raise _bad(
                    "can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None and not (isinstance(data, str) and 1 <= len(data.encode()) <= 64):
                raise _bad("BUTTON_DATA_INVALID")
    return value


class _Signal:
    """Wakes every waiter when fired (a re-armed ``asyncio.Event``)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        """Wake all current waiters."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seconds: float) -> None:
        """Wait until the next ``fire`` or ``seconds`` pass, whichever comes first."""
        event = self._event
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(seconds, 0.0)):
                await event.wait()


@dataclass
class _Fault:
    """A pending ``fail_next`` rule."""

    method: str
    kind: str
    remaining: int
    chat_id: ChatKey | None
    retry_after: float

    def matches(self, method: str, chat: ChatKey | None) -> bool:
        """Whether this rule applies to a call."""
        return self.method in ("*", method) and (self.chat_id is None or self.chat_id == chat)


@dataclass
class _RandomFaults:
    """Configuration of ``set_random_faults``."""

    p429: float
    retry_after: float
    p5xx: float
    pdelay: float
    delay: tuple[float, float]
    rng: random.Random
    methods: frozenset[str]


class _Window:
    """Sliding-window counter: at most ``capacity`` hits per ``span`` seconds."""

    def __init__(self, per_second: float) -> None:
        self.span = max(1.0, 1.0 / per_second)
        self.capacity = max(1, int(per_second * self.span))
        self.hits: deque[float] = deque()

    def full(self, now: float) -> bool:
        """Forget old hits; True if another hit would exceed the limit."""
        while self.hits and self.hits[0] <= now - self.span:
            self.hits.popleft()
        return len(self.hits) >= self.capacity


def _update_chat(update: dict[str, Any]) -> Any:
    """The chat an update belongs to (for posting one chat's updates one at a time)."""
    for value in update.values():
        if isinstance(value, dict):
            chat = value.get("chat") or (value.get("message") or {}).get("chat")
            if isinstance(chat, dict):
                return chat.get("id")
            sender = value.get("from")
            if isinstance(sender, dict):
                return sender.get("id")
    return None


class FakeBotApi:
    """Fake Telegram Bot API server; see the module docstring for an example."""

    def __init__(
        self,
        token: str = "123:ABC",
        *,
        bot_username: str = "sterk_test_bot",
        bot_first_name: str = "Sterk Test",
        timeout_delay: float = 30.0,
    ) -> None:
        self.token = token
        self.timeout_delay = timeout_delay
        bot_id_text = token.split(":", 1)[0]
        self.bot_user: dict[str, Any] = {
            "id": int(bot_id_text) if bot_id_text.isdigit() else 123,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.calls: list[Call] = []
        self.rejected_429 = 0
        self.long_polls = 0  # getUpdates requests waiting in the server right now
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self.webhook_statuses: list[int] = []  # what the bot answered each webhook post
        self.webhook_connections = 1  # posts at once (Telegram's max_connections; it has 40)
        self._webhook_task: asyncio.Task[None] | None = None
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.banned: set[tuple[int, int]] = set()  # (chat, user) after banChatMember
        self.uploads: dict[str, UploadedFile] = {}
        self.user_files: dict[str, bytes] = {}  # what users sent: file id -> content (getFile)
        self.file_downloads = 0
        self._counts: Counter[str] = Counter()
        self._replies: dict[ChatKey, list[Call]] = {}
        self._reply_cursor: dict[ChatKey, int] = {}
        self._consumed: set[int] = set()
        self._generation = 0
        self._pending: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._messages: dict[int, dict[int, dict[str, Any]]] = {}
        self._last_message_id: dict[int, int] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._group_titles: dict[int, str] = {}
        self._callback_ids: set[str] = set()
        self._faults: list[_Fault] = []
        self._blocked: set[ChatKey] = set()
        self._random: _RandomFaults | None = None
        self._outage: tuple[str, frozenset[str]] | None = None
        self._global_window: _Window | None = None
        self._chat_rate: float | None = None
        self._chat_windows: dict[ChatKey, _Window] = {}
        self._file_seq = 0
        self._calls_changed = _Signal()
        self._updates_changed = _Signal()
        self._tracking = False
        self._unhandled: set[int] = set()  # pushed or replayed, not reported done yet
        self._handling_changed = _Signal()
        self._polls_changed = _Signal()
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._methods: dict[str, tuple[str, Callable[[dict[str, Any]], Any]]] = {}
        for name, impl in {
            "getMe": lambda _p: dict(self.bot_user),
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "copyMessage": self._copy_message,
            "getFile": self._get_file,
            "forwardMessage": self._forward_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "setMyCommands": self._set_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getMyCommands": self._get_my_commands,
            "sendChatAction": self._send_chat_action,
            "getChat": self._get_chat,
            "setChatMenuButton": lambda _p: True,
            "banChatMember": self._ban_chat_member,
            "unbanChatMember": self._unban_chat_member,
            "close": lambda _p: True,
            "logOut": lambda _p: True,
        }.items():
            self.add_method(name, impl)

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> FakeBotApi:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> FakeBotApi:
        """Start serving on 127.0.0.1 with a random free port."""
        if self._runner is not None:
            raise RuntimeError("FakeBotApi already started")
        self._closing = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._handle_file)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind(("127.0.0.1", 0))
            self._port = sock.getsockname()[1]
            await web.SockSite(runner, sock).start()
        except BaseException:
            sock.close()
            await runner.cleanup()
            raise
        self._runner = runner
        return self

    async def stop(self) -> None:
        """Release pending long polls and held requests, then shut the server down."""
        self._closing.set()
        webhook = self._stop_webhook()
        self._updates_changed.fire()
        self._calls_changed.fire()
        self._handling_changed.fire()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        if webhook is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await webhook

    @property
    def port(self) -> int:
        """The TCP port the fake listens on."""
        if self._port is None:
            raise RuntimeError("FakeBotApi not started")
        return self._port

    @property
    def base_url(self) -> str:
        """Value for ``ApplicationBuilder().base_url(...)`` (the token is appended by PTB)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ``ApplicationBuilder().base_file_url(...)`` (downloads answer 404)."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    def add_method(self, name: str, impl: Callable[[dict[str, Any]], Any]) -> None:
        """Add or replace a Bot API method; ``impl(params)`` returns the result (may be async)."""
        self._methods[name.lower()] = (name, impl)

    # ------------------------------------------------------------------ HTTP

    async def _handle_file(self, request: web.Request) -> web.Response:
        """Downloads of files getFile named (users' photos and documents); else 404."""
        found = self._file_content(request.match_info.get("path", "").rsplit("/", 1)[-1])
        if request.match_info.get("token") != self.token or found is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        self.file_downloads += 1
        return web.Response(body=found, content_type="application/octet-stream")

    def _file_content(self, file_id: str) -> bytes | None:
        if file_id in self.user_files:
            return self.user_files[file_id]
        upload = self.uploads.get(file_id)
        return upload.content if upload is not None else None

    def _get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        """getFile: where to download a file (up to 20 MB, as Telegram's limit)."""
        file_id = str(params.get("file_id") or "")
        content = self._file_content(file_id)
        if content is None:
            raise _bad("invalid file_id")
        if len(content) > 20 * 1024 * 1024:
            raise _bad("file is too big")
        return {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_size": len(content),
            "file_path": f"files/{file_id}",
        }

    async def _handle(self, request: web.Request) -> web.Response:
        """Entry point for ``/bot{token}/{method}``."""
        raw_method = request.match_info.get("method", "")
        method = raw_method
        at = time.monotonic()
        params: dict[str, Any] = {}
        try:
            params = await self._read_params(request)
            if request.match_info.get("token") != self.token:
                raise _ApiError(401, "Unauthorized")
            entry = self._methods.get(raw_method.lower())
            if entry is None:
                raise _ApiError(404, f"Not Found: method {raw_method}")
            method, impl = entry
            hold = await self._apply_faults(method, params)
            if hold == "timeout":
                self._record(Call(method, params, at, None, status=0))
                await self._hold()
                error = _fault_error("502")
                return web.json_response(error.body(), status=error.code)
            result = impl(params)
            if inspect.isawaitable(result):
                result = await result
            body: dict[str, Any] = {"ok": True, "result": result}
            status = 200
        except _ApiError as exc:
            body, status = exc.body(), exc.code
            hold = None
        except Exception as exc:
            logger.exception("fake Bot API failed on %s", raw_method)
            body = _bad(f"{type(exc).__name__}: {exc}").body()
            status, hold = 400, None
        self._record(Call(method, params, at, body, status=status))
        if hold == "timeout_delivered":
            await self._hold()
        return web.json_response(body, status=status)

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        """Merge query string and body (JSON, urlencoded or multipart) into one dict."""
        params: dict[str, Any] = {k: _decode(k, v) for k, v in request.query.items()}
        if not request.body_exists:
            return params
        ctype = request.content_type
        try:
            if ctype == "application/json":
                data = await request.json()
                if not isinstance(data, dict):
                    raise _bad("JSON body must be an object")
                params.update(data)
            elif ctype == "multipart/form-data":
                reader = await request.multipart()
                while (part := await reader.next()) is not None:
                    if not isinstance(part, BodyPartReader) or not part.name:
                        raise _bad("unsupported multipart part")
                    if part.filename is not None:
                        upload = UploadedFile(
                            field=part.name,
                            filename=part.filename,
                            content=bytes(await part.read(decode=True)),
                            content_type=part.headers.get("Content-Type"),
                        )
                        params[part.name] = upload
                    else:
                        params[part.name] = _decode(part.name, await part.text())
            elif ctype == "application/x-www-form-urlencoded":
                form = await request.post()
                params.update({k: _decode(k, v) for k, v in form.items() if isinstance(v, str)})
            else:
                raise _bad(f"unsupported Content-Type {ctype}")
        except _ApiError:
            raise
        except (ValueError, HttpProcessingError) as exc:
            raise _bad(f"can't parse request body: {exc}") from None
        return params

    async def _hold(self) -> None:
        """Hold a request for ``timeout_delay`` seconds, released early by ``stop``."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.timeout_delay):
                await self._closing.wait()

    async def _apply_faults(self, method: str, params: dict[str, Any]) -> str | None:
        """Raise injected errors; return "timeout"/"timeout_delivered" to hold the answer."""
        chat = _chat_key(params.get("chat_id"))
        for fault in self._faults:
            if fault.matches(method, chat):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                if fault.kind in ("timeout", "timeout_delivered"):
                    return fault.kind
                raise _fault_error(fault.kind, fault.retry_after)
        if self._outage is not None and method in self._outage[1]:
            raise _fault_error(self._outage[0])
        if method in _BLOCKABLE_METHODS and chat is not None and chat in self._blocked:
            raise _fault_error("403")
        cfg = self._random
        if cfg is not None and method in cfg.methods:
            roll, delay_roll = cfg.rng.random(), cfg.rng.random()
            delay = cfg.rng.uniform(*cfg.delay)
            if roll < cfg.p429:
                raise _fault_error("429", cfg.retry_after)
            if roll < cfg.p429 + cfg.p5xx:
                raise _fault_error("500")
            if delay_roll < cfg.pdelay:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await self._closing.wait()
        if method in MESSAGE_METHODS:
            self._check_rate(chat)
        return None

    def _check_rate(self, chat: ChatKey | None) -> None:
        """Apply ``set_rate_limit``; admit the call or raise 429."""
        now = time.monotonic()
        windows: list[_Window] = []
        if self._global_window is not None:
            windows.append(self._global_window)
        if self._chat_rate is not None and chat is not None:
            if chat not in self._chat_windows:
                self._chat_windows[chat] = _Window(self._chat_rate)
            windows.append(self._chat_windows[chat])
        if any(window.full(now) for window in windows):
            raise _fault_error("429", 1)
        for window in windows:
            window.hits.append(now)

    def _record(self, call: Call) -> None:
        """Store a call, update counters and wake waiters."""
        self.calls.append(call)
        self._counts[call.method] += 1
        if call.status == 429:
            self.rejected_429 += 1
        if call.ok and call.method in MESSAGE_METHODS and call.chat_id is not None:
            self._replies.setdefault(call.chat_id, []).append(call)
        self._calls_changed.fire()

    # ------------------------------------------------------------------ recorded calls

    def calls_of(self, method: str) -> list[Call]:
        """All recorded calls of ``method`` (successful or not), in order."""
        return [call for call in self.calls if call.method == method]

    def sent_to(self, chat_id: int | str) -> list[Call]:
        """Successful message-producing calls (``MESSAGE_METHODS``) for a chat, in order."""
        key = _chat_key(chat_id)
        return list(self._replies[key]) if key in self._replies else []

    def count(self, method: str) -> int:
        """How many calls of ``method`` were recorded since the last ``clear``."""
        return self._counts[method]

    def mark(self) -> int:
        """A cursor for ``wait_for(since=...)``: only calls recorded after now."""
        return len(self.calls)

    def clear(self) -> None:
        """Forget recorded calls, counters and read cursors (chat history stays)."""
        self.calls.clear()
        self._counts.clear()
        self._replies.clear()
        self._reply_cursor.clear()
        self._consumed.clear()
        self.rejected_429 = 0
        self._generation += 1

    @staticmethod
    def _matches(
        call: Call,
        method: str | None,
        chat: ChatKey | None,
        predicate: Callable[[Call], bool] | None,
        ok: bool | None,
    ) -> bool:
        """Filter used by ``wait_for``."""
        if method is None:
            if call.method == "getUpdates":
                return False
        elif call.method != method:
            return False
        if chat is not None and call.chat_id != chat:
            return False
        if ok is not None and call.ok != ok:
            return False
        return predicate is None or predicate(call)

    def _describe(self, calls: Iterable[Call], limit: int = 15) -> str:
        """Short human-readable list of calls for timeout messages."""
        shown = [c for c in calls if c.method != "getUpdates"][-limit:]
        if not shown:
            return "no calls (besides getUpdates)"
        return "; ".join(
            f"{c.method}(chat_id={c.chat_id!r}, text={c.text!r}) -> {c.status}" for c in shown
        )

    async def call_made(self, timeout: float = 1.0) -> None:  # noqa: ASYNC109 - a pause at most
        """Until the bot makes its next call (or `timeout` passes): for waits on a condition."""
        await self._calls_changed.wait(timeout)

    async def wait_for(
        self,
        method: str | None = None,
        chat_id: int | str | None = None,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - waiting with a deadline is the point
        count: int = 1,
        *,
        ok: bool | None = None,
        since: int | None = None,
    ) -> list[Call]:
        """Wait for ``count`` matching calls not returned by an earlier ``wait_for``.

        ``method=None`` matches anything but ``getUpdates``; ``ok`` filters on success;
        ``since`` (from ``mark()``) ignores older calls. Raises ``TimeoutError`` listing what
        was received.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        chat = _chat_key(chat_id)
        found: list[Call] = []
        pos, generation = since or 0, self._generation
        while True:
            if generation != self._generation:
                pos, found, generation = 0, [], self._generation
            while pos < len(self.calls) and len(found) < count:
                call = self.calls[pos]
                pos += 1
                if id(call) not in self._consumed and self._matches(
                    call, method, chat, predicate, ok
                ):
                    found.append(call)
            if len(found) >= count:
                self._consumed.update(id(call) for call in found)
                return found
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closing.is_set():
                raise TimeoutError(
                    f"timed out after {timeout}s waiting for {count} call(s) "
                    f"method={method!r} chat_id={chat_id!r}; matched {len(found)}; "
                    f"received: {self._describe(self.calls)}"
                )
            await self._calls_changed.wait(remaining)

    def _take_reply(self, chat: ChatKey | None) -> Call | None:
        """Pop the next unread reply for a chat, if any."""
        if chat is None:
            return None
        replies = self._replies.get(chat, [])
        cursor = self._reply_cursor.get(chat, 0)
        if cursor >= len(replies):
            return None
        self._reply_cursor[chat] = cursor + 1
        return replies[cursor]

    async def next_reply(
        self,
        chat_id: int | str,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> Call:
        """The next not-yet-read successful message-producing call for ``chat_id``."""
        chat = _chat_key(chat_id)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (call := self._take_reply(chat)) is None:
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closing.is_set():
                raise TimeoutError(
                    f"no reply to chat {chat_id!r} within {timeout}s; "
                    f"received: {self._describe(self.calls)}"
                )
            await self._calls_changed.wait(remaining)
        return call

    async def long_poll_waiting(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Wait until a getUpdates long poll is held in the server."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self.long_polls:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"no long poll reached the fake within {timeout}s")
            await self._polls_changed.wait(remaining)

    # ------------------------------------------------------------------ handling (UpdateWatch)

    def track_handling(self, on: bool = True) -> None:
        """Whether a bot in this process reports each update it is done with."""
        self._tracking = on
        self._handling_changed.fire()

    def update_taken(self, update_id: int) -> None:
        """The bot holds an update this fake did not push now (replayed from its inbox)."""
        self._unhandled.add(update_id)

    def update_done(self, update_id: int) -> None:
        """The bot is done with an update: its handlers ran and their sends were answered."""
        self._unhandled.discard(update_id)
        self._handling_changed.fire()

    @property
    def unhandled(self) -> frozenset[int]:
        """Update ids pushed (or replayed) that the bot has not reported done."""
        return frozenset(self._unhandled)

    async def settled(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has reported every pushed update done (see ``track_handling``).

        The deadline only matters when something is wrong; then ``TimeoutError`` says which
        updates are still open.
        """
        if not self._tracking:
            raise RuntimeError("no bot reports its handling here: call track_handling() first")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._unhandled and not self._closing.is_set():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"updates {sorted(self._unhandled)} not handled after {timeout}s; "
                    f"received: {self._describe(self.calls)}"
                )
            await self._handling_changed.wait(remaining)

    def unread(self, chat_id: int | str) -> list[Call]:
        """Every reply to ``chat_id`` not read before, marked read."""
        chat = _chat_key(chat_id)
        replies: list[Call] = []
        while (call := self._take_reply(chat)) is not None:
            replies.append(call)
        return replies

    async def replies_until_idle(
        self,
        chat_id: int | str,
        idle: float = 0.3,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[Call]:
        """Collect unread replies to ``chat_id`` until none arrive for ``idle`` seconds.

        With ``track_handling`` on, first wait until every pushed update is handled (at least
        30 s), so the window only has to catch what nobody asked for (the scheduler's sends).
        Raises ``TimeoutError`` if the chat is still busy after ``timeout`` seconds.
        """
        if self._tracking:
            await self.settled(max(timeout, 30.0))
        chat = _chat_key(chat_id)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        idle_until = loop.time() + idle
        replies: list[Call] = []
        while True:
            call = self._take_reply(chat)
            now = loop.time()
            if call is not None:
                replies.append(call)
                idle_until = now + idle
                continue
            if now >= idle_until or self._closing.is_set():
                return replies
            if now >= deadline:
                raise TimeoutError(
                    f"chat {chat_id!r} not idle after {timeout}s ({len(replies)} replies)"
                )
            await self._calls_changed.wait(min(idle_until, deadline) - now)

    # ------------------------------------------------------------------ faults & limits

    def fail_next(
        self,
        method: str,
        kind: FaultKind,
        count: int = 1,
        chat_id: int | str | None = None,
        retry_after: float = 1,
    ) -> None:
        """Make the next ``count`` calls of ``method`` ("*" = any) fail with ``kind``.

        Kinds: "429" (with ``retry_after``), "403" (blocked), "400", "500", "502", "timeout"
        (held ``timeout_delay`` s, nothing delivered) and "timeout_delivered" (performed, but
        the answer is held: the ambiguous case that causes duplicate sends).
        """
        if kind not in _FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {sorted(_FAULT_KINDS)}")
        self._faults.append(_Fault(method, kind, count, _chat_key(chat_id), retry_after))

    def set_outage(
        self,
        kind: Literal["500", "502", "429"] | None = "502",
        methods: Iterable[str] | None = None,
    ) -> None:
        """Answer every call of ``methods`` with ``kind`` until called with ``None``.

        ``methods`` defaults to ``MESSAGE_METHODS`` plus ``answerCallbackQuery``: Telegram down
        for sending while updates still arrive.
        """
        if kind is None:
            self._outage = None
            return
        self._outage = (kind, frozenset(methods or MESSAGE_METHODS | {"answerCallbackQuery"}))

    def block(self, chat_id: int | str) -> None:
        """Answer 403 "bot was blocked by the user" to every send to ``chat_id``."""
        key = _chat_key(chat_id)
        if key is not None:
            self._blocked.add(key)

    def unblock(self, chat_id: int | str) -> None:
        """Undo ``block``."""
        key = _chat_key(chat_id)
        if key is not None:
            self._blocked.discard(key)

    def set_random_faults(
        self,
        p429: float = 0.0,
        retry_after: float = 1,
        p5xx: float = 0.0,
        pdelay: float = 0.0,
        delay: tuple[float, float] = (0.5, 2.0),
        seed: int = 0,
        methods: Iterable[str] | None = None,
    ) -> None:
        """Randomly answer 429/500 or delay answers (seeded); all zero probabilities = off.

        ``methods`` defaults to ``MESSAGE_METHODS`` plus ``answerCallbackQuery``.
        """
        if not (p429 or p5xx or pdelay):
            self._random = None
            return
        self._random = _RandomFaults(
            p429=p429,
            retry_after=retry_after,
            p5xx=p5xx,
            pdelay=pdelay,
            delay=delay,
            rng=random.Random(seed),
            methods=frozenset(methods or MESSAGE_METHODS | {"answerCallbackQuery"}),
        )

    def set_rate_limit(
        self, global_per_second: float | None = None, per_chat_per_second: float | None = None
    ) -> None:
        """Limit message-producing calls (sliding 1 s window; rates below 1 use a 1/rate s
        window); excess calls get 429 ``retry_after`` 1. ``None`` disables a limit.
        """
        for value in (global_per_second, per_chat_per_second):
            if value is not None and value <= 0:
                raise ValueError("rates must be positive or None")
        self._global_window = _Window(global_per_second) if global_per_second else None
        self._chat_rate = per_chat_per_second
        self._chat_windows.clear()

    # ------------------------------------------------------------------ chats & messages

    def _user(
        self,
        user_id: int,
        first_name: str | None = None,
        language_code: str | None = None,
        username: str | None = None,
    ) -> dict[str, Any]:
        """The (registered) Telegram user dict for ``user_id``."""
        user = self._users.setdefault(
            user_id,
            {"id": user_id, "is_bot": False, "first_name": "Sam", "language_code": "nl"},
        )
        if first_name is not None:
            user["first_name"] = first_name
        if language_code is not None:
            user["language_code"] = language_code
        if username is not None:
            user["username"] = username
        return dict(user)

    def describe_user(self, user_id: int, **fields: str) -> None:
        """Give a user more profile fields (``username``, ``last_name``) in later updates."""
        self._user(user_id)
        self._users[user_id].update(fields)

    def _chat(self, chat_id: int) -> dict[str, Any]:
        """Chat dict: negative ids are supergroups, positive ids private chats."""
        if chat_id < 0:
            title = self._group_titles.get(chat_id, f"Group {chat_id}")
            return {"id": chat_id, "type": "supergroup", "title": title}
        chat: dict[str, Any] = {"id": chat_id, "type": "private"}
        person = self._users.get(chat_id, {})
        chat["first_name"] = person.get("first_name", "Sam")
        chat.update({k: person[k] for k in ("last_name", "username") if k in person})
        return chat

    def _new_file_id(self, prefix: str) -> tuple[str, str]:
        """A fresh (file_id, file_unique_id) pair."""
        self._file_seq += 1
        return f"{prefix}-{self._file_seq}-{secrets.token_hex(4)}", f"u{self._file_seq}"

    def _add_message(
        self, chat_id: int, sender: dict[str, Any] | None, content: dict[str, Any]
    ) -> dict[str, Any]:
        """Create and store a message in a chat; return a copy of it."""
        message_id = self._last_message_id.get(chat_id, 0) + 1
        self._last_message_id[chat_id] = message_id
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat(chat_id),
        }
        if sender is not None:
            message["from"] = dict(sender)
        message.update({k: v for k, v in content.items() if v is not None})
        self._messages.setdefault(chat_id, {})[message_id] = message
        return copy.deepcopy(message)

    def _find_message(self, chat_id: int, message_id: int, what: str) -> dict[str, Any]:
        """A stored message or a 400 ``message to <what> not found``."""
        message = self._messages.get(chat_id, {}).get(message_id)
        if message is None:
            raise _bad(f"message to {what} not found")
        return message

    def _is_bot_message(self, message: dict[str, Any]) -> bool:
        """Whether the bot sent this message."""
        return bool(message.get("from", {}).get("id") == self.bot_user["id"])

    def live_keyboards(self, chat_id: int) -> list[int]:
        """Ids of the bot's messages in a chat that still have a tappable (callback) button."""
        return [
            message_id
            for message_id, message in self._messages.get(chat_id, {}).items()
            if self._is_bot_message(message)
            and any(
                "callback_data" in button
                for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
                for button in row
            )
        ]

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """A copy of a stored message (bot or user) as Telegram currently knows it."""
        message = self._messages.get(chat_id, {}).get(message_id)
        return copy.deepcopy(message) if message is not None else None

    def _text_content(self, params: dict[str, Any], key: str, limit: int) -> dict[str, Any]:
        """Validated ``text``/``caption`` content (plus entities) for a new message."""
        raw = params.get(key)
        if raw is None:
            return {}
        text = _render_text(str(raw), params.get("parse_mode"))
        if len(text) > limit:
            raise _bad("message is too long" if key == "text" else "message caption is too long")
        content: dict[str, Any] = {key: text}
        entities = params.get("entities" if key == "text" else "caption_entities")
        if isinstance(entities, list):
            content["entities" if key == "text" else "caption_entities"] = entities
        return content

    def _send(self, params: dict[str, Any], content: dict[str, Any]) -> dict[str, Any]:
        """Common part of the send* methods: markup, reply, storing."""
        chat_id = _req_chat(params)
        content["reply_markup"] = _inline_markup(params.get("reply_markup"))
        reply_to = params.get("reply_parameters")
        reply_id = reply_to.get("message_id") if isinstance(reply_to, dict) else None
        reply_id = reply_id or params.get("reply_to_message_id")
        if isinstance(reply_id, int) and not isinstance(reply_id, bool):
            original = self._messages.get(chat_id, {}).get(reply_id)
            if original is not None:
                quoted = copy.deepcopy(original)
                quoted.pop("reply_to_message", None)
                content["reply_to_message"] = quoted
        return self._add_message(chat_id, self.bot_user, content)

    def _media(self, params: dict[str, Any], key: str) -> tuple[str, UploadedFile | None]:
        """File id for a media parameter: a new id for uploads, else the given id/URL."""
        value = params.get(key)
        if isinstance(value, UploadedFile):
            file_id, _ = self._new_file_id(key)
            self.uploads[file_id] = value
            return file_id, value
        if isinstance(value, str) and value:
            return value, None
        raise _bad(f"there is no {key} in the request")

    # ------------------------------------------------------------------ Bot API methods

    def _delete_webhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = ""
        self._stop_webhook()
        if params.get("drop_pending_updates") is True:
            self._pending.clear()
        return True

    def _set_webhook(self, params: dict[str, Any]) -> bool:
        url = params.get("url")
        if not isinstance(url, str):
            raise _bad("url is required")
        self.webhook_url = url
        secret = params.get("secret_token")
        self.webhook_secret = secret if isinstance(secret, str) else None
        if params.get("drop_pending_updates") is True:
            self._pending.clear()
        self._stop_webhook()
        self._webhook_task = asyncio.get_running_loop().create_task(self._post_updates(url))
        return True

    def _stop_webhook(self) -> asyncio.Task[None] | None:
        task, self._webhook_task = self._webhook_task, None
        if task is not None:
            task.cancel()
        return task

    async def _post_updates(self, url: str) -> None:
        """Deliver queued updates to the webhook until each gets a 2xx, as Telegram does: over
        `webhook_connections` connections at once, never two updates of one chat at a time
        (so a chat's updates are posted in order, each after the one before was taken)."""
        headers = {}
        if self.webhook_secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook_secret
        posting: set[int] = set()  # update ids on their way
        busy: set[Any] = set()  # chats with an update on its way

        def next_update() -> dict[str, Any] | None:
            for update in self._pending:
                chat = _update_chat(update)
                if id(update) not in posting and (chat is None or chat not in busy):
                    return update
            return None

        async def post(session: aiohttp.ClientSession) -> None:
            while not self._closing.is_set():
                update = next_update()
                if update is None:
                    await self._updates_changed.wait(1.0)
                    continue
                chat = _update_chat(update)
                posting.add(id(update))
                if chat is not None:
                    busy.add(chat)
                try:
                    try:
                        async with session.post(url, json=update, headers=headers) as answer:
                            status = answer.status
                    except aiohttp.ClientError:
                        status = 0  # the bot is not listening (yet, or any more)
                    self.webhook_statuses.append(status)
                    if 200 <= status < 300:
                        with contextlib.suppress(ValueError):
                            self._pending.remove(update)
                        self._updates_changed.fire()
                    else:
                        await asyncio.sleep(0.05)  # Telegram backs off too; a test's pace
                finally:
                    posting.discard(id(update))
                    busy.discard(chat)

        async with aiohttp.ClientSession() as session:
            await asyncio.gather(*(post(session) for _ in range(self.webhook_connections)))

    def _get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook_url:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(_opt_float(params, "offset", 0))
        limit = min(max(int(_opt_float(params, "limit", 100)), 1), 100)
        timeout = min(max(_opt_float(params, "timeout", 0), 0.0), 50.0)
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        elif offset < 0:
            self._pending = self._pending[offset:]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self.long_polls += 1
        self._polls_changed.fire()
        try:
            while not self._pending and not self._closing.is_set():
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                await self._updates_changed.wait(remaining)
        finally:
            self.long_polls -= 1
        return copy.deepcopy(self._pending[:limit])

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        content = self._text_content(params, "text", _MAX_TEXT)
        if not content.get("text", "").strip():
            raise _bad("message text is empty")
        return self._send(params, content)

    def _send_photo(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id, upload = self._media(params, "photo")
        size = len(upload.content) if upload else 1024
        photo = _photo_sizes(file_id, f"u-{file_id}", size)
        content = {"photo": photo, **self._text_content(params, "caption", _MAX_CAPTION)}
        return self._send(params, content)

    def _send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id, upload = self._media(params, "document")
        document: dict[str, Any] = {"file_id": file_id, "file_unique_id": f"u-{file_id}"}
        if upload is not None:
            document["file_name"] = upload.filename
            document["file_size"] = len(upload.content)
            if upload.content_type:
                document["mime_type"] = upload.content_type
        content = {"document": document, **self._text_content(params, "caption", _MAX_CAPTION)}
        return self._send(params, content)

    def _copied_content(self, source: dict[str, Any]) -> dict[str, Any]:
        """The content fields of a message (what copy/forward carry over)."""
        skip = {"message_id", "date", "chat", "from", "reply_markup", "edit_date"}
        skip |= {"reply_to_message", "forward_origin"}
        return {k: copy.deepcopy(v) for k, v in source.items() if k not in skip}

    def _copy_message(self, params: dict[str, Any]) -> dict[str, Any]:
        source = self._find_message(
            _req_chat(params, "from_chat_id"), _req_int(params, "message_id"), "copy"
        )
        content = self._copied_content(source)
        if "caption" in params:
            content.pop("caption", None)
            content.update(self._text_content(params, "caption", _MAX_CAPTION))
        return {"message_id": self._send(params, content)["message_id"]}

    def _forward_message(self, params: dict[str, Any]) -> dict[str, Any]:
        source = self._find_message(
            _req_chat(params, "from_chat_id"), _req_int(params, "message_id"), "forward"
        )
        content = self._copied_content(source)
        sender = source.get("from")
        if sender is not None:
            content["forward_origin"] = {
                "type": "user",
                "date": source["date"],
                "sender_user": sender,
            }
        else:
            content["forward_origin"] = {
                "type": "chat",
                "date": source["date"],
                "sender_chat": source["chat"],
            }
        return self._add_message(_req_chat(params), self.bot_user, content)

    def _editable(self, params: dict[str, Any]) -> dict[str, Any]:
        """The stored bot message addressed by ``chat_id``/``message_id``."""
        message = self._find_message(_req_chat(params), _req_int(params, "message_id"), "edit")
        if not self._is_bot_message(message):
            raise _bad("message can't be edited")
        return message

    def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        content = self._text_content(params, "text", _MAX_TEXT)
        if not content.get("text", "").strip():
            raise _bad("message text is empty")
        markup = _inline_markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            return True
        message = self._editable(params)
        if "text" not in message:
            raise _bad("there is no text in the message to edit")
        if (
            message.get("text") == content["text"]
            and message.get("entities") == content.get("entities")
            and message.get("reply_markup") == markup
        ):
            raise _bad(_NOT_MODIFIED)
        message.pop("entities", None)
        message.pop("reply_markup", None)
        message.update(content)
        if markup is not None:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    def _edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        markup = _inline_markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            return True
        message = self._editable(params)
        if message.get("reply_markup") == markup:
            raise _bad(_NOT_MODIFIED)
        message.pop("reply_markup", None)
        if markup is not None:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    def _delete_message(self, params: dict[str, Any]) -> bool:
        chat_id, message_id = _req_chat(params), _req_int(params, "message_id")
        self._find_message(chat_id, message_id, "delete")
        del self._messages[chat_id][message_id]
        return True

    def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = params.get("callback_query_id")
        if not isinstance(query_id, str) or query_id not in self._callback_ids:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        self._callback_ids.discard(query_id)
        return True

    @staticmethod
    def _commands_key(params: dict[str, Any]) -> tuple[str, str]:
        """Storage key for bot commands: (scope JSON, language code)."""
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad("commands must be a list of at most 100 BotCommand")
        for command in commands:
            if not isinstance(command, dict) or not _BOT_COMMAND_RE.fullmatch(
                str(command.get("command", ""))
            ):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(params)] = commands
        return True

    def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    def _get_my_commands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return list(self.commands.get(self._commands_key(params), []))

    def _ban_chat_member(self, params: dict[str, Any]) -> bool:
        self.banned.add((_req_chat(params), _req_int(params, "user_id")))
        return True

    def _unban_chat_member(self, params: dict[str, Any]) -> bool:
        self.banned.discard((_req_chat(params), _req_int(params, "user_id")))
        return True

    def _send_chat_action(self, params: dict[str, Any]) -> bool:
        _req_chat(params)
        if not isinstance(params.get("action"), str):
            raise _bad("action is required")
        return True

    def _get_chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(_req_chat(params))
        gifts = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription")
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": dict.fromkeys((*gifts, "gifts_from_channels"), False),
        }

    # ------------------------------------------------------------------ pushing updates

    def push_raw(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an arbitrary (possibly malformed) update; ``update_id`` added if missing."""
        update = dict(update)
        update_id = update.get("update_id")
        if isinstance(update_id, int) and not isinstance(update_id, bool):
            self._next_update_id = max(self._next_update_id, update_id + 1)
        else:
            update["update_id"] = self._next_update_id
            self._next_update_id += 1
        query = update.get("callback_query")
        if isinstance(query, dict) and isinstance(query.get("id"), str):
            self._callback_ids.add(query["id"])
        self._pending.append(update)
        self._unhandled.add(int(update["update_id"]))
        self._updates_changed.fire()
        return copy.deepcopy(update)

    def _push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Queue a well-formed update of ``kind``."""
        return self.push_raw({kind: payload})

    def _user_message(
        self, user_id: int, content: dict[str, Any], chat_id: int | None = None, **who: Any
    ) -> dict[str, Any]:
        """Queue a ``message`` update from a user (private chat unless ``chat_id``)."""
        user = self._user(user_id, **who)
        message = self._add_message(user_id if chat_id is None else chat_id, user, content)
        return self._push("message", message)

    @staticmethod
    def _text(text: str) -> dict[str, Any]:
        """Message content for a typed text (with a bot_command entity for commands)."""
        return {"text": text, "entities": _command_entities(text) or None}

    def send_text(
        self,
        user_id: int,
        text: str,
        first_name: str = "Sam",
        language_code: str = "nl",
        username: str | None = None,
    ) -> dict[str, Any]:
        """A user types ``text`` in the private chat; returns the queued update."""
        return self._user_message(
            user_id,
            self._text(text),
            first_name=first_name,
            language_code=language_code,
            username=username,
        )

    def send_reply(self, user_id: int, text: str, reply_to: int) -> dict[str, Any]:
        """A user swipe-replies ``text`` to message ``reply_to`` in their private chat."""
        replied = self._find_message(user_id, reply_to, "reply")
        return self._user_message(user_id, {**self._text(text), "reply_to_message": replied})

    def send_contact(self, user_id: int, phone_number: str = "+31612345678") -> dict[str, Any]:
        """A user shares a contact card (their own, with their user id)."""
        contact = {"phone_number": phone_number, "first_name": "Sam", "user_id": user_id}
        return self._user_message(user_id, {"contact": contact})

    def send_location(
        self, user_id: int, latitude: float = 52.09, longitude: float = 5.12
    ) -> dict[str, Any]:
        """A user shares a location."""
        return self._user_message(
            user_id, {"location": {"latitude": latitude, "longitude": longitude}}
        )

    def delete_in_chat(self, chat_id: int, message_id: int) -> None:
        """A user deletes a message in their private chat (also one of the bot's): later edits
        of it fail with "message to edit not found"."""
        self._find_message(chat_id, message_id, "delete")
        del self._messages[chat_id][message_id]

    def send_group_text(self, chat_id: int, user_id: int, text: str) -> dict[str, Any]:
        """A user writes ``text`` in supergroup ``chat_id``."""
        self._group_titles.setdefault(chat_id, f"Group {chat_id}")
        return self._user_message(user_id, self._text(text), chat_id=chat_id)

    def send_sticker(self, user_id: int, emoji: str = "👍") -> dict[str, Any]:
        """A user sends a sticker."""
        file_id, unique = self._new_file_id("sticker")
        sticker = {
            "file_id": file_id,
            "file_unique_id": unique,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._user_message(user_id, {"sticker": sticker})

    def send_photo(self, user_id: int, caption: str | None = None) -> dict[str, Any]:
        """A user sends a photo (optionally with a caption)."""
        file_id, unique = self._new_file_id("photo")
        photo = _photo_sizes(file_id, unique, len(JPEG))
        self.user_files[file_id] = JPEG
        return self._user_message(user_id, {"photo": photo, "caption": caption})

    def send_voice(self, user_id: int, duration: int = 3) -> dict[str, Any]:
        """A user sends a voice note."""
        file_id, unique = self._new_file_id("voice")
        voice = {
            "file_id": file_id,
            "file_unique_id": unique,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": duration * 4000,
        }
        return self._user_message(user_id, {"voice": voice})

    def send_document(
        self, user_id: int, file_name: str = "screenshot.pdf", mime_type: str = "application/pdf"
    ) -> dict[str, Any]:
        """A user sends a document."""
        file_id, unique = self._new_file_id("document")
        content = b"%PDF-1.4\n%test\n" if mime_type == "application/pdf" else b"test file\n"
        self.user_files[file_id] = content
        document = {
            "file_id": file_id,
            "file_unique_id": unique,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(content),
        }
        return self._user_message(user_id, {"document": document})

    def edit_text(self, user_id: int, message_id: int, new_text: str) -> dict[str, Any]:
        """A user edits their earlier private-chat message (``edited_message`` update)."""
        message = self._messages.get(user_id, {}).get(message_id)
        if message is None or message.get("from", {}).get("id") != user_id:
            raise LookupError(f"user {user_id} has no message {message_id} to edit")
        message.pop("entities", None)
        message.update({k: v for k, v in self._text(new_text).items() if v is not None})
        message["edit_date"] = int(time.time())
        return self._push("edited_message", copy.deepcopy(message))

    def tap(
        self, user_id: int, data: str, message_id: int | None = None, *, chat_id: int | None = None
    ) -> dict[str, Any]:
        """A user taps an inline button with callback ``data``.

        The button's message is ``message_id`` in the chat (private chat of ``user_id`` unless
        ``chat_id``), by default the latest bot message that has an inline keyboard.
        """
        chat = user_id if chat_id is None else chat_id
        messages = self._messages.get(chat, {})
        if message_id is None:
            candidates = [
                m for m in messages.values() if self._is_bot_message(m) and "reply_markup" in m
            ]
            if not candidates:
                raise LookupError(f"no bot message with an inline keyboard in chat {chat}")
            message = candidates[-1]
        elif message_id in messages:
            message = messages[message_id]
        else:
            raise LookupError(f"chat {chat} has no message {message_id}")
        query_id = str(secrets.randbits(62))
        self._callback_ids.add(query_id)
        query = {
            "id": query_id,
            "from": self._user(user_id),
            "message": copy.deepcopy(message),
            "chat_instance": str(abs(chat) * 1_000_003 + 17),
            "data": data,
        }
        return self._push("callback_query", query)


@contextlib.asynccontextmanager
async def polling(
    app: Application[Any, Any, Any, Any, Any, Any],
    *,
    poll_interval: float = 0.0,
    poll_timeout: int = 1,
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """Run ``app`` embedded (initialize, start, poll) for the ``async with`` body, then stop."""
    if app.updater is None:
        raise RuntimeError("application has no updater")
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=poll_interval, timeout=poll_timeout)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()
