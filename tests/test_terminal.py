"""The terminal chat, the default mode without a Telegram token (issue 16, item 3).

In-process against the real engine and SQLite file (lines in, printed replies out), and as the
real `sterk-online` process driven over stdin and stdout.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from bot.app import Core
from bot.core.model import Button, Document, EventKind, Reply
from bot.transports.terminal import CHANNEL, TerminalChat

ROOT = Path(__file__).resolve().parent.parent
# Language, intro, privacy, age, check-ins, follow-ups by number; the place question is skipped.
ONBOARDING = ["1", "Verder", "1", "1", "1", "1", "3"]
LONG = 120  # seconds before a stuck child fails the test (it never waits this long when well)


async def _chat(core: Core, lines: list[str], tmp_path: Path) -> tuple[TerminalChat, str]:
    out = io.StringIO()
    chat = TerminalChat(
        core,
        stdin=io.StringIO("".join(f"{line}\n" for line in lines)),
        stdout=out,
        files_dir=tmp_path / "exports",
    )
    await chat.run()
    return chat, out.getvalue()


async def test_onboarding_by_numbers_and_labels_then_help(core: Core, tmp_path: Path) -> None:
    """A greeting, numbered buttons; a number or a label picks one; blank lines are skipped;
    /hulp shows the helplines; 'quit' says goodbye. The person is kept on the terminal channel."""
    _, out = await _chat(core, [*ONBOARDING, "", "   ", "/hulp", "quit"], tmp_path)
    assert out.startswith("Sterk Online (terminal).")
    assert "In welke taal wil je praten?" in out
    assert "  1) Nederlands\n  2) English" in out
    assert "Wat wil je doen?" in out  # the menu after onboarding
    assert "Bel meteen 112" in out
    assert out.rstrip().endswith("Tot ziens! / Bye!")
    assert "Dat antwoord begrijp ik niet" not in out  # every line above was understood
    loaded = await core.repo.load(CHANNEL, "local")
    assert loaded is not None
    assert loaded[0].onboarded
    assert loaded[0].language == "nl"


async def test_english_and_end_of_input(core: Core, tmp_path: Path) -> None:
    """Choosing 'english' by its label (any case) switches the language; the end of the
    input ends the chat as a quit word does. Before the age question nothing is stored
    (issue 13); from "16 or older" on the person is, with the language they chose."""
    _, out = await _chat(core, ["ENGLISH"], tmp_path)
    assert "I help you when you see or experience online hate" in out
    assert "  1) Continue" in out
    assert out.rstrip().endswith("Tot ziens! / Bye!")
    assert await core.repo.load(CHANNEL, "local") is None
    _, out = await _chat(core, ["english", "1", "1", "16 or older"], tmp_path)
    assert "May I ask you now and then how things went?" in out
    loaded = await core.repo.load(CHANNEL, "local")
    assert loaded is not None
    assert loaded[0].language == "en"


async def test_free_text_is_a_message_not_a_choice(core: Core, tmp_path: Path) -> None:
    """A word that is no button label, or a number past the last button, is typed text."""
    _, out = await _chat(core, ["9", "hallo"], tmp_path)
    assert out.count("Dat antwoord begrijp ik niet helemaal") == 2


async def test_mydata_is_saved_as_a_file(core: Core, tmp_path: Path) -> None:
    """/mijndata's JSON export is written to the exports folder and the path is printed."""
    _, out = await _chat(core, [*ONBOARDING, "/mijndata"], tmp_path)
    [saved] = (tmp_path / "exports").glob("sterk-online-*.json")
    assert f"[file saved: {saved}]" in out
    exported = json.loads(saved.read_text(encoding="utf-8"))
    assert exported  # every row about the person, readable


