"""A minimal aiogram 3 echo bot: the second yardstick for `bench/load.py` (issue 17, point 4).

aiogram is the fastest widely used Python framework for bots; its echo bot is what "cheap per
update" means in Python. It reads the same environment as `bench/echo_bot.py` (token, the fake's
base URL) and polls with a 10 s long poll, each update handled in its own task (aiogram's
default). It has no rate limiter, so the comparison is made with the limit lifted. Needs the
`bench` extra (`pip install -e '.[bench]'`); the bot itself never imports aiogram.
"""

from __future__ import annotations

import asyncio
import os

from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message

dispatcher = Dispatcher()


async def echo(message: Message) -> None:
    """Send the text straight back."""
    await message.answer(message.text or "")


dispatcher.message.register(echo, F.text)


async def main() -> None:
    """Poll until SIGTERM/SIGINT (aiogram stops polling on both)."""
    token = os.environ["TELEGRAM_BOT_TOKEN"]
    base = os.environ.get("TELEGRAM_API_BASE_URL", "https://api.telegram.org/bot")
    server = TelegramAPIServer.from_base(base.removesuffix("/bot"))
    bot = Bot(token, session=AiohttpSession(api=server))
    await bot.delete_webhook()  # as PTB does before polling (the harness waits for it)
    await dispatcher.start_polling(bot, polling_timeout=10)


if __name__ == "__main__":
    asyncio.run(main())
