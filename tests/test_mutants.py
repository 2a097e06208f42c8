"""Tests that kill the mutants which once survived the whole suite (issue 16, item 3).

Each test names the mutation it catches. The crisis ones go through behaviour (what the person
is shown), never through rule names: the detector is retuned, the promise is not.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import Core
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.model import Event, EventKind
from bot.storage import inbox
from bot.storage import staff as store
from tests.driver import ChatDriver
from tests.staffkit import Office, office, staff_settings

# What a crisis answer or the one crisis question always shows: the suicide helpline.
HELPLINE = "113"


# -- /vergeetmij ------------------------------------------------------------------------------


async def test_no_on_forget_me_keeps_everything(chat: ChatDriver, core: Core) -> None:
    """Mutant: "Nee" on /vergeetmij deleted everything. "Nee, toch niet" keeps the person,
    their settings and their data, and goes back to the menu; only "Ja" deletes."""
    await chat.onboard()
    await chat.send("/vergeetmij")
    assert "Weet je het zeker?" in chat.text
    await chat.tap("Nee, toch niet")
    loaded = await core.repo.load("test", chat.user)
    assert loaded is not None
    user = loaded[0]
    assert user.onboarded
    assert user.checkins
    assert any("Quiz" in label for label in chat.labels())  # back at the menu
    assert "gewist" not in chat.text.casefold()
    await chat.send("/vergeetmij")
    await chat.tap("Ja, wis alles")
    assert await core.repo.load("test", chat.user) is None


async def test_forget_me_drops_fetched_but_unanswered_updates_of_that_chat_only(
    chat: ChatDriver, core: Core
) -> None:
    """Mutant: /vergeetmij left fetched-but-unanswered updates (their texts) in the inbox.
    They go with the person; another chat's waiting updates stay to be answered."""
    await chat.onboard()
    now = core.clock.now()
    waiting = [
        (70001, chat.user, '{"text": "mijn adres is Kerkstraat 1"}'),
        (70002, chat.user, '{"text": "nog iets"}'),
        (70003, "2002", '{"text": "iemand anders"}'),
    ]
    await inbox.keep(core.repo, waiting, now)
    await chat.send("/vergeetmij")
    await chat.tap("Ja, wis alles")
    rows = await core.repo.fetch("SELECT update_id, chat FROM inbox ORDER BY update_id")
    assert [tuple(row) for row in rows] == [(70003, "2002")]
    assert await inbox.depth(core.repo) == 1


# -- crisis phrases, through what the person sees --------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "ik zie het niet meer zitten",
        "Ik zie het echt niet meer zitten",
        "ik kan niet meer.",
        "ik kan niet meer",
    ],
)
async def test_giving_up_phrases_get_the_helpline(chat: ChatDriver, core: Core, text: str) -> None:
    """Mutants: removing the "ik zie het niet meer zitten" and "ik kan niet meer." rules.
    Typed at the menu, each gets the crisis answer or the crisis question, both naming 113,
    and the crisis is recorded."""
    await chat.onboard()
    await chat.send(text)
    assert HELPLINE in chat.text
    loaded = await core.repo.load("test", chat.user)
    assert loaded is not None
    kinds = await core.repo.fetch(
        "SELECT kind FROM activity WHERE user_id = ? AND kind IN ('crisis', 'crisis_possible')",
        (loaded[0].id,),
    )
    assert kinds


# -- crisis words in every kind of free text --------------------------------------------------


@pytest.mark.parametrize("command", ["/menu", "/hulp", "/taal", "/doesnotexist"])
async def test_crisis_words_after_a_command_are_checked(
    chat: ChatDriver, core: Core, command: str
) -> None:
    """Mutant: text after a command went unchecked. "/menu ik kan niet meer" is read too."""
    await chat.onboard()
    await chat.send(f"{command} ik wil niet meer leven")
    assert HELPLINE in chat.text


async def test_crisis_words_in_an_edit_and_a_caption_are_checked(
    chat: ChatDriver, core: Core
) -> None:
    """Edited messages and photo captions are free text as well."""
    await chat.onboard()
    await chat.edit("ik wil niet meer leven")
    assert HELPLINE in chat.text
    await chat.send("/menu")
    await chat.media("photo", caption="ik wil niet meer leven")
    assert HELPLINE in chat.text


async def test_a_start_payload_is_not_read_as_words(chat: ChatDriver, core: Core) -> None:
    """The one exception: `/start CODE` carries a random deep-link code, never the person's
    words (so a code can never trip the detector); the welcome follows."""
    await chat.send("/start ikwildood")
    assert HELPLINE not in chat.text
    assert "In welke taal" in chat.text


async def test_a_tap_is_never_read_as_words(chat: ChatDriver, core: Core) -> None:
    """Button data is ours, not the person's: a forged tap with crisis words gets the
    stale-button answer, not the crisis answer."""
    await chat.onboard()
    await chat._handle(Event("test", chat.user, EventKind.CHOICE, choice="ik wil dood"))
    assert HELPLINE not in chat.text


# -- the staff desk ---------------------------------------------------------------------------


@pytest.fixture
async def desk(settings: Settings, clock: ManualClock) -> AsyncIterator[Office]:
    async with office(staff_settings(settings), clock) as opened:
        yield opened


async def test_an_educator_cannot_claim_a_case_about_themselves(desk: Office) -> None:
    """Mutant: a peer educator could claim a case about themselves. The tap is refused with
    a clear line, the case stays open for the others, and a colleague can still take it."""
    noor = await desk.staff(6001, "peer_educator", "Noor")
    case = await desk.ask_for_help(noor)
    toast = await noor.group_tap(f"case:claim:{case.id}")
    assert toast == "Dit is een zaak over jezelf; die pakt iemand anders op."
    still = await desk.case(case.id)
    assert still.status == "open"
    assert still.claimed_by is None
    member = await store.member(desk.core.repo, await noor.user_id())
    assert member is not None
    assert member.active_case_id is None
    sem = await desk.staff(6002, "peer_educator", "Sem")
    assert await sem.group_tap(f"case:claim:{case.id}") == (
        f"Zaak #{case.id} is van jou. Kijk in je privéchat met de bot."
    )
    assert (await desk.case(case.id)).claimed_by == await sem.user_id()


async def test_the_store_refuses_a_self_claim_on_its_own(desk: Office) -> None:
    """The second lock: even past the desk's check, the claim query itself refuses."""
    young = await desk.young(5001)
    case = await desk.ask_for_help(young)
    uid = await young.user_id()
    assert not await store.claim(desk.core.repo, case.id, uid, desk.clock.now())
    assert (await desk.case(case.id)).status == "open"
