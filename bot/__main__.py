"""Command line: `sterk-online COMMAND`: run, chat, migrate, copy-db, validate-content, diagram.

Without a Telegram token or WhatsApp settings the bot opens the local terminal chat, so a fresh
install can be tried at once; with `TELEGRAM_BOT_TOKEN` it runs on Telegram (webhook when a URL
is set), with the `WHATSAPP_*` settings on WhatsApp, with both on both in one process.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from importlib.metadata import version
from pathlib import Path

from bot import logs
from bot.app import Core, load_checked_content, open_core
from bot.config import Settings, SettingsError, load_settings
from bot.core.content import ContentError
from bot.storage import db, files
from bot.storage.repository import Repository
from scheduler.service import Scheduler

EXIT_CONFIG = 2
EXIT_CONTENT = 1
EXIT_RUNNING = 3  # another process already runs on this database


async def _serve(core: Core) -> None:
    from bot.service import BotService

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    service = BotService(core, Scheduler(core))
    await service.start()
    channels = [
        name for name, on in (("Telegram", service.telegram), ("WhatsApp", service.whatsapp)) if on
    ]
    logging.getLogger(__name__).info("bot running on %s; Ctrl+C stops it", " and ".join(channels))
    try:
        await stop.wait()
    finally:
        await service.stop()


async def _run(settings: Settings, mode: str) -> None:
    core = await open_core(settings)
    try:
        if mode == "serve":
            await _serve(core)
        else:
            from bot.transports.terminal import TerminalChat

            chat = TerminalChat(core)  # registers its sender, so check-ins show up here too
            async with Scheduler(core).running():
                await chat.run()
    finally:
        await core.close()


async def _migrate(settings: Settings) -> None:
    """Apply pending migrations and say where the schema is now (the bot does this at start
    too; an operator runs it before starting new replicas, or to check a backup restore)."""
    repo = await Repository.open(settings.database)
    try:
        print(f"Schema at migration {await repo.schema_version()} ({repo.dialect}).")
    finally:
        await repo.close()


async def _copy(source: str, target: str) -> None:
    """Copy every row from one store into another, empty one (SQLite -> PostgreSQL)."""
    from bot.storage.copy import copy_database

    if source == target:
        raise SettingsError("copy-db: the source and the target are the same database")
    origin = await Repository.open(source)
    try:
        destination = await Repository.open(target)
        try:
            copied = await copy_database(origin, destination)
        finally:
            await destination.close()
    finally:
        await origin.close()
    rows = sum(copied.values())
    print(f"Copied {rows} rows in {len(copied)} tables to {destination.dialect}.")


def _validate(folder: str | None) -> int:
    try:
        load_checked_content(Path(folder) if folder else None)
    except ContentError as exc:
        for problem in exc.problems:
            print(problem)
        print(f"{len(exc.problems)} problem(s) found.")
        return EXIT_CONTENT
    print("Content OK.")
    return 0


def _diagram(flow_id: str | None, write: str | None) -> int:
    """Print one flow's Mermaid diagram, or write every flow's page into a folder."""
    from bot.core.diagram import document, mermaid

    try:
        content = load_checked_content()
    except ContentError as exc:
        print(exc)
        return EXIT_CONTENT
    if write:
        folder = Path(write)
        folder.mkdir(parents=True, exist_ok=True)
        for flow in content.flows.values():
            (folder / f"{flow.id}.md").write_text(document(flow), encoding="utf-8")
        print(f"{len(content.flows)} diagram(s) written to {folder}.")
        return 0
    if flow_id not in content.flows:
        print(f"Unknown flow '{flow_id}'; flows: {', '.join(sorted(content.flows))}.")
        return EXIT_CONTENT
    print(mermaid(content.flows[flow_id]), end="")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `sterk-online` console script."""
    parser = argparse.ArgumentParser(prog="sterk-online", description=__doc__)
    release = version("sterk-online")
    parser.add_argument("--version", action="version", version=f"%(prog)s {release}")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser(
        "run", help="run on Telegram and/or WhatsApp when configured, else the terminal chat"
    )
    sub.add_parser("chat", help="always open the terminal chat")
    sub.add_parser("migrate", help="apply pending database migrations, then stop")
    copy = sub.add_parser(
        "copy-db", help="copy a SQLite database into an empty PostgreSQL one (stop the bot first)"
    )
    copy.add_argument("source", nargs="?", help="from (default: STERK_DB_PATH)")
    copy.add_argument("target", nargs="?", help="to (default: STERK_DATABASE_URL)")
    check = sub.add_parser("validate-content", help="check content YAML and list every problem")
    check.add_argument("dir", nargs="?", help="content folder (default: the bundled content)")
    draw = sub.add_parser("diagram", help="print a flow's Mermaid diagram, from its table")
    draw.add_argument("flow", nargs="?", help="flow id, e.g. coach")
    draw.add_argument("--write", metavar="DIR", help="write every flow as DIR/<flow>.md")
    args = parser.parse_args(argv)

    if args.command == "validate-content":
        return _validate(args.dir)
    if args.command == "diagram":
        return _diagram(args.flow, args.write)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if args.command == "copy-db":
        return _run_copy(settings, args.source, args.target)
    try:
        # One process per SQLite file; on PostgreSQL the server arbitrates (see README).
        lock = None if settings.database_url else files.hold_lock(settings.db_path)
    except files.AlreadyRunning as exc:
        print(f"Not started: {exc}", file=sys.stderr)
        return EXIT_RUNNING
    configured = settings.telegram_bot_token or settings.whatsapp_enabled
    mode = "serve" if configured and args.command != "chat" else "chat"
    logs.setup(settings, chat=mode == "chat")
    try:
        asyncio.run(_migrate(settings) if args.command == "migrate" else _run(settings, mode))
    except SettingsError as exc:  # found while starting, e.g. the port is taken
        print(f"Configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except db.Error as exc:  # the database cannot be reached or opened
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"Database error: {reason}", file=sys.stderr)
        return EXIT_CONFIG
    except ContentError as exc:
        print("The content has problems; run `sterk-online validate-content`:", file=sys.stderr)
        for problem in exc.problems[:20]:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_CONTENT
    except KeyboardInterrupt:
        pass
    finally:
        if lock is not None:
            lock.close()
    return 0


def _run_copy(settings: Settings, source: str | None, target: str | None) -> int:
    """`copy-db`: the source file is locked (no bot may write it meanwhile)."""
    from bot.storage.copy import NotEmpty

    source = source or str(settings.db_path)
    target = target or settings.database_url
    if not target:
        print(
            "Configuration error: copy-db needs a target (or STERK_DATABASE_URL)", file=sys.stderr
        )
        return EXIT_CONFIG
    if not db.is_url(source) and not Path(source).is_file():
        print(f"Not copied: there is no database file {source}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        lock = None if db.is_url(source) else files.hold_lock(Path(source))
    except files.AlreadyRunning as exc:
        print(f"Not copied: {exc}", file=sys.stderr)
        return EXIT_RUNNING
    try:
        asyncio.run(_copy(source, target))
    except (SettingsError, NotEmpty) as exc:
        print(f"Not copied: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except db.Error as exc:
        print(f"Database error: {str(exc).strip().splitlines()[0]}", file=sys.stderr)
        return EXIT_CONFIG
    finally:
        if lock is not None:
            lock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
