"""The rules of the rate limiter, search index and scheduler beyond the schema (flow_rules.py),
and the schema's bounds on their props."""

from typing import Any

from apps.topology.blank import blank_document
from apps.topology.validation import validate_document
from tests.factories import edge, node


def found(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(p.severity, p.path, p.message) for p in validate_document(doc).problems]


def limited(**limiter: Any) -> dict[str, Any]:
    doc = blank_document(name="Limits")
    doc["nodes"] = [
        node("users", "client", 0, 0),
        node("limiter", "rate_limiter", 200, 0, **limiter),
        node("api", "service", 400, 0),
    ]
    doc["edges"] = [edge("e1", "users", "limiter"), edge("e2", "limiter", "api")]
    return doc


def test_a_rate_limiter_in_a_call_path_is_valid() -> None:
    assert found(limited(algorithm="sliding_window", rate_per_s=5, window_s=0.2)) == []
    assert found(limited(algorithm="token_bucket", rate_per_s=0.5, burst=1, scope="per_client")) == []


def test_a_sliding_window_must_admit_at_least_one_call() -> None:
    [(severity, path, message)] = found(limited(algorithm="sliding_window", rate_per_s=2, window_s=0.1))
    assert (severity, path) == ("error", "$.nodes[1].props.window_s")
    assert "admits 0.2 calls per window" in message
    assert found(limited(algorithm="token_bucket", rate_per_s=2, window_s=0.1)) == []  # the window is not used


def test_rate_limiter_props_have_bounds() -> None:
    problems = found(limited(rate_per_s=0, burst=0, algorithm="leaky"))
    paths = {path for _, path, _ in problems}
    assert {"$.nodes[1].props.rate_per_s", "$.nodes[1].props.burst", "$.nodes[1].props.algorithm"} <= paths


def searchable(fed: bool) -> dict[str, Any]:
    doc = blank_document(name="Search")
    doc["nodes"] = [
        node("users", "client", 0, 0, commands=[], queries=["Search"], query_ratio=1),
        node("search", "search_index", 400, 0),
        node("writer", "service", 0, 200, publishes=["ItemChanged"]),
        node("bus", "event_bus", 200, 200, topics=["ItemChanged"]),
    ]
    doc["edges"] = [edge("e1", "users", "search"), edge("e2", "writer", "bus")]
    if fed:
        doc["edges"].append(edge("e3", "bus", "search", filter=["ItemChanged"]))
    return doc


def test_a_search_index_nothing_feeds_is_warned_about() -> None:
    problems = found(searchable(fed=False))
    assert (
        "warning",
        "$.nodes[1]",
        "no queue or event bus delivers to this search index: nothing is ever indexed",
    ) in problems
    assert not [p for p in found(searchable(fed=True)) if p[1] == "$.nodes[1]"]


def test_a_search_index_fault_names_one_of_its_instances() -> None:
    doc = searchable(fed=True)
    doc["nodes"][1]["props"]["instances"] = 3
    doc["faults"] = [{"at_s": 1, "action": "kill_instance", "target": "search", "instance": 2}]
    assert not [p for p in found(doc) if p[0] == "error"]
    doc["faults"][0]["instance"] = 3
    assert ("error", "$.faults[0].instance", "'search' has instances 0 to 2") in found(doc)


def scheduled(**scheduler: Any) -> dict[str, Any]:
    doc = blank_document(name="Cron")
    doc["nodes"] = [node("cron", "scheduler", 0, 0, **scheduler), node("reports", "service", 200, 0)]
    doc["edges"] = [edge("e1", "cron", "reports")]
    doc["run"] = {"duration_s": 30}
    return doc


def test_a_scheduler_needs_a_job_and_a_start_within_the_run() -> None:
    assert found(scheduled(jobs=["NightlyReport"], start_s=5)) == []
    assert ("error", "$.nodes[0].props.jobs", "a scheduler needs at least one job to fire") in found(scheduled(jobs=[]))
    [(severity, path, message)] = found(scheduled(start_s=30))
    assert (severity, path) == ("warning", "$.nodes[0].props.start_s")
    assert "it never fires" in message


def test_nothing_calls_a_scheduler() -> None:
    doc = scheduled()
    doc["nodes"].append(node("users", "client", 0, 200))
    doc["edges"].append(edge("e2", "users", "cron"))
    assert ("error", "$.edges[1].to", "nothing can send into a scheduler") in found(doc)
