"""Content as data: flow definitions, texts per language and typed catalogues, validated.

Layout of a content folder (default: the `bot/content` package):
- `flows/*.yaml`: one flow each (steps, options, where each answer leads), language-neutral;
- `<lang>/*.yaml`: texts, the file stem is the namespace (`nl/onboarding.yaml` holds
  `onboarding.*`); every language must have exactly the same keys and placeholders;
- `helplines.yaml`, `approaches.yaml`, `quiz.yaml`: language-neutral facts (numbers, risk levels,
  right answers), so a translation can never change a phone number or a quiz answer.

Validation collects every problem with the file and key it concerns, so a content editor can fix
them in one go (`sterk-online validate-content`).
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

LANGUAGES = ("nl", "en")
MAX_MESSAGE = 4096  # Telegram's hard limit for one message
MAX_PHONE_MESSAGE = 600  # every text must stay phone-sized (one idea per message)
MAX_LABEL = 30  # button labels longer than this get cut off on phones
MAX_CALLBACK = 64  # Telegram's limit for callback data, in bytes

TextValue = str | list[str]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


OutcomeName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,32}$")]


class BranchDef(_Frozen):
    """Where a step leads when a named condition (a registered predicate) holds."""

    when: str
    next: str


class OptionDef(_Frozen):
    """A button in a step: where it leads and what it records."""

    id: str = Field(pattern=r"^[a-z0-9_]{1,24}$")
    next: str | None = None
    outcomes: dict[OutcomeName, str] = Field(default_factory=dict)  # per outcome of `action`
    set: dict[str, str | int | bool | None] = Field(default_factory=dict)
    profile: dict[str, str | bool | None] = Field(default_factory=dict)
    action: str | None = None
    label: str | None = None  # explicit text key; default `<flow>.<step>.options.<id>`


class StepDef(_Frozen):
    """One message (or a few) plus what the person can answer."""

    text: str | None = None  # explicit text key; default `<flow>.<step>.text`
    silent: bool = False  # a step that only runs its action and moves on
    options: list[OptionDef] = Field(default_factory=list)
    columns: int = Field(default=1, ge=1, le=8)
    input: Literal["text"] | None = None
    save: str | None = None
    max_length: int = Field(default=300, ge=1, le=4000)
    on_text: str | None = None
    action: str | None = None
    next: str | None = None
    nav: bool | None = None
    # Tried in order after the action; the first whose predicate holds leads on.
    branch: list[BranchDef] = Field(default_factory=list)
    # Where each outcome an action of this step reports leads: the step's `action`, its
    # `on_text`, the actions of its options and of the run-time buttons listed in `offers`.
    outcomes: dict[OutcomeName, str] = Field(default_factory=dict)
    offers: list[str] = Field(default_factory=list)  # actions of run-time buttons (`Turn.offer`)


class FlowDef(_Frozen):
    """A table of steps, like PTB's `states` dict, read from `flows/<id>.yaml`."""

    id: str = Field(pattern=r"^[a-z_]{1,16}$")
    start: str
    nav: bool = True
    fresh: bool = True  # entering at the start clears earlier answers
    before_onboarding: bool = False  # usable by someone who has not finished onboarding
    steps: dict[str, StepDef]


class HelplineDef(_Frozen):
    """A helpline or report point; texts (name, what) live per language."""

    id: str
    phone: str | None = None
    phone_alt: str | None = None  # a second number, e.g. 113's free 0800 line
    url: str | None = None  # shown as written: only addresses content-facts.md names
    chat: bool = False  # a chat is offered (on `url` when there is one)
    form: bool = False  # reports go through an online form (on `url` when there is one)
    hours: Literal["always"] | None = None  # only opening hours content-facts.md verifies
    verified: date
    topics: list[str]
    min_age: int | None = None
    max_age: int | None = None


class ApproachDef(_Frozen):
    """A counter-speech approach; the evidence and risk are facts, not translations."""

    id: str
    risk: Literal["low", "medium", "high"]
    suits: list[Literal["target", "bystander"]]
    forms: list[Literal["negativity", "bullying", "discrimination", "threat"]]
    public: bool
    evidence: Literal["strong", "some", "readers", "practice"]


class QuizItemDef(_Frozen):
    """A fictional post with a right answer."""

    id: str
    kind: Literal["form", "ground", "freespeech"]
    options: list[str] = Field(min_length=2, max_length=4)
    correct: str


