"""A saga orchestrator on real workers: steps in order, compensation in reverse.

An order saga calls Payments (ChargePayment), Stock (ReserveStock) and Shipping
(ScheduleShipping) in that order. While Shipping fails, every saga that reaches it undoes the
two steps it completed, newest first: UndoReserveStock at Stock, then UndoChargePayment at
Payments, and the caller gets an error. If a compensation itself keeps failing (Stock is down
when the saga needs to undo a reservation there), the saga is stuck.
"""

from typing import Any

import pytest

from apps.engine import audit
from apps.engine.models import AuditEvent
from apps.engine.simulation import prepare, simulate
from apps.runtime.fleet import Fleet
from tests.engine.live.conftest import assert_conserved

DURATION_S = 6.0
STEPS = ["payments", "stock", "shipping"]
OPERATIONS = ["ChargePayment", "ReserveStock", "ScheduleShipping"]


def service(node_id: str, mean_ms: float) -> dict[str, Any]:
    return {"id": node_id, "kind": "service", "props": {"concurrency": 32, "latency": {"mean_ms": mean_ms}}}


def design(**saga_props: Any) -> dict[str, Any]:
    props = {"steps": STEPS, "operations": OPERATIONS, "step_timeout_ms": 300, **saga_props}
    return {
        "format": "architecture-playground/topology",
        "version": 1,
        "name": "Order saga",
        "nodes": [
            {"id": "users", "kind": "client", "props": {"rate": 20, "commands": ["PlaceOrder"], "timeout_ms": 5000}},
            {"id": "saga", "kind": "saga", "props": props},
            # Drawn in another order than the steps: the saga follows `steps`.
            service("shipping", 10),
            service("stock", 10),
            service("payments", 10),
        ],
        "edges": [
            {"id": "users-saga", "from": "users", "to": "saga"},
            {"id": "saga-shipping", "from": "saga", "to": "shipping"},
            {"id": "saga-stock", "from": "saga", "to": "stock"},
            {"id": "saga-payments", "from": "saga", "to": "payments"},
        ],
        "run": {"duration_s": DURATION_S, "seed": 11, "speed": "max"},
    }


def run(document: dict[str, Any], faults: list[str], *, keep_records: bool = False) -> dict[str, Any]:
    return simulate(prepare(document, settings=[], faults=faults), drain_timeout_s=60, keep_records=keep_records)


SHIPPING_FAILS = ["set_error_rate shipping at=2 for=2 error_rate=1"]


@pytest.fixture(scope="module")
def compensating_run(fleet: Fleet) -> dict[str, Any]:
    return run(design(), SHIPPING_FAILS)


def served(run_id: str, corr: str) -> list[tuple[str, str, bool]]:
    """(node, operation, ok) of every call the services finished for one order, in run-time order."""
    rows = sorted(audit.entries(run_id, corr=corr, kind="served"), key=lambda row: float(row["t"]))
    return [(row["node"], row["op"], bool(row["ok"])) for row in rows]


def test_a_failing_step_compensates_the_completed_ones(compensating_run: dict[str, Any]) -> None:
    summary = compensating_run
    assert_conserved(summary)
    saga = summary["nodes"]["saga"]["saga"]
    assert saga["started"] == summary["requests"]["created"]
    assert saga["started"] == saga["completed"] + saga["compensated"] + saga["stuck"]
    assert saga["stuck"] == 0
    # Two seconds of a failing Shipping at 20 sagas a second.
    assert 25 <= saga["compensated"] <= 60, saga
    assert saga["failed_at"] == {"shipping": saga["compensated"]}
    # Each compensated saga undid its two completed steps, once each.
    assert saga["compensation_calls"] == 2 * saga["compensated"]
    assert summary["requests"]["completed"] == saga["completed"]
    assert summary["requests"]["failed"] == saga["compensated"]
    # Payments and Stock served one call per saga that reached them, plus one undo each.
    for step in ("payments", "stock"):
        assert summary["nodes"][step]["processed"] == saga["started"] + saga["compensated"]
    failures = [item["created_s"] for item in summary["unsuccessful"]]
    assert failures and min(failures) >= 1.9 and max(failures) <= 4.1


