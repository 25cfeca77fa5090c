"""Domain behaviours on the live engine: a saga with a compensating event, and the outbox.

event-bus-fanout with inventory made scarce (2 products × 2 units) and wired back: when an
order finds no stock, inventory publishes OutOfStock, orders cancels the order
(OrderCancelled) and notifications write an email for both events."""

from typing import Any

from apps.domain.models import OutboxEmail, StockLevel, StockReservation
from apps.domain.services import records_delete
from apps.engine import audit
from apps.engine.models import AuditEvent
from apps.engine.simulation import load_topology, prepare, simulate
from tests.engine.live.conftest import assert_conserved

UNITS = 4


def saga_document() -> dict[str, Any]:
    document = load_topology("event-bus-fanout")
    props = {n["id"]: n["props"] for n in document["nodes"]}
    props["bus"]["topics"] = ["OrderPlaced", "OutOfStock", "OrderCancelled"]
    props["orders"].update(publishes=["OrderPlaced", "OrderCancelled"], domain={"products": 2})
    props["inventory"].update(publishes=["OutOfStock"], domain={"stock": 2})
    document["edges"] += [
        {"id": "inventory-bus", "from": "inventory", "to": "bus"},
        {"id": "bus-orders", "from": "bus", "to": "orders", "props": {"filter": ["OutOfStock"]}},
    ]
    for edge in document["edges"]:
        if edge["id"] == "bus-notifications":
            edge["props"]["filter"] = ["OrderPlaced", "OrderCancelled"]
    document["faults"] = []
    return prepare(document, settings=[], faults=[], duration=5, speed="max")


def test_orders_beyond_the_stock_are_compensated_and_every_event_is_mailed(fleet: Any) -> None:
    summary = simulate(saga_document(), drain_timeout_s=60, keep_records=True)
    run = summary["run"]["id"]
    try:
        assert_conserved(summary)
        published = AuditEvent.objects.filter(run_id=run, kind="published")
        placed = published.filter(detail__event="OrderPlaced").count()  # every order placed
        assert placed >= summary["requests"]["completed"] > UNITS + 10
        assert StockReservation.objects.filter(run_id=run).count() == UNITS
        assert sum(StockLevel.objects.filter(run_id=run).values_list("units", flat=True)) == 0
        compensations = summary["inventory"]["inventory"]["compensations"]
        assert compensations == placed - UNITS, (summary["messages"], summary["requests"])
        assert published.filter(detail__event="OrderCancelled").count() == compensations
        emails = OutboxEmail.objects.filter(run_id=run)
        assert emails.filter(subject__endswith="is confirmed").count() == placed
        assert emails.filter(subject__endswith="was cancelled").count() == compensations
        assert summary["outbox"]["sent"] == placed + compensations

        # One compensated order, traced across services: placed, out of stock, cancelled, mailed.
        order = next(
            e.corr for e in AuditEvent.objects.filter(run_id=run, kind="published", detail__event="OutOfStock")
        )
        events = [s.get("event") for s in audit.trace(run, order)["steps"] if s["kind"] == "published"]
        assert events == ["OrderPlaced", "OutOfStock", "OrderCancelled"]
        handled_by = {s["node"] for s in audit.trace(run, order)["steps"] if s["kind"] == "handled"}
        assert {"payments", "inventory", "notifications", "analytics", "orders"} <= handled_by
    finally:
        records_delete(run_id=run)
        AuditEvent.objects.filter(run_id=run).delete()
