"""The one web server the bot process owns (aiohttp), on STERK_WEBHOOK_LISTEN:STERK_WEBHOOK_PORT.

Routes:
- `POST /telegram` in webhook mode (registered by the Telegram transport as an `Ingress`);
- `GET /whatsapp` (Meta's verification handshake, `add_challenge`) and `POST /whatsapp`
  (signed events, an `Ingress` that checks X-Hub-Signature-256 over the raw body in `accept`)
  when WhatsApp is configured (bot/transports/whatsapp.py);
- `GET /healthz`: 200 when every check (database, scheduler, transport) passes, else 503, with
  a JSON object naming each check; a load balancer or Docker's HEALTHCHECK reads it.
- `GET /metrics`: Prometheus text (bot/web/metrics.py).

A webhook is the internet's way in, so its route defends itself before trusting anything:
1. `admit` looks at the headers only (Telegram's secret, compared in constant time), before a
   byte of the body is read; a forged POST gets 403 and the connection is closed unread.
2. A body over `MAX_BODY` (declared or actual) gets 413 and is never held in memory: aiohttp
   reads it in chunks and stops at the limit.
3. `accept` gets the body and answers only after it has stored what it must not lose (the
   inbox), so a 200 means "kept", and a crash after it is replayed at the next start.
The default listen address is 127.0.0.1: Telegram only posts to HTTPS, so a reverse proxy
(Caddy, nginx) terminates TLS in front of this plain-HTTP server; nothing else needs to reach
it directly. No access log: the proxy has one, and request lines hold addresses.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.config import SettingsError

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # Telegram's updates are a few kB; a 1 MB one is not from Telegram
CHECK_SECONDS = 2.0  # a health check that takes longer counts as down

Check = Callable[[], Awaitable[bool]]
# A GET handshake (WhatsApp's hub.challenge): query parameters in, (body, status) out.
Challenge = Callable[[Mapping[str, str]], Awaitable[tuple[str, int]]]


@dataclass(frozen=True, slots=True)
class Ingress:
    """One webhook route: who may post (headers only) and what takes the body.

    `admit` runs before the body is read (a shared-secret header); a channel that signs the
    body instead (WhatsApp's X-Hub-Signature-256) admits all and checks in `accept`, which
    returns the HTTP status to answer after keeping the update.
    """

    admit: Callable[[Mapping[str, str]], bool]
    accept: Callable[[bytes, Mapping[str, str]], Awaitable[int]]


def secret_header(name: str, secret: str) -> Callable[[Mapping[str, str]], bool]:
    """An `admit` that requires header `name` to equal `secret`, compared in constant time."""
    expected = secret.encode()

    def admit(headers: Mapping[str, str]) -> bool:
        return hmac.compare_digest(headers.get(name, "").encode(), expected)

    return admit


def _refuse(status: int) -> web.Response:
    """An answer after which the connection is closed, so an unread body is not drained."""
    response = web.Response(status=status)
    response.force_close()
    return response


class WebServer:
    """The aiohttp application and its listening socket; routes are added before `start`."""

    def __init__(self, listen: str, port: int, metrics: Callable[[], Awaitable[bytes]]) -> None:
        self.listen = listen
        self.requested_port = port
        self._metrics = metrics
        self._checks: dict[str, Check] = {}
        self._runner: web.AppRunner | None = None
        self.app = web.Application(client_max_size=MAX_BODY)
        self.app.router.add_get("/healthz", self._healthz)
        self.app.router.add_get("/metrics", self._serve_metrics)

    def add_check(self, name: str, check: Check) -> None:
        """A part that must be up for /healthz to answer 200."""
        self._checks[name] = check

    def add_ingress(self, path: str, ingress: Ingress) -> None:
        """Serve a webhook at `path` (POST only) with the defences in the module docstring."""

        async def handle(request: web.Request) -> web.StreamResponse:
            return await self._receive(request, ingress)

        self.app.router.add_post(path, handle)

    def add_challenge(self, path: str, answer: Challenge) -> None:
        """Serve a GET handshake at `path` (a webhook's ownership check), as plain text."""

        async def handle(request: web.Request) -> web.StreamResponse:
            body, status = await answer(request.query)
            return web.Response(status=status, text=body)

        self.app.router.add_get(path, handle)

    @property
    def port(self) -> int:
        """The port actually listened on (STERK_WEBHOOK_PORT=0 picks a free one)."""
        if self._runner is None or not self._runner.addresses:
            raise RuntimeError("the web server is not running")
        return int(self._runner.addresses[0][1])

    async def start(self) -> None:
        """Listen; a port in use or an unknown address is a configuration error."""
        runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.listen, self.requested_port).start()
        except OSError as exc:
            await runner.cleanup()
            raise SettingsError(
                f"STERK_WEBHOOK_LISTEN/STERK_WEBHOOK_PORT: cannot listen on "
                f"{self.listen}:{self.requested_port} ({exc.strerror or exc})"
            ) from None
        self._runner = runner
        log.info("web server listening on %s:%d", self.listen, self.port)

    async def stop(self) -> None:
        """Stop listening; requests in progress finish first."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _receive(self, request: web.Request, ingress: Ingress) -> web.StreamResponse:
        if not ingress.admit(request.headers):
            return _refuse(403)
        declared = request.content_length
        if declared is not None and declared > MAX_BODY:
            return _refuse(413)
        try:
            body = await request.read()  # stops with 413 past client_max_size (chunked bodies)
        except web.HTTPRequestEntityTooLarge:
            return _refuse(413)
        try:
            status = await ingress.accept(body, request.headers)
        except Exception:  # not kept: the sender retries it later
            log.exception("webhook %s could not keep an update", request.path)
            return web.Response(status=500)
        return web.Response(status=status)

    async def _check(self, check: Check) -> bool:
        try:
            async with asyncio.timeout(CHECK_SECONDS):
                return await check()
        except Exception:  # a failing check is the answer, not an error of the server
            return False

    async def _healthz(self, _request: web.Request) -> web.Response:
        results = {name: await self._check(check) for name, check in self._checks.items()}
        body = {name: "up" if ok else "down" for name, ok in results.items()}
        healthy = all(results.values())
        return web.Response(
            status=200 if healthy else 503, text=json.dumps(body), content_type="application/json"
        )

    async def _serve_metrics(self, _request: web.Request) -> web.Response:
        payload = await self._metrics()
        # prometheus-client's content type carries its own version and charset parameters.
        return web.Response(body=payload, headers={"Content-Type": CONTENT_TYPE_LATEST})
