"""The WhatsApp adapter (Cloud API through `pywa_async`): the only module that imports pywa.

pywa runs without its own server: Meta posts to `POST /whatsapp` on the project's web server
(bot/web/server.py); this module checks the signature over the raw body (pywa's validator,
`hmac.compare_digest`), splits the post into single events, keeps each in the WhatsApp inbox
(`wa_inbox`, keyed by a hash of the wamid, so Meta's retries are answered once), answers 200
and then feeds each event to pywa's `webhook_update_handler`, whose typed updates become core
`Event`s. Events of one chat are handled one after the other, chats concurrently (bounded).

Replies become Cloud API messages within WhatsApp's limits (see `render`): at most 3 reply
buttons with titles up to 20 characters, otherwise an interactive list (10 rows, titles 24,
descriptions 72, button 20); bodies up to 1,024 characters in interactive messages and 4,096 in
text. Consecutive texts of a turn are merged into as few messages as fit.

Outside Meta's 24-hour customer-service window only approved templates may be sent: messages
the bot starts itself (check-ins, reminders, broadcasts, relays) are then held in `wa_outbox`,
and people who opted in get one template announcing it, the one for its scheduled kind
(bot/content/whatsapp_templates.yaml; the scheduler names the kind through `send_kind`);
everything held goes out, in order, as soon as they write or tap the template's button. A
send refused later by a `failed` status (131047 outside the window, 131026 undeliverable) goes
back to held; rate limits (130429 with HTTP 400, pair rate limit 131056) are waited out with
backoff, one message of a chat at a time.

Privacy: a WhatsApp id is a phone number. It is kept only in `wa_contacts.phone`, to deliver;
`users.external_id` (and so logs, staff views, exports, `/cijfers`) holds a keyed hash of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import hashlib
import hmac
import json
import logging
import mimetypes
import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import httpx
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pywa_async.client import WhatsApp
from pywa_async.errors import WhatsAppError
from pywa_async.handlers import (
    CallbackButtonHandler,
    CallbackSelectionHandler,
    EditedMessageHandler,
    MessageHandler,
    MessageStatusHandler,
)
from pywa_async.types.callback import (
    Button as WaButton,
)
from pywa_async.types.callback import (
    CallbackButton,
    CallbackSelection,
    Section,
    SectionList,
    SectionRow,
)
from pywa_async.types.message import EditedMessage, Message
from pywa_async.types.message_status import MessageStatus
from pywa_async.types.templates import TemplateLanguage

from bot.app import Core
from bot.config import SettingsError
from bot.core.clock import epoch
from bot.core.content import LANGUAGES, Content, default_content_dir, parse_yaml
from bot.core.delivery import DeliveryFailed, RetryLater, Unreachable
from bot.core.flood import FloodGate
from bot.core.limits import SHORT_PREFIX, WHATSAPP
from bot.core.model import Button, Document, Event, EventKind, Reply
from bot.staff.relay import talking
from bot.storage import whatsapp as store
from bot.storage.repository import User
from bot.web import metrics
from bot.web.server import Ingress, WebServer

log = logging.getLogger(__name__)

CHANNEL = "whatsapp"
WEBHOOK_PATH = "/whatsapp"
GRAPH_HOST = "graph.facebook.com"  # what pywa puts on its session; see `_GraphBase`
SIGNATURE_HEADER = "X-Hub-Signature-256"

# Meta's limits for one message; those content is checked against are in bot/core/limits.py.
MAX_TEXT = 4096
MAX_BODY = WHATSAPP.body  # interactive messages
MAX_CAPTION = 1024
MAX_BUTTONS = WHATSAPP.buttons
MAX_BUTTON_TITLE = WHATSAPP.button_label
MAX_ROWS = WHATSAPP.rows
MAX_ROW_TITLE = WHATSAPP.row_label
MAX_ROW_DESCRIPTION = 72
MAX_LIST_BUTTON = 20
MAX_FOOTER = 60

WINDOW = timedelta(hours=24)
WINDOW_MARGIN = timedelta(minutes=5)  # a message sent at 23:59 may arrive after the window
OPEN_HELD = "wa:open"  # payload of the template's quick-reply button
NAV_TYPED = frozenset({"n:menu", "n:help"})  # buttons a person can also type ("menu", "hulp")

# Error codes (Graph API error objects and `failed` statuses).
OUTSIDE_WINDOW = 131047
UNDELIVERABLE = 131026
RATE_LIMITS = frozenset({4, 80007, 130429, 131048, 131056})
NOT_A_RECIPIENT = frozenset({131030, 131021, 131045})  # not allowed / own number / unregistered
SEND_ATTEMPTS = 4
RETRY_FAILED = 2  # a message that failed for another reason is sent again this often

# Typed words that work like Telegram's commands, in Dutch and English.
TYPED_COMMANDS = {
    "hulp": "hulp",
    "help": "help",
    "menu": "menu",
    "start": "start",
    "stop": "stop",
    "vergeet mij": "vergeetmij",
    "vergeetmij": "vergeetmij",
    "forget me": "forgetme",
    "forgetme": "forgetme",
    "mijn data": "mijndata",
    "mijndata": "mijndata",
    "my data": "mydata",
    "mydata": "mydata",
    "taal": "taal",
    "language": "language",
    "instellingen": "instellingen",
    "settings": "settings",
    "privacy": "privacy",
}
# WhatsApp's message types as the core names media (the names Telegram's adapter uses too, so
# the staff side treats a photo or a contact card alike on both channels).
MEDIA_KINDS = {
    "image": "photo",
    "video": "video",
    "audio": "audio",
    "document": "document",
    "sticker": "sticker",
    "location": "location",
    "contacts": "contact",
    "order": "other",
}
PRIVATE_MEDIA = frozenset({"location", "contact"})  # never passed on: they show who and where
SILENT_TYPES = frozenset({"reaction", "revoke", "system", "request_welcome"})


@dataclass(slots=True)
class _Current:
    """The event pywa is handling in this task, and whether one of our handlers took it."""

    address: str
    arrived: float  # clock seconds when the event came in (the flood limit counts arrivals)
    handled: bool = False
    forgotten: bool = False  # the turn deleted the person: empty the -wal after the inbox


_current: contextvars.ContextVar[_Current] = contextvars.ContextVar("wa_current")


# -- templates (bot/content/whatsapp_templates.yaml) -----------------------------------------


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


FALLBACK = "waiting"  # the template for what no other template names (a relay, a notice)


class TemplateDef(_Frozen):
    """One approved template: its name at Meta, its language codes, its body parameters, the
    scheduled kinds it announces and the opt-in it needs."""

    name: str = Field(pattern=r"^[a-z0-9_]{1,512}$")
    category: Literal["utility", "marketing"]
    languages: dict[str, str]  # our language (nl, en) -> Meta's code (nl, en_US, ...)
    parameters: list[Literal["count"]] = Field(default_factory=list)
    button: bool = False  # a quick-reply button whose tap sends what is held
    kinds: list[str] = Field(default_factory=list)  # scheduled kinds (bot messages) it is for
    opt_in: Literal["checkins", "followups", "any"] = "any"

    def language(self, lang: str) -> TemplateLanguage:
        """Meta's language code for one of our languages (validated at load)."""
        return TemplateLanguage(self.languages.get(lang) or self.languages["nl"])

    def wanted(self, user: User) -> bool:
        """Whether the person opted in to what this template announces."""
        if user.stopped:
            return False
        if self.opt_in == "checkins":
            return user.checkins
        if self.opt_in == "followups":
            return user.followups
        return user.checkins or user.followups


