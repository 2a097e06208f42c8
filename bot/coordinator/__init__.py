"""What coordinators do with the bot besides casework: broadcasts, groups, impact figures.

- `tags`: groups young people join with a link (`/tag`, `/tags`, `/start tag_<code>`);
- `compose`: writing a broadcast (`/bericht`, the `broadcast` flow);
- `sending`: delivering it through the scheduler, progress, report, answers, `/berichten`;
- `stats` and `chart`: `/cijfers` (text and chart image) and the anonymised `/export`.

The commands are staff commands (bot/staff/commands.py) for coordinators and admins. Importing
this package registers them with the flow actions, the `bc` answer buttons and the scheduler's
`broadcast` kind; the app factory (bot/app.py) puts its two engine hooks in place.
"""

from __future__ import annotations

from bot.coordinator import compose, sending, stats, tags

__all__ = ["compose", "sending", "stats", "tags"]
