"""The node kinds as the browser sees them (palette, icons, defaults)."""

from functools import cache
from typing import Any

from apps.topology.kinds import KINDS, NodeKind


def _runtime(kind: NodeKind) -> dict[str, Any] | None:
    """The run-time traits the live view reads (None: drawn only, like a zone). `source`: it
    sends traffic and serves none (a client, a scheduler), as nothing can call it."""
    if kind.runtime is None:
        return None
    runtime = kind.runtime
    return {"handler": runtime.handler, "badge": runtime.badge, "mailbox": runtime.mailbox, "source": not kind.receives}


@cache
def kind_catalogue() -> list[dict[str, Any]]:
    return [
        {
            "name": kind.name,
            "label": kind.label,
            "summary": kind.summary,
            "category": kind.category,
            "icon": kind.icon,
            "color": kind.color,
            "is_group": kind.is_group,
            "messaging": kind.messaging,
            "receives": kind.receives,
            "sends": kind.sends,
            "defaults": kind.defaults(),
            "runtime": _runtime(kind),
        }
        for kind in KINDS.values()
    ]
