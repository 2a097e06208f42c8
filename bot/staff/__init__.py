"""The staff side: roles and invites, cases with relay, service levels and staff reminders.

`router.install(core)` (called by `bot.app.open_core`) hooks it into the engine. Modules:
`desk` (roles, sending), `commands` (permission table, audit), `team` (invites, /team),
`cases` (cards, timers), `casework` (claim, switch, close, /escaleer), `relay`, `talk` (the
young person's side), `reminders` (/herinner, wellbeing, digest), `hours`, `timeparse`.
"""
