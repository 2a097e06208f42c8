"""Flow logic that data cannot express; importing this package registers it all."""

from bot.flows import system

__all__ = ["system"]
