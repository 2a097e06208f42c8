"""What each channel can show of a step, and the content check against it.

Telegram shows any number of inline buttons (the label and callback-data checks are in
`bot.core.content`). WhatsApp shows at most 3 reply buttons with titles of at most 20
characters, otherwise a list of at most 10 rows with titles of at most 24; the text above
buttons may have 1,024 characters. A label too long for WhatsApp gets a WhatsApp-only short
label in `content/<lang>/whatsapp.yaml` under `labels` (key: the full label's key), so the
flow texts and what Telegram shows stay as they are.

Every problem names the file, the key and the channel, e.g.
`content/nl/menu.yaml: menu.main.options.coach: WhatsApp: 29 characters, a list row allows 24`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from bot.core.content import LANGUAGES, Content, Problem, option_label_key, step_text_key

SHORT_PREFIX = "whatsapp.labels."
# Labels the Python code puts on buttons (not flow options): each may end up among 3 buttons.
CODE_BUTTONS = ("common.nav.", "talk.buttons.", "explainer.buttons.", "quiz.option_labels.")
# Labels of a list the Python code builds (the danger check: four dangers, ticked or not, and
# "none"/"done"): each is a list row.
CODE_ROWS = (
    "coach.danger.options.",
    "coach.danger.ticked.",
    "coach.danger.none",
    "coach.danger.done",
)


@dataclass(frozen=True, slots=True)
class ChannelLimits:
    """How many buttons fit and how long their labels and the text above them may be."""

    name: str
    buttons: int  # reply buttons before a list is needed
    button_label: int
    rows: int  # rows of a list
    row_label: int
    body: int  # the text of a message that carries buttons


WHATSAPP = ChannelLimits("WhatsApp", buttons=3, button_label=20, rows=10, row_label=24, body=1024)


def short_label(content: Content, lang: str, key: str) -> str:
    """The label WhatsApp shows for a label key: its short form if there is one."""
    short = SHORT_PREFIX + key
    return content.text(lang, short if content.has(lang, short) else key)


def _file(lang: str, key: str) -> str:
    return f"content/{lang}/{key.split('.')[0]}.yaml"


def _too_long(lang: str, key: str, label: str, limit: int, where: str) -> Problem:
    return Problem(
        _file(lang, key),
        key,
        f"{WHATSAPP.name}: {len(label)} characters, {where} allows {limit}; add a short "
        f"label as labels.{key} in content/{lang}/whatsapp.yaml",
    )


def check_channels(content: Content) -> list[Problem]:
    """Every step, every language, against WhatsApp's limits."""
    return list(_check_whatsapp(content))


def _check_whatsapp(content: Content) -> Iterator[Problem]:
    limits = WHATSAPP
    for flow_id, flow in content.flows.items():
        for step_id, step in flow.steps.items():
            count = len(step.options)
            if count > limits.rows:
                yield Problem(
                    f"content/flows/{flow_id}.yaml",
                    f"steps.{step_id}.options",
                    f"{limits.name}: {count} options, a list shows at most {limits.rows}",
                )
            as_buttons = count <= limits.buttons
            limit = limits.button_label if as_buttons else limits.row_label
            where = "a reply button" if as_buttons else "a list row"
            for option in step.options:
                key = option_label_key(flow_id, step_id, option)
                for lang in LANGUAGES:
                    label = short_label(content, lang, key)
                    if len(label) > limit:
                        yield _too_long(lang, key, label, limit, where)
            if count and not step.silent:
                key = step_text_key(flow_id, step_id, step)
                for lang in LANGUAGES:
                    last = content.messages(lang, key)[-1]
                    if len(last) > limits.body:
                        yield Problem(
                            _file(lang, key),
                            key,
                            f"{limits.name}: {len(last)} characters above buttons, "
                            f"at most {limits.body}",
                        )
    for lang in LANGUAGES:
        for key in sorted(content.texts.get(lang, {})):
            if key.startswith(CODE_BUTTONS) and not key.startswith(SHORT_PREFIX):
                label = short_label(content, lang, key)
                if len(label) > limits.button_label:
                    yield _too_long(lang, key, label, limits.button_label, "a reply button")
            if key.startswith(CODE_ROWS):
                label = short_label(content, lang, key)
                if len(label) > limits.row_label:
                    yield _too_long(lang, key, label, limits.row_label, "a list row")
            if key.startswith(SHORT_PREFIX):
                full = key.removeprefix(SHORT_PREFIX)
                short = content.text(lang, key)
                if not content.has(lang, full):
                    yield Problem(
                        f"content/{lang}/whatsapp.yaml",
                        key,
                        f"{limits.name}: short label for an unknown key '{full}'",
                    )
                elif len(short) > limits.row_label:
                    yield Problem(
                        f"content/{lang}/whatsapp.yaml",
                        key,
                        f"{limits.name}: {len(short)} characters, a list row allows "
                        f"{limits.row_label}",
                    )
