"""What coordinators do with the bot besides casework: broadcasts, groups, impact figures.

- `tags`: groups young people join with a link (`/tag`, `/tags`, `/start tag_<code>`);
- `compose`: writing a broadcast (`/bericht`, the `broadcast` flow);
- `sending`: delivering it through the scheduler, progress, report, answers, `/berichten`;
- `stats` and `chart`: `/cijfers` (text and chart image) and the anonymised `/export`.

The commands are staff commands (bot/staff/commands.py) for coordinators and admins. Each module
keeps its own `staff`, `router` (flow actions, the `bc` answer buttons) and `jobs` (the
scheduler's `broadcast` kind); the app factory (bot/app.py, `FEATURES`) lists them and puts the
two engine hooks in place.
"""
