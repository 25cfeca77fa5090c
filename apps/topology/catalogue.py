"""The node kinds as the browser sees them (palette, icons, defaults)."""

from functools import cache
from typing import Any

from apps.topology.kinds import KINDS


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
        }
        for kind in KINDS.values()
    ]
