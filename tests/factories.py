"""Small builders for topology documents used across the tests."""

import copy
from typing import Any

from apps.topology.blank import blank_document


def node(node_id: str, kind: str, x: float = 0, y: float = 0, **props: Any) -> dict[str, Any]:
    return {"id": node_id, "kind": kind, "label": node_id.title(), "position": {"x": x, "y": y}, "props": props}


def edge(edge_id: str, source: str, target: str, **props: Any) -> dict[str, Any]:
    return {"id": edge_id, "from": source, "to": target, "props": props}


def small_document(name: str = "Small") -> dict[str, Any]:
    """Client → load balancer → two services; valid, no warnings."""
    doc = blank_document(name=name)
    doc["nodes"] = [
        node("users", "client", 0, 0, rate=10),
        node("lb", "load_balancer", 220, 0, strategy="round_robin"),
        node("web1", "service", 440, -60, replicas=1),
        node("web2", "service", 440, 60, replicas=1),
    ]
    doc["edges"] = [edge("e1", "users", "lb"), edge("e2", "lb", "web1"), edge("e3", "lb", "web2")]
    return doc


def with_changes(doc: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    out.update(changes)
    return out
