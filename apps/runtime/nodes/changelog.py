"""A database's change log: the committed writes a CDC relay reads and publishes.

A database keeps one only while some CDC relay reads it (a call edge relay → database): each
write its primary acknowledges is appended with the next sequence number (1, 2, …), the
write's operation, its key (the correlation id of the request that made it) and its commit
time. The log lives in a run-wide hash (`keys.changes`); the sequence number of the last entry
is in the database's state (`changes`). Each relay keeps its own position per database, so
relays read independently and an entry is never removed: a relay that was down reads on from
where it stopped.

Every entry is open work for each relay that reads it until that relay has published it: it
is counted in `deliveries:open`, the figure the driver waits on before a run has drained, so a
run does not end with changes still unpublished.
"""

from typing import Any

from apps.runtime import keys
from apps.runtime.hop import Hop
from apps.runtime.plan import Plan

OPEN = "deliveries:open"


def readers(plan: Plan, database_id: str) -> list[str]:
    """The CDC relays that read this database's log, in id order."""
    return sorted(
        node.id
        for node in plan.nodes.values()
        if node.kind == "cdc" and any(edge.target == database_id for edge in node.calls())
    )


def sources(plan: Plan, relay_id: str) -> list[str]:
    """The databases a relay reads, in edge order."""
    return [edge.target for edge in plan.nodes[relay_id].calls() if plan.nodes[edge.target].kind == "database"]


def record(hop: Hop, frame: dict[str, Any]) -> None:
    """Append the write the database's primary just committed (the hop is the database's)."""
    relays = readers(hop.plan, hop.node.id)
    if not relays:
        return
    sequence = int(hop.state.get("changes", 0)) + 1
    hop.state["changes"] = sequence
    entry = {
        "op": str(frame.get("op") or frame.get("name") or ""),
        "key": str(frame.get("corr") or frame.get("rid") or frame["fid"]),
        "at": round(hop.now, 3),
    }
    hop.records(keys.changes(hop.run, hop.node.id), as_json=True).set(str(sequence), entry)
    hop.count(OPEN, len(relays))
    hop.count(f"db:{hop.node.id}:changes")
    for relay in relays:
        if hop.state_of(relay).get("asleep"):
            hop.send({"node": relay, "t": "wake"})


def head(hop: Hop, database_id: str) -> int:
    """The sequence number of the database's last entry (0: none yet)."""
    return int(hop.state_of(database_id).get("changes", 0))


def entry(hop: Hop, database_id: str, sequence: int) -> dict[str, Any] | None:
    value: dict[str, Any] | None = hop.records(keys.changes(hop.run, database_id), as_json=True).get(str(sequence))
    return value
