"""No import cycles between the packages (issue 16, item 2), read from the import graph (grimp).

A cycle means neither side can be understood, tested or replaced alone, and it is how
registration by import side effect creeps in. Imports made only for type checking do not count:
they never run. One link is allowed and pinned down exactly: storage rows carry times and
replies, so `bot.storage` may import the two leaf modules `bot.core.clock` and `bot.core.model`,
which import nothing else of the bot; the rest of `bot.core` (the engine) builds on storage.
"""

from __future__ import annotations

from itertools import combinations

import grimp

LEAVES = frozenset({"bot.core.clock", "bot.core.model"})  # what storage may take from core
OURS = ("bot", "scheduler")


def _graph() -> grimp.ImportGraph:
    return grimp.build_graph(*OURS, exclude_type_checking_imports=True)


def _units(graph: grimp.ImportGraph) -> list[str]:
    """The packages and top-level modules of the bot, and the scheduler."""
    return [*sorted(graph.find_children("bot")), "scheduler"]


def test_no_two_packages_import_each_other() -> None:
    graph = _graph()
    cycles = [
        (a, b, graph.find_shortest_chain(a, b, as_packages=True))
        for a, b in combinations(_units(graph), 2)
        if {a, b} != {"bot.core", "bot.storage"}
        and graph.chain_exists(a, b, as_packages=True)
        and graph.chain_exists(b, a, as_packages=True)
    ]
    assert not cycles, cycles


def test_storage_takes_only_the_leaf_modules_of_core() -> None:
    graph = _graph()
    taken = {
        imported
        for module in graph.find_descendants("bot.storage") | {"bot.storage"}
        for imported in graph.find_modules_directly_imported_by(module)
        if imported.startswith("bot.core")
    }
    assert taken <= LEAVES, sorted(taken - LEAVES)
    for leaf in LEAVES:
        inside = {m for m in graph.find_modules_directly_imported_by(leaf) if m.startswith(OURS)}
        assert not inside, (leaf, sorted(inside))
