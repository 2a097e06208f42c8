"""The database's files on disk: private permissions, one process at a time, calm when full.

- The folder the bot creates for the database is 0700 and the database file 0600; SQLite gives
  its `-wal` and `-shm` files the database file's permissions, so they are 0600 too.
- `hold_lock` takes an exclusive `flock` on `<database>.lock` for the life of the process: a
  second bot on the same database would answer the same people twice and fight over Telegram's
  updates (409 Conflict), so it refuses to start instead.
- `DiskTrouble` turns a database that cannot be written (disk full, read-only) into one log line
  a minute instead of one per attempt; callers back off and keep what they could not write.
"""

from __future__ import annotations

import fcntl
import logging
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

FOLDER_MODE = 0o700
FILE_MODE = 0o600


class AlreadyRunning(Exception):
    """Another process holds the database's lock file."""


def prepare(db_path: Path) -> None:
    """Create the folder (0700) and the database file (0600); tighten existing files."""
    folder = db_path.parent
    if not folder.exists():
        folder.mkdir(mode=FOLDER_MODE, parents=True)
        folder.chmod(FOLDER_MODE)  # mkdir's mode is reduced by the umask
    elif folder.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("the database folder can be read by other users; chmod 700 it")
    for suffix in ("", "-wal", "-shm", ".lock"):
        path = Path(f"{db_path}{suffix}")
        if suffix == "":
            os.close(os.open(path, os.O_CREAT | os.O_RDWR, FILE_MODE))
        if path.exists():
            path.chmod(FILE_MODE)


def hold_lock(db_path: Path) -> IO[str]:
    """Lock `<database>.lock` for as long as the returned file stays open (the process life)."""
    prepare(db_path)
    lock_path = Path(f"{db_path}.lock")
    handle = open(lock_path, "a+", encoding="utf-8")  # noqa: SIM115 - held open on purpose
    lock_path.chmod(FILE_MODE)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise AlreadyRunning(
            f"another Sterk Online process is already using {db_path}; stop it first "
            f"(lock file {lock_path})"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


class DiskTrouble:
    """Reports a database that cannot be written at most once a minute, with a count."""

    def __init__(self, every: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.every = every
        self.clock = clock
        self._last: float | None = None
        self._since = 0

    def report(self, what: str, error: Exception) -> None:
        """One line now, or only a count if the last line is less than a minute old."""
        self._since += 1
        now = self.clock()
        if self._last is not None and now - self._last < self.every:
            return
        log.error(
            "database cannot be written (%s: %s; disk full or read-only?): %s "
            "[%d failure(s) since the last report; next report in %.0f s at the earliest]",
            type(error).__name__,
            error,
            what,
            self._since,
            self.every,
        )
        self._last, self._since = now, 0

    def recovered(self) -> None:
        """Writing works again: say so once."""
        if self._last is not None:
            log.warning("database can be written again")
        self._last, self._since = None, 0


disk_trouble = DiskTrouble()  # one per process: every writer reports through it
