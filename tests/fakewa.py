"""A local fake of the WhatsApp Cloud API (Graph API) plus simulated WhatsApp users.

Strict about Meta's limits, so a message the real API would refuse fails here too: at most 3
reply buttons with unique titles of at most 20 characters, lists with at most 10 rows (titles
24, descriptions 72, button 20), interactive bodies up to 1,024 and texts up to 4,096
characters, only approved templates (name, language, as many parameters as placeholders, no
line breaks in them, the quick-reply button), no `application/json` uploads. Errors come
as Meta sends them: an `error` object with `code`, as `text/javascript`, rate limits (130429)
with HTTP 400. Free-form messages to someone whose last message is over 24 hours old (by the
test's clock) are accepted and then refused by a signed `failed` status webhook (131047), as
Meta does; so is anything sent to an undeliverable number (131026).

Simulated users post signed webhook events (text, button and list replies, template button
taps, media) to the bot's `POST /whatsapp`; `settle()` waits until the bot has handled
everything, status callbacks included, without sleeping.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import web

VERSION = "v21.0"
WINDOW = timedelta(hours=24)
JS = "text/javascript; charset=UTF-8"
PNG = base64.b64decode(  # a 1x1 picture, for a user's photo
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg=="
)  # the content type of Graph API answers, errors included


@dataclass(frozen=True)
class Approved:
    """A template as approved in WhatsApp Manager: languages, {{n}} placeholders, a button."""

    languages: tuple[str, ...]
    parameters: int = 0
    button: bool = True


# The project's templates (bot/content/whatsapp_templates.yaml), as Meta would hold them.
APPROVED = {
    "sterk_checkin_klaar": Approved(("nl", "en")),
    "sterk_herinnering": Approved(("nl", "en")),
    "sterk_nieuws": Approved(("nl", "en")),
    "sterk_bericht_klaar": Approved(("nl", "en"), parameters=1),
}


@dataclass
class Sent:
    """One message the bot sent, as the Graph API received it."""

    to: str
    body: dict[str, Any]
    wamid: str

    @property
    def type(self) -> str:
        return str(self.body.get("type"))

    @property
    def text(self) -> str:
        """The visible text: body, caption or template name."""
        kind = self.type
        if kind == "text":
            return str(self.body["text"]["body"])
        if kind == "interactive":
            return str(self.body["interactive"]["body"]["text"])
        if kind in ("document", "image"):
            return str(self.body[kind].get("caption", ""))
        if kind == "template":
            return str(self.body["template"]["name"])
        return ""

    def options(self) -> list[tuple[str, str, str]]:
        """(id, title, description) of the buttons or list rows."""
        if self.type != "interactive":
            return []
        interactive = self.body["interactive"]
        action = interactive.get("action", {})
        if interactive["type"] == "button":
            return [(b["reply"]["id"], b["reply"]["title"], "") for b in action["buttons"]]
        return [
            (row["id"], row["title"], row.get("description", ""))
            for section in action["sections"]
            for row in section["rows"]
        ]


class GraphError(Exception):
    """An error answer in Meta's shape."""

    def __init__(self, code: int, message: str, http: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.http = http

    def response(self) -> web.Response:
        body = {
            "error": {
                "message": f"(#{self.code}) {self}",
                "type": "OAuthException",
                "code": self.code,
                "fbtrace_id": secrets.token_urlsafe(8),
            }
        }
        return web.Response(status=self.http, text=json.dumps(body), content_type=JS.split(";")[0])


def _bad(message: str) -> GraphError:
    return GraphError(100, f"Invalid parameter: {message}")


def _need(condition: bool, message: str) -> None:
    if not condition:
        raise _bad(message)


def _length(value: Any, low: int, high: int, what: str) -> None:
    _need(isinstance(value, str), f"{what} must be a string")
    _need(low <= len(value) <= high, f"{what} must have {low} to {high} characters")


class FakeWhatsApp:
    """The Graph API on 127.0.0.1, recording every call; also the users who write to the bot."""

    def __init__(
        self,
        *,
        token: str = "EAAG-test-token",
        phone_number_id: str = "106540352242922",
        app_secret: str = "test-app-secret",
        now: Callable[[], datetime],
        templates: dict[str, Approved] | None = None,
    ) -> None:
        self.token = token
        self.phone_number_id = phone_number_id
        self.app_secret = app_secret
        self.now = now
        self.templates = templates or dict(APPROVED)
        self.sent: list[Sent] = []
        self.refused: list[tuple[dict[str, Any], int]] = []  # (body, error code)
        self.uploads: dict[str, tuple[str, str, bytes]] = {}  # media id -> (mime, name, data)
        self.user_media: dict[str, tuple[str, bytes]] = {}  # what users sent: id -> (mime, data)
        self.downloads = 0
        self.hang_next = False
        self.hung = asyncio.Event()
        self._changed = asyncio.Event()
        self.last_inbound: dict[str, datetime] = {}
        self.undeliverable: set[str] = set()
        self.faults: list[int] = []  # error codes to answer the next sends with
        self.injected = 0  # how many sends got one of those
        self.statuses = True  # send `sent` and `delivered` callbacks after each accepted send
        self.webhook_url = ""
        self.bot_idle: Callable[[], Any] | None = None
        self._posts: set[asyncio.Task[Any]] = set()
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.port = 0

    # -- lifecycle -----------------------------------------------------------------------

    async def __aenter__(self) -> FakeWhatsApp:
        app = web.Application()
        app.router.add_post(f"/{VERSION}/{{phone}}/messages", self._messages)
        app.router.add_post(f"/{VERSION}/{{phone}}/media", self._media)
        app.router.add_get(f"/{VERSION}/{{media}}", self._media_url)
        app.router.add_get("/download/{media}", self._download)
        app.router.add_route("*", "/{tail:.*}", self._unknown)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        for task in list(self._posts):
            task.cancel()
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        """For WHATSAPP_API_BASE_URL."""
        return f"http://127.0.0.1:{self.port}/{VERSION}"

    # -- the Graph API -------------------------------------------------------------------

    def _auth(self, request: web.Request) -> None:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            raise GraphError(190, "Invalid OAuth access token", http=401)
        if request.match_info["phone"] != self.phone_number_id:
            raise GraphError(100, "Unsupported post request: unknown phone number id")

    async def _unknown(self, _request: web.Request) -> web.Response:
        return GraphError(100, "Unknown path components", http=404).response()

    async def _messages(self, request: web.Request) -> web.Response:
        if self.hang_next:  # never answered: the sender is killed while it waits
            self.hang_next = False
            self.hung.set()
            await asyncio.Event().wait()
        try:
            self._auth(request)
            body = await request.json()
            _need(isinstance(body, dict), "body must be an object")
            if self.faults:
                self.injected += 1
                return GraphError(self.faults.pop(0), "Injected fault").response()
            self._check(body)
        except GraphError as exc:
            self.refused.append((body if "body" in locals() else {}, exc.code))
            return exc.response()
        except ValueError:
            return _bad("body is not JSON").response()
        to = str(body["to"])
        wamid = self.wamid(to)
        self.sent.append(Sent(to, body, wamid))
        self._changed.set()
        late = body["type"] != "template" and self._outside_window(to)
        if to in self.undeliverable:
            self._post_later(self.status_event(to, wamid, "failed", 131026))
        elif late:
            self._post_later(self.status_event(to, wamid, "failed", 131047))
        elif self.statuses:
            self._post_later(self.status_event(to, wamid, "sent"))
            self._post_later(self.status_event(to, wamid, "delivered"))
        answer = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": wamid}],
        }
        return web.Response(text=json.dumps(answer), content_type="text/javascript")

    def _outside_window(self, to: str) -> bool:
        last = self.last_inbound.get(to)
        return last is None or self.now() - last >= WINDOW

    def _check(self, body: dict[str, Any]) -> None:
        """Meta's rules for one message; the first broken one is the answer."""
        _need(body.get("messaging_product") == "whatsapp", "messaging_product")
        _need(bool(body.get("to")) and str(body["to"]).isdigit(), "to")
        kind = body.get("type", "text")
        if kind == "text":
            _length(body.get("text", {}).get("body"), 1, 4096, "text.body")
        elif kind == "interactive":
            self._check_interactive(body.get("interactive") or {})
        elif kind in ("document", "image"):
            media = body.get(kind) or {}
            _need(str(media.get("id")) in self.uploads, f"{kind}.id is not an uploaded media id")
            if "caption" in media:
                _length(media["caption"], 0, 1024, f"{kind}.caption")
        elif kind == "template":
            self._check_template(body.get("template") or {})
        else:
            raise _bad(f"unsupported type {kind}")

    def _check_interactive(self, interactive: dict[str, Any]) -> None:
        kind = interactive.get("type")
        _length((interactive.get("body") or {}).get("text"), 1, 1024, "interactive.body.text")
        if "footer" in interactive:
            _length(interactive["footer"].get("text"), 1, 60, "interactive.footer.text")
        if "header" in interactive:
            _length(interactive["header"].get("text"), 1, 60, "interactive.header.text")
        action = interactive.get("action") or {}
        if kind == "button":
            buttons = action.get("buttons") or []
            _need(1 <= len(buttons) <= 3, "action.buttons must have 1 to 3 buttons")
            ids, titles = set(), set()
            for button in buttons:
                _need(button.get("type") == "reply", "button type must be reply")
                reply = button.get("reply") or {}
                _length(reply.get("title"), 1, 20, "button title")
                _length(reply.get("id"), 1, 256, "button id")
                _need(reply["id"] not in ids and reply["title"] not in titles, "unique buttons")
                ids.add(reply["id"])
                titles.add(reply["title"])
        elif kind == "list":
            _length(action.get("button"), 1, 20, "action.button")
            sections = action.get("sections") or []
            _need(1 <= len(sections) <= 10, "action.sections must have 1 to 10 sections")
            rows = [row for section in sections for row in section.get("rows") or []]
            _need(1 <= len(rows) <= 10, "a list has 1 to 10 rows in all")
            for section in sections:
                if len(sections) > 1 or "title" in section:
                    _length(section.get("title"), 1, 24, "section title")
            ids = set()
            for row in rows:
                _length(row.get("id"), 1, 200, "row id")
                _length(row.get("title"), 1, 24, "row title")
                if "description" in row:
                    _length(row["description"], 0, 72, "row description")
                _need(row["id"] not in ids, "row ids must be unique")
                ids.add(row["id"])
        else:
            raise _bad(f"unsupported interactive type {kind}")

    def _check_template(self, template: dict[str, Any]) -> None:
        name = str(template.get("name"))
        code = (template.get("language") or {}).get("code")
        approved = self.templates.get(name)
        if approved is None or code not in approved.languages:
            raise GraphError(132001, "Template name does not exist in the translation")
        components = template.get("components") or []
        body = [c for c in components if c.get("type") == "body"]
        buttons = [c for c in components if c.get("type") == "button"]
        given = sum(len(c.get("parameters") or []) for c in body)
        if given != approved.parameters:
            raise GraphError(132000, "Number of parameters does not match the expected number")
        for component in buttons:
            payloads = component.get("parameters") or []
            _need(approved.button and component.get("index") == "0", "no such button")
            _need(component.get("sub_type") == "quick_reply", "button sub_type")
            _need(len(payloads) == 1 and payloads[0].get("type") == "payload", "button payload")
            _length(payloads[0].get("payload"), 1, 1000, "button payload")
        for component in body:
            for parameter in component.get("parameters") or []:
                _need(parameter.get("type") == "text", "body parameters are text")
                text = parameter.get("text")
                _length(text, 1, 1024, "template parameter")
                _need("\n" not in text and "\t" not in text, "parameter has a new line")

    async def _media(self, request: web.Request) -> web.Response:
        try:
            self._auth(request)
            form = await request.post()
            upload = form.get("file")
            mime = str(form.get("type") or "")
            _need(form.get("messaging_product") == "whatsapp", "messaging_product")
            _need(isinstance(upload, web.FileField), "file")
            assert isinstance(upload, web.FileField)
            if mime not in ("text/plain", "application/pdf", "image/png", "image/jpeg"):
                raise GraphError(131053, f"Media upload error: unsupported type {mime}")
        except GraphError as exc:
            return exc.response()
        media_id = str(next(self._ids) + 900000000000000)
        self.uploads[media_id] = (mime, str(upload.filename), upload.file.read())
        return web.Response(text=json.dumps({"id": media_id}), content_type="text/javascript")

    async def _media_url(self, request: web.Request) -> web.Response:
        """A user's media: where to download it (with the token) for a few minutes."""
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return GraphError(190, "Invalid OAuth access token", http=401).response()
        media_id = request.match_info["media"]
        if media_id not in self.user_media:
            return GraphError(100, "Unsupported get request: unknown media").response()
        mime, data = self.user_media[media_id]
        answer = {
            "url": f"http://127.0.0.1:{self.port}/download/{media_id}",
            "mime_type": mime,
            "sha256": hashlib.sha256(data).hexdigest(),
            "file_size": len(data),
            "id": media_id,
            "messaging_product": "whatsapp",
        }
        return web.Response(text=json.dumps(answer), content_type="text/javascript")

    async def _download(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.Response(status=401)
        mime, data = self.user_media[request.match_info["media"]]
        self.downloads += 1
        return web.Response(body=data, content_type=mime)

    # -- ids -----------------------------------------------------------------------------

    def wamid(self, phone: str) -> str:
        """Like Meta's: the base64 of a blob that holds the phone number."""
        blob = f"\x15\x02\x0b{phone}\x15\x02\x00\x12\x18{secrets.token_hex(10).upper()}"
        return "wamid." + base64.b64encode(blob.encode()).decode()

    # -- webhook events ------------------------------------------------------------------

    def _envelope(self, value: dict[str, Any]) -> dict[str, Any]:
        value = {
            "messaging_product": "whatsapp",
            "metadata": {
                "display_phone_number": "31850000000",
                "phone_number_id": self.phone_number_id,
            },
        } | value
        return {
            "object": "whatsapp_business_account",
            "entry": [
                {"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}
            ],
        }

    def message_event(
        self, phone: str, message: dict[str, Any], name: str = "Sam"
    ) -> dict[str, Any]:
        """A webhook post of one message from `phone` (the wamid is new unless given)."""
        stamp = str(int(self.now().timestamp()))
        message = {"from": phone, "id": self.wamid(phone), "timestamp": stamp} | message
        contact = {"profile": {"name": name}, "wa_id": phone}
        return self._envelope({"contacts": [contact], "messages": [message]})

    def status_event(
        self, phone: str, wamid: str, status: str, code: int | None = None
    ) -> dict[str, Any]:
        """A status callback for a message the bot sent."""
        item: dict[str, Any] = {
            "id": wamid,
            "status": status,
            "timestamp": str(int(self.now().timestamp())),
            "recipient_id": phone,
        }
        if code is not None:
            item["errors"] = [{"code": code, "title": f"error {code}", "message": "failed"}]
        return self._envelope({"statuses": [item]})

    def sign(self, raw: bytes, secret: str | None = None) -> str:
        key = (secret or self.app_secret).encode()
        return "sha256=" + hmac.new(key, raw, hashlib.sha256).hexdigest()

    async def post(
        self, event: dict[str, Any], *, signature: str | None = "valid", raw: bytes | None = None
    ) -> int:
        """POST an event to the bot as Meta does (non-ASCII escaped, signed over the bytes)."""
        assert self._session is not None
        assert self.webhook_url
        body = raw if raw is not None else json.dumps(event, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json"}
        if signature == "valid":
            headers["X-Hub-Signature-256"] = self.sign(body)
        elif signature is not None:
            headers["X-Hub-Signature-256"] = signature
        async with self._session.post(self.webhook_url, data=body, headers=headers) as answer:
            await answer.read()
            return answer.status

    def _post_later(self, event: dict[str, Any]) -> None:
        task = asyncio.get_running_loop().create_task(self.post(event))
        self._posts.add(task)
        task.add_done_callback(self._posts.discard)

    async def settle(self) -> None:
        """Wait until every post has been answered and the bot has handled all it kept."""
        assert self.bot_idle is not None
        for _ in range(100):
            if self._posts:
                await asyncio.gather(*list(self._posts), return_exceptions=True)
            await self.bot_idle()
            if not self._posts:
                return
        raise AssertionError("the bot and the fake keep posting to each other")

    async def wait_sent(self, phone: str, count: int, timeout: float = 15.0) -> list[Sent]:  # noqa: ASYNC109
        """For a bot in another process: wait until `phone` has had `count` messages."""
        async with asyncio.timeout(timeout):
            while len(self.to(phone)) < count:
                self._changed.clear()
                await self._changed.wait()
        return self.to(phone)

    # -- simulated users -----------------------------------------------------------------

    async def user_sends(self, phone: str, message: dict[str, Any]) -> list[Sent]:
        """A user's message; returns what the bot sent to them in answer."""
        self.last_inbound[phone] = self.now()
        mark = len(self.sent)
        status = await self.post(self.message_event(phone, message))
        assert status == 200, f"webhook answered {status}"
        await self.settle()
        return [s for s in self.sent[mark:] if s.to == phone]

    async def text(self, phone: str, text: str) -> list[Sent]:
        """Type a message."""
        return await self.user_sends(phone, {"type": "text", "text": {"body": text}})

    def last_options(self, phone: str) -> list[tuple[str, str, str]]:
        """The buttons or rows of the newest interactive message to `phone`."""
        for sent in reversed(self.sent):
            if sent.to == phone and sent.type == "interactive":
                return sent.options()
        raise AssertionError(f"no interactive message to {phone}")

    def option(self, phone: str, label: str) -> tuple[str, str, str]:
        """The newest option whose title or description contains `label`."""
        options = self.last_options(phone)
        wanted = label.casefold()
        for option in options:
            if wanted in option[1].casefold() or wanted in option[2].casefold():
                return option
        raise AssertionError(f"no option like {label!r}; have {[o[1] for o in options]}")

    async def tap(self, phone: str, label: str) -> list[Sent]:
        """Tap a reply button or pick a list row by (part of) its title or description."""
        option_id, title, description = self.option(phone, label)
        last = next(s for s in reversed(self.sent) if s.to == phone and s.type == "interactive")
        if last.body["interactive"]["type"] == "button":
            reply = {"type": "button_reply", "button_reply": {"id": option_id, "title": title}}
        else:
            row = {"id": option_id, "title": title, "description": description}
            reply = {"type": "list_reply", "list_reply": row}
        context = {"from": "31850000000", "id": last.wamid}
        return await self.user_sends(
            phone, {"type": "interactive", "interactive": reply, "context": context}
        )

    async def template_tap(self, phone: str, payload: str, text: str = "Lezen") -> list[Sent]:
        """Tap a template's quick-reply button (arrives as type `button`)."""
        last = next(s for s in reversed(self.sent) if s.to == phone)
        return await self.user_sends(
            phone,
            {
                "type": "button",
                "button": {"payload": payload, "text": text},
                "context": {"from": "31850000000", "id": last.wamid},
            },
        )

    async def media(self, phone: str, kind: str, caption: str = "") -> list[Sent]:
        """Send a sticker, image, audio, document, location or contact card (media can be
        downloaded)."""
        bodies: dict[str, Any] = {
            "sticker": {"mime_type": "image/webp", "sha256": "x", "id": "5551", "animated": False},
            "image": {"mime_type": "image/png", "sha256": "x", "id": "5552"},
            "audio": {"mime_type": "audio/ogg; codecs=opus", "sha256": "x", "id": "5553"},
            "document": {
                "mime_type": "application/pdf",
                "sha256": "x",
                "id": "5554",
                "filename": "bewijs.pdf",
            },
            "location": {"latitude": 52.37, "longitude": 4.89},
            "contacts": [{"name": {"formatted_name": "Kim", "first_name": "Kim"}}],
        }
        body = bodies[kind]
        if isinstance(body, dict) and "mime_type" in body:
            body = body | {"id": str(next(self._ids) + 700000000000000)}
            data = {"image": PNG, "document": b"%PDF-1.4\n"}.get(kind, b"OggS")
            self.user_media[body["id"]] = (body["mime_type"], data)
            if caption:
                body["caption"] = caption
        return await self.user_sends(phone, {"type": kind, kind: body})

    def to(self, phone: str) -> list[Sent]:
        """Everything sent to one person."""
        return [s for s in self.sent if s.to == phone]


def texts(sent: list[Sent]) -> str:
    """The visible texts of messages, joined for `in` assertions."""
    return "\n".join(s.text for s in sent)