class TemplatesFile(_Frozen):
    templates: dict[str, TemplateDef]

    def for_kind(self, kind: str) -> TemplateDef:
        """The template that announces a held message of this scheduled kind ('' for a
        message no schedule started)."""
        found = next((t for t in self.templates.values() if kind and kind in t.kinds), None)
        return found or self.templates[FALLBACK]


def load_templates(kinds: Iterable[str], root: Path | None = None) -> TemplatesFile:
    """Read and validate the templates; a problem stops start-up with one line naming the
    file and key. `kinds`: the scheduled kinds there are (`Core.jobs`)."""
    path = (root or default_content_dir()) / "whatsapp_templates.yaml"
    try:
        parsed = TemplatesFile.model_validate(parse_yaml(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise SettingsError(f"{path.name}: {exc}") from None
    known = frozenset(kinds)

    def fail(key: str, problem: str) -> SettingsError:
        return SettingsError(f"{path.name}: templates.{key}: {problem}")

    if FALLBACK not in parsed.templates:
        raise fail(FALLBACK, "missing (the template for messages no other template names)")
    claimed: dict[str, str] = {}
    names: dict[str, str] = {}
    for key, template in parsed.templates.items():
        if set(template.languages) != set(LANGUAGES):
            raise fail(f"{key}.languages", f"needs exactly {', '.join(LANGUAGES)}")
        for code in template.languages.values():
            try:
                TemplateLanguage(code)
            except ValueError:
                raise fail(f"{key}.languages", f"unknown language code {code!r}") from None
        if template.name in names:
            raise fail(f"{key}.name", f"{template.name!r} is also templates.{names[template.name]}")
        names[template.name] = key
        for kind in template.kinds:
            if kind not in known:
                raise fail(f"{key}.kinds", f"unknown scheduled kind {kind!r}")
            if kind in claimed:
                raise fail(f"{key}.kinds", f"{kind!r} is also in templates.{claimed[kind]}")
            claimed[kind] = key
    return parsed


# -- replies as Cloud API messages --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Labels:
    """The few channel texts rendering needs, in one language."""

    list_button: str
    hint: str  # footer when menu/help were left off the buttons: they can be typed
    more: str  # body of a second list when a step has more than 10 options
    export_caption: str  # the /mijndata file goes as .txt: its caption says so
    short: Mapping[str, str] = field(default_factory=dict)  # full label -> WhatsApp label


def channel_labels(content: Content, lang: str) -> Labels:
    """The list button, the footer hint and the short labels of one language."""
    short: dict[str, str] = {}
    for key, value in content.texts.get(lang, {}).items():
        if key.startswith(SHORT_PREFIX) and isinstance(value, str):
            short[content.text(lang, key.removeprefix(SHORT_PREFIX))] = value
    return Labels(
        list_button=content.text(lang, "whatsapp.list_button"),
        hint=content.text(lang, "whatsapp.typed_hint"),
        more=content.text(lang, "whatsapp.more_options"),
        export_caption=content.text(lang, "whatsapp.export_caption"),
        short=short,
    )


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One Cloud API message: text, reply buttons, a list, a document or an image."""

    kind: Literal["text", "buttons", "list", "document", "image"]
    body: str
    options: tuple[tuple[str, str, str], ...] = ()  # (id, title, description)
    footer: str = ""
    button: str = ""  # the list's button
    document: Document | None = None
    image: bytes | None = None
    purpose: str = ""  # the scheduled kind that started it ('' otherwise): picks the template

    def to_json(self) -> str | None:
        """Stored form for the outbox; documents and images are never kept."""
        if self.kind in ("document", "image"):
            return None
        return json.dumps(
            {
                "kind": self.kind,
                "body": self.body,
                "options": [list(option) for option in self.options],
                "footer": self.footer,
                "button": self.button,
                "purpose": self.purpose,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, data: str) -> Outgoing:
        """Inverse of `to_json`."""
        raw = json.loads(data)
        return cls(
            kind=raw["kind"],
            body=raw["body"],
            options=tuple((str(a), str(b), str(c)) for a, b, c in raw.get("options", [])),
            footer=raw.get("footer", ""),
            button=raw.get("button", ""),
            purpose=raw.get("purpose", ""),
        )


def _split(text: str, limit: int) -> list[str]:
    """Cut a text at line breaks (else hard) into parts of at most `limit` characters."""
    parts: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > 0 else limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip("\n")
    parts.append(text)
    return [part for part in parts if part.strip()] or [text]


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _unique(titles: list[str], limit: int) -> list[str]:
    """Meta refuses two buttons with the same title: number the repeats."""
    seen: dict[str, int] = {}
    out = []
    for title in titles:
        count = seen.get(title, 0)
        seen[title] = count + 1
        out.append(title if count == 0 else _fit(title, limit - 3) + f" {count + 1}")
    return out


def _interactive(body: str, taps: list[Button], labels: Labels) -> list[Outgoing]:
    """Buttons when they fit WhatsApp's three, else a list (more lists past ten rows)."""
    taps = list({b.data: b for b in taps}.values())  # one button per answer
    titles = [labels.short.get(b.label, b.label) for b in taps]
    body = body or labels.list_button
    footer = ""
    if len(taps) > MAX_BUTTONS or any(len(t) > MAX_BUTTON_TITLE for t in titles):
        kept = [(b, t) for b, t in zip(taps, titles, strict=True) if b.data not in NAV_TYPED]
        fits = bool(kept) and all(len(t) <= MAX_BUTTON_TITLE for _, t in kept)
        if fits and len(kept) < len(taps) and len(kept) <= MAX_BUTTONS:
            taps, titles, footer = [b for b, _ in kept], [t for _, t in kept], labels.hint
    if len(taps) <= MAX_BUTTONS and all(len(t) <= MAX_BUTTON_TITLE for t in titles):
        names = _unique(titles, MAX_BUTTON_TITLE)
        options = tuple((b.data or "", t, "") for b, t in zip(taps, names, strict=True))
        return [Outgoing("buttons", body, options, footer=_fit(footer, MAX_FOOTER))]
    pairs = list(zip(taps, titles, strict=True))
    if len(pairs) > MAX_ROWS:
        without_nav = [(b, t) for b, t in pairs if b.data not in NAV_TYPED]
        if len(without_nav) < len(pairs):
            pairs, footer = without_nav, labels.hint
    lists = []
    for start in range(0, len(pairs), MAX_ROWS):
        chunk = pairs[start : start + MAX_ROWS]
        names = _unique([_fit(t, MAX_ROW_TITLE) for _, t in chunk], MAX_ROW_TITLE)
        rows = tuple(
            (
                b.data or "",
                name,
                _fit(b.label, MAX_ROW_DESCRIPTION) if name != b.label else "",
            )
            for (b, _), name in zip(chunk, names, strict=True)
        )
        lists.append(
            Outgoing(
                "list",
                body if start == 0 else labels.more,
                rows,
                footer=_fit(footer, MAX_FOOTER),
                button=_fit(labels.list_button, MAX_LIST_BUTTON),
            )
        )
    return lists


def render(replies: list[Reply], labels: Labels) -> list[Outgoing]:
    """A turn's replies as few Cloud API messages as fit (texts merged, buttons kept last)."""
    out: list[Outgoing] = []
    pending = ""

    def flush() -> None:
        nonlocal pending
        if pending:
            out.extend(Outgoing("text", part) for part in _split(pending, MAX_TEXT))
        pending = ""

    for reply in replies:
        taps = [b for row in reply.buttons for b in row if b.data]
        links = [b for row in reply.buttons for b in row if b.url and not b.data]
        text = reply.text.strip()
        if links:
            text += "\n\n" + "\n".join(f"{b.label}: {b.url}" for b in links)
        if reply.document is not None or reply.image is not None:
            flush()
            kind: Literal["document", "image"] = "document" if reply.document else "image"
            exported = reply.document is not None and reply.document.filename.endswith(".json")
            caption = _fit(labels.export_caption if exported else text, MAX_CAPTION)
            out.append(Outgoing(kind, caption, document=reply.document, image=reply.image))
            if taps:
                out.extend(_interactive(labels.list_button, taps, labels))
            continue
        if reply.alone and not taps:  # kept or forwarded as it is: a message of its own
            flush()
            out.extend(Outgoing("text", part) for part in _split(text, MAX_TEXT))
            continue
        if not taps:
            joined = f"{pending}\n\n{text}" if pending else text
            if len(joined) <= MAX_TEXT:
                pending = joined
            else:
                flush()
                pending = text
            continue
        if pending and len(pending) + 2 + len(text) <= MAX_BODY:
            text, pending = f"{pending}\n\n{text}", ""
        flush()
        if len(text) > MAX_BODY:
            head = _split(text, MAX_BODY)
            text = head.pop()
            out.extend(Outgoing("text", part) for part in _split("\n\n".join(head), MAX_TEXT))
        out.extend(_interactive(text, taps, labels))
    flush()
    return out


def as_text_document(document: Document) -> Document:
    """Meta refuses `application/json` uploads: the export goes as a .txt file (other files,
    such as a peer educator's PDF, go as they are)."""
    if not document.filename.endswith(".json"):
        return document
    return Document(document.filename.removesuffix(".json") + ".txt", document.content)


def document_mime(document: Document) -> str:
    """The type Meta is told a file has, from its name (a relayed file keeps its own)."""
    return mimetypes.guess_type(document.filename)[0] or "application/octet-stream"


def image_mime(data: bytes) -> str:
    """Charts are PNG, photos relayed from Telegram JPEG: told apart by their first bytes."""
    return "image/jpeg" if data.startswith(b"\xff\xd8\xff") else "image/png"


# -- webhook events -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Piece:
    """One event of a webhook post, on its own, as pywa reads it."""

    key: str  # SHA-256 of the wamid (and status): the inbox key
    address: str  # the person's WhatsApp id (a phone number): never stored elsewhere
    body: bytes
    status: bool = False

    def anonymised(self, chat: str) -> Piece:
        """A status without the number (only the keyed hash): nothing about it needs the
        number, so the inbox never holds one for a status, e.g. after /vergeetmij."""
        data = json.loads(self.body)
        value = data["entry"][0]["changes"][0]["value"]
        value["contacts"] = [{"wa_id": chat, "user_id": chat}]
        for status in value["statuses"]:
            status["recipient_id"] = chat
        return Piece(self.key, chat, json.dumps(data, ensure_ascii=False).encode(), True)


def event_key(kind: str, wamid: str, extra: str = "") -> str:
    """The inbox key of an event; the wamid itself (it encodes a phone number) is not kept."""
    return hashlib.sha256(f"{kind}:{wamid}:{extra}".encode()).hexdigest()


def wamid_hash(wamid: str) -> str:
    """How the outbox refers to a sent message."""
    return hashlib.sha256(f"sent:{wamid}".encode()).hexdigest()


def _contact(value: Mapping[str, Any], address: str) -> dict[str, Any]:
    """The sender's contact entry without the profile name (the bot never uses names).

    pywa 4.5 expects Meta's business-scoped `user_id` beside `wa_id`; older payloads (and
    statuses) lack it, so the address stands in.
    """
    for entry in value.get("contacts") or ():
        if isinstance(entry, dict) and address in (entry.get("wa_id"), entry.get("user_id")):
            wa_id = entry.get("wa_id") or None
            return {"wa_id": wa_id, "user_id": entry.get("user_id") or wa_id or address}
    return {"wa_id": address, "user_id": address}


def split_events(data: Any, phone_number_id: str) -> Iterator[Piece]:
    """Every message and status of a post for our number as its own single-event envelope.

    Meta may batch several in one post; pywa reads only the first of each. Profile names are
    dropped before anything is kept; events for another business number are left out.
    """
    if not isinstance(data, dict):
        return
    for entry in data.get("entry") or ():
        if not isinstance(entry, dict):
            continue
        for change in entry.get("changes") or ():
            if not isinstance(change, dict) or change.get("field") != "messages":
                continue
            value = change.get("value")
            if not isinstance(value, dict):
                continue
            metadata = value.get("metadata")
            if isinstance(metadata, dict) and str(metadata.get("phone_number_id")) != (
                phone_number_id
            ):
                continue
            base = {k: v for k, v in value.items() if k in ("messaging_product", "metadata")}
            for message in value.get("messages") or ():
                address = str(message.get("from") or message.get("from_user_id") or "")
                wamid = str(message.get("id") or "")
                if not address or not wamid:
                    continue
                single = base | {"contacts": [_contact(value, address)], "messages": [message]}
                yield _piece(entry, single, event_key("message", wamid), address)
            for status in value.get("statuses") or ():
                address = str(status.get("recipient_id") or status.get("recipient_user_id") or "")
                wamid = str(status.get("id") or "")
                if not address or not wamid:
                    continue
                single = base | {"contacts": [_contact(value, address)], "statuses": [status]}
                key = event_key("status", wamid, str(status.get("status")))
                yield replace(_piece(entry, single, key, address), status=True)


def _piece(entry: Mapping[str, Any], value: dict[str, Any], key: str, address: str) -> Piece:
    envelope = {
        "object": "whatsapp_business_account",
        "entry": [{"id": entry.get("id", ""), "changes": [{"field": "messages", "value": value}]}],
    }
    return Piece(key, address, json.dumps(envelope, ensure_ascii=False).encode())


def _typed_word(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().strip(".!?¡¿").strip()).casefold()


def text_event(chat: str, text: str, message_id: int | None = None) -> Event:
    """Typed text as an event: `/hulp` and the plain words "hulp", "menu", "stop", "vergeet
    mij" (nl and en) are commands, as on Telegram; everything else is text."""
    base: dict[str, Any] = {"channel": CHANNEL, "user": chat, "message_id": message_id}
    if text.startswith("/"):
        head, _, args = text[1:].partition(" ")
        command = head.lower()
        return Event(kind=EventKind.COMMAND, text=text, command=command, args=args.strip(), **base)
    typed = TYPED_COMMANDS.get(_typed_word(text))
    if typed is not None:
        return Event(kind=EventKind.COMMAND, text=text, command=typed, **base)
    return Event(kind=EventKind.TEXT, text=text, **base)


class _OutsideWindow(DeliveryFailed):
    """Meta refused a free-form message in its answer: the 24-hour window is closed."""


class _GraphBase(httpx.AsyncBaseTransport):
    """pywa sets `https://graph.facebook.com/v{version}` on its HTTP session; this transport
    sends the same requests to WHATSAPP_API_BASE_URL instead (a local fake in tests)."""

    def __init__(self, base_url: str, version: str) -> None:
        self._base = base_url.rstrip("/")
        self._prefix = f"/v{version}"
        self._inner = httpx.AsyncHTTPTransport(retries=0)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == GRAPH_HOST:  # media downloads go where Meta's URL says
            path = request.url.raw_path.decode("ascii")
            url = httpx.URL(self._base + path.removeprefix(self._prefix))
            request.url = url
            request.headers["Host"] = url.netloc.decode("ascii")
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def _version(base_url: str) -> str:
    found = re.search(r"/v(\d+(?:\.\d+)?)$", base_url.rstrip("/"))
    return found.group(1) if found else "21.0"


class WhatsAppTransport:
    """Owns the pywa client; handlers are bound to the core. The core's `Sender` for WhatsApp."""

    def __init__(self, core: Core, templates: TemplatesFile | None = None) -> None:
        self.core = core
        settings = core.settings
        if not settings.whatsapp_enabled:
            raise ValueError("the WHATSAPP_* settings are required for the WhatsApp transport")
        self.templates = templates or load_templates(core.jobs.kinds)
        base = settings.whatsapp_api_base_url
        version = _version(base)
        self._http = httpx.AsyncClient(transport=_GraphBase(base, version), timeout=20.0)
        self.wa = WhatsApp(
            phone_id=settings.whatsapp_phone_number_id,
            token=settings.whatsapp_access_token,
            session=self._http,
            server=None,
            verify_token=settings.whatsapp_verify_token,
            app_secret=settings.whatsapp_app_secret,
            validate_updates=True,
            skip_duplicate_updates=False,  # in memory only; our inbox dedupes durably
            api_version=version,
        )
        self.wa.add_handlers(
            MessageHandler(self._on_message),
            EditedMessageHandler(self._on_edited),
            CallbackButtonHandler(self._on_button),
            CallbackSelectionHandler(self._on_selection),
            MessageStatusHandler(self._on_status),
        )
        self._key = b""
        self._in_hand: set[str] = set()
        self._queues: dict[str, deque[Piece]] = {}
        # The per-person limit (bot/core/flood.py), counted when each event arrived (key ->
        # clock seconds), as on Telegram: a slow backlog does not open the window again.
        self.flood = FloodGate(settings.flood_messages, settings.flood_seconds)
        self._arrivals: dict[str, float] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(settings.concurrent_updates)
        self._send_locks: dict[str, asyncio.Lock] = {}
        self._send_waiting: dict[str, int] = {}
        self._running = False
        self._labels: dict[str, Labels] = {}
        self.backoff = 1.0  # seconds before the first retry after a rate limit
        core.senders[CHANNEL] = self

    # -- identities -----------------------------------------------------------------------

    def chat(self, address: str) -> str:
        """The person's id in the core (`users.external_id`): a keyed hash of the number."""
        return "wa" + hmac.new(self._key, address.encode(), hashlib.sha256).hexdigest()[:30]

    # -- web routes -------------------------------------------------------------------------

    def serve_on(self, web: WebServer) -> None:
        """GET /whatsapp answers Meta's handshake, POST /whatsapp takes signed events."""
        web.add_challenge(WEBHOOK_PATH, self._challenge)
        web.add_ingress(WEBHOOK_PATH, Ingress(admit=lambda _headers: True, accept=self._receive))

    async def _challenge(self, query: Mapping[str, str]) -> tuple[str, int]:
        answer, status = await self.wa.webhook_challenge_handler(
            vt=query.get("hub.verify_token"), ch=query.get("hub.challenge")
        )
        if status != 200 or query.get("hub.mode", "subscribe") != "subscribe":
            return "Forbidden", 403
        return answer or "", 200

    async def _receive(self, body: bytes, headers: Mapping[str, str]) -> int:
        """Check the signature over the raw bytes, keep each event, then answer 200."""
        if not self._key:  # not started yet: Meta sends it again shortly
            return 503
        refused = await self.wa.webhook_update_validator(body, headers.get(SIGNATURE_HEADER))
        if refused is not None:
            return refused[1]  # 401 unsigned, 403 wrongly signed: nothing handled
        try:
            data = json.loads(body)
        except ValueError:
            log.warning("ignored a signed WhatsApp post that is not JSON (%d bytes)", len(body))
            return 400
        now = self.core.clock.now()
        for piece in split_events(data, self.core.settings.whatsapp_phone_number_id or ""):
            if piece.key in self._in_hand:  # claimed before any await: concurrent duplicates
                metrics.DUPLICATES.labels(CHANNEL).inc()
                continue
            self._in_hand.add(piece.key)
            chat = self.chat(piece.address)
            if piece.status:
                piece = piece.anonymised(chat)
            payload = json.dumps(
                {"address": piece.address, "chat": chat, "body": piece.body.decode()}
            )
            if await store.claim(self.core.repo, piece.key, chat, payload, now):
                self._enqueue(chat, piece)
            else:  # Meta's retry of an event kept before: answered once
                metrics.DUPLICATES.labels(CHANNEL).inc()
                self._in_hand.discard(piece.key)
        return 200

    def _enqueue(self, chat: str, piece: Piece) -> None:
        self._arrivals[piece.key] = self.core.clock.now().timestamp()
        queue = self._queues.get(chat)
        if queue is not None:
            queue.append(piece)
            return
        self._queues[chat] = deque([piece])
        task = asyncio.get_running_loop().create_task(self._drain(chat))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drain(self, chat: str) -> None:
        """Handle one chat's events in arrival order."""
        queue = self._queues[chat]
        try:
            while queue:
                piece = queue[0]
                try:
                    async with self._slots:
                        await self._handle(piece)
                except Exception:  # one broken event must not stop the chat
                    log.exception("WhatsApp event could not be handled")
                finally:
                    queue.popleft()
                    self._in_hand.discard(piece.key)
        finally:
            del self._queues[chat]

    async def _handle(self, piece: Piece) -> None:
        arrived = self._arrivals.pop(piece.key, self.core.clock.now().timestamp())
        current = _Current(piece.address, arrived)
        token = _current.set(current)
        try:
            await self.wa.webhook_update_handler(piece.body)
            if not current.handled:
                await self._unread(piece)
        finally:
            _current.reset(token)
        metrics.UPDATES.labels(CHANNEL).inc()
        await store.answered(self.core.repo, piece.key, self.core.clock.now())
        if current.forgotten:  # the payload held the number: no copy may stay in any file
            await self.core.repo.checkpoint()

    async def _unread(self, piece: Piece) -> None:
        """A message pywa could not turn into a typed update (a shape it does not expect):
        read the few fields the bot needs directly, so the person still gets an answer."""
        value = json.loads(piece.body)["entry"][0]["changes"][0]["value"]
        messages = value.get("messages") or []
        if not messages:
            return
        message = messages[0]
        kind = str(message.get("type", ""))
        interactive = message.get("interactive") or {}
        reply = interactive.get("button_reply") or interactive.get("list_reply")
        if kind == "text":
            await self._turn(piece.address, str((message.get("text") or {}).get("body", "")))
        elif kind == "interactive" and isinstance(reply, dict):
            await self._tap(piece.address, str(reply.get("id", "")), str(reply.get("title", "")))
        elif kind == "button":
            button = message.get("button") or {}
            await self._tap(piece.address, str(button.get("payload", "")), "")
        elif kind not in SILENT_TYPES:
            await self._turn(piece.address, media=MEDIA_KINDS.get(kind, "other"))

    # -- pywa handlers ----------------------------------------------------------------------

    @staticmethod
    def _taken() -> str:
        """Mark the current event as handled by us; the address it came from (as kept)."""
        current = _current.get()
        current.handled = True
        return current.address

    async def _on_message(self, _wa: Any, message: Message) -> None:
        address = self._taken()
        kind = str(message.type)
        if kind == "text" and message.text:
            await self._turn(address, message.text)
        elif kind not in SILENT_TYPES:
            media = MEDIA_KINDS.get(kind, "other")
            found = message.media
            ref = (str(found.id), str(found.mime_type)) if found is not None else None
            await self._turn(address, media=media, caption=message.caption or "", ref=ref)

    async def _on_edited(self, _wa: Any, edited: EditedMessage) -> None:
        address = self._taken()
        text = (edited.message.text or "") if edited.message is not None else ""
        await self._run(address, Event(CHANNEL, self.chat(address), EventKind.EDITED, text=text))

    async def _on_button(self, _wa: Any, button: CallbackButton[str]) -> None:
        await self._tap(self._taken(), str(button.data), button.title)

    async def _on_selection(self, _wa: Any, picked: CallbackSelection[str]) -> None:
        await self._tap(self._taken(), str(picked.data), picked.title)

    async def _on_status(self, _wa: Any, status: MessageStatus[str]) -> None:
        self._taken()
        await self._status(status)

    # -- turns ------------------------------------------------------------------------------

    async def _turn(
        self,
        address: str,
        text: str | None = None,
        media: str = "",
        caption: str = "",
        ref: tuple[str, str] | None = None,
    ) -> None:
        """A text message, or media of kind `media` (with its caption and Meta's media id and
        type in `ref`), from a person."""
        chat = self.chat(address)
        if text is not None:
            event = text_event(chat, text)
        else:
            event = Event(CHANNEL, chat, EventKind.MEDIA, media=media, text=caption)
        await self._run(address, event, ref)

    async def _tap(self, address: str, data: str, title: str) -> None:
        chat = self.chat(address)
        if data == OPEN_HELD or not data:
            known = await self.core.repo.load(CHANNEL, chat)
            if known is not None and await store.held(self.core.repo, known[0].id):
                await self._opened(address, known[0])
                return
            data = "n:back"  # nothing waits (any more): show where they were
        await self._run(address, Event(CHANNEL, chat, EventKind.CHOICE, choice=data[:64]))

    async def _opened(self, address: str, user: User) -> None:
        """The person answered: the window is open, send what waited for them."""
        await store.inbound(self.core.repo, user.id, address, self.core.clock.now())
        await self._flush(address, user)

    async def _run(self, address: str, event: Event, ref: tuple[str, str] | None = None) -> None:
        repo = self.core.repo
        known = await repo.load(CHANNEL, event.user)
        if known is not None:
            await self._opened(address, known[0])
            event = await self._relayable(known[0], known[1], event, ref)
        verdict = self.flood.check(event, _current.get().arrived)
        outcome = await self.core.engine.handle(event, verdict)
        after = await repo.load(CHANNEL, event.user)
        user = after[0] if after is not None else None
        if outcome.forgotten:  # /vergeetmij or under 16: nothing of the chat may stay behind
            await store.forget_chat(repo, event.user)
        elif known is None and user is not None:  # stored from now on (not a stranger)
            await store.inbound(repo, user.id, address, self.core.clock.now())
        stranger = self.core.engine.strangers.get(CHANNEL, event.user)  # before the age question
        shown = user or (stranger.user if stranger else None)
        lang = shown.language if shown is not None else self.core.settings.default_language
        try:
            await self._deliver(address, user, render(outcome.replies, self.labels(lang)), True)
        except Unreachable:
            if user is not None:
                await repo.mark_unreachable(user.id)
        except (RetryLater, DeliveryFailed) as exc:
            log.warning("WhatsApp reply not delivered: %s", type(exc).__name__)
        if outcome.forgotten:
            _current.get().forgotten = True

    async def _relayable(
        self, user: User, state: dict[str, Any], event: Event, ref: tuple[str, str] | None
    ) -> Event:
        """In the talk conversation a message may go to a peer educator on another channel,
        which cannot copy it: keep its content and give it a message id (nothing else is
        kept, so coaching drafts never are)."""
        if event.kind not in (EventKind.TEXT, EventKind.MEDIA) or event.media in PRIVATE_MEDIA:
            return event
        if not talking(str(state.get("flow") or ""), str(state.get("step") or "")):
            return event
        kind = "text" if event.kind is EventKind.TEXT else event.media
        now = self.core.clock.now()
        kept = await store.keep_relayable(self.core.repo, user.id, kind, event.text, ref, now)
        return replace(event, message_id=kept)

    async def replies_for(
        self,
        source: User,
        message_id: int,
        caption: str | None,
        buttons: tuple[tuple[Button, ...], ...],
    ) -> list[Reply] | None:
        """`Relayer` (bot/staff/channel.py): a kept message as replies for another channel;
        media is downloaded from Meta to be uploaded there (never a link to it)."""
        kept = await store.relayable(self.core.repo, source.id, message_id)
        if kept is None:
            return None
        text = caption if caption is not None else kept.text
        if kept.kind == "text" or kept.media_id is None:
            return [Reply(text, buttons)] if text.strip() else None
        try:
            url = await self.wa.get_media_url(kept.media_id)
            data = await self.wa.get_media_bytes(url.url)
        except (WhatsAppError, httpx.HTTPError) as exc:
            log.warning("WhatsApp media not downloaded: %s", type(exc).__name__)
            return None
        mime = kept.mime or "application/octet-stream"
        if kept.kind == "photo" and mime in ("image/jpeg", "image/png"):
            return [Reply(text, buttons, image=data)]
        extension = mime.split("/")[-1].split(";")[0].strip() or "bin"
        return [Reply(text, buttons, document=Document(f"{kept.kind}.{extension}", data))]

    # -- outgoing ---------------------------------------------------------------------------

    def labels(self, lang: str) -> Labels:
        """Channel texts and short labels (bot/content/<lang>/whatsapp.yaml), per language."""
        if lang not in self._labels:
            self._labels[lang] = channel_labels(self.core.content, lang)
        return self._labels[lang]

    async def send(self, user: User, replies: list[Reply]) -> None:
        """`Sender` protocol: a message the bot starts that no schedule started (a relay, a
        notice about a case)."""
        await self.send_kind(user, replies, "")

    async def send_kind(self, user: User, replies: list[Reply], kind: str) -> None:
        """`KindSender` protocol: a message the bot starts (check-in, reminder, broadcast).

        Inside the 24-hour window it goes at once; outside it waits in the outbox and a person
        who opted in gets the approved template for its `kind` (whatsapp_templates.yaml).
        """
        contact = await store.contact(self.core.repo, user.id)
        if contact is None:
            raise Unreachable("no WhatsApp number")
        rendered = render(replies, self.labels(user.language))
        outgoing = [replace(message, purpose=kind) for message in rendered]
        if self._in_window(contact):
            await self._flush(contact.phone, user)  # what waited goes first
            await self._deliver(contact.phone, user, outgoing, False)
            return
        if any(message.to_json() is None for message in outgoing):  # files are never kept
            raise DeliveryFailed("a photo or file cannot wait for the 24-hour window")
        await self._hold(user, contact, outgoing)

    def _in_window(self, contact: store.Contact) -> bool:
        now = epoch(self.core.clock.now())
        return now - contact.last_inbound_at < (WINDOW - WINDOW_MARGIN).total_seconds()

    async def _hold(self, user: User, contact: store.Contact, outgoing: list[Outgoing]) -> None:
        payloads = [p for p in (o.to_json() for o in outgoing) if p is not None]
        now = self.core.clock.now()
        await store.hold(self.core.repo, user.id, payloads, now)
        await self._nudge(user, contact, outgoing[0].purpose if outgoing else "")

    async def _nudge(self, user: User, contact: store.Contact, kind: str) -> None:
        """One template per wait (the one for the kind of what waits first), and only to
        people who opted in to what it announces."""
        template = self.templates.for_kind(kind)
        if not template.wanted(user) or contact.template_at is not None:
            return
        waiting = len(await store.held(self.core.repo, user.id))
        values = {"count": str(waiting)}
        params: list[dict[str, Any]] = []
        if template.parameters:
            params.append(
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": values[name].replace("\n", " ")}
                        for name in template.parameters
                    ],
                }
            )
        if template.button:
            params.append(
                {
                    "type": "button",
                    "sub_type": "quick_reply",
                    "index": "0",
                    "parameters": [{"type": "payload", "payload": OPEN_HELD}],
                }
            )
        try:
            sent = await self._attempts(
                lambda: self.wa.send_template(
                    to=contact.phone,
                    name=template.name,
                    language=template.language(user.language),
                    params=params,
                ),
                patient=False,
            )
        except (Unreachable, RetryLater, DeliveryFailed) as exc:
            log.warning("WhatsApp template not sent: %s", type(exc).__name__)
            return
        now = self.core.clock.now()
        await store.template_sent(self.core.repo, user.id, now)
        await store.sent(self.core.repo, user.id, None, wamid_hash(sent.id), now)

    async def _flush(self, address: str, user: User) -> None:
        """Send what was held for the person, oldest first; stop at the first failure."""
        for item in await store.held(self.core.repo, user.id):
            outgoing = Outgoing.from_json(item.payload)
            try:
                wamid = await self._send_locked(address, outgoing, patient=True)
            except (Unreachable, RetryLater, DeliveryFailed) as exc:
                log.warning("held WhatsApp message not sent: %s", type(exc).__name__)
                return
            await store.resent(self.core.repo, item.id, wamid_hash(wamid), self.core.clock.now())

    async def _deliver(
        self, address: str, user: User | None, outgoing: list[Outgoing], patient: bool
    ) -> None:
        """Send messages in order, recording each for its status callbacks. Refused as outside
        the window (131047 in the answer itself), the rest waits for the person."""
        for index, message in enumerate(outgoing):
            try:
                wamid = await self._send_locked(address, message, patient)
            except _OutsideWindow:
                contact = await store.contact(self.core.repo, user.id) if user else None
                rest = outgoing[index:]
                if user is None or contact is None or any(m.to_json() is None for m in rest):
                    raise DeliveryFailed(
                        "outside the 24-hour window"
                    ) from None  # files: never kept
                await self._hold(user, contact, rest)
                return
            if user is not None:
                now = self.core.clock.now()
                await store.sent(self.core.repo, user.id, message.to_json(), wamid_hash(wamid), now)

    async def _send_locked(self, address: str, message: Outgoing, patient: bool) -> str:
        """One message at a time per chat, so a rate-limit pause never reorders a chat."""
        lock = self._send_locks.setdefault(address, asyncio.Lock())
        self._send_waiting[address] = self._send_waiting.get(address, 0) + 1
        try:
            async with lock:
                sent = await self._attempts(lambda: self._send_one(address, message), patient)
                return str(sent.id)
        finally:
            self._send_waiting[address] -= 1
            if not self._send_waiting[address]:  # nobody else waits: forget the lock
                del self._send_waiting[address]
                del self._send_locks[address]

    async def _attempts(self, call: Any, patient: bool) -> Any:
        """Run one Graph API call; rate limits and network trouble are retried with backoff."""
        for attempt in range(SEND_ATTEMPTS):
            last = attempt + 1 == SEND_ATTEMPTS
            wait = self.backoff * 2**attempt
            try:
                return await call()
            except WhatsAppError as exc:
                code = int(exc.code)
                if code in RATE_LIMITS:
                    if last or (not patient and attempt >= 1):
                        metrics.delivery_failed(CHANNEL, RetryLater(wait))
                        raise RetryLater(wait) from None
                    await asyncio.sleep(wait)
                    continue
                if code == UNDELIVERABLE or code in NOT_A_RECIPIENT:
                    metrics.delivery_failed(CHANNEL, Unreachable(str(code)))
                    raise Unreachable(f"WhatsApp error {code}") from None
                if code == OUTSIDE_WINDOW:
                    raise _OutsideWindow from None
                metrics.delivery_failed(CHANNEL, DeliveryFailed(str(code)))
                raise DeliveryFailed(f"WhatsApp error {code}") from None
            except httpx.HTTPError as exc:
                if last:
                    metrics.delivery_failed(CHANNEL, DeliveryFailed(type(exc).__name__))
                    raise DeliveryFailed(type(exc).__name__) from None
                await asyncio.sleep(0.25 * 2**attempt)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _send_one(self, address: str, message: Outgoing) -> Any:
        wa = self.wa
        footer = message.footer or None
        if message.kind == "text":
            return await wa.send_message(to=address, text=message.body)
        if message.kind == "buttons":
            buttons = [WaButton(title=title, callback_data=i) for i, title, _ in message.options]
            return await wa.send_message(
                to=address, text=message.body, buttons=buttons, footer=footer
            )
        if message.kind == "list":
            rows = [
                SectionRow(title=title, callback_data=i, description=desc or None)
                for i, title, desc in message.options
            ]
            section = Section(title=message.button, rows=rows)
            listing = SectionList(button_title=message.button, sections=[section])
            return await wa.send_message(
                to=address, text=message.body, buttons=listing, footer=footer
            )
        if message.kind == "document" and message.document is not None:
            document = as_text_document(message.document)
            return await wa.send_document(
                to=address,
                document=document.content,
                filename=document.filename,
                mime_type=document_mime(document),
                caption=message.body or None,
            )
        if message.kind == "image" and message.image is not None:
            return await wa.send_image(
                to=address,
                image=message.image,
                mime_type=image_mime(message.image),
                caption=message.body or None,
            )
        raise DeliveryFailed(f"nothing to send for a {message.kind} message")

    # -- status callbacks -------------------------------------------------------------------

    async def _status(self, status: MessageStatus[str]) -> None:
        """Delivery state; a failed message is held again or sent again, never dropped."""
        repo, now = self.core.repo, self.core.clock.now()
        state = str(status.status)
        key = wamid_hash(status.id)
        found = await store.status(repo, key, state, now)
        if found is None or state != "failed":
            return
        user_id, payload, attempts = found
        code = int(status.error.code) if status.error is not None else 0
        user = await repo.user_by_id(user_id)
        if user is None or payload is None:
            return
        await store.back_to_held(repo, key, now)
        if code == UNDELIVERABLE or code in NOT_A_RECIPIENT:
            await repo.mark_unreachable(user_id)
            return
        contact = await store.contact(repo, user_id)
        if contact is None:
            return
        if code == OUTSIDE_WINDOW or not self._in_window(contact):
            await self._nudge(user, contact, Outgoing.from_json(payload).purpose)
        elif attempts <= RETRY_FAILED:
            if code in RATE_LIMITS:
                await asyncio.sleep(self.backoff * attempts)
            await self._flush(contact.phone, user)

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Load the hash key, purge old inbox rows and handle what a previous process kept."""
        metrics.channel_started(CHANNEL)
        repo = self.core.repo
        self._key = await store.hash_key(repo)
        await store.purge(repo, self.core.clock.now())
        waiting = await store.unanswered(repo)
        for key, payload in waiting:
            data = json.loads(payload)
            piece = Piece(key, str(data["address"]), str(data["body"]).encode())
            self._in_hand.add(key)
            self._enqueue(str(data.get("chat") or self.chat(piece.address)), piece)
        if waiting:
            log.info("handling %d WhatsApp event(s) kept before a restart", len(waiting))
        self._running = True

    def running(self) -> bool:
        """Whether events are being taken (/healthz)."""
        return self._running

    async def idle(self) -> None:
        """Wait until every queued event has been handled (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def stop(self) -> None:
        """Finish the events in hand, then close the HTTP session."""
        self._running = False
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(10):
                await self.idle()
        for task in list(self._tasks):
            task.cancel()
        await self._http.aclose()
