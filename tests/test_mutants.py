"""Tests that kill the mutants which once survived the whole suite (issue 16, item 3).

Each test names the mutation it catches. The crisis ones go through behaviour (what the person
is shown), never through rule names: the detector is retuned, the promise is not.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import Core
from bot.config import Settings
from bot.core.clock import ManualClock, epoch
from bot.core.delivery import DeliveryFailed
from bot.core.model import Event, EventKind, Reply
from bot.core.safety import CrisisKind, Outcome, detect_crisis
from bot.storage import inbox, shared
from bot.storage import staff as store
from tests.driver import ChatDriver
from tests.staffkit import ADMIN, GROUP, Office, Person, office, staff_settings
from tests.test_coach import QUIET_ROUTE
from tests.test_crisis_flow import STATES

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


async def test_forget_me_drops_what_replicas_share_about_that_chat_only(
    chat: ChatDriver, core: Core
) -> None:
    """Mutant (mutmut run of 2026-12 on the forget flow): `forget_everything` dropped the
    person's flood count but not their chat's live keyboard, so a row with the chat id
    survived /vergeetmij (replicas share both in the database). Both go with the person;
    another chat's stay."""
    await chat.onboard()
    now = core.clock.now()
    for who in (chat.user, "2002"):
        await shared.flood(core.repo, f"test:{who}", 10, 60.0, now.timestamp())
        await shared.swap_live(core.repo, who, 4242, now)
    await chat.send("/vergeetmij")
    await chat.tap("Ja, wis alles")
    assert await shared.live(core.repo, chat.user) is None
    assert await shared.live(core.repo, "2002") == 4242
    buckets = await core.repo.fetch("SELECT name FROM rate_buckets ORDER BY name")
    assert [tuple(row) for row in buckets] == [("flood:test:2002",)]


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


async def _crisis_activity(core: Core, chat: ChatDriver) -> list[tuple[object, ...]]:
    """The crisis events recorded for the person: (kind, crisis kind), oldest first."""
    loaded = await core.repo.load("test", chat.user)
    assert loaded is not None
    rows = await core.repo.fetch(
        "SELECT kind, detail FROM activity WHERE user_id = ? AND kind LIKE 'crisis%' ORDER BY id",
        (loaded[0].id,),
    )
    return [tuple(row) for row in rows]


@pytest.mark.parametrize(
    "draft",
    [
        "kan ik dit posten: 'mn leven voelt als game over zonder respawn en ik wil gewoon "
        "stoppen met spelen, voorgoed'",
        "kan ik dit posten: 'ngl ik wil gwn unalive gaan, niemand gaat t merken'",
        'ze noemen me "loser". kan ik dit posten: "morgen ben ik er niet meer, doei allemaal"',
        "jij schreef 'ik kom je vanavond steken'. kan ik dit posten: 'morgen ben ik er niet meer'",
    ],
)
async def test_a_goodbye_quoted_in_a_draft_gets_the_crisis_answer(
    chat: ChatDriver, core: Core, draft: str
) -> None:
    """Mutants (mutmut runs of 2026-12 on bot/core/safety.py): `_with_own_words` (now
    `_with_quote`) kept only the concepts the draft and its quote share; the first quote that
    is not the writer's own words (the hater's "loser") stopped the reading of the quotes after
    it; a threat quoted as sent to the writer replaced the draft's reading instead of adding to
    it. Each time the goodbye in the post the writer plans was dropped. In "check my reply" it
    gets the crisis answer with 113 and the safety question at once, and the suicide is
    recorded."""
    await STATES["check my reply"](chat)
    await chat.send(draft)
    assert HELPLINE in chat.text
    assert "Ben je nu veilig?" in chat.text
    assert await _crisis_activity(core, chat) == [("crisis", "suicide")]


async def test_an_explicit_threat_to_dox_gets_the_crisis_answer_at_once(
    chat: ChatDriver, core: Core
) -> None:
    """Mutant: `decide` let a clear rule count only when the model found the message harmless,
    so an explicit threat the model alone is unsure of got only the kind question. "someone
    keeps threatening to dox me ..." gets the crisis answer and the safety question at once,
    and is recorded as a doxing crisis."""
    await chat.onboard()
    await chat.send("someone keeps threatening to dox me if i dont apologise")
    assert "Ben je nu veilig?" in chat.text
    assert await _crisis_activity(core, chat) == [("crisis", "doxing")]


async def test_asking_how_to_help_a_friend_who_cuts_gets_113_calmly(
    chat: ChatDriver, core: Core
) -> None:
    """Mutants: `_friends_kind` looked for another concept than "cut", or for its absence, so
    "how do i help her" about a friend who cuts got no answer at all (the model rightly sees
    no crisis of the writer's). The calm friend answer names 113, asks no safety question and
    records a friend's self-harm; a friend's wish to die is recorded as suicide."""
    await chat.onboard()
    await chat.send("my friend told me she cuts herself, how do i help her")
    assert "0800-0113" in chat.text
    assert "Ben je nu veilig?" not in chat.text
    await chat.send("my friend said she wants to die, how do i help her")
    assert "0800-0113" in chat.text
    assert await _crisis_activity(core, chat) == [
        ("crisis_friend", "self_harm"),
        ("crisis_friend", "suicide"),
    ]


