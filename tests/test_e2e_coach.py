"""One full coaching path per role through python-telegram-bot and the fake Bot API."""

from __future__ import annotations

import json

import pytest

from tests.e2e import RunningBot, texts
from tests.stores import query
from tests.test_coach import PUBLIC_ROUTE, SPREADER_ROUTE, TARGET_ROUTE_EN

pytestmark = pytest.mark.both_stores

ONBOARDING = {
    "Nederlands": [
        "Nederlands",
        "Verder",
        "Oké, verder",
        "16 jaar of ouder",
        "Ja, graag",
        "Ja",
        "Overslaan",
    ],
    "English": ["English", "Continue", "OK, continue", "16 or older", "Yes, please", "Yes", "Skip"],
}
TARGET_TAIL_EN = [
    "Set the norm",
    "Reply 1",
    "A second account",
    "Not now",
    "Someone I trust",
    "Talking about it",
]


@pytest.mark.parametrize(
    ("user", "language", "route", "role", "card"),
    [
        (8101, "Nederlands", PUBLIC_ROUTE, "bystander", "Jouw plan"),
        (8102, "English", TARGET_ROUTE_EN + TARGET_TAIL_EN, "target", "Your plan"),
        (8103, "Nederlands", SPREADER_ROUTE, "spreader", "Jouw plan"),
    ],
)
async def test_role_path_to_saved_plan(
    tg: RunningBot, user: int, language: str, route: list[str], role: str, card: str
) -> None:
    """Onboarding, then every tap of the role's route over Telegram, ends in a stored plan."""
    await tg.say(user, "/start")
    for label in ONBOARDING[language]:
        await tg.tap(user, label)
    shown = []
    for label in route:
        shown = await tg.tap(user, label)
        assert shown, f"no answer after {label!r}"
    assert card in texts(shown)
    rows = query(
        tg.settings,
        "SELECT p.data FROM plans p JOIN users u ON u.id = p.user_id WHERE u.external_id = ?",
        (str(user),),
    )
    assert [json.loads(data)["role"] for (data,) in rows] == [role]
    assert not tg.fake.calls_of("forwardMessage")
