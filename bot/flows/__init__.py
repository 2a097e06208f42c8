"""Flow logic that data cannot express; importing this package registers it all."""

from bot.flows import checkin, coach, explainer, journey, place, plans, quiz, system

__all__ = ["checkin", "coach", "explainer", "journey", "place", "plans", "quiz", "system"]