async def test_a_friend_who_wants_to_die_and_cuts_gets_the_calm_answer(
    chat: ChatDriver, core: Core
) -> None:
    """Mutant (mutmut run of 2026-12 on `decide`): a friend's signal needed fewer kinds than
    suicide and self-harm together (`<` for `<=`), so a friend who both wants to die and cuts
    got the writer's crisis question. It gets the calm friend answer with 113, no question
    about the writer, recorded as a friend's suicide."""
    await chat.onboard()
    await chat.send("mn vriendin wil dood en ze snijdt zichzelf, hoe kan ik haar helpen")
    assert "0800-0113" in chat.text
    assert "Ben je nu veilig?" not in chat.text
    assert await _crisis_activity(core, chat) == [("crisis_friend", "suicide")]


async def test_a_crisis_without_immediate_danger_gets_no_112_line(
    chat: ChatDriver, core: Core
) -> None:
    """Mutant (mutmut run of 2026-12 on `decide`): the clear signal took its reasons for
    "immediate danger", so every crisis answer opened with "Bel meteen 112" and the police.
    A wish to die with nobody at the door gets the crisis answer with 113 and the safety
    question, without the 112 line (that one is for people at the door, see below)."""
    await chat.onboard()
    await chat.send("ik wil niet meer leven")
    assert HELPLINE in chat.text
    assert "Ben je nu veilig?" in chat.text
    assert "Bel meteen 112" not in chat.text


async def test_a_goodbye_draft_from_someone_at_the_door_keeps_112(
    chat: ChatDriver, core: Core
) -> None:
    """Mutant (mutmut run of 2026-12 on `read_message`): a goodbye quoted in a draft replaced
    the draft's own reading instead of adding to it, so people at the door outside the quote
    were dropped and the crisis answer lost its 112 line. The draft gets the crisis answer
    with "Bel meteen 112" first and 113, and the suicide is recorded."""
    await STATES["check my reply"](chat)
    await chat.send(
        "ze weten waar ik woon en staan nu voor de deur. "
        "kan ik dit posten: 'morgen ben ik er niet meer'"
    )
    assert "Bel meteen 112" in chat.text
    assert HELPLINE in chat.text
    assert await _crisis_activity(core, chat) == [("crisis", "suicide")]


async def test_a_draft_that_is_only_a_quoted_goodbye_gets_the_crisis_answer(
    chat: ChatDriver, core: Core
) -> None:
    """Mutants (mutmut run of 2026-12 on `_with_quote`): a draft that is nothing but a quote
    has no words of its own, so the quote is added to an empty reading; breaking that empty
    reading (its cues, its probabilities, a "none" key spelled otherwise, a missing kind read
    as None or as certain) crashed the check or added every kind. "'morgen ben ik er niet
    meer, doei allemaal'" in "check my reply" gets the crisis answer with 113 and the safety
    question, as a suicide and nothing else."""
    draft = "'morgen ben ik er niet meer, doei allemaal'"
    signal = detect_crisis(draft, "draft")
    assert signal is not None
    assert signal.outcome is Outcome.CLEAR
    assert signal.kinds == {CrisisKind.SUICIDE}
    await STATES["check my reply"](chat)
    await chat.send(draft)
    assert HELPLINE in chat.text
    assert "Ben je nu veilig?" in chat.text
    assert await _crisis_activity(core, chat) == [("crisis", "suicide")]


async def test_a_quoted_wish_to_die_the_model_doubts_still_gets_the_crisis_answer(
    chat: ChatDriver, core: Core
) -> None:
    """Mutants (mutmut run of 2026-12 on `_with_quote`): the draft's "none" probability after
    adding a quote was set to 1.0 or more (`max(1.0, ...)`, `1.0 + sum`, `2.0 - sum`), so the
    model's veto silenced the explicit rule in the quote, and a wish to die the model alone
    doubts ("ajax verloor, ik wil dood", suicide 0.42) got only the kind question. It gets
    the crisis answer with the safety question at once, recorded as a suicide."""
    draft = "kan ik dit posten: 'ajax verloor, ik wil dood'"
    await STATES["check my reply"](chat)
    await chat.send(draft)
    assert HELPLINE in chat.text
    assert "Ben je nu veilig?" in chat.text
    assert await _crisis_activity(core, chat) == [("crisis", "suicide")]


@pytest.mark.parametrize("quote", ["morgen ben ik er niet meer", "ajax verloor, ik wil dood"])
def test_a_quoted_wish_to_die_keeps_the_self_harm_outside_the_quote(quote: str) -> None:
    """Mutants (mutmut run of 2026-12 on `_with_quote`): adding a quote's probabilities read
    the draft's own as 0, so the self-harm the draft shows outside the quote (found by the
    model alone) was lost; or the new "none" was 1 minus the old "none", so a draft sure of
    self-harm (none 0.0) turned into a veto that silenced the quote's explicit wish to die
    (the model alone doubts "ajax verloor, ik wil dood"), and self-harm's help came first.
    Both kinds stay, suicide first."""
    signal = detect_crisis(
        f"door jullie zit ik weer met een mesje aan mijn arm. kan ik dit posten: '{quote}'",
        "draft",
    )
    assert signal is not None
    assert signal.outcome is Outcome.CLEAR
    assert signal.kinds == {CrisisKind.SUICIDE, CrisisKind.SELF_HARM}
    assert signal.primary is CrisisKind.SUICIDE


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


# -- a crisis inside a case (mutmut run of 2026 on bot/staff/cases.py) -----------------------

CRISIS = "ik wil niet meer leven"
NOOR, SEM, COR = 6101, 6102, 6103


def _label(case: store.Case) -> str:
    return f"Jongere #{case.pseudonym}"


