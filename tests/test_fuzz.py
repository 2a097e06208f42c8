"""Bad input, generated: the core and the Telegram adapter never crash and never go mute.

Hypothesis throws random unicode, very long texts, right-to-left and zero-width characters,
emoji, unknown commands, stale or forged button data, media, edits, malformed updates and
updates about old messages. Every event gets an answer or a deliberate silence (a double tap,
a group chat, a toast for a staff button).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import Core
from bot.config import Settings
from bot.core.model import Event, EventKind, Outcome
from tests.e2e import RunningBot

CHANNEL = "fuzz"
FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ADAPTER = settings(FUZZ, max_examples=60)

# Characters that break naive code: direction marks and overrides, zero-width joiners and
# spaces, a byte-order mark, combining marks, emoji with skin tones, flags and ZWJ families,
# Arabic and Hebrew, CJK, a null and other control characters, markup look-alikes.
ODD = (
    "\u200e",
    "\u200f",
    "\u202a",
    "\u202b",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2069",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u0301",
    "\u0336",
    "👍🏽",
    "🇳🇱",
    "👩‍👩‍👧‍👦",
    "🏳️‍🌈",
    "🛑",
    "مرحبا",
    "שלום",
    "你好",
    "\x00",
    "\x1b[31m",
    "\r\n",
    "\t",
    "<b>",
    "</i>",
    "&amp;",
    "{pseudonym}",
    "{0}",
    "%s",
    "'; DROP TABLE users; --",
    "/",
    "@sterk_bot",
    "ＡＢＣ",
)
COMMANDS = (
    "start",
    "menu",
    "hulp",
    "help",
    "taal",
    "language",
    "mijndata",
    "privacy",
    "stop",
    "instellingen",
    "vergeetmij",
    "praat",
    "claim",
    "",
)
odd_text = st.lists(st.one_of(st.sampled_from(ODD), st.text(max_size=8)), max_size=30).map("".join)
long_text = st.builds(
    lambda unit, times: unit * times,
    st.sampled_from(["a", "Haat ", "👩‍👩‍👧‍👦", "\u200b", "ש", "x\n"]),
    st.integers(500, 2500),
)
any_text = st.one_of(st.text(max_size=200), odd_text, long_text)
command = st.builds(
    lambda name, args: f"/{name} {args}".rstrip(),
    st.one_of(st.sampled_from(COMMANDS), st.text(max_size=40)),
    st.one_of(st.just(""), any_text),
)
forged_data = st.one_of(
    st.text(max_size=70),
    st.builds(
        "f:{}:{}".format,
        st.one_of(st.integers(-5, 10**12), st.text(max_size=5)),
        st.one_of(st.sampled_from(["yes", "no", "next", "coach", "skip", "use"]), st.text()),
    ),
    st.sampled_from(
        ["n:menu", "n:help", "n:back", "n:", "n:nope", "f::", ":", "", "case:claim:1", "x:y:z"]
    ),
)
MEDIA = ("sticker", "photo", "voice", "video", "document", "location", "other")
action = st.one_of(
    st.tuples(st.just("tap"), st.integers(0, 30)),  # a button that is really on screen
    st.tuples(st.just("text"), any_text),
    st.tuples(st.just("command"), command),
    st.tuples(st.just("choice"), forged_data),
    st.tuples(st.just("media"), st.sampled_from(MEDIA)),
    st.tuples(st.just("edited"), any_text),
)


def _event(user: str, kind: str, value: Any, buttons: list[str]) -> Event:
    """The event a person's action becomes (what the transports build)."""
    if kind == "tap":
        data = buttons[value % len(buttons)] if buttons else "n:menu"
        return Event(CHANNEL, user, EventKind.CHOICE, choice=data)
    if kind == "choice":
        return Event(CHANNEL, user, EventKind.CHOICE, choice=value[:64])
    if kind == "command":
        head, _, args = value[1:].partition(" ")
        return Event(
            CHANNEL, user, EventKind.COMMAND, text=value, command=head.lower(), args=args.strip()
        )
    if kind == "media":
        return Event(CHANNEL, user, EventKind.MEDIA, media=value)
    if kind == "edited":
        return Event(CHANNEL, user, EventKind.EDITED, text=value)
    return Event(CHANNEL, user, EventKind.TEXT, text=value)


def _check_outcome(outcome: Outcome, event: Event, last_choice: str | None) -> None:
    """An answer, or one of the deliberate silences."""
    double_tap = event.kind is EventKind.CHOICE and event.choice == last_choice
    assert outcome.replies or double_tap or outcome.notice, event
    for reply in outcome.replies:
        assert isinstance(reply.text, str)
        assert reply.text.strip() or reply.document is not None or reply.image is not None
        for row in reply.buttons:
            for button in row:
                assert button.label.strip()
                assert button.url or 1 <= len((button.data or "").encode()) <= 64, button


async def _last_choice(core: Core, user: str) -> str | None:
    loaded = await core.repo.load(CHANNEL, user)
    return None if loaded is None else str(loaded[1].get("last_choice", ""))


