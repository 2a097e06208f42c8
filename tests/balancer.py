"""A load balancer for replica tests: each webhook post goes to a random live replica.

As nginx or Caddy in front of several replicas (deploy/compose.yaml): the post is passed on
with its headers, the replica's status comes back; a replica that does not answer (killed) is
skipped for the next one, as a proxy's passive health check does.
"""

from __future__ import annotations

import random
import socket

import aiohttp
from aiohttp import web


class Balancer:
    """Spreads POSTs over `upstreams` (base URLs), at random; counts where they went."""

    def __init__(self, upstreams: list[str], seed: int = 1) -> None:
        self.upstreams = list(upstreams)
        self.posts: dict[str, int] = dict.fromkeys(upstreams, 0)
        self._rng = random.Random(seed)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.port = 0
        self.pin: str | None = None  # an upstream every post tries first (a sticky client)

    @property
    def url(self) -> str:
        """Where Telegram (the fake) posts: what every replica registers as its webhook."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Listen on a free port."""
        app = web.Application(client_max_size=2 * 1024 * 1024)
        app.router.add_post("/{path:.*}", self._forward)
        self._session = aiohttp.ClientSession()
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = int(sock.getsockname()[1])
        await web.SockSite(runner, sock).start()
        self._runner = runner

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower().startswith("x-")}
        headers["Content-Type"] = request.headers.get("Content-Type", "application/json")
        order = self._rng.sample(self.upstreams, len(self.upstreams))
        if self.pin in order:
            order.remove(self.pin)
            order.insert(0, self.pin)
        assert self._session is not None
        for upstream in order:
            try:
                async with self._session.post(
                    upstream + request.path, data=body, headers=headers
                ) as answer:
                    self.posts[upstream] += 1
                    return web.Response(status=answer.status)
            except aiohttp.ClientError:
                continue  # down: the next replica
        return web.Response(status=502)