async def test_a_crisis_in_a_claimed_case_reaches_coordinators_and_the_educator_once(
    desk: Office,
) -> None:
    """Mutants: `crisis_alert` did nothing, sent its note to the educator instead of the
    coordinators, named nobody, dropped the case card or told the educator twice;
    `_became_urgent` did not tell the educator. A crisis in Noor's case reaches the coordinator
    and the admin with the case card, Noor once (with the button to that case), Sem never;
    a second signal in the same case reaches the coordinators and Noor again."""
    noor = await desk.staff(NOOR, "peer_educator", "Noor")
    await desk.staff(SEM, "peer_educator", "Sem")
    await desk.staff(COR, "coordinator", "Cor")
    anna = await desk.young(5101, "Anna")
    case = await desk.ask_for_help(anna)
    await noor.group_tap(f"case:claim:{case.id}")
    label = _label(case)
    card = (
        f"🔴 DRINGEND · Zaak #{case.id} · {label}\nAanleiding: crisissignaal: zelfdoding\n"
        "Rol: doelwit\nOpen sinds 13:00"
    )
    seen = len(desk.channel.log)
    await anna.send(CRISIS)
    assert HELPLINE in anna.text
    await desk.scheduler.tick()
    sent = desk.channel.log[seen:]
    alert = (
        f"🚨 Crisis in zaak #{case.id} ({label}): crisissignaal: zelfdoding. Noor heeft de "
        f"zaak. Kijk mee.\n\n{card}"
    )
    for chat in (COR, ADMIN):
        [note] = [s for s in sent if s.chat == str(chat)]
        assert (note.kind, note.text, note.buttons) == ("send", alert, ())
    pick = f"case:pick:{case.id}"
    [urgent] = [s for s in sent if s.chat == str(NOOR) and s.kind == "send"]
    assert urgent.text == f"⚠️ Zaak #{case.id} ({label}) is nu dringend: crisissignaal: zelfdoding."
    assert [b.data for row in urgent.buttons for b in row] == [pick]
    assert not [s for s in sent if s.chat == str(SEM)]
    [edit] = [s for s in sent if s.chat == str(GROUP)]
    assert edit.kind == "edit"
    assert edit.text.startswith(card)
    assert "✅ Opgepakt door Noor" in edit.text

    await anna.send("/menu")
    seen = len(desk.channel.log)
    await anna.send("ik wil dood")
    await desk.scheduler.tick()
    sent = desk.channel.log[seen:]
    for chat in (COR, ADMIN):
        assert [s.text for s in sent if s.chat == str(chat)] == [alert]
    [again] = [s for s in sent if s.chat == str(NOOR)]
    assert again.text == (
        f"🚨 Nieuw crisissignaal in zaak #{case.id} ({label}): crisissignaal: zelfdoding. "
        "De jongere kreeg de hulplijnen; de coördinatoren zijn ingelicht."
    )
    assert [b.data for row in again.buttons for b in row] == [pick]
    assert not [s for s in sent if s.chat == str(SEM)]


async def _swipe_reaches_anna(desk: Office, educator: Person, text: str, message_id: int) -> None:
    """A swipe-reply on a notice reaches Anna (chat 5101) alone, without "Voor wie is dit?"."""
    seen = len(desk.channel.log)
    await educator.reply(text, to=message_id)
    relayed = desk.channel.log[seen:]
    assert [s.chat for s in relayed if text in s.text] == [str(5101)]
    assert "Voor wie is dit bericht?" not in educator.text


async def test_a_swipe_reply_to_a_crisis_notice_reaches_that_case(desk: Office) -> None:
    """Mutant: `_signal_to_educator` sent the crisis notice without its case, so an educator
    with two cases who swipe-replied to it was asked which case (or reached the other one).
    Noor holds Anna's and Bram's cases; she swipe-replies to the notice about Anna's crisis,
    and only Anna gets the message."""
    noor = await desk.staff(NOOR, "peer_educator", "Noor")
    anna = await desk.young(5101, "Anna")
    bram = await desk.young(5102, "Bram")
    first = await desk.ask_for_help(anna)
    await noor.group_tap(f"case:claim:{first.id}")
    second = await desk.ask_for_help(bram)
    await noor.group_tap(f"case:claim:{second.id}")
    seen = len(desk.channel.log)
    await anna.send(CRISIS)
    await desk.scheduler.tick()
    [notice] = [s for s in desk.channel.log[seen:] if s.chat == str(NOOR) and s.kind == "send"]
    assert f"Zaak #{first.id}" in notice.text
    await _swipe_reaches_anna(desk, noor, "Ik ben er, Anna. Bel je 113?", notice.message_id)


async def test_a_crisis_in_an_open_case_is_announced_again_with_a_claim_button(
    desk: Office,
) -> None:
    """Mutants: `_became_urgent` did not re-announce an open case that turned urgent, and
    `crisis_alert` sent the coordinators no claim button or the wrong status. The card comes
    again, marked urgent, the old one points to it, and the coordinators can claim at once."""
    await desk.staff(COR, "coordinator", "Cor")
    anna = await desk.young(5101, "Anna")
    case = await desk.ask_for_help(anna)
    first = desk.card()
    seen = len(desk.channel.log)
    await anna.send(CRISIS)
    await desk.scheduler.tick()
    sent = desk.channel.log[seen:]
    label = _label(case)
    claim = [f"case:claim:{case.id}"]
    [post] = [s for s in sent if s.kind == "post"]
    assert post.chat == str(GROUP)
    assert post.text.startswith(
        f"⏰ Nog niet opgepakt na 10 minuten\n🔴 DRINGEND · Zaak #{case.id} · {label}\n"
    )
    assert [b.data for row in post.buttons for b in row] == claim
    [moved] = [s for s in sent if s.kind == "edit"]
    assert (moved.message_id, moved.text) == (
        first.message_id,
        f"Zaak #{case.id} is opnieuw gemeld, zie hieronder.",
    )
    assert (await desk.case(case.id)).card_message_id == post.message_id
    for chat in (COR, ADMIN):
        [note] = [s for s in sent if s.chat == str(chat)]
        assert note.text.startswith(
            f"🚨 Crisis in zaak #{case.id} ({label}): crisissignaal: zelfdoding. "
            "Nog niet opgepakt.\n\n🔴 DRINGEND"
        )
        assert [b.data for row in note.buttons for b in row] == claim


