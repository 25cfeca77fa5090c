"""Read models: projections fed by events, stored as rows, rebuildable by replaying events.

A projection turns one event into an upsert of one row (so applying an event twice changes
nothing, and the order of two events for different keys does not matter):

- `availability` (the reservations read model): SlotReserved → row `slot-N` {booked_by}.
- any other name: the latest event per correlation id → row `<corr>` {event, data}
  (e.g. an order-status view: OrderPlaced, then OrderCancelled).

`replay` applies a list of events to an empty projection in memory; the engine's audit log
holds every published event with its data, so a read model can be rebuilt from it and
compared with the live one.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from apps.domain.models import Booking, ProjectionRow

Row = tuple[str, dict[str, Any]]


def row_for(projection: str, name: str, corr: str, data: Mapping[str, Any]) -> Row | None:
    """The (key, value) an event sets in the projection, or None if it does not touch it."""
    if projection == "availability":
        if "slot" not in data:
            return None
        return f"slot-{int(data['slot'])}", {"booked_by": str(data.get("booked_by") or corr)}
    return corr or "-", {"event": name, "data": dict(data)}


def apply(
    run: str, node: str, projection: str, *, name: str, corr: str, data: Mapping[str, Any], at_ms: float, now_ms: float
) -> bool:
    """Apply one event to the read model's rows (an idempotent upsert)."""
    row = row_for(projection, name, corr, data)
    if row is None:
        return False
    key, value = row
    with transaction.atomic():
        current = ProjectionRow.objects.filter(run_id=run, node=node, key=key).first()
        if current is not None and current.event_at_ms > round(at_ms, 1):
            return False  # a newer event for this key is already applied (last writer wins)
        ProjectionRow.objects.update_or_create(
            run_id=run, node=node, key=key,
            defaults={"value": value, "event_at_ms": round(at_ms, 1), "applied_at_ms": round(now_ms, 1)},
        )  # fmt: skip
    return True


def rows(run: str, node: str) -> dict[str, dict[str, Any]]:
    return {row.key: row.value for row in ProjectionRow.objects.filter(run_id=run, node=node)}


def replay(projection: str, events: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """The projection rebuilt in memory from events (each {"event": name, "corr": ...,
    "data": {...}, "t": published at}), applied in publication order."""
    out: dict[str, dict[str, Any]] = {}
    for event in sorted(events, key=lambda e: float(e.get("t", 0))):
        row = row_for(projection, str(event.get("event", "")), str(event.get("corr", "")), event.get("data") or {})
        if row is not None:
            out[row[0]] = row[1]
    return out


def rebuild(run: str, node: str, projection: str, events: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Throw the read model's rows away and replay the events into it; say whether the rebuilt
    model equals the one it replaced."""
    before = rows(run, node)
    rebuilt = replay(projection, events)
    with transaction.atomic():
        ProjectionRow.objects.filter(run_id=run, node=node).delete()
        ProjectionRow.objects.bulk_create(
            ProjectionRow(run_id=run, node=node, key=key, value=value, event_at_ms=0, applied_at_ms=0)
            for key, value in rebuilt.items()
        )
    return {"rows_before": len(before), "rows_after": len(rebuilt), "equal": before == rebuilt}


def write_model_rows(run: str) -> dict[str, dict[str, Any]]:
    """The reservations write model in the shape of the availability projection."""
    return {f"slot-{b.slot}": {"booked_by": b.booked_by} for b in Booking.objects.filter(run_id=run)}


def staleness(run: str, node: str, projection: str) -> dict[str, Any]:
    """How far the read model trails the write model right now (availability only)."""
    if projection != "availability":
        return {}
    written = Booking.objects.filter(run_id=run).count()
    projected = ProjectionRow.objects.filter(run_id=run, node=node).count()
    return {"written": written, "projected": projected, "stale": projected != written}
