"""The features are wired in one visible list (`bot/app.py`, `FEATURES`; issue 16, item 2):
every router, staff table and job table a module keeps is in that list, once, and two features
that use one name stop start-up instead of one silently replacing the other."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import timedelta

import pytest

import bot
import scheduler
from bot.app import FEATURES, Feature, wire
from bot.core.registry import Registry
from bot.staff.commands import StaffActions
from scheduler.jobs import JobRegistry

PARTS = (Registry, StaffActions, JobRegistry)
WIRE_GRACE = timedelta(hours=1)


def _module_parts() -> dict[int, str]:
    """id -> "module.name" of every router, staff table and job table a module defines."""
    found: dict[int, str] = {}
    for package in (bot, scheduler):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            module = importlib.import_module(info.name)
            for name, value in vars(module).items():
                if isinstance(value, PARTS):
                    found.setdefault(id(value), f"{info.name}.{name}")
    return found


def _listed() -> list[object]:
    return [part for f in FEATURES for part in (*f.routers, *f.staff, *f.jobs)]


def test_every_part_a_module_keeps_is_listed_once() -> None:
    listed = _listed()
    assert len({id(p) for p in listed}) == len(listed), "a part is listed twice"
    missing = sorted(name for key, name in _module_parts().items() if key not in map(id, listed))
    assert not missing, f"not in FEATURES (so not part of the bot): {missing}"


def test_every_listed_part_registers_something() -> None:
    for feature in FEATURES:
        for router in feature.routers:
            assert router.actions or router.commands or router.callbacks, feature.name
        for staff in feature.staff:
            assert staff.commands or staff.taps, feature.name
        for jobs in feature.jobs:
            assert jobs.kinds or jobs.digest_hooks or jobs.retention_hooks, feature.name


async def _noop(*_args: object) -> None:
    return None


def test_one_name_in_two_features_is_refused() -> None:
    first, second = Registry(), Registry()
    first.command("hulp")(_noop)
    second.command("hulp")(_noop)
    with pytest.raises(ValueError, match="command hulp registered twice"):
        wire((Feature("a", (first,)), Feature("b", (second,))))
    staff_a, staff_b = StaffActions(), StaffActions()
    staff_a.tap("claim", frozenset())(_noop)
    staff_b.tap("claim", frozenset())(_noop)
    with pytest.raises(ValueError, match="staff button claim registered twice"):
        wire((Feature("a", staff=(staff_a,)), Feature("b", staff=(staff_b,))))
    jobs_a, jobs_b = JobRegistry(), JobRegistry()
    jobs_a.kind("checkin", grace=WIRE_GRACE)(_noop)
    jobs_b.kind("checkin", grace=WIRE_GRACE)(_noop)
    with pytest.raises(ValueError, match="scheduled kind checkin registered twice"):
        wire((Feature("a", jobs=(jobs_a,)), Feature("b", jobs=(jobs_b,))))


def test_a_feature_left_out_is_not_part_of_the_bot() -> None:
    """Leaving the quiz out of the list takes its actions out: nothing comes in by import."""
    without = wire(tuple(f for f in FEATURES if f.name != "quiz"))
    whole = wire(FEATURES)
    quiz_actions = {
        name for f in FEATURES if f.name == "quiz" for r in f.routers for name in r.actions
    }
    assert quiz_actions
    assert quiz_actions <= whole.registry.actions.keys()
    assert not quiz_actions & without.registry.actions.keys()