@FUZZ
@given(
    user=st.sampled_from(["1", "2", "3", "4"]),
    onboard=st.booleans(),
    actions=st.lists(action, min_size=1, max_size=12),
)
async def test_core_answers_any_sequence(
    core: Core, user: str, onboard: bool, actions: list[tuple[str, Any]]
) -> None:
    """Any mix of taps, junk and commands: no exception, an answer or a deliberate silence."""
    engine = core.engine
    buttons: list[str] = []
    loaded = await core.repo.load(CHANNEL, user)
    if onboard and (loaded is None or not loaded[0].onboarded):
        # Walk onboarding by its first buttons (skip the place question), then fuzz from the menu.
        outcome = await engine.handle(
            Event(CHANNEL, user, EventKind.COMMAND, text="/start", command="start")
        )
        for option in ("nl", "next", "ok", "adult", "yes", "yes", "skip"):
            data = next(
                b.data
                for r in outcome.replies
                for row in r.buttons
                for b in row
                if b.data and b.data.endswith(":" + option)
            )
            outcome = await engine.handle(Event(CHANNEL, user, EventKind.CHOICE, choice=data))
        buttons = [b.data for r in outcome.replies for row in r.buttons for b in row if b.data]
    for kind, value in actions:
        event = _event(user, kind, value, buttons)
        before = await _last_choice(core, user)
        outcome = await engine.handle(event)
        _check_outcome(outcome, event, before)
        shown = [b.data for r in outcome.replies for row in r.buttons for b in row if b.data]
        buttons = shown or buttons


# -- the Telegram adapter, through the fake Bot API ----------------------------------------------


@pytest.fixture(name="settings")
def _no_flood_limit(settings: Settings) -> Settings:
    """Hundreds of messages from one person on a clock that stands still: without the flood
    limit, which would rightly silence them (it is tested in tests/test_e2e_flood.py)."""
    return settings.model_copy(update={"flood_messages": 0})


USER = 6_100_200
GROUP = -100_777
junk = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=8,
)
message_keys = st.sampled_from(
    ["message", "edited_message", "callback_query", "channel_post", "my_chat_member", "poll"]
)
malformed = st.one_of(
    st.dictionaries(message_keys, junk, min_size=1, max_size=2),
    st.builds(
        lambda extra: (
            {"message": {"message_id": 1, "chat": {"id": USER, "type": "private"}}} | extra
        ),
        st.dictionaries(st.text(max_size=8), junk, max_size=2),
    ),
    st.just({"update_id": None}),
    st.just({"unknown_update_kind": {"x": 1}}),
)
update = st.one_of(
    st.tuples(st.just("text"), st.one_of(any_text.filter(str.strip), command)),
    st.tuples(st.just("tap"), forged_data.filter(lambda d: 1 <= len(d.encode()) <= 64)),
    st.tuples(st.just("old_tap"), forged_data.filter(lambda d: 1 <= len(d.encode()) <= 64)),
    st.tuples(st.just("media"), st.sampled_from(["sticker", "photo", "voice", "document"])),
    st.tuples(st.just("edit"), any_text.filter(str.strip)),
    st.tuples(st.just("group"), any_text.filter(str.strip)),
    st.tuples(st.just("malformed"), malformed),
)


@contextmanager
def _no_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Nothing logged at ERROR or above while the block runs (our handler's or PTB's)."""
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        yield
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not bad, [f"{r.name}: {r.getMessage()[:200]}" for r in bad]


def _push(tg: RunningBot, kind: str, value: Any, sent: list[int]) -> tuple[int, int]:
    """Push one update; (private messages that need an answer, callback queries to answer)."""
    fake = tg.fake
    if kind == "text":
        sent.append(int(fake.send_text(USER, value)["message"]["message_id"]))
        return 1, 0
    if kind == "media":
        getattr(fake, f"send_{value}")(USER)
        return 1, 0
    if kind == "edit":
        if not sent:
            return 0, 0
        fake.edit_text(USER, sent[0], value)  # the oldest message: edits come late
        return 1, 0
    if kind == "group":
        fake.send_group_text(GROUP, USER, value)
        return 0, 0
    if kind in ("tap", "old_tap"):
        keyboards = [c for c in fake.sent_to(USER) if c.params.get("reply_markup")]
        if not keyboards:
            return 0, 0
        message = keyboards[0] if kind == "old_tap" else keyboards[-1]
        fake.tap(USER, value, message_id=int(message.result["message_id"]))
        return 0, 1
    fake.push_raw(value)
    return 0, 0


@ADAPTER
@given(updates=st.lists(update, min_size=1, max_size=6))
async def test_adapter_survives_bad_updates(
    tg: RunningBot, caplog: pytest.LogCaptureFixture, updates: list[tuple[str, Any]]
) -> None:
    """Junk updates: the bot keeps polling, answers every private message and every tap."""
    fake = tg.fake
    sent: list[int] = []
    with _no_errors(caplog):
        mark = fake.mark()
        before = len(fake.sent_to(USER))
        needed = taps = 0
        for kind, value in updates:
            answers, queries = _push(tg, kind, value, sent)
            needed += answers
            taps += queries
        # A sentinel: once /hulp is answered, everything pushed before it has been handled.
        fake.send_text(USER, "/hulp")
        assert tg.core is not None
        intros = {tg.core.content.messages(lang, "helplines.intro")[0] for lang in ("nl", "en")}
        await fake.wait_for(
            "sendMessage",
            chat_id=USER,
            predicate=lambda c: (c.text or "").startswith(tuple(intros)),  # /hulp opens with it
            since=mark,
        )
        await fake.replies_until_idle(USER, idle=0.05)
        assert len(fake.sent_to(USER)) - before >= needed + 1
        answered = fake.wait_for("answerCallbackQuery", count=taps, since=mark, timeout=2)
        assert len(await answered) == taps
        assert fake.sent_to(GROUP) == []
