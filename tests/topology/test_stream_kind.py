"""The event log (kind `stream`) in the format: its props' bounds, the rewind fault, and the
edges it takes (publishes in, consumer groups out)."""

from typing import Any

import pytest

from apps.runtime.plan import compile_plan
from apps.topology.validation import validate_document


def document(log_props: dict[str, Any] | None = None, faults: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "format": "architecture-playground/topology",
        "version": 1,
        "name": "log",
        "nodes": [
            {"id": "orders", "kind": "service", "props": {"publishes": ["OrderPlaced"]}},
            {"id": "log", "kind": "stream", "props": log_props or {}},
            {"id": "billing", "kind": "service"},
            {"id": "view", "kind": "read_model"},
        ],
        "edges": [
            {"id": "orders-log", "from": "orders", "to": "log"},
            {"id": "log-billing", "from": "log", "to": "billing"},
            {"id": "log-view", "from": "log", "to": "view"},
        ],
        "faults": faults or [],
        "run": {"duration_s": 30},
    }


def errors(doc: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p.path, p.message) for p in validate_document(doc).errors]


def test_a_log_with_its_groups_is_valid_and_feeds_a_read_model() -> None:
    props = {"partitions": 8, "retention_s": 60, "key": "event", "max_in_flight": 2, "assignment": "round_robin"}
    faults = [{"at_s": 5, "action": "rewind", "target": "log", "seconds": 30}]
    problems = validate_document(document(props, faults)).problems
    assert problems == [], [f"{p.severity} {p.path}: {p.message}" for p in problems]


@pytest.mark.parametrize(
    ("prop", "value"),
    [
        ("partitions", 0),
        ("partitions", 65),
        ("retention_s", 0),
        ("retention_s", 86_401),
        ("max_in_flight", 0),
        ("key", "customer"),
        ("assignment", "sticky"),
    ],
)
def test_out_of_range_props_are_named(prop: str, value: Any) -> None:
    found = errors(document({prop: value}))
    assert found and all(path == f"$.nodes[1].props.{prop}" for path, _ in found), found


def test_rewind_is_bounded_and_only_for_a_log() -> None:
    too_far = [{"at_s": 5, "action": "rewind", "target": "log", "seconds": 3601}]
    assert [path for path, _ in errors(document(faults=too_far))] == ["$.faults[0].seconds"]
    on_a_service = [{"at_s": 5, "action": "rewind", "target": "billing", "seconds": 10}]
    [(path, message)] = errors(document(faults=on_a_service))
    assert path.startswith("$.faults[0]") and "stream" in message


def test_edges_in_publish_and_edges_out_are_consumer_groups() -> None:
    plan = compile_plan(document())
    assert plan.edges["orders-log"].role == "publish"
    assert plan.edges["log-billing"].role == "deliver"
    assert plan.mailboxes() == {"log>billing": ("log", ["billing"]), "log>view": ("log", ["view"])}
    assert plan.nodes["log"].props["partitions"] == 4  # the defaults: 4 partitions, one in flight each
    assert plan.nodes["log"].props["max_in_flight"] == 1
