"""Logging for the whole process: one format, and no personal data at any level, DEBUG included.

Every record that reaches the root handlers (ours, python-telegram-bot's, aiohttp's, httpx's,
APScheduler's) passes `Redactor` first. At DEBUG python-telegram-bot logs the Bot API URL with
the token in it, every request's parameters and every answer (texts, names, usernames, ids);
our own modules log none of that, but a library or an exception message may. The filter works
on the arguments before the message is formatted, so it does not have to recognise personal
data in free text:
- the bot token and the webhook secret are replaced wherever they appear;
- numbers of five digits or more (Telegram user, chat and message ids) become `<id>`;
- dicts, lists, bytes and objects (a parsed update, a request's parameters) are logged by type
  and size only;
- in the remaining strings (and in tracebacks) `'text': '...'`, `"username": "..."` and
  `first_name='...'` pairs lose their values, for a payload that arrives already serialised.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from enum import Enum
from pathlib import PurePath
from urllib.parse import urlsplit

from bot.config import Settings

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
ID = "<id>"
SECRET = "<secret>"

# Field names whose values identify or quote a person in Telegram's objects.
PERSONAL_KEYS = (
    "text",
    "caption",
    "first_name",
    "last_name",
    "username",
    "full_name",
    "name",
    "title",
    "bio",
    "description",
    "phone_number",
    "email",
    "address",
    "data",
    "query",
    "id",
    "chat_id",
    "user_id",
    "from_chat_id",
)
_KEYS = "|".join(PERSONAL_KEYS)
_QUOTED = r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\""
# 'text': 'hi' / "text": "hi" / "id": 123 (repr and JSON) and first_name='Sam' (PTB's repr).
_PAIR = re.compile(
    rf"(?P<key>(?P<q>['\"])(?:{_KEYS})(?P=q)\s*:\s*|\b(?:{_KEYS})=)"
    rf"(?P<value>{_QUOTED}|-?\d+(?:\.\d+)?)"
)
_TOKEN = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}\b")  # any Bot API token, not only ours
_NUMBER = re.compile(r"(?<!\d)\d{5,}(?!\d)")
_WAMID = re.compile(r"wamid\.[A-Za-z0-9+/=_-]+")  # a WhatsApp message id encodes a phone number
_SCALARS = (str, bool, float, type(None), Enum, PurePath)
_NUMERIC = re.compile(r"(?<!%)%[-+ 0#]*\d*[di]")  # an id becomes text, so %d must become %s


class Redactor(logging.Filter):
    """Rewrites each record so that what any handler writes holds no personal data."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def text(self, value: str) -> str:
        """A string with secrets, ids and personal key-value pairs blanked out."""
        for secret in self._secrets:
            value = value.replace(secret, SECRET)
        value = _TOKEN.sub(SECRET, value)
        value = _WAMID.sub(ID, value)
        value = _PAIR.sub(lambda match: match["key"] + "<redacted>", value)
        return _NUMBER.sub(ID, value)

    def value(self, value: object) -> object:
        """A logging argument made safe: strings cleaned, containers and objects summarised."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return ID if abs(value) >= 10_000 else value
        if isinstance(value, _SCALARS):
            return value
        if isinstance(value, BaseException):
            return type(value).__name__ + ": " + self.text(str(value))
        if isinstance(value, bytes | bytearray | memoryview):
            return f"<{type(value).__name__}: {len(value)} bytes>"
        if isinstance(value, Mapping | list | tuple | set | frozenset):
            return f"<{type(value).__name__}: {len(value)} items>"
        return f"<{type(value).__name__}>"

    def filter(self, record: logging.LogRecord) -> bool:
        """Format the message from cleaned arguments; clean the traceback; keep the record."""
        args = record.args
        template = record.msg if isinstance(record.msg, str) else str(self.value(record.msg))
        if args:
            template = _NUMERIC.sub("%s", template)
        cleaned: object
        if isinstance(args, Mapping) and "%(" in template:
            cleaned = {key: self.value(item) for key, item in args.items()}
        elif isinstance(args, Mapping):  # logging unpacks a lone dict argument into args
            cleaned = (self.value(args),)
        else:
            cleaned = tuple(self.value(item) for item in args or ())
        try:
            message = template % cleaned if args else template
        except (TypeError, ValueError, KeyError):  # a library's mismatched format string
            message = template
        record.msg, record.args = self.text(message), None
        if record.exc_info:
            record.exc_text = self.text(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self.text(record.exc_text)
        if record.stack_info:
            record.stack_info = self.text(record.stack_info)
        return True


def setup(settings: Settings, *, chat: bool = False) -> None:
    """Configure the root logger at STERK_LOG_LEVEL with a `Redactor` on every handler.

    In the terminal chat the log shares the screen with the conversation, so routine INFO lines
    are held back there unless STERK_LOG_LEVEL was set on purpose.
    """
    level = settings.log_level
    if chat and "log_level" not in settings.model_fields_set:
        level = "WARNING"
    logging.basicConfig(level=level, format=FORMAT)
    redactor = Redactor(
        [
            settings.telegram_bot_token,
            settings.webhook_secret,
            settings.whatsapp_access_token,
            settings.whatsapp_app_secret,
            settings.whatsapp_verify_token,
            urlsplit(settings.database_url).password if settings.database_url else None,
        ]
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(redactor)
    quiet_libraries()


def quiet_libraries() -> None:
    """Library loggers that say too much (or, at DEBUG, too much about people)."""
    # Even redacted, a line per HTTP request or scheduler run drowns what matters.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("aiosqlite").setLevel(logging.INFO)  # two lines per query, nothing else
    logging.getLogger("psycopg").setLevel(logging.INFO)  # the pool's every hand-out at DEBUG
    # pywa logs raw updates and recipients at DEBUG and a line per update at INFO.
    for name in ("pywa", "pywa_async"):
        logging.getLogger(name).setLevel(logging.WARNING)
