"""Commands and actions every user has: help, privacy, own data, forget, stop, settings."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from bot.core.clock import from_epoch
from bot.core.content import Content, HelplineDef
from bot.core.engine import Choice, Turn
from bot.core.model import Button, Document, Reply
from bot.core.registry import Registry
from bot.storage import inbox, shared

router = Registry()  # this feature's flow actions and commands (bot/app.py)

HELP_LIMIT = 600  # characters per help message: /hulp is two phone-sized messages at most
EMERGENCY = "emergency_112"  # opens /hulp as its first line, so not listed again below it
# What fits the moment: each returns helpline topics for where the person is (a danger in the
# coaching, a crisis kind, a check-in that went badly); coaching and crisis add theirs.
help_topics: list[Callable[[Turn], set[str]]] = []


def helpline_contact(content: Content, lang: str, line: HelplineDef) -> str:
    """How to reach a line: numbers, chat or form (on its address when content has one), and
    its hours only where verified ("113 · 0800-0113 · chat op 113.nl · dag en nacht")."""
    parts = [part for part in (line.phone, line.phone_alt) if part]
    at = "_at" if line.url else ""
    for offered, kind in ((line.chat, "chat"), (line.form, "form")):
        if offered:
            parts.append(content.text(lang, f"helplines.contact.{kind}{at}", url=line.url))
    if line.url and not (line.chat or line.form):
        parts.append(line.url)
    if line.hours:
        parts.append(content.text(lang, f"helplines.hours.{line.hours}"))
    return " · ".join(parts)


def short_line(content: Content, lang: str, line: HelplineDef) -> str:
    """One helpline in a few words, for /hulp and the plan card."""
    name = content.text(lang, f"helplines.{line.id}.name")
    short = content.text(lang, f"helplines.{line.id}.short")
    return f"• {name}: {helpline_contact(content, lang, line)} ({short})"


def helpline_lines(turn: Turn, topics: set[str] | None = None) -> list[str]:
    """One line per helpline (optionally only those for some topics), from content."""
    lines = []
    for line in turn.content.helplines:
        if topics is not None and not topics & set(line.topics):
            continue
        name = turn.t(f"helplines.{line.id}.name")
        what = turn.t(f"helplines.{line.id}.what")
        contact = helpline_contact(turn.content, turn.lang, line)
        lines.append(f"• {name}" + (f" ({contact})" if contact else "") + f": {what}")
    return lines


def _chunks(lines: list[str], limit: int) -> list[str]:
    """Group lines into messages no longer than `limit` characters."""
    messages: list[str] = []
    current = ""
    for line in lines:
        if current and len(current) + len(line) + 1 > limit:
            messages.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        messages.append(current)
    return messages


def help_messages(turn: Turn) -> list[str]:
    """/hulp in two phone-sized messages: 112 first, then the lines that fit this moment (a
    danger in the coaching, a crisis kind), then the rest."""
    topics: set[str] = set().union(*(topics_of(turn) for topics_of in help_topics))
    fitting: list[str] = []
    others: list[str] = []
    for line in turn.content.helplines:
        if line.id != EMERGENCY:
            (fitting if topics & set(line.topics) else others).append(
                short_line(turn.content, turn.lang, line)
            )
    lines = [turn.t("helplines.intro"), turn.t("helplines.emergency_line")]
    if fitting:
        lines += ["", turn.t("helplines.now"), *fitting, "", turn.t("helplines.more")]
    return [part.strip() for part in _chunks([*lines, *others], HELP_LIMIT)]


@router.command("hulp", "help", before_onboarding=True)
async def help_command(turn: Turn, _args: str) -> None:
    """Helplines at any moment; the state is untouched so the person can carry on after."""
    *first, last = help_messages(turn)
    for message in first:
        turn.send(Reply(message))
    back = Button(turn.t("common.nav.back"), "n:back")
    menu = Button(turn.t("common.nav.menu"), "n:menu")
    rows = ((back, menu),) if turn.user.onboarded else ((back,),)
    turn.send(Reply(f"{last}\n\n{turn.t('system.help_back')}", rows))


@router.action("system.help")
async def help_action(turn: Turn) -> None:
    """The menu's help button."""
    await help_command(turn, "")


