"""The semantic rules: each error names the JSON path and the reason."""

import json
from typing import Any

import pytest

from apps.topology.validation import parse_and_validate, validate_document
from tests.factories import edge, node, small_document


def problems(doc: Any) -> list[tuple[str, str]]:
    return [(p.path, p.message) for p in validate_document(doc).errors]


def only_error(doc: Any) -> tuple[str, str]:
    found = problems(doc)
    assert len(found) == 1, found
    return found[0]


def test_small_document_is_valid() -> None:
    result = validate_document(small_document())
    assert result.ok and result.problems == []


def test_not_an_object() -> None:
    assert problems([1, 2]) == [("$", "must be a JSON object (a topology document)")]


def test_wrong_format_and_version() -> None:
    doc = small_document()
    doc["format"] = "something-else"
    doc["version"] = 2
    found = dict(problems(doc))
    assert "must be 'architecture-playground/topology'" in found["$.format"]
    assert found["$.version"].startswith("must be 1")


def test_missing_required_field_names_it() -> None:
    doc = small_document()
    del doc["nodes"][1]["kind"]
    path, message = only_error(doc)
    assert path == "$.nodes[1].kind"
    assert "required" in message


def test_property_out_of_range() -> None:
    doc = small_document()
    doc["nodes"][2]["props"]["replicas"] = 50
    assert only_error(doc) == ("$.nodes[2].props.replicas", "must be at most 20 (got 50)")


def test_unknown_property_is_named() -> None:
    doc = small_document()
    doc["nodes"][2]["props"]["replicaz"] = 2
    assert only_error(doc) == ("$.nodes[2].props", "unknown property: 'replicaz'")


def test_label_limit() -> None:
    doc = small_document()
    doc["nodes"][0]["label"] = "x" * 81
    assert only_error(doc) == ("$.nodes[0].label", "must be at most 80 characters (got 81)")


def test_node_and_edge_limits() -> None:
    doc = small_document()
    doc["nodes"] = [node(f"n{i}", "zone") for i in range(501)]
    doc["edges"] = []
    assert only_error(doc) == ("$.nodes", "must have at most 500 items (got 501)")
    doc = small_document()
    doc["edges"] = [edge(f"e{i}", "users", "lb") for i in range(2001)]
    assert ("$.edges", "must have at most 2000 items (got 2001)") in problems(doc)


def test_document_size_limit() -> None:
    doc = small_document()
    doc["description"] = "x" * 20_000
    doc["nodes"].extend(node(f"z{i}", "zone") | {"label": "y" * 80} for i in range(490))
    raw = json.dumps(doc) + " " * 1_000_000
    result = parse_and_validate(raw)
    assert result.errors[0].path == "$" and "limit is 1,000,000" in result.errors[0].message


def test_duplicate_ids() -> None:
    doc = small_document()
    doc["nodes"][3]["id"] = "web1"
    found = problems(doc)
    assert ("$.nodes[3].id", "duplicate id 'web1' (also at $.nodes[2].id)") in found


def test_edge_and_node_ids_share_one_namespace() -> None:
    doc = small_document()
    doc["edges"][0]["id"] = "lb"
    assert ("$.edges[0].id", "duplicate id 'lb' (also at $.nodes[1].id)") in problems(doc)


def test_dangling_edge() -> None:
    doc = small_document()
    doc["edges"].append(edge("e9", "lb", "ghost"))
    assert only_error(doc) == ("$.edges[3].to", "no node has id 'ghost'")


@pytest.mark.parametrize(
    ("source", "target", "path", "message"),
    [
        ("web1", "users", "$.edges[3].to", "nothing can send into a client"),
        ("db", "web1", "$.edges[3].from", "a database cannot send anywhere"),
        ("web1", "zone-a", "$.edges[3].to", "nothing can send into a zone"),
    ],
)
def test_edges_that_make_no_sense(source: str, target: str, path: str, message: str) -> None:
    doc = small_document()
    doc["nodes"] += [node("db", "database"), node("zone-a", "zone")]
    doc["edges"].append(edge("e9", source, target))
    assert (path, message) in problems(doc)


def test_self_loop() -> None:
    doc = small_document()
    doc["edges"].append(edge("e9", "web1", "web1"))
    assert only_error(doc) == ("$.edges[3]", "an edge cannot connect a node to itself")


def test_duplicate_edge() -> None:
    doc = small_document()
    doc["edges"].append(edge("e9", "lb", "web1"))
    assert only_error(doc) == ("$.edges[3]", "duplicate of edge at $.edges[1]")


def test_load_balancer_without_targets() -> None:
    doc = small_document()
    doc["edges"] = [doc["edges"][0]]
    assert only_error(doc) == ("$.nodes[1]", "a load balancer needs at least one outgoing edge to a target")


def test_cycle_of_synchronous_calls() -> None:
    doc = small_document()
    doc["edges"].append(edge("e9", "web1", "lb"))
    path, message = only_error(doc)
    assert path == "$.edges[3]"
    assert message == "synchronous calls form a cycle: lb → web1 → lb"


def test_a_loop_through_a_queue_is_not_a_synchronous_cycle() -> None:
    doc = small_document()
    doc["nodes"].append(node("jobs", "queue"))
    doc["edges"] += [edge("e8", "web1", "jobs"), edge("e9", "jobs", "web2")]
    assert validate_document(doc).ok


