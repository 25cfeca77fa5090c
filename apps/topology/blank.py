from typing import Any

from apps.topology.schema import FORMAT, VERSION


def blank_document(*, name: str = "Untitled scenario") -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "name": name,
        "description": "",
        "nodes": [],
        "edges": [],
        "faults": [],
        "run": {"duration_s": 30, "seed": 42, "speed": 1},
    }
