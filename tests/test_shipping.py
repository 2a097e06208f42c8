"""What an operator gets besides the code: licence, version, container and service unit."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_licence_is_the_full_eupl_1_2_text() -> None:
    """LICENSE holds the EUPL-1.2 with all 15 articles and the appendix, as pyproject says."""
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == {"text": "EUPL-1.2"}
    assert text.lstrip().startswith("EUROPEAN UNION PUBLIC LICENCE v. 1.2")
    articles = re.findall(r"^ {4}(\d+)\. ", text, flags=re.MULTILINE)
    assert articles == [str(number) for number in range(1, 16)]
    assert "'Compatible Licences' according to Article 5 EUPL are:" in text
    assert len(text) > 13_000


def test_version_flag_prints_the_package_version() -> None:
    """`sterk-online --version` names the installed version and exits 0."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert result.returncode == 0
    assert result.stdout.strip() == f"sterk-online {project['version']}"


def test_dockerfile_runs_unprivileged_with_data_volume_and_healthcheck() -> None:
    """Slim base, a non-root user, the database in /data and a HEALTHCHECK on /healthz."""
    docker = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.\d+-slim$", docker, flags=re.MULTILINE)
    users = re.findall(r"^USER (\S+)$", docker, flags=re.MULTILINE)
    assert users
    assert users[-1] not in {"root", "0"}
    assert 'VOLUME ["/data"]' in docker
    assert "STERK_DB_PATH=/data/sterk.db" in docker
    assert re.search(r"^HEALTHCHECK .*\n.*/healthz", docker, flags=re.MULTILINE)


def test_systemd_unit_runs_the_command_as_its_own_user() -> None:
    """The unit starts `sterk-online run` as user sterk and does not restart on config errors."""
    unit = (ROOT / "deploy" / "sterk-online.service").read_text(encoding="utf-8")
    assert re.search(r"^ExecStart=\S+/sterk-online run$", unit, flags=re.MULTILINE)
    assert "\nUser=sterk\n" in unit
    assert "\nRestartPreventExitStatus=1 2\n" in unit
    assert "\nEnvironmentFile=/etc/sterk-online/env\n" in unit


def test_compose_runs_two_replicas_on_postgresql_behind_caddy() -> None:
    """deploy/compose.yaml: PostgreSQL with a health check, two bot replicas in webhook mode on
    it (waiting for the database), and Caddy passing the webhooks to both."""
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert "healthcheck" in services["db"]
    bots = [name for name, service in services.items() if service.get("image") == "sterk-online"]
    assert len(bots) >= 2
    for name in bots:
        env = services[name]["environment"]
        assert env["STERK_DATABASE_URL"].startswith("postgresql://")
        assert env["STERK_WEBHOOK_URL"].startswith("https://")
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"
    caddy = (ROOT / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    assert all(f"{name}:8443" in caddy for name in bots)
    assert "/telegram" in caddy
