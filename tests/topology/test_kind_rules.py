"""How a saga, a CDC relay and an external API may be wired (apps/topology/kind_rules.py)."""

from typing import Any

from apps.topology.validation import validate_document
from tests.factories import edge, node


def document(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> dict[str, Any]:
    return {"format": "architecture-playground/topology", "version": 1, "name": "Rules", "nodes": nodes, "edges": edges}


def errors(doc: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p.path, p.message) for p in validate_document(doc).errors]


def saga_document(**props: Any) -> dict[str, Any]:
    return document(
        [node("users", "client"), node("saga", "saga", **props), node("pay", "service"), node("stock", "service")],
        [edge("e1", "users", "saga"), edge("e2", "saga", "pay"), edge("e3", "saga", "stock")],
    )


def test_a_saga_with_its_steps_in_order_is_valid() -> None:
    doc = saga_document(steps=["stock", "pay"], operations=["ReserveStock", "ChargePayment"])
    assert validate_document(doc).problems == []
    assert validate_document(saga_document()).problems == []  # empty: the edges' order


def test_every_step_must_be_a_call_edge_target() -> None:
    assert errors(saga_document(steps=["pay", "shipping"])) == [
        ("$.nodes[1].props.steps[1]", "step 'shipping' is not the target of a call edge from this saga")
    ]


def test_a_target_left_out_of_the_steps_is_a_warning() -> None:
    result = validate_document(saga_document(steps=["pay"]))
    assert result.errors == []
    assert [p.message for p in result.warnings] == ["'stock' is called by no step (it is not in steps)"]


def test_at_most_one_operation_per_step() -> None:
    assert errors(saga_document(operations=["A", "B", "C"])) == [
        ("$.nodes[1].props.operations", "has 3 operations for 2 steps: at most one per step")
    ]


def test_a_saga_does_not_publish_and_needs_a_step() -> None:
    doc = saga_document()
    doc["nodes"].append(node("bus", "event_bus"))
    doc["edges"].append(edge("e4", "saga", "bus"))
    assert ("$.edges[3]", "a saga calls its steps; it cannot publish to the event bus 'bus'") in errors(doc)
    lonely = document([node("users", "client"), node("saga", "saga")], [edge("e1", "users", "saga")])
    assert [message for _, message in errors(lonely)] == ["a saga needs at least one outgoing edge to a target"]


def test_a_cdc_relay_reads_databases_and_publishes_only() -> None:
    doc = document(
        [node("relay", "cdc"), node("db", "database"), node("bus", "event_bus"), node("svc", "service")],
        [edge("e1", "relay", "db"), edge("e2", "relay", "bus"), edge("e3", "bus", "svc")],
    )
    assert errors(doc) == []
    doc["edges"].append(edge("e4", "relay", "svc"))
    assert errors(doc) == [
        ("$.edges[3].to", "a CDC relay reads databases and publishes to queues or buses, not to a service")
    ]


def test_an_external_api_sends_nowhere_and_takes_outage_faults() -> None:
    doc = document(
        [node("svc", "service"), node("api", "external_api"), node("relay", "cdc"), node("db", "database")],
        [edge("e1", "svc", "api"), edge("e2", "api", "svc"), edge("e3", "relay", "db")],
    )
    doc["faults"] = [
        {"at_s": 1, "action": "kill_instance", "target": "api"},
        {"at_s": 1, "action": "set_error_rate", "target": "api", "error_rate": 0.5},
        {"at_s": 1, "action": "add_latency", "target": "api", "latency_ms": 100},
        {"at_s": 1, "action": "kill_instance", "target": "relay"},
        {"at_s": 1, "action": "add_latency", "target": "relay", "latency_ms": 100},
    ]
    found = errors(doc)
    assert ("$.edges[1].from", "a external api cannot send anywhere") in found
    fault_errors = [(path, message) for path, message in found if path.startswith("$.faults")]
    assert fault_errors == [("$.faults[4].target", fault_errors[0][1])]
    assert "not to a cdc" in fault_errors[0][1]