async def test_a_flag_reaches_the_coordinators_with_the_case_and_nobody_else(
    desk: Office,
) -> None:
    """Mutants (mutmut run of 2026-12: no test in the mutation selection reached `flag_case`):
    the flag reached no coordinator, or the one who flagged, named nobody, dropped what is
    going on or the card, or left the group card unmarked. Noor's /vlag reaches Cor and the
    admin with her name, her words and the card; the group card shows 🚩; Sem and Anna see
    nothing; Cor's /zaak shows who flagged and why. When Cor, a coordinator himself, flags his
    own case, only the admin is told."""
    noor = await desk.staff(NOOR, "peer_educator", "Noor")
    await desk.staff(SEM, "peer_educator", "Sem")
    cor = await desk.staff(COR, "coordinator", "Cor")
    anna = await desk.young(5101, "Anna")
    case = await desk.ask_for_help(anna)
    await noor.group_tap(f"case:claim:{case.id}")
    label = _label(case)
    seen = len(desk.channel.log)
    await noor.send("/vlag dreiging met adres, wil overleg")
    assert noor.text == f"🚩 De coördinatoren zijn ingelicht over zaak #{case.id} ({label})."
    sent = desk.channel.log[seen:]
    flagged = (
        f"🚩 Noor vraagt een coördinator bij zaak #{case.id} ({label}).\n"
        "Wat er speelt: dreiging met adres, wil overleg\n"
        f"🟡 Zaak #{case.id} · {label}\nAanleiding: vroeg zelf om een peer educator\n"
    )
    for chat in (COR, ADMIN):
        [note] = [s for s in sent if s.chat == str(chat)]
        assert note.text.startswith(flagged)
    [edit] = [s for s in sent if s.chat == str(GROUP)]
    assert (edit.kind, edit.message_id) == ("edit", desk.card().message_id)
    assert edit.text.startswith(f"🟡 Zaak #{case.id} · {label}\n")
    assert "\n🚩 Coördinator gevraagd (13:00)\n✅ Opgepakt door Noor" in edit.text
    assert {s.chat for s in sent} == {str(COR), str(ADMIN), str(GROUP)}
    assert (await desk.case(case.id)).flagged_at is not None
    await cor.send(f"/zaak {case.id}")
    assert "\n• 13:00 🚩 Noor vroeg een coördinator: dreiging met adres, wil overleg" in cor.text

    bram = await desk.young(5102, "Bram")
    own = await desk.ask_for_help(bram)
    await cor.group_tap(f"case:claim:{own.id}")
    seen = len(desk.channel.log)
    await cor.send("/vlag")
    told = [s for s in desk.channel.log[seen:] if s.chat != str(GROUP)]
    assert [s.chat for s in told] == [str(ADMIN)]
    assert told[0].text.startswith(
        f"🚩 Cor vraagt een coördinator bij zaak #{own.id} ({_label(own)}).\n🟡 Zaak #{own.id}"
    )


async def test_an_unclaimed_crisis_case_reaches_the_coordinators_as_urgent(desk: Office) -> None:
    """Mutants (mutmut run of 2026-12 on bot/staff/cases.py): `_unclaimed` told the
    coordinators about an urgent case with the ordinary line, or with no claim button. Thirty
    minutes after Anna's crisis nobody has taken her case: Cor and the admin read that an
    URGENT case waits, with the button to claim it, and Anna hears it takes longer."""
    await desk.staff(COR, "coordinator", "Cor")
    anna = await desk.young(5101, "Anna")
    await anna.send(CRISIS)
    await desk.scheduler.tick()
    case = await store.active_case_of(desk.core.repo, await anna.user_id())
    assert case is not None
    seen = len(desk.channel.log)
    for _ in range(3):
        desk.clock.advance(minutes=10)
        await desk.scheduler.tick()
    sent = desk.channel.log[seen:]
    for chat in (COR, ADMIN):
        [note] = [s for s in sent if s.chat == str(chat)]
        assert note.text == (
            f"⚠️ DRINGENDE zaak #{case.id} ({_label(case)}) is na 30 minuten nog niet opgepakt."
        )
        assert [b.data for row in note.buttons for b in row] == [f"case:claim:{case.id}"]
    assert "Het duurt langer dan we willen" in desk.channel.texts(5101)


