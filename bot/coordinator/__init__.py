"""What coordinators do with the bot besides casework: broadcasts, groups, impact figures.

- `tags`: groups young people join with a link (`/tag`, `/tags`, `/start tag_<code>`);
- `compose`: writing a broadcast (`/bericht`, the `broadcast` flow);
- `sending`: delivering it through the scheduler, progress, report, answers, `/berichten`;
- `stats` and `chart`: `/cijfers` (text and chart image) and the anonymised `/export`.

The commands are staff commands (bot/staff/commands.py) for coordinators and admins. Importing
this package registers them with the flow actions, the `bc` answer buttons and the scheduler's
`broadcast` kind; `install(core)` adds the two engine hooks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.coordinator import compose, sending, stats, tags

if TYPE_CHECKING:
    from bot.app import Core

__all__ = ["compose", "install", "sending", "stats", "tags"]


def install(core: Core) -> None:
    """Compose text first of all text filters (before the staff relay and the crisis check),
    and `/start tag_<code>` joins a group."""
    core.engine.text_filters.insert(0, compose.text_filter)
    core.engine.start_hooks.append(tags.join)
