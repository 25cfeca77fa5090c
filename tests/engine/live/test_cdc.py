"""A CDC relay on real workers: every committed write reaches the bus, even from a service
that never publishes, and a relay outage delays the events without losing one.

Orders writes each order to its database and publishes nothing. The relay tails the
database's change log every `poll_ms` and publishes one event per committed write to a bus
that Shipping consumes.
"""

from typing import Any

import pytest

from apps.engine.simulation import prepare, simulate
from apps.runtime.fleet import Fleet
from apps.topology.validation import validate_document
from tests.engine.live.conftest import assert_conserved

DURATION_S = 6.0
POLL_MS = 100.0
RATE = 20.0


def design(
    *, relay: dict[str, Any] | None = None, orders_ms: float = 10, duration: float = DURATION_S
) -> dict[str, Any]:
    return {
        "format": "architecture-playground/topology",
        "version": 1,
        "name": "Outbox relay",
        "nodes": [
            {"id": "users", "kind": "client", "props": {"rate": RATE, "commands": ["PlaceOrder"]}},
            {
                "id": "orders",
                "kind": "service",
                "props": {"concurrency": 32, "latency": {"distribution": "fixed", "mean_ms": orders_ms}},
            },
            {"id": "orders-db", "kind": "database", "props": {"replicas": 0}},
            {"id": "relay", "kind": "cdc", "props": {"poll_ms": POLL_MS, **(relay or {})}},
            {"id": "bus", "kind": "event_bus", "props": {"topics": ["PlaceOrderChanged", "OrderRecorded"]}},
            {"id": "shipping", "kind": "service", "props": {"concurrency": 16, "latency": {"mean_ms": 5}}},
        ],
        "edges": [
            {"id": "users-orders", "from": "users", "to": "orders"},
            {"id": "orders-write", "from": "orders", "to": "orders-db"},
            {"id": "relay-db", "from": "relay", "to": "orders-db"},
            {"id": "relay-bus", "from": "relay", "to": "bus"},
            {"id": "bus-shipping", "from": "bus", "to": "shipping"},
        ],
        "run": {"duration_s": duration, "seed": 5, "speed": "max"},
    }


def run(document: dict[str, Any], faults: list[str] | None = None) -> dict[str, Any]:
    return simulate(prepare(document, settings=[], faults=faults or []), drain_timeout_s=60)


def writes(summary: dict[str, Any]) -> int:
    return int(summary["nodes"]["orders-db"]["database"]["writes"])


@pytest.fixture(scope="module")
def steady_run(fleet: Fleet) -> dict[str, Any]:
    return run(design())


@pytest.fixture(scope="module")
def outage_run(fleet: Fleet) -> dict[str, Any]:
    return run(design(), ["kill_instance relay at=2 for=2"])


def test_every_committed_write_is_published_once(steady_run: dict[str, Any]) -> None:
    assert_conserved(steady_run)
    cdc = steady_run["nodes"]["relay"]["cdc"]
    assert writes(steady_run) == steady_run["requests"]["completed"] > RATE * DURATION_S * 0.7
    assert cdc["published"] == writes(steady_run)
    assert cdc["unpublished"] == 0 and cdc["positions"] == {"orders-db": writes(steady_run)}
    assert steady_run["messages"]["published"] == writes(steady_run)  # Orders itself publishes nothing
    assert steady_run["messages"]["delivered"] == writes(steady_run)
    assert steady_run["nodes"]["shipping"]["processed"] == writes(steady_run)


def test_the_relay_lag_is_about_a_poll_interval(steady_run: dict[str, Any]) -> None:
    lag = steady_run["nodes"]["relay"]["cdc"]["lag_ms"]
    # A change waits for the next poll: uniform over the interval, mean about half of it.
    assert POLL_MS * 0.3 <= lag["mean"] <= POLL_MS * 0.7, lag
    assert lag["max"] <= POLL_MS + 5
    assert steady_run["nodes"]["relay"]["latency_ms"]["p95"] == lag["p95"]  # the canvas shows it


def test_a_relay_outage_delays_the_changes_and_loses_none(outage_run: dict[str, Any]) -> None:
    assert_conserved(outage_run)
    cdc = outage_run["nodes"]["relay"]["cdc"]
    assert cdc["published"] == writes(outage_run) == outage_run["messages"]["delivered"]
    [outage] = cdc["outages"]
    assert outage["down_at_s"] == pytest.approx(2.0, abs=0.01)
    assert outage["up_at_s"] == pytest.approx(4.0, abs=0.01)
    # Two seconds of writes waited in the log, and were published at once after the restore.
    assert RATE * 2 * 0.6 <= outage["backlog_at_restore"] <= RATE * 2 * 1.5, outage
    assert cdc["max_backlog"] >= outage["backlog_at_restore"]
    assert outage["catch_up_s"] is not None and outage["catch_up_s"] <= POLL_MS / 1000.0
    assert cdc["lag_ms"]["max"] >= 1900  # the oldest waited the whole outage


def test_a_backlog_bigger_than_a_batch_takes_several_polls(fleet: Fleet) -> None:
    summary = run(design(relay={"batch": 5}), ["kill_instance relay at=2 for=2"])
    assert_conserved(summary)
    cdc = summary["nodes"]["relay"]["cdc"]
    [outage] = cdc["outages"]
    # About 40 waiting, 5 a poll: several polls (and more writes keep coming meanwhile).
    assert outage["catch_up_s"] >= (outage["backlog_at_restore"] / 5 - 1) * POLL_MS / 1000.0
    assert cdc["published"] == writes(summary)


def test_the_event_name_and_writes_committed_after_traffic_ends(fleet: Fleet) -> None:
    # Orders takes 400 ms, so the last writes commit after the traffic has ended and the relay
    # has gone to sleep: the change log wakes it, and they are published too.
    summary = run(design(relay={"event": "OrderRecorded"}, orders_ms=400, duration=3))
    assert_conserved(summary)
    cdc = summary["nodes"]["relay"]["cdc"]
    assert cdc["published"] == writes(summary) == summary["messages"]["delivered"] > 0
    assert summary["nodes"]["bus"]["processed"] == writes(summary)


def test_a_relay_must_read_a_database_and_publish() -> None:
    document = design()
    document["edges"] = [e for e in document["edges"] if e["id"] != "relay-bus"]
    document["nodes"][3]["props"]["event"] = "not a name"
    messages = [p.message for p in validate_document(document).errors]
    assert "a CDC relay needs an edge to a queue or event bus to publish to" in messages
    assert any("'not a name' is not an event name" in m for m in messages)
    document["edges"] = [e for e in document["edges"] if e["id"] != "relay-db"]
    messages = [p.message for p in validate_document(document).errors]
    assert "a CDC relay needs an edge to the database whose change log it reads" in messages
