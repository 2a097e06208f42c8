"""Flow logic that data cannot express. Each module registers its actions, predicates and
commands on its own `router`; `bot/app.py` (`FEATURES`) lists the routers that make the bot."""
