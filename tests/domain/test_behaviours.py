"""Domain behaviours against the real database: rules, idempotency and races."""

import threading
from typing import Any

import pytest
from django.db import connection

from apps.domain import projections
from apps.domain.behaviours import perform
from apps.domain.models import Booking, OutboxEmail, StockLevel
from apps.domain.selectors import cqrs_rows, write_model
from apps.domain.services import records_delete
from apps.domain.work import Work


def work(behaviour: str, name: str, corr: str, *, opkind: str = "command", run: str = "run1", **extra: Any) -> Work:
    values: dict[str, Any] = {
        "run": run, "node": behaviour, "behaviour": behaviour, "props": {"domain": extra.pop("domain", {})},
        "name": name, "opkind": opkind, "corr": corr, "client": "c7", "data": extra.pop("data", {}), "now_ms": 100.0,
        "publishes": tuple(extra.pop("publishes", ())),
    }  # fmt: skip
    return Work(**values)


@pytest.mark.django_db
def test_a_slot_is_booked_once_and_a_retry_of_the_winner_is_still_the_winner() -> None:
    first = perform(work("reservations", "ReserveSlot", "r1", domain={"slots": 1}, publishes=["SlotReserved"]))
    again = perform(work("reservations", "ReserveSlot", "r1", domain={"slots": 1}, publishes=["SlotReserved"]))
    other = perform(work("reservations", "ReserveSlot", "r2", domain={"slots": 1}, publishes=["SlotReserved"]))
    assert first.declined == "" and first.events == [("SlotReserved", {"slot": 0, "booked_by": "r1", "at_ms": 100.0})]
    assert again.declined == ""  # the same command redelivered: it owns the slot
    assert other.declined == "slot taken" and other.events is None
    assert Booking.objects.filter(run_id="run1").count() == 1


@pytest.mark.django_db(transaction=True)
def test_200_concurrent_commands_for_20_slots_book_exactly_20() -> None:
    """Real threads, each with its own database connection, race for the same slots (at most
    40 connections at a time: PostgreSQL's default allows 100 in all, the engine's included)."""
    results: list[str] = []
    lock = threading.Lock()
    gate = threading.BoundedSemaphore(40)

    def command(index: int) -> None:
        with gate:
            try:
                effect = perform(work("reservations", "ReserveSlot", f"r{index}", run="race", domain={"slots": 20}))
                with lock:
                    results.append(effect.declined or "booked")
            finally:
                connection.close()

    threads = [threading.Thread(target=command, args=(i,)) for i in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 200
    assert results.count("booked") == 20
    assert write_model("race", "reservations") == {"node": "reservations", "bookings": 20, "double_bookings": 0}


@pytest.mark.django_db
def test_projection_is_idempotent_keeps_the_newest_event_and_rebuilds_by_replay() -> None:
    events = [
        {"event": "OrderPlaced", "corr": "o1", "data": {"order": "o1"}, "t": 10.0},
        {"event": "OrderCancelled", "corr": "o1", "data": {"order": "o1"}, "t": 20.0},
        {"event": "OrderPlaced", "corr": "o2", "data": {"order": "o2"}, "t": 15.0},
    ]
    # Applied out of order and one twice: the newest event per order wins.
    for event in (events[1], events[0], events[2], events[2]):
        projections.apply(
            "run1", "status", "orders", name=event["event"], corr=event["corr"], data=event["data"],
            at_ms=event["t"], now_ms=event["t"] + 200,
        )  # fmt: skip
    live = projections.rows("run1", "status")
    assert live["o1"]["event"] == "OrderCancelled" and live["o2"]["event"] == "OrderPlaced"
    assert projections.replay("orders", events) == live
    assert projections.rebuild("run1", "status", "orders", events) == {"rows_before": 2, "rows_after": 2, "equal": True}


@pytest.mark.django_db
def test_availability_read_model_against_the_write_model() -> None:
    perform(work("reservations", "ReserveSlot", "r1", domain={"slots": 5}, publishes=["SlotReserved"]))
    rows = cqrs_rows("run1", "availability")["rows"]
    assert [row["stale"] for row in rows] == [True]  # written, not yet projected
    slot = Booking.objects.get(run_id="run1").slot
    projections.apply(
        "run1", "availability", "availability", name="SlotReserved", corr="r1",
        data={"slot": slot, "booked_by": "r1"}, at_ms=100.0, now_ms=300.0,
    )  # fmt: skip
    row = cqrs_rows("run1", "availability")["rows"][0]
    assert row["stale"] is False and row["lag_ms"] == 200.0
    assert projections.staleness("run1", "availability", "availability")["stale"] is False


@pytest.mark.django_db
def test_inventory_runs_out_and_publishes_the_compensating_event_once_per_order() -> None:
    def order(corr: str) -> Any:
        return perform(
            work("inventory", "OrderPlaced", corr, opkind="event", data={"order": corr, "product": 3},
                 domain={"stock": 2}, publishes=["OutOfStock"])
        )  # fmt: skip

    assert [order(c).events for c in ("o1", "o2", "o1")] == [[], [], []]  # o1 twice: one unit
    out = order("o3")
    assert out.events == [("OutOfStock", {"order": "o3", "product": 3})]
    assert out.notes[0]["compensation"] is True
    assert StockLevel.objects.get(run_id="run1", product=3).units == 0
    perform(work("inventory", "OrderCancelled", "o1", opkind="event", data={"order": "o1"}))
    assert StockLevel.objects.get(run_id="run1", product=3).units == 1


@pytest.mark.django_db
def test_orders_cancel_an_order_when_stock_ran_out() -> None:
    placed = perform(work("orders", "PlaceOrder", "o9", publishes=["OrderPlaced", "OrderCancelled"]))
    assert placed.events is not None and placed.events[0][0] == "OrderPlaced"
    assert set(placed.events[0][1]) == {"order", "product", "quantity", "client"}
    compensated = perform(
        work("orders", "OutOfStock", "o9", opkind="event", data={"order": "o9"},
             publishes=["OrderPlaced", "OrderCancelled"])
    )  # fmt: skip
    assert compensated.events == [("OrderCancelled", {"order": "o9", "reason": "out of stock"})]


@pytest.mark.django_db
def test_notifications_write_one_email_per_order_and_event() -> None:
    for _ in range(2):
        perform(work("notifications", "OrderPlaced", "o1", opkind="event", data={"order": "o1", "client": "c42"}))
    email = OutboxEmail.objects.get(run_id="run1")
    assert email.to == "c42@example.com" and email.subject == "Your order o1 is confirmed"
    records_delete(run_id="run1")
    assert not OutboxEmail.objects.exists()
