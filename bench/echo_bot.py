"""A minimal python-telegram-bot echo bot: the yardstick for `bench/load.py`.

It reads the same environment variables as Sterk Online and builds its `Application` the same
way as `bot/transports/telegram.py` (same `concurrent_updates`, connection pool, `AIORateLimiter`
rate and retries, no JobQueue, polling with `poll_interval=0` and a 10 s long poll), so the
benchmark compares our bot with the cheapest possible bot on identical PTB plumbing: the
difference is what our engine, SQLite and extra Bot API calls cost.
"""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("PTB_TIMEDELTA", "true")  # before importing telegram, as the bot does

from telegram import Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ContextTypes,
    MessageHandler,
    filters,
)


async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the text straight back."""
    if update.message is not None and update.message.text:
        await update.message.reply_text(update.message.text)


def build() -> Application[Any, Any, Any, Any, Any, Any]:
    """The application, configured from the environment like the real bot."""
    token = os.environ["TELEGRAM_BOT_TOKEN"]
    base = os.environ.get("TELEGRAM_API_BASE_URL", "https://api.telegram.org/bot")
    concurrent = int(os.environ.get("STERK_CONCURRENT_UPDATES", "32"))
    rate = float(os.environ.get("STERK_TELEGRAM_MAX_RATE", "30"))
    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(base)
        .rate_limiter(AIORateLimiter(overall_max_rate=rate, max_retries=3))
        .concurrent_updates(concurrent)
        .connection_pool_size(max(8, concurrent))
        .job_queue(None)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT & filters.ChatType.PRIVATE, echo))
    return app


def main() -> None:
    """Poll until SIGTERM/SIGINT."""
    build().run_polling(poll_interval=0.0, timeout=10, allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
