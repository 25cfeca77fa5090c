"""A small static SVG picture of a topology, for the gallery cards."""

from dataclasses import dataclass
from typing import Any

from apps.topology.kinds import KINDS

NODE_W, NODE_H = 160, 56


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float
    color: str
    label: str
    icon: str
    is_group: bool


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    dashed: bool


@dataclass(frozen=True)
class Preview:
    view_box: str
    boxes: list[Box]
    lines: list[Line]


def build_preview(document: dict[str, Any]) -> Preview:
    boxes: dict[str, Box] = {}
    for node in document.get("nodes", []):
        kind = KINDS.get(node.get("kind", ""))
        if kind is None:
            continue
        pos = node.get("position") or {"x": 0, "y": 0}
        size = node.get("size") or {"width": NODE_W, "height": NODE_H}
        boxes[node["id"]] = Box(
            pos["x"],
            pos["y"],
            size["width"],
            size["height"],
            kind.color,
            node.get("label") or kind.label,
            kind.icon,
            kind.is_group,
        )
    lines = []
    for edge in document.get("edges", []):
        a, b = boxes.get(edge.get("from", "")), boxes.get(edge.get("to", ""))
        if a is None or b is None:
            continue
        messaging = any(KINDS[n["kind"]].messaging for n in document["nodes"] if n["id"] in (edge["from"], edge["to"]))
        lines.append(Line(a.x + a.w, a.y + a.h / 2, b.x, b.y + b.h / 2, messaging))
    if not boxes:
        return Preview("0 0 400 200", [], [])
    left = min(b.x for b in boxes.values()) - 20
    top = min(b.y for b in boxes.values()) - 20
    right = max(b.x + b.w for b in boxes.values()) + 20
    bottom = max(b.y + b.h for b in boxes.values()) + 20
    ordered = sorted(boxes.values(), key=lambda b: not b.is_group)  # zones underneath
    return Preview(f"{left:.0f} {top:.0f} {right - left:.0f} {bottom - top:.0f}", ordered, lines)
