"""The staff side: roles and invites, cases with relay, service levels and staff reminders.

`bot.app.open_core` puts the `router.StaffRouter` hooks into the engine. Modules:
`desk` (roles, sending), `commands` (permission table, audit), `team` (invites, /team),
`cases` (cards, timers), `casework` (claim, switch, close, /escaleer), `relay`, `talk` (the
young person's side), `reminders` (/herinner, wellbeing, digest), `timeparse`. Staffed hours
are `bot.hours` (settings validate them).
"""