class HelplinesFile(_Frozen):
    helplines: list[HelplineDef]


class ApproachesFile(_Frozen):
    basis: str
    approaches: list[ApproachDef]


class QuizFile(_Frozen):
    items: list[QuizItemDef]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in the content, located by file and key."""

    file: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.message}"


class ContentError(Exception):
    """Content failed validation; `problems` lists all of them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class _SafeVars(dict[str, Any]):
    """Leave unknown placeholders visible instead of crashing on a content typo."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def placeholders(text: str) -> set[str]:
    """Names used as `{name}` in a text."""
    names = set()
    for _, name, _, _ in string.Formatter().parse(text):
        if name:
            names.add(name)
    return names


def fill(text: str, values: Mapping[str, Any]) -> str:
    """Substitute `{name}` placeholders; unknown ones stay as they are."""
    if "{" not in text:
        return text
    try:
        return text.format_map(_SafeVars(values))
    except (ValueError, IndexError, AttributeError):
        return text


@dataclass(slots=True)
class Content:
    """Everything the bot says and how flows branch, for all languages."""

    flows: dict[str, FlowDef]
    texts: dict[str, dict[str, TextValue]]  # language -> dotted key -> text
    helplines: list[HelplineDef] = field(default_factory=list)
    approaches: list[ApproachDef] = field(default_factory=list)
    approach_basis: str = ""
    quiz: list[QuizItemDef] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # dotted key -> file

    def has(self, lang: str, key: str) -> bool:
        """Whether a text exists (used for optional texts such as per-step hints)."""
        return key in self.texts.get(lang, {})

    def raw(self, lang: str, key: str) -> TextValue:
        """A text or list of texts, falling back to Dutch, then to the key itself."""
        for language in (lang, "nl"):
            value = self.texts.get(language, {}).get(key)
            if value is not None:
                return value
        return key

    def text(self, lang: str, key: str, **values: Any) -> str:
        """One text with placeholders filled; a list is joined with blank lines."""
        value = self.raw(lang, key)
        joined = "\n\n".join(value) if isinstance(value, list) else value
        return fill(joined, values)

    def messages(self, lang: str, key: str, **values: Any) -> list[str]:
        """A text as separate messages (a list in YAML means one idea per message)."""
        value = self.raw(lang, key)
        parts = value if isinstance(value, list) else [value]
        return [fill(part, values) for part in parts]

    def step(self, flow: str, step: str) -> StepDef:
        """A step definition; raises KeyError for unknown ones."""
        return self.flows[flow].steps[step]


def _flatten(
    prefix: str,
    node: Any,
    out: dict[str, TextValue],
    problems: list[Problem],
    file: str,
    sources: dict[str, str],
) -> None:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if not isinstance(key, str):
                problems.append(
                    Problem(
                        file,
                        f"{prefix}.{key}",
                        f"put this key in quotes (YAML reads it as {type(key).__name__})",
                    )
                )
                continue
            _flatten(f"{prefix}.{key}" if prefix else str(key), value, out, problems, file, sources)
    elif isinstance(node, str):
        out[prefix] = node
        sources[prefix] = file
    elif isinstance(node, list) and all(isinstance(item, str) for item in node):
        out[prefix] = list(node)
        sources[prefix] = file
    elif isinstance(node, bool | int | float):
        out[prefix] = str(node)
        sources[prefix] = file
    else:
        problems.append(Problem(file, prefix, "expected text, a list of texts or a mapping"))


# libyaml's parser when PyYAML was built with it (its wheels are): the pure-Python one spent
# seconds on every start (and every test) reading the ~160 content files.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> Any:
    """`yaml.safe_load`, on the fast parser where there is one."""
    return yaml.load(text, Loader=_LOADER)


def _read_yaml(path: Path, root: Path, problems: list[Problem]) -> Any:
    rel = str(path.relative_to(root.parent)) if root.parent in path.parents else str(path)
    try:
        return parse_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "-"
        problems.append(Problem(rel, where, f"not valid YAML: {getattr(exc, 'problem', exc)}"))
    except OSError as exc:
        problems.append(Problem(rel, "-", f"cannot read: {exc.strerror}"))
    return None


def _model_problems(file: str, exc: ValidationError, prefix: str = "") -> list[Problem]:
    found = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"])
        found.append(Problem(file, f"{prefix}{key}" or "-", str(error["msg"])))
    return found


def default_content_dir() -> Path:
    """The content shipped with the package."""
    return Path(str(resources.files("bot.content")))


def read_content(root: Path) -> tuple[Content, list[Problem]]:
    """Load a content folder; structural problems are returned, not raised."""
    problems: list[Problem] = []
    label = root.name
    flows: dict[str, FlowDef] = {}
    for path in sorted((root / "flows").glob("*.yaml")):
        file = f"{label}/flows/{path.name}"
        data = _read_yaml(path, root, problems)
        if data is None:
            continue
        try:
            flow = FlowDef.model_validate(data)
        except ValidationError as exc:
            problems.extend(_model_problems(file, exc))
            continue
        if flow.id != path.stem:
            problems.append(Problem(file, "id", f"must equal the file name '{path.stem}'"))
        flows[flow.id] = flow

    texts: dict[str, dict[str, TextValue]] = {}
    sources: dict[str, str] = {}
    for lang in LANGUAGES:
        texts[lang] = {}
        folder = root / lang
        if not folder.is_dir():
            problems.append(Problem(f"{label}/{lang}", "-", "language folder is missing"))
            continue
        for path in sorted(folder.glob("*.yaml")):
            file = f"{label}/{lang}/{path.name}"
            data = _read_yaml(path, root, problems)
            if data is None:
                continue
            if not isinstance(data, Mapping):
                problems.append(Problem(file, "-", "expected a mapping of keys to texts"))
                continue
            lang_sources: dict[str, str] = {}
            _flatten(path.stem, data, texts[lang], problems, file, lang_sources)
            if lang == LANGUAGES[0]:
                sources.update(lang_sources)
            else:
                for key, src in lang_sources.items():
                    sources.setdefault(key, src)

    content = Content(flows=flows, texts=texts, sources=sources)
    typed: list[tuple[str, type[BaseModel]]] = [
        ("helplines.yaml", HelplinesFile),
        ("approaches.yaml", ApproachesFile),
        ("quiz.yaml", QuizFile),
    ]
    for name, model in typed:
        path = root / name
        if not path.exists():
            continue
        data = _read_yaml(path, root, problems)
        if data is None:
            continue
        try:
            parsed = model.model_validate(data)
        except ValidationError as exc:
            problems.extend(_model_problems(f"{label}/{name}", exc))
            continue
        if isinstance(parsed, HelplinesFile):
            content.helplines = parsed.helplines
        elif isinstance(parsed, ApproachesFile):
            content.approaches = parsed.approaches
            content.approach_basis = parsed.basis
        elif isinstance(parsed, QuizFile):
            content.quiz = parsed.items
    return content, problems


def parse_target(flow: str, target: str) -> tuple[str, str | None]:
    """`step` stays in the flow; `other:step` or `other:` (its start) jumps to another flow."""
    if ":" in target:
        other, _, step = target.partition(":")
        return other, step or None
    return flow, target


def step_text_key(flow: str, step_id: str, step: StepDef) -> str:
    """Where a step's message text lives."""
    return step.text or f"{flow}.{step_id}.text"


