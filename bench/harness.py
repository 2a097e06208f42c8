"""What the benchmarks share: the bot as a subprocess against the fake Bot API, and figures.

`bench/load.py`, `bench/flood.py` and `bench/outage.py` all start the real bot (or the echo
bot) with `BotProcess` and `bot_env`, turn latencies into `percentiles`, and run in a work
folder (kept with `--workdir`, else a temporary one) with `run_in` and `write_json`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import statistics
import tempfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from tests.fakebot import FakeBotApi

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH-token"


# -- the bot process --------------------------------------------------------------------------


class BotProcess:
    """`python -m bot` (or the echo bot) as a subprocess that can be killed and restarted."""

    def __init__(self, argv: list[str], env: dict[str, str], workdir: Path, name: str) -> None:
        self.argv = argv
        self.env = env
        self.workdir = workdir
        self.log = workdir / f"{name}.log"
        self.proc: asyncio.subprocess.Process | None = None
        self.peak_rss_kb = 0
        self.cpu_seconds = 0.0  # after start-up, of processes that ended
        self.startup_cpu = 0.0  # imports, content validation, migrations, getMe...
        self._cpu_base = 0.0
        self._cpu_now = 0.0  # after start-up, of the running process, as last sampled

    async def start(self, fake: FakeBotApi) -> None:
        """Start and wait until the process polls the fake."""
        mark = fake.mark()
        with self.log.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                *self.argv,
                cwd=self.workdir,
                env=self.env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + 60
        while True:
            if self.proc.returncode is not None:
                raise RuntimeError(f"bot exited with {self.proc.returncode}:\n{self.tail()}")
            with contextlib.suppress(TimeoutError):
                # getUpdates is recorded when the long poll returns; deleteWebhook comes first.
                await fake.wait_for("deleteWebhook", timeout=0.5, since=mark)
                self._cpu_base = self._cpu() or 0.0
                self.startup_cpu += self._cpu_base
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"bot did not start polling:\n{self.tail()}")

    def _cpu(self) -> float | None:
        """User plus system CPU seconds of the running process."""
        if self.proc is None or self.proc.returncode is not None:
            return None
        try:
            stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        except OSError:
            return None
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def sample(self) -> None:
        """Remember peak memory and CPU time (after start-up) while the process is alive."""
        cpu = self._cpu()
        if cpu is None or self.proc is None:
            return
        self._cpu_now = cpu - self._cpu_base
        with contextlib.suppress(OSError):
            status = Path(f"/proc/{self.proc.pid}/status").read_text()
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    self.peak_rss_kb = max(self.peak_rss_kb, int(line.split()[1]))

    async def kill(self) -> None:
        """SIGKILL, as a crash or an OOM kill would."""
        self.sample()
        self.cpu_seconds += self._cpu_now
        self._cpu_now = 0.0
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
            await self.proc.wait()

    async def stop(self) -> None:
        """SIGTERM and wait for a clean shutdown (SIGKILL after 15 s)."""
        self.sample()
        self.cpu_seconds += self._cpu_now
        self._cpu_now = 0.0
        if self.proc is None or self.proc.returncode is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(15):
                await self.proc.wait()
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()

    def tail(self, lines: int = 30) -> str:
        """The end of the process log."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def log_count(self, needle: str) -> int:
        """Log lines containing `needle`."""
        try:
            return sum(needle in line for line in self.log.read_text(errors="replace").splitlines())
        except OSError:
            return 0


def bot_env(base_url: str, db: Path, concurrency: int, rate: float) -> dict[str, str]:
    """Environment for either bot: our variables only, nothing from a local .env."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STERK_", "TELEGRAM_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=base_url,
        STERK_DB_PATH=str(db),
        STERK_CONCURRENT_UPDATES=str(concurrency),
        STERK_TELEGRAM_MAX_RATE=str(rate),
        STERK_LOG_LEVEL="WARNING",
        # The bot's own web server (health, metrics) on any free port: a fixed 8443 made two
        # benchmarks on one machine (or one next to a running bot) fail at start.
        STERK_WEBHOOK_LISTEN="127.0.0.1",
        STERK_WEBHOOK_PORT="0",
        PTB_TIMEDELTA="true",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    return env


def percentiles(values: list[float]) -> dict[str, float]:
    """p50/p95/p99/max in milliseconds."""
    if not values:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0}
    if len(values) == 1:
        one = round(values[0] * 1000, 1)
        return {"p50": one, "p95": one, "p99": one, "max": one}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {
        "p50": round(cuts[49] * 1000, 1),
        "p95": round(cuts[94] * 1000, 1),
        "p99": round(cuts[98] * 1000, 1),
        "max": round(max(values) * 1000, 1),
    }


def run_in(
    workdir: Path | None, prefix: str, run: Callable[[Path], Coroutine[Any, Any, dict[str, Any]]]
) -> dict[str, Any]:
    """Run a benchmark in `workdir` (made if needed) or in a temporary folder; its figures."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        folder = workdir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        return asyncio.run(run(folder))


def write_json(path: Path | None, figures: dict[str, Any]) -> None:
    """Also write the figures as JSON, when asked for (`--json`)."""
    if path is not None:
        path.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


def verdict(checks: dict[str, bool], figures: dict[str, Any], path: Path | None) -> int:
    """Print each check, write the figures with them (`--json`); the exit status (1: missed)."""
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}: {name}")
    write_json(path, {**figures, "checks": checks})
    return 0 if all(checks.values()) else 1