@router.command("privacy", before_onboarding=True)
async def privacy_command(turn: Turn, _args: str) -> None:
    """The longer privacy notice."""
    turn.say("system.privacy_full", retention_days=turn.engine.settings.retention_days)
    if turn.engine.settings.privacy_url:
        turn.say("system.privacy_link", url=turn.engine.settings.privacy_url)
    if turn.event.kind == "command":
        turn.engine.reshow(turn)


@router.action("system.privacy")
async def privacy_action(turn: Turn) -> None:
    """The 'tell me more' button in onboarding."""
    await privacy_command(turn, "")


def _yes_no(turn: Turn, value: Any) -> str:
    return turn.t("system.yes") if value else turn.t("system.no")


@router.command("mijndata", "mydata", before_onboarding=True)
async def mydata_command(turn: Turn, _args: str) -> None:
    """A readable summary plus the complete JSON export of every stored row."""
    await turn.engine.save_now(turn)
    exported = await turn.repo.export_user(turn.user.id)
    user = turn.user
    none = turn.t("system.none")
    turn.say(
        "system.mydata_summary",
        pseudonym=user.pseudonym,
        language="Nederlands" if user.language == "nl" else "English",
        checkins=_yes_no(turn, user.checkins),
        followups=_yes_no(turn, user.followups),
        city=user.city or none,
        organisation=user.organisation or none,
        since=from_epoch(user.created_at).astimezone(turn.engine.settings.tz).strftime("%d-%m-%Y"),
        rows=sum(len(rows) for rows in exported.values()),
    )
    body = json.dumps(exported, ensure_ascii=False, indent=2).encode("utf-8")
    filename = f"sterk-online-{user.pseudonym}.json"
    turn.send(Reply(turn.t("system.mydata_file_caption"), document=Document(filename, body)))
    if turn.event.kind == "command":
        turn.engine.reshow(turn)


@router.action("system.mydata")
async def mydata_action(turn: Turn) -> None:
    """The settings button for the export."""
    await mydata_command(turn, "")


@router.command("vergeetmij", "forgetme", before_onboarding=True)
async def forget_command(turn: Turn, _args: str) -> None:
    """Ask once before deleting everything."""
    await turn.engine.enter(turn, "forget:")


async def forget_everything(turn: Turn) -> None:
    """Delete the person, every row about them, what waits in the inbox from their chat and
    what replicas share about it (its flood count and live keyboard), then empty the -wal
    file, so no copy of the deleted rows is left in any database file (`secure_delete` has
    already zeroed them in the database file itself)."""
    for hook in turn.engine.forget_hooks:
        await hook(turn)
    await turn.repo.delete_user(turn.user.id)
    await inbox.forget_chat(turn.repo, turn.user.external_id)
    user = turn.user
    await shared.forget(turn.repo, f"{user.channel}:{user.external_id}", user.external_id)
    await turn.repo.checkpoint()
    turn.deleted = True


@router.action("system.forget")
async def forget_action(turn: Turn) -> None:
    """Delete the person and every row about them (cascades cancel scheduled messages)."""
    await forget_everything(turn)
    turn.say("system.forgotten")


@router.command("stop")
async def stop_command(turn: Turn, _args: str) -> None:
    """No proactive messages any more; the person can still write to the bot."""
    turn.user.stopped = True
    turn.user.checkins = False
    turn.user.followups = False
    await turn.engine.cancel_proactive(turn)
    turn.say("system.stopped")