def option_label_key(flow: str, step_id: str, option: OptionDef) -> str:
    """Where an option's button label lives."""
    return option.label or f"{flow}.{step_id}.options.{option.id}"


def check_content(
    content: Content,
    known_hooks: Iterable[str],
    required_keys: Iterable[str] = (),
    predicates: Iterable[str] = (),
    outcomes: Mapping[str, Iterable[str]] | None = None,
) -> list[Problem]:
    """Cross-reference checks: targets, hooks, predicates, outcomes, translations, limits,
    placeholders. `outcomes` maps an action to the outcomes it may report (none if absent)."""
    hooks = set(known_hooks)
    conditions = set(predicates)
    reports = {name: set(names) for name, names in (outcomes or {}).items()}
    problems: list[Problem] = []
    needed: dict[str, str] = dict.fromkeys(required_keys, "common texts")

    def flow_file(flow_id: str) -> str:
        return f"content/flows/{flow_id}.yaml"

    def check_target(flow_id: str, where: str, target: str | None) -> None:
        if target is None:
            return
        other, step = parse_target(flow_id, target)
        if other not in content.flows:
            problems.append(Problem(flow_file(flow_id), where, f"unknown flow '{other}'"))
        elif step is not None and step not in content.flows[other].steps:
            problems.append(Problem(flow_file(flow_id), where, f"unknown step '{target}'"))

    def check_hook(flow_id: str, where: str, name: str | None) -> None:
        if name is not None and name not in hooks:
            problems.append(Problem(flow_file(flow_id), where, f"unknown action '{name}'"))

    def check_reported(
        flow_id: str, where: str, actions: Iterable[str | None], mapped: Mapping[str, str]
    ) -> None:
        """Every outcome these actions may report has a target (an edge in the table)."""
        for action in actions:
            for name in sorted(reports.get(action or "", ())):
                if name not in mapped:
                    problems.append(
                        Problem(
                            flow_file(flow_id),
                            f"{where}.outcomes",
                            f"outcome '{name}' of action '{action}' has no target",
                        )
                    )

    def check_outcomes(
        flow_id: str, where: str, mapped: Mapping[str, str], actions: Iterable[str | None]
    ) -> None:
        """Each mapped outcome is one an action here reports, and leads somewhere real."""
        known = set().union(*(reports.get(action or "", set()) for action in actions))
        for name, target in mapped.items():
            if name not in known:
                problems.append(
                    Problem(
                        flow_file(flow_id),
                        f"{where}.outcomes.{name}",
                        "no action of this step reports this outcome",
                    )
                )
            check_target(flow_id, f"{where}.outcomes.{name}", target)

    for flow_id, flow in content.flows.items():
        if flow.start not in flow.steps:
            problems.append(Problem(flow_file(flow_id), "start", f"unknown step '{flow.start}'"))
        for step_id, step in flow.steps.items():
            where = f"steps.{step_id}"
            if not step.silent:
                needed[step_text_key(flow_id, step_id, step)] = flow_file(flow_id)
            check_target(flow_id, f"{where}.next", step.next)
            check_hook(flow_id, f"{where}.action", step.action)
            check_hook(flow_id, f"{where}.on_text", step.on_text)
            for index, name in enumerate(step.offers):
                check_hook(flow_id, f"{where}.offers[{index}]", name)
            for index, branch in enumerate(step.branch):
                if branch.when not in conditions:
                    problems.append(
                        Problem(
                            flow_file(flow_id),
                            f"{where}.branch[{index}].when",
                            f"unknown predicate '{branch.when}'",
                        )
                    )
                check_target(flow_id, f"{where}.branch[{index}].next", branch.next)
            own = [step.action, step.on_text, *step.offers]
            check_reported(flow_id, where, own, step.outcomes)
            check_outcomes(
                flow_id, where, step.outcomes, own + [option.action for option in step.options]
            )
            if (
                step.save
                and step.save.startswith("profile.")
                and (step.save.removeprefix("profile.") not in PROFILE_SETTABLE)
            ):
                problems.append(
                    Problem(flow_file(flow_id), f"{where}.save", "not a profile setting")
                )
            if step.input == "text" and not (step.save or step.on_text):
                problems.append(
                    Problem(flow_file(flow_id), where, "text input needs save or on_text")
                )
            if step.input == "text" and not (step.next or step.on_text):
                problems.append(Problem(flow_file(flow_id), where, "text input needs next"))
            is_dead_end = not step.options and not step.next and not step.input and not step.action
            if is_dead_end:
                problems.append(Problem(flow_file(flow_id), where, "dead end: no options or next"))
            seen: set[str] = set()
            for index, option in enumerate(step.options):
                owhere = f"{where}.options[{index}]"
                if option.id in seen:
                    problems.append(
                        Problem(flow_file(flow_id), owhere, f"duplicate id '{option.id}'")
                    )
                seen.add(option.id)
                if option.next is None and option.action is None:
                    problems.append(Problem(flow_file(flow_id), owhere, "needs next or action"))
                check_target(flow_id, f"{owhere}.next", option.next)
                check_hook(flow_id, f"{owhere}.action", option.action)
                check_reported(
                    flow_id, owhere, [option.action], {**step.outcomes, **option.outcomes}
                )
                check_outcomes(flow_id, owhere, option.outcomes, [option.action])
                needed[option_label_key(flow_id, step_id, option)] = flow_file(flow_id)
                data = f"f:{999999}.nl:{option.id}"  # the longest: a stranger's, with the language
                if len(data.encode()) > MAX_CALLBACK:
                    problems.append(Problem(flow_file(flow_id), owhere, "callback data too long"))
                for name in option.profile:
                    if name not in PROFILE_SETTABLE:
                        problems.append(
                            Problem(
                                flow_file(flow_id),
                                f"{owhere}.profile.{name}",
                                "not a profile setting",
                            )
                        )

    for key, origin in sorted(needed.items()):
        for lang in LANGUAGES:
            if key not in content.texts.get(lang, {}):
                problems.append(
                    Problem(
                        f"content/{lang}/{key.split('.')[0]}.yaml",
                        key,
                        f"missing text (needed by {origin})",
                    )
                )

    base, *others = LANGUAGES
    for other in others:
        for key in sorted(set(content.texts[base]) ^ set(content.texts[other])):
            has, lacks = (base, other) if key in content.texts[base] else (other, base)
            problems.append(
                Problem(
                    f"content/{lacks}/{key.split('.')[0]}.yaml",
                    key,
                    f"missing translation (present in {has})",
                )
            )
        for key in sorted(set(content.texts[base]) & set(content.texts[other])):
            a, b = content.texts[base][key], content.texts[other][key]
            la, lb = (a if isinstance(a, list) else [a]), (b if isinstance(b, list) else [b])
            if len(la) != len(lb):
                problems.append(
                    Problem(
                        content.sources.get(key, key),
                        key,
                        f"{base} has {len(la)} parts, {other} has {len(lb)}",
                    )
                )
            elif any(placeholders(x) != placeholders(y) for x, y in zip(la, lb, strict=True)):
                problems.append(
                    Problem(
                        content.sources.get(key, key),
                        key,
                        f"placeholders differ between {base} and {other}",
                    )
                )

    labels = {key for key, origin in needed.items() if ".options." in key}
    for lang in LANGUAGES:
        for key, value in content.texts[lang].items():
            parts = value if isinstance(value, list) else [value]
            file = f"content/{lang}/{key.split('.')[0]}.yaml"
            for part in parts:
                if not part.strip():
                    problems.append(Problem(file, key, "empty text"))
                elif len(part) > MAX_MESSAGE:
                    problems.append(
                        Problem(file, key, f"{len(part)} characters, Telegram allows {MAX_MESSAGE}")
                    )
                elif key in labels and len(part) > MAX_LABEL:
                    problems.append(Problem(file, key, f"button label over {MAX_LABEL} characters"))
                elif len(part) > MAX_PHONE_MESSAGE:
                    problems.append(
                        Problem(
                            file,
                            key,
                            f"{len(part)} characters, keep messages under {MAX_PHONE_MESSAGE}",
                        )
                    )
    problems.extend(_check_catalogues(content))
    from bot.core.limits import check_channels  # limits builds on this module

    problems.extend(check_channels(content))
    return problems


