"""Rules for how a saga, a CDC relay and an external API are wired (beyond the schema).

- A saga's `steps` name the nodes it calls, in order: each must be the target of one of its
  call edges. `operations` gives each step's operation by position, so it cannot be longer
  than the steps. A saga calls; it does not publish.
- A CDC relay reads databases and publishes to queues or buses: it needs an edge to at least
  one database and one to a queue or bus, and no other edges. Its `event` is an event name.
- An external API answers calls; nothing is drawn out of it (its kind cannot send).
"""

import re
from typing import Any, Protocol

from apps.topology.kinds import KINDS
from apps.topology.schema import NAME_PATTERN


class Checker(Protocol):
    """What the document validator lends these rules (validation.py's semantic check)."""

    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    node_by_id: dict[str, dict[str, Any]]

    def error(self, path: str, message: str, target: str | None = None) -> None: ...

    def warn(self, path: str, message: str, target: str | None = None) -> None: ...


def check_kind_rules(check: Checker) -> None:
    for index, node in enumerate(check.nodes):
        if node["kind"] == "saga":
            check_saga(check, index, node)
        elif node["kind"] == "cdc":
            check_cdc(check, index, node)


def _targets(check: Checker, node_id: str) -> list[tuple[int, dict[str, Any]]]:
    """(edge index, target node) of every edge out of the node whose target exists."""
    out = []
    for index, edge in enumerate(check.edges):
        target = check.node_by_id.get(edge["to"])
        if edge["from"] == node_id and target is not None:
            out.append((index, target))
    return out


def check_saga(check: Checker, index: int, node: dict[str, Any]) -> None:
    props = node.get("props") or {}
    base = f"$.nodes[{index}].props"
    called: list[str] = []
    for edge_index, target in _targets(check, node["id"]):
        if KINDS[target["kind"]].messaging:
            message = (
                f"a saga calls its steps; it cannot publish to the {target['kind'].replace('_', ' ')} {target['id']!r}"
            )
            check.error(f"$.edges[{edge_index}]", message, check.edges[edge_index]["id"])
        else:
            called.append(target["id"])
    steps: list[str] = list(props.get("steps") or [])
    for position, step in enumerate(steps):
        if step not in called:
            message = f"step {step!r} is not the target of a call edge from this saga"
            check.error(f"{base}.steps[{position}]", message, node["id"])
    unused = [target for target in called if steps and target not in steps]
    if unused:
        check.warn(f"{base}.steps", f"{unused[0]!r} is called by no step (it is not in steps)", node["id"])
    operations = list(props.get("operations") or [])
    count = len(steps) if steps else len(called)
    if len(operations) > count:
        message = f"has {len(operations)} operations for {count} step{'s' if count != 1 else ''}: at most one per step"
        check.error(f"{base}.operations", message, node["id"])


def check_cdc(check: Checker, index: int, node: dict[str, Any]) -> None:
    props = node.get("props") or {}
    base = f"$.nodes[{index}]"
    reads = publishes = 0
    for edge_index, target in _targets(check, node["id"]):
        if target["kind"] == "database":
            reads += 1
        elif target["kind"] in ("queue", "event_bus"):
            publishes += 1
        else:
            message = f"a CDC relay reads databases and publishes to queues or buses, not to a {target['kind']}"
            check.error(f"$.edges[{edge_index}].to", message, check.edges[edge_index]["id"])
    if reads == 0:
        check.error(base, "a CDC relay needs an edge to the database whose change log it reads", node["id"])
    if publishes == 0:
        check.error(base, "a CDC relay needs an edge to a queue or event bus to publish to", node["id"])
    event = props.get("event") or ""
    if event and not re.fullmatch(NAME_PATTERN, event):
        message = f"{event!r} is not an event name (a letter, then letters, digits, _ . : -)"
        check.error(f"{base}.props.event", message, node["id"])