@router.command("start", before_onboarding=True)
async def start_command(turn: Turn, args: str) -> None:
    """New people get onboarding; returning people get the menu."""
    for hook in turn.engine.start_hooks:
        await hook(turn, args)
    if turn.user.onboarded:
        turn.say("common.welcome_back")
        await turn.engine.enter(turn, "menu:")
    else:
        await turn.engine.enter(turn, "onboarding:")


@router.command("menu")
async def menu_command(turn: Turn, _args: str) -> None:
    """Back home from anywhere."""
    await turn.engine.enter(turn, "menu:")


LANGUAGE_ONLY = "language_only"  # in the settings' answers: opened by /taal


@router.command("taal", "language", "instellingen", "settings")
async def settings_command(turn: Turn, _args: str) -> None:
    """`/taal` opens the language choice, `/instellingen` the settings; mid-journey both keep
    the step the person was at, to go back to it afterwards."""
    if turn.event.command in ("taal", "language"):
        await turn.engine.detour(turn, "settings:language", **{LANGUAGE_ONLY: True})
    else:
        await turn.engine.detour(turn, "settings:main")


@router.action("settings.language_set", outcomes=("saved",))
async def language_set(turn: Turn) -> None:
    """After /taal mid-journey straight back to the question, now in the new language."""
    if turn.state.answers.get(LANGUAGE_ONLY) and turn.engine.can_go_back(turn):
        turn.say("settings.saved.text")
        await turn.engine.go_back(turn)
    else:
        turn.outcome("saved")


@router.action("settings.back", outcomes=("nowhere",))
async def settings_back(turn: Turn) -> None:
    """'Carry on where I was' from the settings."""
    if not await turn.engine.go_back(turn):
        turn.outcome("nowhere")


@router.action("settings.summary")
async def settings_summary(turn: Turn) -> None:
    """Fill the current values into the settings overview."""
    user = turn.user

    def switch(value: bool) -> str:
        if user.stopped and not value:
            return turn.t("settings.state.stopped")
        return turn.t("settings.state.on" if value else "settings.state.off")

    empty = turn.t("settings.state.empty")
    if turn.engine.can_go_back(turn):
        turn.offer(Choice("back", turn.t("settings.main.back"), action="settings.back"))
    turn.vars.update(
        checkins_state=switch(user.checkins),
        followups_state=switch(user.followups),
        city_state=user.city or empty,
        organisation_state=user.organisation or empty,
    )


@router.action("settings.checkins_off")
async def checkins_off(turn: Turn) -> None:
    """Switch check-ins off and drop the ones already planned."""
    turn.user.checkins = False
    await turn.engine.cancel_proactive(turn, kinds=("checkin", "selfreport"))


@router.action("settings.followups_off")
async def followups_off(turn: Turn) -> None:
    """Switch follow-up messages off (broadcasts check this at send time)."""
    turn.user.followups = False


YOUNGEST_ANSWERED = 15  # the oldest age "younger than 16" can mean: a helpline must cover it


@router.action("onboarding.minor")
async def onboarding_minor(turn: Turn) -> None:
    """Under 16: point to a helpline for their age (the Kindertelefoon) and keep nothing.

    The person was never stored (bot/core/strangers.py); `forget_everything` still runs, for
    someone stored earlier (a typed text) and for their updates in the inbox and the -wal file.
    Only the phone number is shown: content-facts.md lists no web address for this line.
    """
    line = next(
        line
        for line in turn.content.helplines
        if "under18" in line.topics
        and (line.min_age or 0) <= YOUNGEST_ANSWERED <= (line.max_age or YOUNGEST_ANSWERED)
    )
    turn.say(
        "onboarding.under16.text",
        kindertelefoon=line.phone or "",
        min_age=line.min_age or "",
        max_age=line.max_age or "",
    )
    await forget_everything(turn)


@router.action("onboarding.finish")
async def onboarding_finish(turn: Turn) -> None:
    """Mark onboarding done so the menu and coaching open up."""
    turn.user.onboarded = True
    await turn.repo.record(turn.user.id, "onboarded", None, turn.now())
