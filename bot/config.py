"""Settings from the environment or `.env`, validated once at start-up.

A wrong value must stop the bot with one readable line (see `SettingsError`), never a traceback,
because the people who deploy this are youth workers, not Python developers.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import time
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.hours import StaffedHours

Language = Literal["nl", "en"]
MIN_WEBHOOK_SECRET = 32
MAX_WEBHOOK_SECRET = 256
_SECRET_CHARS = re.compile(r"[A-Za-z0-9_-]+")


class SettingsError(Exception):
    """One configuration problem, phrased for the person starting the bot."""


def _parse_hhmm(value: str) -> time:
    """Accept `21:00`-style clock times for quiet hours."""
    hours, _, minutes = value.partition(":")
    return time(int(hours), int(minutes or 0))


class Settings(BaseSettings):
    """Everything configurable; names match `.env.example`."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    telegram_bot_token: str | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str = Field(
        default="https://api.telegram.org/bot", alias="TELEGRAM_API_BASE_URL"
    )
    db_path: Path = Field(default=Path("./data/sterk.db"), alias="STERK_DB_PATH")
    # A PostgreSQL server instead of the SQLite file (bot/storage/db.py): postgresql://...
    database_url: str | None = Field(default=None, alias="STERK_DATABASE_URL")
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(
        default=frozenset(), alias="STERK_ADMIN_IDS"
    )
    staff_group_id: int | None = Field(default=None, alias="STERK_STAFF_GROUP_ID")
    timezone: str = Field(default="Europe/Amsterdam", alias="STERK_TIMEZONE")
    default_language: Language = Field(default="nl", alias="STERK_DEFAULT_LANGUAGE")
    quiet_hours_start: Annotated[time, NoDecode] = Field(
        default=time(21, 0), alias="STERK_QUIET_HOURS_START"
    )
    quiet_hours_end: Annotated[time, NoDecode] = Field(
        default=time(9, 0), alias="STERK_QUIET_HOURS_END"
    )
    retention_days: int = Field(default=180, ge=1, le=3650, alias="STERK_RETENTION_DAYS")
    privacy_url: str | None = Field(default=None, alias="STERK_PRIVACY_URL")
    webhook_url: str | None = Field(default=None, alias="STERK_WEBHOOK_URL")
    # The web server (webhook, /healthz, /metrics; see bot/web/); loopback behind a proxy.
    webhook_listen: str = Field(default="127.0.0.1", alias="STERK_WEBHOOK_LISTEN")
    webhook_port: int = Field(default=8443, ge=0, le=65535, alias="STERK_WEBHOOK_PORT")
    webhook_secret: str | None = Field(
        default=None, alias="STERK_WEBHOOK_SECRET", validate_default=True
    )
    concurrent_updates: int = Field(default=32, ge=1, le=512, alias="STERK_CONCURRENT_UPDATES")
    # Replicas on PostgreSQL: how long a claim on an update holds without renewal, so how soon
    # another replica takes over the updates of one that was killed (bot/transports/replicas.py).
    inbox_lease: float = Field(default=10.0, ge=1, le=600, alias="STERK_INBOX_LEASE_SECONDS")
    telegram_max_rate: float = Field(default=30.0, gt=0, le=10000, alias="STERK_TELEGRAM_MAX_RATE")
    # Per person at most this many messages per STERK_FLOOD_SECONDS (0: no limit); see
    # bot/core/flood.py. Taps on buttons do not count.
    flood_messages: int = Field(default=20, ge=0, le=10000, alias="STERK_FLOOD_MESSAGES")
    flood_seconds: float = Field(default=10.0, gt=0, le=3600, alias="STERK_FLOOD_SECONDS")
    # Telegram's paid broadcasts for broadcast messages only (up to 1,000/s, billed in Stars).
    telegram_paid_broadcast: bool = Field(default=False, alias="STERK_TELEGRAM_PAID_BROADCAST")
    # Broadcast messages per second (paced by the scheduler's lane, see scheduler/README.md).
    broadcast_rate: float = Field(default=25.0, gt=0, le=10000, alias="STERK_BROADCAST_RATE")
    # Staff cases (bot/staff): service levels and when the team is around.
    case_reannounce_minutes: int = Field(
        default=10, ge=1, le=1440, alias="STERK_CASE_REANNOUNCE_MINUTES"
    )
    case_escalate_minutes: int = Field(
        default=30, ge=1, le=10080, alias="STERK_CASE_ESCALATE_MINUTES"
    )
    staffed_hours: Annotated[StaffedHours, NoDecode] = Field(
        default=StaffedHours.parse("Mon-Fri 09:00-21:00"), alias="STERK_STAFFED_HOURS"
    )
    case_reply_reminder_minutes: int = Field(
        default=60, ge=1, le=10080, alias="STERK_CASE_REPLY_REMINDER_MINUTES"
    )
    wellbeing_days: int = Field(default=7, ge=1, le=90, alias="STERK_WELLBEING_DAYS")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", alias="STERK_LOG_LEVEL"
    )
    # WhatsApp Cloud API (bot/transports/whatsapp.py); all four secrets or none.
    whatsapp_access_token: str | None = Field(default=None, alias="WHATSAPP_ACCESS_TOKEN")
    whatsapp_phone_number_id: str | None = Field(default=None, alias="WHATSAPP_PHONE_NUMBER_ID")
    whatsapp_app_secret: str | None = Field(default=None, alias="WHATSAPP_APP_SECRET")
    whatsapp_verify_token: str | None = Field(
        default=None, alias="WHATSAPP_VERIFY_TOKEN", validate_default=True
    )
    whatsapp_api_base_url: str = Field(
        default="https://graph.facebook.com/v21.0", alias="WHATSAPP_API_BASE_URL"
    )

    @field_validator(
        "telegram_bot_token",
        "webhook_url",
        "webhook_secret",
        "privacy_url",
        "whatsapp_access_token",
        "whatsapp_phone_number_id",
        "whatsapp_app_secret",
        "whatsapp_verify_token",
        "database_url",
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return (value.strip() or None) if isinstance(value, str) else value

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: str | None) -> str | None:
        if value is not None and ":" not in value:
            raise ValueError("expected a bot token like 123456:ABC-DEF from @BotFather")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: str | None, info: ValidationInfo) -> str | None:
        """Webhook mode without a strong secret would act on anyone's forged POST."""
        if not info.data.get("webhook_url"):
            return value
        if value is None or len(value) < MIN_WEBHOOK_SECRET:
            raise ValueError(
                f"webhook mode needs a secret of at least {MIN_WEBHOOK_SECRET} characters "
                "(A-Z, a-z, 0-9, _ and -), e.g. from `openssl rand -hex 32`"
            )
        if len(value) > MAX_WEBHOOK_SECRET or not _SECRET_CHARS.fullmatch(value):
            raise ValueError(
                f"use at most {MAX_WEBHOOK_SECRET} of the characters A-Z, a-z, 0-9, _ and - "
                "(Telegram's rule for a webhook secret)"
            )
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError:
                raise ValueError("expected comma-separated numeric Telegram user ids") from None
        return value

    @field_validator("quiet_hours_start", "quiet_hours_end", mode="before")
    @classmethod
    def _clock_time(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return _parse_hhmm(value.strip())
            except ValueError:
                raise ValueError("expected a time like 21:00") from None
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError("expected an IANA time zone like Europe/Amsterdam") from None
        return value

    @field_validator("whatsapp_phone_number_id")
    @classmethod
    def _phone_number_id(cls, value: str | None) -> str | None:
        if value is not None and not value.isdigit():
            raise ValueError("expected the numeric Phone number ID from Meta's WhatsApp Manager")
        return value

    @field_validator("whatsapp_verify_token")
    @classmethod
    def _whatsapp_complete(cls, value: str | None, info: ValidationInfo) -> str | None:
        """Half a WhatsApp configuration would accept posts it cannot verify or answer."""
        names = {
            "whatsapp_access_token": "WHATSAPP_ACCESS_TOKEN",
            "whatsapp_phone_number_id": "WHATSAPP_PHONE_NUMBER_ID",
            "whatsapp_app_secret": "WHATSAPP_APP_SECRET",
        }
        given = {key: info.data.get(key) for key in names}
        if value is None and not any(given.values()):
            return None
        missing = [names[key] for key, v in given.items() if not v]
        if value is None:
            missing.append("WHATSAPP_VERIFY_TOKEN")
        if missing:
            raise ValueError(
                "WhatsApp needs WHATSAPP_ACCESS_TOKEN, WHATSAPP_PHONE_NUMBER_ID, "
                f"WHATSAPP_APP_SECRET and WHATSAPP_VERIFY_TOKEN; missing: {', '.join(missing)}"
            )
        return value

    @field_validator("whatsapp_api_base_url")
    @classmethod
    def _graph_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected a URL starting with http:// or https://")
        if not re.search(r"/v\d+(\.\d+)?$", value.rstrip("/")):
            raise ValueError("expected a Graph API URL ending in its version, e.g. .../v21.0")
        return value.rstrip("/")

    @field_validator("telegram_api_base_url", "webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("expected a URL starting with http:// or https://")
        return value

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("expected a PostgreSQL URL like postgresql://user@host:5432/sterk")
        return value

    @field_validator("case_escalate_minutes")
    @classmethod
    def _escalate_after_reannounce(cls, value: int, info: ValidationInfo) -> int:
        reannounce = info.data.get("case_reannounce_minutes")
        if isinstance(reannounce, int) and value <= reannounce:
            raise ValueError("must be more than STERK_CASE_REANNOUNCE_MINUTES")
        return value

    @field_validator("broadcast_rate")
    @classmethod
    def _broadcast_below_total(cls, value: float, info: ValidationInfo) -> float:
        total = info.data.get("telegram_max_rate")
        if isinstance(total, float) and value >= total:
            raise ValueError(
                f"must be lower than STERK_TELEGRAM_MAX_RATE ({total:g}), to leave room for replies"
            )
        return value

    @field_validator("staffed_hours", mode="before")
    @classmethod
    def _timetable(cls, value: object) -> object:
        return StaffedHours.parse(value) if isinstance(value, str) else value

    @property
    def database(self) -> str:
        """Where the data lives: the PostgreSQL URL when set, else the SQLite file."""
        return self.database_url or str(self.db_path)

    @property
    def whatsapp_enabled(self) -> bool:
        """All four WhatsApp settings are there (the validator refuses fewer)."""
        return self.whatsapp_verify_token is not None

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        """The zone quiet hours and 'tomorrow' are computed in."""
        return zoneinfo.ZoneInfo(self.timezone)


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning the first validation problem into a one-line `SettingsError`."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else "configuration"
        field = Settings.model_fields.get(name)
        variable = field.alias if field and field.alias else name
        message = str(error["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"{variable}: {message}") from None
