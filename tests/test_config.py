"""Configuration: defaults, parsing, and one-line errors with exit code 2."""

from __future__ import annotations

import subprocess
import sys
from datetime import time
from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings


def test_defaults() -> None:
    """Without configuration the bot uses the documented defaults."""
    settings = load_settings(_env_file=None)
    assert str(settings.db_path) == "data/sterk.db"
    assert settings.timezone == "Europe/Amsterdam"
    assert settings.default_language == "nl"
    assert (settings.quiet_hours_start, settings.quiet_hours_end) == (time(21), time(9))


def test_admin_ids_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    """STERK_ADMIN_IDS takes a comma-separated list."""
    monkeypatch.setenv("STERK_ADMIN_IDS", "12, 34")
    assert load_settings(_env_file=None).admin_ids == frozenset({12, 34})


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("STERK_TIMEZONE", "Mars/Olympus", "STERK_TIMEZONE: expected an IANA time zone"),
        ("STERK_ADMIN_IDS", "12,abc", "STERK_ADMIN_IDS: expected comma-separated numeric"),
        ("STERK_WEBHOOK_PORT", "99999", "STERK_WEBHOOK_PORT"),
        ("STERK_DEFAULT_LANGUAGE", "fr", "STERK_DEFAULT_LANGUAGE"),
        ("TELEGRAM_BOT_TOKEN", "nocolon", "TELEGRAM_BOT_TOKEN: expected a bot token"),
        ("TELEGRAM_API_BASE_URL", "ftp://x", "TELEGRAM_API_BASE_URL: expected a URL"),
        ("STERK_QUIET_HOURS_END", "9h", "STERK_QUIET_HOURS_END: expected a time like 21:00"),
        ("STERK_STAFFED_HOURS", "Wkd 09:00-17:00", "STERK_STAFFED_HOURS: unknown day .wkd."),
        ("STERK_STAFFED_HOURS", "Mon 21:00-09:00", "STERK_STAFFED_HOURS: 21:00-09:00: the end"),
        ("STERK_STAFFED_HOURS", "Mon 09:00-25:00", "STERK_STAFFED_HOURS: 25:00 is not a time"),
        ("STERK_STAFFED_HOURS", "", "STERK_STAFFED_HOURS: expected something like"),
        ("STERK_CASE_REANNOUNCE_MINUTES", "0", "STERK_CASE_REANNOUNCE_MINUTES: Input should be"),
        ("STERK_CASE_ESCALATE_MINUTES", "10", "STERK_CASE_ESCALATE_MINUTES: must be more than"),
        ("STERK_CASE_REPLY_REMINDER_MINUTES", "soon", "STERK_CASE_REPLY_REMINDER_MINUTES"),
        ("STERK_WELLBEING_DAYS", "365", "STERK_WELLBEING_DAYS: Input should be less"),
        ("STERK_DATABASE_URL", "mysql://db/sterk", "STERK_DATABASE_URL: expected a PostgreSQL"),
    ],
)
def test_wrong_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    """Each wrong value becomes one error naming the variable."""
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=expected):
        load_settings(_env_file=None)


@pytest.mark.parametrize(
    ("variable", "value", "line"),
    [
        (
            "STERK_TIMEZONE",
            "Nowhere/Town",
            "Configuration error: STERK_TIMEZONE: expected an IANA time zone like Europe/Amsterdam",
        ),
        ("STERK_STAFFED_HOURS", "Mon-Fri", "Configuration error: STERK_STAFFED_HOURS: expected"),
    ],
)
def test_cli_exits_2_with_one_line(tmp_path: Path, variable: str, value: str, line: str) -> None:
    """The real command prints one line and exits 2, never a traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        env={variable: value, "PATH": ""},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    [shown] = result.stderr.strip().splitlines()
    assert shown.startswith(line)
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("secret", "expected"),
    [
        (None, "STERK_WEBHOOK_SECRET: webhook mode needs a secret of at least 32"),
        ("", "STERK_WEBHOOK_SECRET: webhook mode needs a secret of at least 32"),
        ("a" * 31, "STERK_WEBHOOK_SECRET: webhook mode needs a secret of at least 32"),
        ("a" * 31 + "!", "STERK_WEBHOOK_SECRET: use at most 256 of the characters"),
        ("a" * 257, "STERK_WEBHOOK_SECRET: use at most 256 of the characters"),
    ],
)
def test_webhook_mode_needs_a_strong_secret(
    monkeypatch: pytest.MonkeyPatch, secret: str | None, expected: str
) -> None:
    """A webhook URL without a secret Telegram accepts and of 32+ characters stops the start."""
    monkeypatch.setenv("STERK_WEBHOOK_URL", "https://bot.example.org")
    if secret is not None:
        monkeypatch.setenv("STERK_WEBHOOK_SECRET", secret)
    with pytest.raises(SettingsError, match=expected):
        load_settings(_env_file=None)


def test_webhook_secret_is_only_required_in_webhook_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Polling needs no secret; a 32-character one is enough for webhook mode."""
    assert load_settings(_env_file=None).webhook_secret is None
    monkeypatch.setenv("STERK_WEBHOOK_URL", "https://bot.example.org")
    monkeypatch.setenv("STERK_WEBHOOK_SECRET", "A-z_0" * 6 + "xy")
    assert load_settings(_env_file=None).webhook_listen == "127.0.0.1"
