"""The audit log of a run: every event with its correlation (order) id.

Hops append entries to a Redis list as they commit (Hop.audit); when a run has ended the
control task stores the list in the database (`persist`, one transaction), so a finished run
keeps its log after its Redis keys are gone. Reads come from the database for a stored run and
from Redis for a run that is still going or not stored yet (its keys outlive the storing).

An order's trace is every entry with its correlation id, in run-time order: the request, the
calls each service served (with waiting and total time), the decisions of domain behaviours,
the events published and who handled them, and the outcome.
"""

import json
from collections.abc import Iterator
from typing import Any

from django.db import transaction

from apps.engine.models import AuditEvent
from apps.runtime import keys
from apps.runtime.redis import client

CHUNK = 5000
MAX_STORED = 500_000  # a run's log beyond this is not stored (the summary says so)
TRACE_LIMIT = 2000


def live_entries(run_id: str) -> Iterator[dict[str, Any]]:
    """The run's log as it is in Redis now (a running run, or before its keys are released)."""
    r = client()
    start = 0
    while True:
        chunk = r.lrange(keys.audit(run_id), start, start + CHUNK - 1)
        if not chunk:
            return
        for raw in chunk:
            yield json.loads(raw)
        start += CHUNK


def to_store(run_id: str) -> int:
    """How many entries `persist` will store: the run's log, up to MAX_STORED."""
    return min(client().llen(keys.audit(run_id)), MAX_STORED)


@transaction.atomic
def persist(run_id: str) -> int:
    """Store the run's log in the database, all or nothing; returns how many entries were stored."""
    batch: list[AuditEvent] = []
    stored = 0
    for seq, entry in enumerate(live_entries(run_id)):
        if seq >= MAX_STORED:
            break
        detail = {k: v for k, v in entry.items() if k not in ("t", "node", "kind", "corr")}
        batch.append(
            AuditEvent(
                run_id=run_id, seq=seq, t_ms=float(entry.get("t", 0)), node=str(entry.get("node", ""))[:80],
                kind=str(entry.get("kind", ""))[:32], corr=str(entry.get("corr", ""))[:80], detail=detail,
            )
        )  # fmt: skip
        if len(batch) >= 2000:
            AuditEvent.objects.bulk_create(batch)
            stored += len(batch)
            batch = []
    AuditEvent.objects.bulk_create(batch)
    return stored + len(batch)


def _row(event: AuditEvent) -> dict[str, Any]:
    return {"t": event.t_ms, "node": event.node, "kind": event.kind, "corr": event.corr, **event.detail}


def entries(run_id: str, *, corr: str | None = None, kind: str | None = None) -> list[dict[str, Any]]:
    """The run's log (stored, else live), optionally one order's or one kind's entries."""
    stored = AuditEvent.objects.filter(run_id=run_id)
    if stored.exists():
        if corr is not None:
            stored = stored.filter(corr=corr)
        if kind is not None:
            stored = stored.filter(kind=kind)
        return [_row(event) for event in stored.order_by("seq")[:MAX_STORED]]
    return [
        entry
        for entry in live_entries(run_id)
        if (corr is None or entry.get("corr") == corr) and (kind is None or entry.get("kind") == kind)
    ]


def trace(run_id: str, corr: str) -> dict[str, Any]:
    """One order across services: its entries in run-time order, each with the time since the
    order was created (`at_ms`)."""
    rows = sorted(entries(run_id, corr=corr), key=lambda e: float(e.get("t", 0)))[:TRACE_LIMIT]
    start = float(rows[0]["t"]) if rows else 0.0
    steps = [{**row, "at_ms": round(float(row["t"]) - start, 2)} for row in rows]
    outcome = next((row.get("outcome") for row in rows if row["kind"] == "outcome"), None)
    nodes = list(dict.fromkeys(row["node"] for row in rows))
    return {"corr": corr, "outcome": outcome, "nodes": nodes, "steps": steps}


def published(run_id: str) -> list[dict[str, Any]]:
    """Every event accepted by a queue or bus, in publication order (what a replay applies)."""
    return [
        {"event": e.get("event"), "corr": e.get("corr", ""), "data": e.get("data") or {}, "t": e.get("t", 0)}
        for e in entries(run_id, kind="published")
    ]