def test_zone_reference_must_be_a_zone() -> None:
    doc = small_document()
    doc["nodes"][2]["props"]["zone"] = "lb"
    assert only_error(doc) == ("$.nodes[2].props.zone", "'lb' is not the id of a zone node")
    doc["nodes"].append(node("lb-zone", "zone"))
    doc["nodes"][2]["props"]["zone"] = "lb-zone"
    assert validate_document(doc).ok


def test_autoscaling_bounds() -> None:
    doc = small_document()
    doc["nodes"][2]["props"]["autoscaling"] = {"enabled": True, "min": 5, "max": 2}
    assert only_error(doc) == ("$.nodes[2].props.autoscaling.min", "min replicas (5) is above max (2)")


def weighted_pair(**props: Any) -> dict[str, Any]:
    """The small document with a weighted balancer and web1 at 2 replicas plus `props`."""
    doc = small_document()
    doc["nodes"][1]["props"]["strategy"] = "weighted"
    doc["nodes"][2]["props"].update(replicas=2, **props)
    return doc


def test_instance_weights_are_positive_numbers_up_to_100_named_at_their_path() -> None:
    assert validate_document(weighted_pair(instance_weights=[5, 1])).problems == []
    assert validate_document(weighted_pair(instance_weights=[0.5])).problems == []
    assert only_error(weighted_pair(instance_weights=[5, 0])) == (
        "$.nodes[2].props.instance_weights[1]",
        "must be above 0 (got 0)",
    )
    assert only_error(weighted_pair(instance_weights=[101])) == (
        "$.nodes[2].props.instance_weights[0]",
        "must be at most 100 (got 101)",
    )
    assert only_error(weighted_pair(instance_weights=[1, "2"])) == (
        "$.nodes[2].props.instance_weights[1]",
        "must be of type number (got str)",
    )
    assert only_error(weighted_pair(instance_weights=5)) == (
        "$.nodes[2].props.instance_weights",
        "must be of type array (got int)",
    )


def test_instance_weights_at_most_one_per_replica() -> None:
    result = validate_document(weighted_pair(instance_weights=[5, 1, 1]))
    assert [(p.path, p.message, p.target) for p in result.errors] == [
        ("$.nodes[2].props.instance_weights", "has 3 weights for 2 replicas: at most one per replica", "web1")
    ]


def test_instance_weights_without_a_weighted_balancer_are_a_warning() -> None:
    doc = weighted_pair(instance_weights=[5, 1])
    doc["nodes"][1]["props"]["strategy"] = "round_robin"
    result = validate_document(doc)
    assert result.ok
    assert [(w.path, w.message) for w in result.warnings] == [
        (
            "$.nodes[2].props.instance_weights",
            "instance weights act only behind a load balancer with the weighted strategy",
        )
    ]


def test_pattern_steps_range() -> None:
    doc = small_document()
    doc["nodes"][0]["props"].update(pattern="steps", pattern_steps=1)
    assert only_error(doc) == ("$.nodes[0].props.pattern_steps", "must be at least 2 (got 1)")
    doc["nodes"][0]["props"].update(pattern="diurnal", pattern_steps=20)
    assert validate_document(doc).problems == []


def test_queries_need_names() -> None:
    doc = small_document()
    doc["nodes"][0]["props"]["query_ratio"] = 0.5
    assert only_error(doc) == ("$.nodes[0].props.queries", "query share is above 0 but no query names are given")


def test_fault_target_must_fit_the_action() -> None:
    doc = small_document()
    doc["faults"] = [
        {"at_s": 5, "action": "kill_zone", "target": "web1"},
        {"at_s": 5, "action": "cut_edge", "target": "web1"},
        {"at_s": 5, "action": "kill_instance", "target": "nobody"},
        {"at_s": 5, "action": "add_latency", "target": "web1"},
    ]
    found = problems(doc)
    assert ("$.faults[0].target", "zone outage applies to zone, not to a service") in found
    assert ("$.faults[1].target", "cut edge needs an edge id; 'web1' is not one") in found
    assert ("$.faults[2].target", "no node has id 'nobody'") in found
    assert ("$.faults[3]", "add latency needs 'latency_ms'") in found


def test_warnings_do_not_block() -> None:
    doc = small_document()
    doc["nodes"].append(node("bus", "event_bus"))
    doc["nodes"][2]["props"]["publishes"] = ["OrderPlaced"]
    doc["edges"].append(edge("e9", "web1", "bus"))
    result = validate_document(doc)
    assert result.ok
    assert [(w.path, w.target) for w in result.warnings] == [("$.nodes[4]", "bus")]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{", "not valid JSON"),
        (b'{"a": NaN}', "NaN is not valid JSON"),
        (b'{"a": Infinity}', "Infinity is not valid JSON"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'"just a string"', "must be a JSON object"),
    ],
)
def test_unreadable_documents(raw: bytes, message: str) -> None:
    result = parse_and_validate(raw)
    assert result.errors[0].path == "$"
    assert message in result.errors[0].message


def test_problems_carry_the_canvas_target() -> None:
    doc = small_document()
    doc["nodes"][2]["props"]["replicas"] = 0
    [problem] = validate_document(doc).errors
    assert problem.target == "web1"
