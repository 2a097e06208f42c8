"""Content validation: the bundled content is clean and broken content is reported precisely."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from bot.__main__ import main
from bot.app import load_checked_content
from bot.core.content import LANGUAGES, default_content_dir

ROOT = Path(__file__).resolve().parent.parent
KEY_USE = re.compile(
    r"""\b(?:say|t|text|messages)\(\s*(?:[a-z_.]+,\s*)?"([a-z_]+\.[a-z0-9_.]+)"\s*[,)]"""
)


def test_bundled_content_is_valid() -> None:
    """The content shipped with the bot passes every check."""
    content = load_checked_content()
    assert "onboarding" in content.flows
    assert content.helplines


def test_text_keys_used_in_python_exist_in_every_language() -> None:
    """Every literal text key in the Python code exists in nl and en."""
    content = load_checked_content()
    used = set()
    for path in (ROOT / "bot").rglob("*.py"):
        used.update(KEY_USE.findall(path.read_text(encoding="utf-8")))
    assert used, "the scan found no keys; the pattern is broken"
    missing = [
        (lang, key) for key in sorted(used) for lang in LANGUAGES if not content.has(lang, key)
    ]
    assert missing == []


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A copy of the bundled content with four deliberate mistakes."""
    target = tmp_path / "content"
    shutil.copytree(default_content_dir(), target, ignore=shutil.ignore_patterns("*.py"))
    en_menu = target / "en" / "menu.yaml"
    data = yaml.safe_load(en_menu.read_text(encoding="utf-8"))
    del data["main"]["options"]["settings"]
    en_menu.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    flow = target / "flows" / "forget.yaml"
    flow.write_text(
        flow.read_text(encoding="utf-8").replace('next: "menu:"', "next: nowhere"),
        encoding="utf-8",
    )
    nl_common = target / "nl" / "common.yaml"
    nl_common.write_text(
        nl_common.read_text(encoding="utf-8") + f'\nhuge: "{"x" * 5000}"\n', encoding="utf-8"
    )
    settings_flow = target / "flows" / "settings.yaml"
    settings_flow.write_text(
        settings_flow.read_text(encoding="utf-8").replace(
            "action: settings.summary", "action: settings.nonexistent"
        ),
        encoding="utf-8",
    )
    return target


def test_validate_content_lists_every_problem(
    broken: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """validate-content names file and key for each mistake and exits non-zero."""
    code = main(["validate-content", str(broken)])
    out = capsys.readouterr().out
    assert code == 1
    assert "content/en/menu.yaml: menu.main.options.settings: missing" in out
    assert "content/flows/forget.yaml: steps.confirm.options[1].next: unknown step 'nowhere'" in out
    assert "content/nl/common.yaml: common.huge: 5000 characters" in out
    assert "unknown action 'settings.nonexistent'" in out


def test_validate_content_ok(capsys: pytest.CaptureFixture[str]) -> None:
    """The bundled content validates with exit code 0."""
    assert main(["validate-content"]) == 0
    assert "Content OK" in capsys.readouterr().out


def test_yaml_syntax_error_is_located(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A YAML syntax error is reported with its file and line."""
    target = tmp_path / "content"
    shutil.copytree(default_content_dir(), target, ignore=shutil.ignore_patterns("*.py"))
    (target / "nl" / "menu.yaml").write_text("main:\n  text: [unclosed\n", encoding="utf-8")
    assert main(["validate-content", str(target)]) == 1
    assert "content/nl/menu.yaml: line" in capsys.readouterr().out
