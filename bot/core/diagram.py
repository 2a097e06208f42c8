"""Mermaid diagrams drawn from the flow tables, so a picture of a flow can never be out of date.

Every edge the table holds is drawn: a step's `next` (plain arrow), each option (its id), each
`branch:` (its predicate) and each outcome of an action (its name). Targets in another flow are
rounded boxes. `sterk-online diagram FLOW` prints one; docs/flows/ holds them all, and
tests/test_diagrams.py fails when one there no longer matches its table.
"""

from __future__ import annotations

from bot.core.content import FlowDef, parse_target

# Words Mermaid reads as syntax when used as a node id.
_RESERVED = frozenset({"end", "graph", "subgraph", "style", "class", "classDef", "click"})


def _node(flow_id: str, target: str, outside: dict[str, str]) -> str:
    other, step = parse_target(flow_id, target)
    if other == flow_id and step is not None:
        return f"{step}_" if step in _RESERVED else step
    name = f"{other}:{step or ''}"
    node = "to_" + name.replace(":", "_").rstrip("_")
    outside[node] = name
    return node


def mermaid(flow: FlowDef) -> str:
    """The flow as a Mermaid flowchart (top-down), in table order."""
    outside: dict[str, str] = {}
    edges: dict[tuple[str, str, bool], list[str]] = {}  # options to one step: one arrow

    def edge(source: str, target: str, label: str | None = None) -> None:
        key = (_node(flow.id, source, outside), _node(flow.id, target, outside), bool(label))
        edges.setdefault(key, []).extend([label] if label else [])

    lines = ["flowchart TD", f"  start(( )) --> {_node(flow.id, flow.start, outside)}"]
    for step_id, step in flow.steps.items():
        for branch in step.branch:
            edge(step_id, branch.next, f"if {branch.when}")
        for name, target in step.outcomes.items():
            edge(step_id, target, name)
        for option in step.options:
            if option.next:
                edge(step_id, option.next, option.id)
            for name, target in option.outcomes.items():
                edge(step_id, target, f"{option.id}: {name}")
        if step.next:
            edge(step_id, step.next)
    for (source, target, _), labels in edges.items():
        arrow = f" -->|{', '.join(labels)}| " if labels else " --> "
        lines.append(f"  {source}{arrow}{target}")
    lines += [f'  {node}(["{name}"])' for node, name in sorted(outside.items())]
    return "\n".join(lines) + "\n"


def document(flow: FlowDef) -> str:
    """The Markdown file under docs/flows/ for one flow."""
    return (
        f"# Flow `{flow.id}`\n\n"
        f"Generated from `bot/content/flows/{flow.id}.yaml` by `sterk-online diagram {flow.id}`;"
        " do not edit by hand.\n\n"
        f"```mermaid\n{mermaid(flow)}```\n"
    )