def test_compensation_runs_in_reverse_order_with_undo_operations(fleet: Fleet) -> None:
    summary = run(design(), SHIPPING_FAILS, keep_records=True)
    assert_conserved(summary)
    run_id = summary["run"]["id"]
    ended = AuditEvent.objects.filter(run_id=run_id, kind="saga_ended", detail__outcome="compensated")
    order = ended.values_list("corr", flat=True).first()
    assert order
    assert served(run_id, order) == [
        ("payments", "ChargePayment", True),
        ("stock", "ReserveStock", True),
        ("shipping", "ScheduleShipping", False),
        ("stock", "UndoReserveStock", True),
        ("payments", "UndoChargePayment", True),
    ]
    completed = AuditEvent.objects.filter(run_id=run_id, kind="saga_ended", detail__outcome="completed")
    done = completed.values_list("corr", flat=True).first()
    assert done and [op for _, op, _ in served(run_id, done)] == OPERATIONS


def test_a_compensation_that_keeps_failing_leaves_the_saga_stuck(fleet: Fleet) -> None:
    # From 2 s Shipping hangs (each saga waits out its 300 ms step timeout there); Stock dies
    # at 3 s. The sagas that passed Stock in its last 300 ms cannot undo their reservation
    # (connection refused, tried again twice): stuck. Sagas that reach the dead Stock fail
    # there and only undo the payment.
    summary = run(
        design(compensation_retries=2),
        ["add_latency shipping at=2 for=3 latency_ms=1000", "kill_instance stock at=3 for=2"],
    )
    assert_conserved(summary)
    saga = summary["nodes"]["saga"]["saga"]
    assert 2 <= saga["stuck"] <= 12, saga  # about 300 ms of sagas at 20 a second
    assert saga["compensation_retries"] >= 2 * saga["stuck"]
    assert saga["failed_at"].get("stock", 0) > 0 and saga["failed_at"].get("shipping", 0) > 0
    assert saga["started"] == saga["completed"] + saga["compensated"] + saga["stuck"]
    assert summary["requests"]["failed"] == saga["compensated"] + saga["stuck"]


def test_a_step_that_times_out_is_compensated(fleet: Fleet) -> None:
    # Shipping answers 1 s late for 1 s: past the saga's 300 ms step timeout.
    summary = run(design(), ["add_latency shipping at=2 for=1 latency_ms=1000"])
    assert_conserved(summary)
    saga = summary["nodes"]["saga"]["saga"]
    assert saga["compensated"] >= 10 and saga["failed_at"] == {"shipping": saga["compensated"]}
    assert summary["nodes"]["saga"]["latency_ms"]["max"] >= 300  # waited for the timeout


def test_a_step_behind_an_open_breaker_fails_at_once_and_is_compensated(fleet: Fleet) -> None:
    document = design()
    shipping = next(edge for edge in document["edges"] if edge["id"] == "saga-shipping")
    shipping["props"] = {"circuit_breaker": {"enabled": True, "failure_threshold": 5, "reset_timeout_s": 10}}
    summary = run(document, SHIPPING_FAILS)
    assert_conserved(summary)
    saga = summary["nodes"]["saga"]["saga"]
    # The breaker opened after 5 failures and stayed open past the fault: the later sagas fail
    # at Shipping without calling it, and are compensated all the same.
    assert summary["nodes"]["saga"]["breakers"]["saga-shipping"][0][1:] == ["closed", "open"]
    assert saga["failed_at"] == {"shipping": saga["compensated"]}
    assert 5 <= summary["nodes"]["shipping"]["errors"] <= 8  # the calls already sent when it opened
    assert saga["compensated"] > 40  # from 2 s to the end of the run
    assert saga["compensation_calls"] == 2 * saga["compensated"]