PROFILE_SETTABLE = frozenset(
    {"language", "checkins", "followups", "city", "organisation", "stopped"}
)


def _check_catalogues(content: Content) -> list[Problem]:
    problems: list[Problem] = []
    for lang in LANGUAGES:
        texts = content.texts[lang]
        for line in content.helplines:
            for part in ("name", "what", "short"):
                key = f"helplines.{line.id}.{part}"
                if key not in texts:
                    problems.append(Problem(f"content/{lang}/helplines.yaml", key, "missing text"))
        for approach in content.approaches:
            for part in ("name", "summary", "when", "why", "examples"):
                key = f"approaches.{approach.id}.{part}"
                if key not in texts:
                    problems.append(Problem(f"content/{lang}/approaches.yaml", key, "missing text"))
        for item in content.quiz:
            for part in ("post", "explanation"):
                key = f"quiz.items.{item.id}.{part}"
                if key not in texts:
                    problems.append(Problem(f"content/{lang}/quiz.yaml", key, "missing text"))
            for option in item.options:
                if f"quiz.option_labels.{option}" not in texts:
                    problems.append(
                        Problem(
                            f"content/{lang}/quiz.yaml",
                            f"quiz.option_labels.{option}",
                            "missing text",
                        )
                    )
    for item in content.quiz:
        if item.correct not in item.options:
            problems.append(
                Problem(
                    "content/quiz.yaml",
                    f"items.{item.id}.correct",
                    "must be one of the item's options",
                )
            )
    return problems


def load_content(
    root: Path | None = None,
    known_hooks: Iterable[str] = (),
    required_keys: Iterable[str] = (),
    predicates: Iterable[str] = (),
    outcomes: Mapping[str, Iterable[str]] | None = None,
) -> Content:
    """Load and fully validate; raise `ContentError` listing every problem."""
    content, problems = read_content(root or default_content_dir())
    if not problems:
        problems = check_content(content, known_hooks, required_keys, predicates, outcomes)
    if problems:
        raise ContentError(problems)
    return content