async def test_a_card_the_group_did_not_get_is_posted_by_the_next_check(
    desk: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Mutant: `_unclaimed` retried a card whose first post failed for no desk, which broke
    the check, so a request for help stayed unseen by the whole team. The staff group is
    unreachable when Anna asks; once it is back, the check ten minutes later posts her card
    with its claim button."""
    anna = await desk.young(5101, "Anna")
    posts = desk.channel.post

    async def unreachable(chat: str, reply: Reply) -> int:
        raise DeliveryFailed("the staff group is down")

    monkeypatch.setattr(desk.channel, "post", unreachable)
    case = await desk.ask_for_help(anna)
    await desk.scheduler.tick()
    assert desk.channel.to(GROUP, "post") == []
    monkeypatch.setattr(desk.channel, "post", posts)
    desk.clock.advance(minutes=10)
    await desk.scheduler.tick()
    card = desk.card()
    assert f"🟡 Zaak #{case.id} · {_label(case)}\n" in card.text
    assert [b.data for row in card.buttons for b in row] == [f"case:claim:{case.id}"]
    assert (await desk.case(case.id)).card_message_id == card.message_id


async def test_a_waiting_person_is_brought_up_on_the_minute_and_a_reply_reaches_them(
    desk: Office,
) -> None:
    """Mutants: `_unanswered` reminded or escalated only after the time had passed (a check at
    the very minute then waited for the next day), broke on queuing its next check (`check`
    too: the scheduler's retries ran out before the coordinators' time), or sent the reminder
    without its case or its button. Noor holds Anna's and Bram's
    cases and has answered only Bram. When Anna has waited exactly the reply time Noor is reminded
    with the button to Anna's case and the coordinators are not told; at twice that time they
    are; Noor's swipe-reply to the reminder reaches Anna only."""
    noor = await desk.staff(NOOR, "peer_educator", "Noor")
    await desk.staff(COR, "coordinator", "Cor")
    anna = await desk.young(5101, "Anna")
    bram = await desk.young(5102, "Bram")
    await noor.group_tap(f"case:claim:{(await desk.ask_for_help(bram)).id}")
    await noor.send("Hoi Bram, ik ben Noor")
    case = await desk.ask_for_help(anna)
    await noor.group_tap(f"case:claim:{case.id}")
    label, step = _label(case), desk.core.settings.case_reply_reminder_minutes
    seen = len(desk.channel.log)
    desk.clock.advance(minutes=step)
    await desk.scheduler.tick()
    sent = desk.channel.log[seen:]
    [due] = [s for s in sent if s.chat == str(NOOR)]
    assert due.text == f"⏰ {label} (zaak #{case.id}) wacht sinds 13:00 op je antwoord."
    assert [b.data for row in due.buttons for b in row] == [f"case:pick:{case.id}"]
    assert not [s for s in sent if s.chat in (str(COR), str(ADMIN))]
    seen = len(desk.channel.log)
    for _ in range(step // 5):  # in real time: a failing check is retried a few times only
        desk.clock.advance(minutes=5)
        await desk.scheduler.tick()
    overdue = f"Zaak #{case.id} ({label}): de jongere wacht al {2 * step} minuten op een antwoord"
    for chat in (COR, ADMIN):
        [note] = [s for s in desk.channel.log[seen:] if s.chat == str(chat)]
        assert note.text.startswith(overdue)
    await _swipe_reaches_anna(desk, noor, "Sorry Anna, ik ben er nu", due.message_id)


async def test_a_crisis_during_coaching_opens_a_card_with_what_they_told_so_far(
    desk: Office,
) -> None:
    """Mutants: `build_summary` left out the answers of the conversation the crisis came from
    (or read them for no one), so the educator's card said nothing of the situation. Anna is
    coaching about bullying of someone else on TikTok when she types a crisis: her new case's
    card names her role, the platform and the form."""
    anna = await desk.young(5101, "Anna")
    await anna.send("/menu")
    for label in QUIET_ROUTE[:6]:
        await anna.tap(label)
    await anna.send(CRISIS)
    assert HELPLINE in anna.text
    await desk.scheduler.tick()
    case = await store.active_case_of(desk.core.repo, await anna.user_id())
    assert case is not None
    assert desk.card().text.startswith(
        f"🔴 DRINGEND · Zaak #{case.id} · {_label(case)}\nAanleiding: crisissignaal: "
        "zelfdoding\nRol: omstander\nPlatform: TikTok\nVorm: pesten\n"
    )


# -- who reads a case (bot/staff/casework.py `_show`) ------------------------------------------


async def test_only_the_holder_and_coordinators_read_a_claimed_case(desk: Office) -> None:
    """Mutants: `/zaak` showed a claimed case to another educator, showed a coordinator
    nothing, made it the coordinator's active case, or dropped the card. Sem is refused
    without any detail, Cor reads the card without taking the case over, Noor reads it and
    her typed messages go there; an open case comes with its claim button, a closed or unknown
    one is refused."""
    noor = await desk.staff(NOOR, "peer_educator", "Noor")
    sem = await desk.staff(SEM, "peer_educator", "Sem")
    cor = await desk.staff(COR, "coordinator", "Cor")
    anna = await desk.young(5101, "Anna")
    bram = await desk.young(5102, "Bram")
    case = await desk.ask_for_help(anna)
    other = await desk.ask_for_help(bram)
    await noor.group_tap(f"case:claim:{case.id}")
    await noor.group_tap(f"case:claim:{other.id}")
    label = _label(case)
    card = f"🟡 Zaak #{case.id} · {label}\nAanleiding: vroeg zelf om een peer educator\n"

    await sem.send(f"/zaak {case.id}")
    assert sem.text == f"Zaak #{case.id} is door iemand anders opgepakt."
    sem_member = await store.member(desk.core.repo, await sem.user_id())
    assert sem_member is not None
    assert sem_member.active_case_id is None

    await cor.send(f"/zaak {case.id}")
    assert [r.text.startswith(card) for r in cor.replies] == [True]
    assert "Wat je nu typt" not in cor.text
    cor_member = await store.member(desk.core.repo, await cor.user_id())
    assert cor_member is not None
    assert cor_member.active_case_id is None

    await noor.send(f"/zaak {case.id}")
    assert noor.replies[0].text.startswith(card)
    assert noor.replies[1].text.startswith(
        f"▶️ Wat je nu typt, gaat naar {label} (zaak #{case.id})."
    )
    noor_member = await store.member(desk.core.repo, await noor.user_id())
    assert noor_member is not None
    assert noor_member.active_case_id == case.id
    await noor.send("Hoi Anna")
    assert "Noor: Hoi Anna" in desk.channel.texts(5101)
    assert "Hoi Anna" not in desk.channel.texts(5102)

    cid = await desk.young(5103, "Cid")
    waiting = await desk.ask_for_help(cid)
    await sem.send(f"/zaak {waiting.id}")
    assert sem.text.startswith(f"🟡 Zaak #{waiting.id} · {_label(waiting)}\n")
    assert [b.data for b in sem.buttons] == [f"case:claim:{waiting.id}"]
    await cid.tap("Vraag intrekken")
    await sem.send(f"/zaak {waiting.id}")
    assert sem.text == f"Zaak #{waiting.id} bestaat niet of is al gesloten."
    await sem.send("/zaak 999")
    assert sem.text == "Zaak #999 bestaat niet of is al gesloten."


# -- closing, ending, forgetting (casework.py, cases.py) -------------------------------------


async def test_closing_tells_the_person_and_where_the_educators_messages_go(
    desk: Office,
) -> None:
    """Mutants: `close_case` lost the note, told nothing, gave no hint, or gave a hint for the
    wrong case; `next_hint` pointed to the wrong case or none. Noor holds three cases: closing
    one says how many are left, closing the next names the last one, and each young person
    hears their conversation was closed by Noor and is asked for a rating."""
    noor = await desk.staff(NOOR, "peer_educator", "Noor")
    people = [await desk.young(5101 + n, name) for n, name in enumerate(("Anna", "Bram", "Cid"))]
    cases = [await desk.ask_for_help(person) for person in people]
    for case in cases:
        await noor.group_tap(f"case:claim:{case.id}")
    first, second, third = cases

    await noor.send(f"/zaak {first.id}")
    await noor.send("/sluit geholpen belde samen met 113")
    assert noor.text == (
        f"Zaak #{first.id} is gesloten. Dank je wel!\n"
        "Je hebt nog 2 zaken. Antwoord (swipe) op een bericht, of kies met /zaken."
    )
    closed = await desk.case(first.id)
    assert (closed.status, closed.outcome) == ("closed", "helped")
    row = await desk.core.repo.fetch_one("SELECT outcome_note FROM cases WHERE id = ?", (first.id,))
    assert row is not None
    assert row[0] == "belde samen met 113"
    told = [s.text for s in desk.channel.to(5101, "send")[-2:]]
    assert told == [
        "Noor heeft het gesprek afgesloten. Fijn dat je contact zocht.",
        "Hoeveel heb je aan dit gesprek gehad? 1 is niets, 5 is heel veel.",
    ]

    await noor.press(f"case:close:{second.id}:referred")
    assert noor.text == (
        f"Zaak #{second.id} is gesloten. Dank je wel!\n"
        f"Je berichten gaan nu naar {_label(third)} (zaak #{third.id})."
    )
    assert (await desk.case(second.id)).outcome == "referred"
    assert "Noor heeft het gesprek afgesloten" in desk.channel.texts(5102)
    await noor.press(f"case:close:{second.id}:referred")
    assert noor.text == "Je hebt geen actieve zaak om af te sluiten. Kies er een met /zaken."
    await noor.send("/sluit anders")
    assert noor.text == f"Zaak #{third.id} is gesloten. Dank je wel!"


async def test_forget_me_in_a_claimed_case_tells_the_educator_and_where_messages_go(
    desk: Office,
) -> None:
    """Mutants: `end_case`, `tell_holder` and `next_hint` told the educator nothing, or the
    wrong count. Anna uses /vergeetmij while Noor holds her case and two others: the card says
    the data were deleted, Noor hears it and that two cases are left; after Bram's too, Noor
    hears where her messages go now."""
    noor = await desk.staff(NOOR, "peer_educator", "Noor")
    people = [await desk.young(5101 + n, name) for n, name in enumerate(("Anna", "Bram", "Cid"))]
    cases = [await desk.ask_for_help(person) for person in people]
    for case in cases:
        await noor.group_tap(f"case:claim:{case.id}")
    seen = len(desk.channel.log)
    await people[0].send("/vergeetmij")
    await people[0].tap("Ja, wis alles")
    sent = desk.channel.log[seen:]
    [edit] = [s for s in sent if s.chat == str(GROUP)]
    assert edit.text.endswith("☑️ Gesloten: de jongere heeft al zijn gegevens laten wissen")
    assert [s.text for s in sent if s.chat == str(NOOR)] == [
        f"🗑️ {_label(cases[0])} heeft met /vergeetmij alle gegevens laten wissen. Zaak "
        f"#{cases[0].id} is beëindigd en gewist; je berichten komen daar niet meer aan.\n"
        "Je hebt nog 2 zaken. Antwoord (swipe) op een bericht, of kies met /zaken."
    ]
    seen = len(desk.channel.log)
    await people[1].send("/vergeetmij")
    await people[1].tap("Ja, wis alles")
    [told] = [s.text for s in desk.channel.log[seen:] if s.chat == str(NOOR)]
    assert told.endswith(f"\nJe berichten gaan nu naar {_label(cases[2])} (zaak #{cases[2].id}).")
    seen = len(desk.channel.log)
    await people[2].send("/vergeetmij")
    await people[2].tap("Ja, wis alles")
    [last] = [s.text for s in desk.channel.log[seen:] if s.chat == str(NOOR)]
    assert last.endswith("je berichten komen daar niet meer aan.")  # no hint: nothing left
    assert await store.claimed_by(desk.core.repo, await noor.user_id()) == []


async def test_ending_asks_for_a_rating_only_after_a_real_conversation(desk: Office) -> None:
    """Mutants: `end_by_person` asked for a rating after a withdrawn request or a stale end
    button, ended someone else's case, or stored the rating without its case. A withdrawn
    request gets no rating question; an end button of another case changes nothing; a real
    end is rated on that case."""
    noor = await desk.staff(NOOR, "peer_educator", "Noor")
    anna = await desk.young(5101, "Anna")
    bram = await desk.young(5102, "Bram")
    withdrawn = await desk.ask_for_help(bram)
    await bram.tap("Vraag intrekken")
    assert "ingetrokken" in bram.text
    assert "Hoeveel heb je" not in bram.text
    case = await desk.ask_for_help(anna)
    await noor.group_tap(f"case:claim:{case.id}")
    await anna.press(f"case:end:{withdrawn.id}")
    assert anna.text.startswith("Je hebt op dit moment geen gesprek open.\n")
    assert (await desk.case(case.id)).status == "claimed"
    await anna.press(f"case:end:{case.id}")
    assert "Hoeveel heb je aan dit gesprek gehad" in anna.text
    await anna.tap("5")
    assert (await desk.case(case.id)).rating == 5
    assert (await desk.case(withdrawn.id)).rating is None


# -- helplines as the person sees them (bot/flows/system.py) ---------------------------------

LINE_113 = "113 · 0800-0113 · chat op 113.nl · dag en nacht"


async def test_help_shows_every_helpline_contact_exactly(chat: ChatDriver, core: Core) -> None:
    """Mutants: `helpline_contact`, `short_line` and `help_messages` dropped or garbled a
    line's number, chat, form or hours, or the lines that fit a crisis. /hulp names each
    contact as content gives it; after a crisis the fitting lines come first, once."""
    await chat.onboard()
    await chat.send("/hulp")
    shown = chat.text
    assert shown.startswith("🆘 Hulp en meldpunten\n🚨 Bel meteen 112")
    for line in (
        f"• 113 Zelfmoordpreventie: {LINE_113} (als je aan zelfmoord denkt, anoniem)",
        "• Meld.Online Discriminatie: 088-554 32 22 · online formulier (online discriminatie "
        "melden)",
        "• Discriminatie.nl: online formulier op discriminatie.nl (landelijk meldpunt "
        "discriminatie)",
        "• Centrum Seksueel Geweld: 0800-0188 · dag en nacht (na recent seksueel geweld)",
        "• Politie (geen spoed): 0900-8844 (aangifte van een bedreiging of doxing)",
    ):
        assert f"\n{line}\n" in shown
    assert "Past nu het best bij jou" not in shown
    await chat.send(CRISIS)
    assert f"• 113 Zelfmoordpreventie ({LINE_113}): Voor als je aan zelfmoord denkt" in chat.text
    assert "• De Kindertelefoon (0800-0432 · chat): " in chat.text
    await chat.send("/hulp")
    first = chat.replies[0].text
    assert first.startswith(
        "🆘 Hulp en meldpunten\n🚨 Bel meteen 112 als jij of iemand anders nu in direct gevaar "
        f"is.\n\nPast nu het best bij jou:\n• 113 Zelfmoordpreventie: {LINE_113} ("
    )
    assert "\n\nAndere hulp:\n• Politie (geen spoed)" in first
    assert chat.text.count("113 Zelfmoordpreventie") == 1


async def test_help_and_the_crisis_answer_in_english(chat: ChatDriver, core: Core) -> None:
    """Mutants: the helpline contact was built in no language (Dutch for an English speaker)."""
    await chat.onboard(language="English")
    await chat.send("/help")
    assert "\n• 113 Suicide Prevention: 113 · 0800-0113 · chat at 113.nl · day and night (" in (
        chat.text
    )
    assert "\n• Discriminatie.nl: online form at discriminatie.nl (national" in chat.text
    await chat.send("I want to kill myself")
    assert "• 113 Suicide Prevention (113 · 0800-0113 · chat at 113.nl · day and night): For" in (
        chat.text
    )


async def test_mydata_says_what_is_switched_on(chat: ChatDriver, core: Core) -> None:
    """Mutants: `_yes_no` said "ja" or "nee" whatever the setting. /mijndata shows the
    person's own choices as they are stored."""
    await chat.onboard(checkins=True, followups=False)
    await chat.send("/mijndata")
    assert "\n• Check-ins: ja\n• Berichten over acties: nee\n" in chat.text


# -- the shared inbox: each update in one replica's hands (bot/storage/inbox.py) -------------


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
async def test_inbox_claims_each_chats_oldest_update_once(core: Core) -> None:
    """Mutants: `claim`, `renew` and `release` (no test in the mutation selection reached
    them: the replica tests run real processes). A claim takes only the oldest open update of
    each chat, a second replica gets nothing while the lease holds, a release hands it over,
    and a renew touches only the claimer's rows."""
    now = core.clock.now()
    waiting = [
        (80001, "3001", '{"text": "een"}'),
        (80002, "3001", '{"text": "twee"}'),
        (80003, "3002", '{"text": "drie"}'),
    ]
    await inbox.keep(core.repo, waiting, now)
    first = await inbox.claim(core.repo, "a", 10, 30.0)
    assert [(update_id, payload) for update_id, payload, _ in first] == [
        (80001, '{"text": "een"}'),
        (80003, '{"text": "drie"}'),
    ]
    assert await inbox.claim(core.repo, "b", 10, 30.0) == []
    assert await inbox.renew(core.repo, "a", 30.0) == 2
    assert await inbox.renew(core.repo, "b", 30.0) == 0
    rows = await core.repo.fetch("SELECT update_id, claimed_by FROM inbox ORDER BY update_id")
    assert [tuple(row) for row in rows] == [(80001, "a"), (80002, None), (80003, "a")]
    assert await inbox.release(core.repo, "a") == 2
    handed = await inbox.claim(core.repo, "b", 1, 30.0)
    assert [update_id for update_id, _, _ in handed] == [80001]
    await inbox.answered(core.repo, 80001, now)
    assert await inbox.release(core.repo, "b") == 0
    later = await inbox.claim(core.repo, "b", 10, 30.0)
    assert [update_id for update_id, _, _ in later] == [80002, 80003]


async def test_an_update_counts_as_answered_only_once_it_is(core: Core) -> None:
    """Mutants: `is_answered` (no test in the mutation selection reached it; a replica asks it
    before handling an update, so "always answered" would leave every message unanswered and
    "never" would answer twice; `keep` looked the batch up by chat). A kept update is not
    answered; once answered it is, and only that one, and `keep` reports its redelivery."""
    now = core.clock.now()
    await inbox.keep(core.repo, [(90001, "3001", '{"text": "ik wil niet meer leven"}')], now)
    assert not await inbox.is_answered(core.repo, 90001)
    await inbox.answered(core.repo, 90001, now)
    assert await inbox.is_answered(core.repo, 90001)
    assert not await inbox.is_answered(core.repo, 90002)
    again = [(90001, "3001", '{"text": "ik wil niet meer leven"}'), (90002, "3001", "{}")]
    assert await inbox.keep(core.repo, again, now) == {90001}  # a redelivery, found as such
    assert await inbox.unanswered(core.repo) == ["{}"]


# -- announcing and timers (mutmut run of 2026-12 on `announce` and `arm`) --------------------


async def test_a_card_the_group_did_not_get_goes_out_with_the_next_request(
    desk: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Mutants: `announce` kept a failed first post marked as announced (the `not again`
    turned round, or the reset sent to no case), so Anna's request stayed off the staff group
    while later requests got there. The group is unreachable when Anna asks; once it is back,
    Bram's request two minutes later posts Anna's card first, as a first card with its claim
    button, then Bram's."""
    anna = await desk.young(5101, "Anna")
    bram = await desk.young(5102, "Bram")
    posts = desk.channel.post

    async def unreachable(chat: str, reply: Reply) -> int:
        raise DeliveryFailed("the staff group is down")

    monkeypatch.setattr(desk.channel, "post", unreachable)
    first = await desk.ask_for_help(anna)
    await desk.scheduler.tick()
    assert desk.channel.to(GROUP, "post") == []
    monkeypatch.setattr(desk.channel, "post", posts)
    desk.clock.advance(minutes=2)
    second = await desk.ask_for_help(bram)
    cards = desk.channel.to(GROUP, "post")
    assert [c.text.split("\n")[0] for c in cards] == [
        f"🟡 Zaak #{first.id} · {_label(first)}",
        f"🟡 Zaak #{second.id} · {_label(second)}",
    ]
    assert [[b.data for row in c.buttons for b in row] for c in cards] == [
        [f"case:claim:{first.id}"],
        [f"case:claim:{second.id}"],
    ]
    assert (await desk.case(first.id)).card_message_id == cards[0].message_id


async def _queued_checks(desk: Office, case: store.Case) -> list[int]:
    """Due times of the case's pending timer rows."""
    return await store.pending_kind(desk.core.repo, store.TIMER_KIND, case.user_id, case.id)


async def test_a_case_has_one_queued_check_at_a_time(desk: Office) -> None:
    """Mutants: `arm` looked for queued checks of another kind, person or case, or counted
    one due at the very same moment as none, so a case gathered a second check for the same
    time (with replicas, two workers then run one check at once). A crisis in Anna's open
    case queues a check for now next to the one for the re-announcement; once that has run,
    one check is queued, and after the re-announcement one, for the escalation."""
    await desk.young(5102, "Bram")  # first, so that Anna's user id is not her case's id
    anna = await desk.young(5101, "Anna")
    case = await desk.ask_for_help(anna)
    start = epoch(desk.clock.now())
    await desk.scheduler.tick()
    assert await _queued_checks(desk, case) == [start + 600]
    await anna.send(CRISIS)
    await desk.scheduler.tick()
    assert sorted(await _queued_checks(desk, case)) == [start, start + 600]
    await desk.scheduler.tick()
    assert await _queued_checks(desk, case) == [start + 600]
    desk.clock.advance(minutes=10)
    await desk.scheduler.tick()
    assert await _queued_checks(desk, case) == [start + 1800]
