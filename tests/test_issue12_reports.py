"""Issue 12, item 7: the broadcast report follows the answers (48 hours) and reaches the
coordinator as a new message when the old one is gone; /cijfers headline, trend and chart.
Real python-telegram-bot against the fake Bot API, the scheduler ticked on the test clock."""

from __future__ import annotations

from bot.core.clock import ManualClock
from tests.broadcastkit import lane
from tests.e2e import RunningBot
from tests.staffkit import (
    ADMIN,
    IDLE,
    onboard,
    say,
    staff_tg,  # noqa: F401 - the `tg` fixture with staff
    tap,
)

ANNA, BRAM = 8701, 8702


def _report(tg: RunningBot) -> str:
    """What the coordinator's newest report (posted or edited) says."""
    calls = [
        c
        for c in tg.fake.calls
        if c.ok and c.chat_id == ADMIN and "Verslag van bericht" in str(c.params.get("text"))
    ]
    return str(calls[-1].params["text"]) if calls else ""


async def test_report_follows_answers_and_comes_anew_when_its_message_is_gone(
    tg: RunningBot, clock: ManualClock
) -> None:
    """Done before anyone answered ("Ik doe mee: 0"); answers update it; when the coordinator
    deleted the message the report arrives as a new one; after 48 hours it stays as it is."""
    for young in (ANNA, BRAM):
        await onboard(tg, young)
    await say(tg, ADMIN, "/bericht", first_name="Ada")
    await say(tg, ADMIN, "Zaterdag Social Cleanup Day in het buurthuis!", first_name="Ada")
    for label in ("Geen link", "Ja, met knoppen", "Iedereen", "Nee, altijd sturen"):
        await tap(tg, ADMIN, label)
    await tap(tg, ADMIN, "Verstuur nu")
    await tap(tg, ADMIN, "Ja, verstuur")
    assert tg.core is not None
    sched = lane(tg.core, clock)
    await sched.tick()
    await sched.drain()
    await sched.tick()
    await tg.fake.replies_until_idle(ADMIN, idle=IDLE)
    assert "Ik doe mee: 0 · Deze keer niet: 0" in _report(tg)
    assert "Antwoorden tellen mee tot" in _report(tg)

    await tap(tg, ANNA, "Ik doe mee")
    await sched.tick()
    await tg.fake.replies_until_idle(ADMIN, idle=IDLE)
    assert "Ik doe mee: 1 · Deze keer niet: 0" in _report(tg)
    [edited] = [c for c in tg.fake.calls_of("editMessageText") if "Ik doe mee: 1" in str(c.params)]
    status_id = int(edited.params["message_id"])

    tg.fake.delete_in_chat(ADMIN, status_id)  # the coordinator cleared the chat
    await tap(tg, BRAM, "Deze keer niet")
    mark = tg.fake.mark()
    await sched.tick()
    await tg.fake.replies_until_idle(ADMIN, idle=IDLE)
    anew = [c for c in tg.fake.calls[mark:] if c.method == "sendMessage" and c.chat_id == ADMIN]
    assert len(anew) == 1
    assert "Ik doe mee: 1 · Deze keer niet: 1" in str(anew[0].params["text"])

    clock.advance(hours=49)
    await tap(tg, BRAM, "Ik doe mee")  # a late change of mind is still recorded...
    mark = tg.fake.mark()
    await sched.tick()
    await tg.fake.replies_until_idle(ADMIN, idle=IDLE)
    assert [c for c in tg.fake.calls[mark:] if c.chat_id == ADMIN] == []  # ...the report rests
    assert "Ik doe mee: 1 · Deze keer niet: 1" in _report(tg)
