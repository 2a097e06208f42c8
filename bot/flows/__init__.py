"""Flow logic that data cannot express; importing this package registers it all."""

from bot.flows import explainer, quiz, system

__all__ = ["explainer", "quiz", "system"]
