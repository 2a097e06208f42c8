"""The real `sterk-online` process (`python -m bot`) against the fake Bot API in this test.

For what only a whole process shows: a SIGKILL, its log output, its memory. The fake runs in
the test's event loop, so the child is started with asyncio's subprocess API (never a blocking
`subprocess.run`, which would freeze the fake the child is talking to).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from tests.e2e import TOKEN
from tests.fakebot import FakeBotApi

ROOT = Path(__file__).resolve().parent.parent
SECRET = "test-webhook-secret-0123456789-abcdef"  # 37 characters of Telegram's alphabet


def free_port() -> int:
    """A port nobody listens on right now (the child binds it a moment later)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class BotProcess:
    """One child bot process; its stderr (the log) goes to a file the test can scan."""

    def __init__(self, fake: FakeBotApi, folder: Path, *, webhook: bool = True, **env: str) -> None:
        self.port = free_port()
        self.log_path = folder / f"bot-{self.port}.log"
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "PTB_TIMEDELTA": "true",
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "STERK_DB_PATH": str(folder / "sterk.db"),
            "STERK_WEBHOOK_LISTEN": "127.0.0.1",
            "STERK_WEBHOOK_PORT": str(self.port),
            "STERK_LOG_LEVEL": "INFO",
        }
        if webhook:
            self.env |= {"STERK_WEBHOOK_URL": self.url, "STERK_WEBHOOK_SECRET": SECRET}
        self.env |= env
        self.folder = folder
        self.child: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        """Base URL of the child's web server."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109 - a start deadline
        """Start the child and wait until /healthz answers 200."""
        with self.log_path.open("ab") as log:
            self.child = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                cwd=self.folder,  # no .env of the developer's is read
                env={**self.env, "PYTHONPATH": str(ROOT)},
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        async with asyncio.timeout(timeout), aiohttp.ClientSession() as session:
            while True:
                if self.child.returncode is not None:
                    raise RuntimeError(f"the bot exited at start:\n{self.log()}")
                try:
                    async with session.get(f"{self.url}/healthz") as answer:
                        if answer.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)

    @property
    def pid(self) -> int:
        """The running child's process id."""
        assert self.child is not None
        return self.child.pid

    def log(self) -> str:
        """Everything the child has logged so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def rss_kib(self) -> int:
        """The child's resident memory now, from /proc."""
        assert self.child is not None
        status = Path(f"/proc/{self.child.pid}/status").read_text(encoding="utf-8")
        line = next(row for row in status.splitlines() if row.startswith("VmRSS:"))
        return int(line.split()[1])

    async def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a power cut or the OOM killer."""
        await self._end(signal.SIGKILL)

    async def stop(self) -> None:
        """SIGTERM, the normal stop of systemd and Docker; waits for the exit."""
        await self._end(signal.SIGTERM)

    async def _end(self, sig: signal.Signals) -> None:
        child, self.child = self.child, None
        if child is None or child.returncode is not None:
            return
        child.send_signal(sig)
        try:
            async with asyncio.timeout(30):
                await child.wait()
        except TimeoutError:
            child.kill()
            await child.wait()
            raise
