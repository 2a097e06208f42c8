"""Timing for everything the bot sends later; see `scheduler/README.md`.

- `service`: the `Scheduler` (claims due rows, delivers them, daily jobs);
- `jobs`: the registry of kinds and daily hooks, plus staff reminders;
- `timing`: quiet hours and 'in N days' on the local wall clock (pure functions);
- `pacing`: the token bucket and per-chat spacing of the lane (broadcasts).
"""