def test_to_event_reads_numbers_labels_commands_and_text(core: Core) -> None:
    """How a typed line becomes an event."""
    chat = TerminalChat(core, stdin=io.StringIO(), stdout=io.StringIO())
    chat.buttons = [
        Button("Ja, graag", data="f:yes"),
        Button("Meer info", url="https://example.org"),
    ]
    assert chat.to_event("   ") is None
    picked = chat.to_event("1")
    assert picked is not None
    assert (picked.kind, picked.choice) == (EventKind.CHOICE, "f:yes")
    by_label = chat.to_event("  ja, GRAAG ")
    assert by_label is not None
    assert (by_label.kind, by_label.choice) == (EventKind.CHOICE, "f:yes")
    link = chat.to_event("2")  # a link button answers nothing: the line stays text
    assert link is not None
    assert (link.kind, link.text) == (EventKind.TEXT, "2")
    command = chat.to_event("/taal  en ")
    assert command is not None
    assert (command.kind, command.command, command.args) == (EventKind.COMMAND, "taal", "en")
    text = chat.to_event("0")
    assert text is not None
    assert text.kind is EventKind.TEXT
    assert text.channel == CHANNEL


async def test_show_prints_links_saves_images_and_proactive_messages(
    core: Core, tmp_path: Path
) -> None:
    """Link buttons show their address; an image is saved; a check-in sent by the scheduler
    (the `Sender` protocol) appears between typed lines and its buttons become the choices."""
    out = io.StringIO()
    chat = TerminalChat(core, stdin=io.StringIO(), stdout=out, files_dir=tmp_path / "x")
    chat.show([Reply("Kijk hier", ((Button("113.nl", url="https://www.113.nl"),),))])
    assert "  1) 113.nl -> https://www.113.nl" in out.getvalue()
    chat.show([Reply("Grafiek", image=b"\x89PNG fake")])
    assert (tmp_path / "x" / "chart.png").read_bytes() == b"\x89PNG fake"
    assert f"[image saved: {tmp_path / 'x' / 'chart.png'}]" in out.getvalue()
    chat.show([Reply("Bestand", document=Document("a.json", b"{}"))])
    assert (tmp_path / "x" / "a.json").read_bytes() == b"{}"
    user = await core.repo.create_user(CHANNEL, "local", "nl", core.clock.now())
    await chat.send(user, [Reply("Hoe ging het?", ((Button("Goed", data="c:ok"),),))])
    assert "Hoe ging het?\n  1) Goed" in out.getvalue()
    assert [b.data for b in chat.buttons] == ["c:ok"]
    assert core.senders[CHANNEL] is chat


def _run(tmp_path: Path, args: list[str], lines: list[str], **env: str) -> tuple[int, str, str]:
    """`python -m bot ARGS` with the lines on stdin, in an empty folder (no .env is read);
    the exit code, what it printed and what it logged."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("STERK_", "TELEGRAM_"))}
    clean |= {"STERK_DB_PATH": str(tmp_path / "data" / "sterk.db"), "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=clean | env,
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        timeout=LONG,
        check=False,
    )
    return result.returncode, result.stdout, result.stderr


def test_default_mode_without_a_token_is_the_terminal_chat(tmp_path: Path) -> None:
    """`sterk-online` with no token and no command opens the chat over stdin and stdout."""
    code, out, log = _run(tmp_path, [], [*ONBOARDING, "/hulp", "quit"])
    assert code == 0, out
    assert "In welke taal wil je praten?" in out
    assert "113 Zelfmoordpreventie" in out
    assert out.rstrip().endswith("Tot ziens! / Bye!")
    assert (tmp_path / "data" / "sterk.db").exists()
    assert " INFO " not in log  # routine log lines would land between the messages


def test_chat_logs_info_when_asked(tmp_path: Path) -> None:
    """STERK_LOG_LEVEL set on purpose still shows INFO lines in the terminal chat."""
    code, _, log = _run(tmp_path, [], ["quit"], STERK_LOG_LEVEL="INFO")
    assert code == 0, log
    assert " INFO " in log


def test_chat_command_opens_the_terminal_even_with_a_token(tmp_path: Path) -> None:
    """`sterk-online chat` never goes to Telegram, whatever the token; the conversation is
    kept in the database, so a second run welcomes the person back."""
    token = {"TELEGRAM_BOT_TOKEN": "123456:not-used", "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9"}
    code, out, _ = _run(tmp_path, ["chat"], [*ONBOARDING, "quit"], **token)
    assert code == 0, out
    assert "Sterk Online (terminal)." in out
    code, again, _ = _run(tmp_path, ["chat"], ["quit"], **token)
    assert code == 0, again
    assert "In welke taal" not in again  # onboarded before: straight to the menu
    assert "Fijn dat je er weer bent." in again
    assert "Tot ziens! / Bye!" in again
