"""Reads of a run's domain records: the CQRS report, the outbox, the stock."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Count

from apps.domain import projections
from apps.domain.models import Booking, OutboxEmail, ProjectionRow, StockLevel

OUTBOX_LISTED = 50


def write_model(run: str, node: str) -> dict[str, Any]:
    bookings = Booking.objects.filter(run_id=run, node=node)
    doubles = bookings.values("slot").annotate(n=Count("id")).filter(n__gt=1).count()
    return {"node": node, "bookings": bookings.count(), "double_bookings": doubles}


def read_model(
    run: str, node: str, projection: str, published: Iterable[Mapping[str, Any]], written: dict[str, Any] | None
) -> dict[str, Any]:
    """A read model against what it should hold: the write model (availability) and the
    replay of every published event."""
    current = projections.rows(run, node)
    replayed = projections.replay(projection, published)
    out: dict[str, Any] = {
        "node": node,
        "projection": projection,
        "rows": len(current),
        "equals_replay": current == replayed,
    }
    if written is not None:
        out["equals_write_model"] = current == written
        out["stale_rows"] = sorted(set(written) - set(current))[:100]
    return out


def cqrs_rows(run: str, read_node: str, limit: int = 200) -> dict[str, Any]:
    """Write model and read model side by side, each row marked stale when the read model
    does not (yet) show it (the CQRS panel)."""
    written = projections.write_model_rows(run)
    read = {row.key: row for row in ProjectionRow.objects.filter(run_id=run, node=read_node)[:limit]}
    keys = sorted(set(written) | set(read), key=lambda k: (len(k), k))[:limit]
    return {
        "rows": [
            {
                "key": key,
                "write": written.get(key),
                "read": read[key].value if key in read else None,
                "lag_ms": round(read[key].applied_at_ms - read[key].event_at_ms, 1) if key in read else None,
                "stale": written.get(key) != (read[key].value if key in read else None),
            }
            for key in keys
        ]
    }


def outbox(run: str, limit: int = OUTBOX_LISTED) -> dict[str, Any]:
    emails = OutboxEmail.objects.filter(run_id=run)
    listed = [
        {"node": e.node, "corr": e.corr, "to": e.to, "subject": e.subject, "at_s": round(e.at_ms / 1000, 3)}
        for e in emails.order_by("-at_ms", "-id")[:limit]
    ]
    return {"sent": emails.count(), "latest": listed}


def stock(run: str, node: str) -> dict[str, Any]:
    levels = StockLevel.objects.filter(run_id=run, node=node).order_by("product")
    return {"products": {str(level.product): level.units for level in levels}}
