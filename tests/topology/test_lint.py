"""Design checks: each rule fires on a small document and not on its fixed version; the
validate API answers them; the built-in templates lint as expected."""

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from apps.topology.lint import RULES, lint_document
from apps.topology.validation import validate_document
from tests.factories import edge, node, small_document
from tests.library.test_templates_valid import SLUGS

SCENARIOS = Path(__file__).resolve().parents[2] / "apps" / "library" / "scenarios"
Doc = dict[str, Any]


def found(doc: Doc, **options: Any) -> list[tuple[str, str]]:
    """(rule, target) of each warning; the document must be valid (the checks assume it)."""
    result = validate_document(doc)
    assert result.ok, result.errors
    return [(w.rule, w.target) for w in lint_document(doc, **options)]


def document(nodes: list[Doc], edges: list[Doc], **extra: Any) -> Doc:
    doc = small_document()
    doc.update(nodes=nodes, edges=edges, **extra)
    return doc


def changed(doc: Doc, change: Callable[[Doc], None]) -> Doc:
    out = copy.deepcopy(doc)
    change(out)
    return out


def set_props(cell_id: str, **values: Any) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        cell = next(c for c in [*doc["nodes"], *doc["edges"]] if c["id"] == cell_id)
        cell["props"].update(values)

    return change


# --- one minimal document per rule, and its fix -------------------------------------------


def lone_service() -> Doc:
    return document(
        [node("users", "client", rate=10), node("web", "service", replicas=1)],
        [edge("e1", "users", "web")],
    )


def consumer_calls_back() -> Doc:
    return document(
        [
            node("users", "client", rate=10, commands=["SignUp"]),
            node("signup", "service", replicas=2),
            node("emails", "queue"),
            node("email", "service", replicas=2),
        ],
        [
            edge("e1", "users", "signup"),
            edge("e2", "signup", "emails"),
            edge("e3", "emails", "email"),
            edge("e4", "email", "signup"),
        ],
    )


def read_heavy() -> Doc:
    return document(
        [
            node("users", "client", rate=10, commands=["Save"], queries=["Show"], query_ratio=0.9),
            node("api", "service", replicas=2),
            node("db", "database", replicas=1),
        ],
        [edge("e1", "users", "api"), edge("e2", "api", "db")],
    )


def queue_dropping() -> Doc:
    return document(
        [
            node("users", "client", rate=10),
            node("orders", "service", replicas=2),
            node("jobs", "queue", dead_letter=False),
            node("worker", "service", replicas=2),
        ],
        [edge("e1", "users", "orders"), edge("e2", "orders", "jobs"), edge("e3", "jobs", "worker")],
    )


def flaky_call() -> Doc:
    return document(
        [
            node("users", "client", rate=10),
            node("checkout", "service", replicas=2),
            node("payments", "service", replicas=2, error_rate=0.1),
        ],
        [edge("e1", "users", "checkout"), edge("e2", "checkout", "payments")],
    )


def with_cache(doc: Doc) -> None:
    doc["nodes"].append(node("cache", "cache"))
    doc["edges"][1] = edge("e2", "api", "cache")
    doc["edges"].append(edge("e3", "cache", "db"))


def publish_instead(doc: Doc) -> None:
    doc["nodes"].append(node("done", "queue"))
    doc["edges"][3] = edge("e4", "email", "done")
    doc["nodes"].append(node("audit", "service", replicas=2))
    doc["edges"].append(edge("e5", "done", "audit"))


# rule id -> (a document it fires on, the target it names, the fix that silences it)
CASES: dict[str, tuple[Callable[[], Doc], str, Callable[[Doc], None]]] = {
    "single-point-of-failure": (lone_service, "web", set_props("web", replicas=2)),
    "sync-call-cycle": (consumer_calls_back, "e4", publish_instead),
    "read-heavy-without-read-model": (read_heavy, "db", with_cache),
    "queue-without-dead-letter": (queue_dropping, "jobs", set_props("jobs", dead_letter=True)),
    "call-without-breaker": (flaky_call, "e2", set_props("e2", circuit_breaker={"enabled": True})),
}


def test_every_registered_rule_has_a_case() -> None:
    assert set(CASES) == set(RULES), "add a (document, target, fix) case for each rule"


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires_and_its_fix_silences_it(rule_id: str) -> None:
    build, target, fix = CASES[rule_id]
    doc = build()
    assert found(doc) == [(rule_id, target)]
    assert found(changed(doc, fix)) == []


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_warning_names_path_node_and_lesson(rule_id: str) -> None:
    build, target, _ = CASES[rule_id]
    doc = build()
    [warning] = lint_document(doc)
    data = warning.as_dict()
    assert set(data) == {"rule", "path", "target", "message", "lesson"}
    cells = doc["nodes"] if data["path"].startswith("$.nodes") else doc["edges"]
    index = int(data["path"].split("[")[1].rstrip("]"))
    assert cells[index]["id"] == target
    assert data["lesson"].startswith("/templates/") and data["lesson"].endswith("/lesson/")


def test_every_lesson_is_a_built_in_template_with_a_lesson() -> None:
    slugs = {rule.lesson for rule in RULES.values()} | {"db-replication", "multi-zone", "event-bus-fanout"}
    for slug in slugs:
        template = json.loads((SCENARIOS / f"{slug}.json").read_text())
        assert template.get("playbooks"), slug


# --- single point of failure --------------------------------------------------------------


def test_redundancy_of_any_kind_is_enough() -> None:
    assert found(changed(lone_service(), set_props("web", standby=1))) == []
    assert found(changed(lone_service(), set_props("web", autoscaling={"enabled": True}))) == []
    assert found(small_document()) == [], "two one-instance servers behind a load balancer back each other up"


def test_a_server_called_past_its_load_balancer_is_still_single() -> None:
    doc = small_document()
    doc["nodes"].append(node("admin", "client", rate=1))
    doc["edges"].append(edge("e4", "admin", "web1"))
    assert found(doc) == [("single-point-of-failure", "web1")]


def test_consumers_are_off_the_request_path() -> None:
    doc = changed(queue_dropping(), set_props("jobs", dead_letter=True))
    doc["nodes"][3]["props"]["replicas"] = 1
    assert found(doc) == []


def test_database_without_replica_points_at_the_replication_lesson() -> None:
    doc = changed(read_heavy(), set_props("users", query_ratio=0.0))
    assert found(doc) == []
    doc = changed(doc, set_props("db", replicas=0))
    [warning] = lint_document(doc)
    assert (warning.rule, warning.target, warning.path) == ("single-point-of-failure", "db", "$.nodes[2]")
    assert warning.lesson == "/templates/db-replication/lesson/"
    assert "Db" in warning.message and "replica" in warning.message


def test_load_balancer_inside_a_zone() -> None:
    doc = small_document()
    doc["nodes"].append(node("zone-a", "zone"))
    doc["nodes"][1]["props"]["zone"] = "zone-a"
    [warning] = lint_document(doc)
    assert (warning.rule, warning.target) == ("single-point-of-failure", "lb")
    assert warning.lesson == "/templates/multi-zone/lesson/"


def test_goals_narrow_the_paths_that_need_availability() -> None:
    doc = lone_service()
    doc["nodes"] += [node("batch", "client", rate=1), node("report", "service")]
    doc["edges"].append(edge("e2", "batch", "report"))
    assert found(doc) == [("single-point-of-failure", "web"), ("single-point-of-failure", "report")]
    assert found(doc, goals={"users"}) == [("single-point-of-failure", "web")]
    assert found(doc, goals={"report"}) == [("single-point-of-failure", "report")]
    assert found(doc, goals=set()) == []


# --- the other rules ----------------------------------------------------------------------


def test_cycle_through_a_bus_points_at_the_fan_out_lesson() -> None:
    doc = consumer_calls_back()
    doc["nodes"][1]["props"]["publishes"] = ["SignedUp"]
    doc["nodes"][2] = node("emails", "event_bus", topics=["SignedUp"])
    [warning] = lint_document(doc)
    assert warning.rule == "sync-call-cycle" and warning.lesson == "/templates/event-bus-fanout/lesson/"
    assert "Email → Signup → Emails → Email" in warning.message


def test_read_heavy_needs_mostly_queries_that_reach_the_database() -> None:
    assert found(changed(read_heavy(), set_props("users", query_ratio=0.5))) == []
    assert found(changed(read_heavy(), set_props("e2", filter=["Save"]))) == [], "the queries never reach it"
    [warning] = lint_document(read_heavy())
    assert "90%" in warning.message and "Users" in warning.message


def test_dead_letter_warning_says_when_the_consumer_fails() -> None:
    [quiet] = lint_document(queue_dropping())
    assert "fails messages" not in quiet.message
    [loud] = lint_document(changed(queue_dropping(), set_props("worker", error_rate=0.2)))
    assert "Worker fails messages in this scenario" in loud.message


def test_faults_make_a_dependency_flaky() -> None:
    doc = changed(flaky_call(), set_props("payments", error_rate=0.0))
    assert found(doc) == []
    failing = {"at_s": 5, "action": "set_error_rate", "target": "payments", "error_rate": 1.0}
    assert found(changed(doc, lambda d: d.update(faults=[failing]))) == [("call-without-breaker", "e2")]
    slower = {"at_s": 5, "action": "add_latency", "target": "payments", "latency_ms": 200}
    assert found(changed(doc, lambda d: d.update(faults=[slower]))) == [], "slower, but within the timeout"
    hanging = dict(slower, latency_ms=1500)
    assert found(changed(doc, lambda d: d.update(faults=[hanging]))) == [("call-without-breaker", "e2")]
    step_fault = {key: value for key, value in failing.items() if key != "at_s"}
    played = [{"name": "Break it", "steps": [{"title": "Fail", "at_s": 5, "faults": [step_fault]}]}]
    assert found(changed(doc, lambda d: d.update(playbooks=played))) == [("call-without-breaker", "e2")]


def test_load_balancers_rely_on_health_checks_not_breakers() -> None:
    doc = small_document()
    doc["nodes"][2]["props"]["error_rate"] = 0.5
    assert found(doc) == []


# --- the validate API ---------------------------------------------------------------------


@pytest.mark.django_db
def test_validate_answers_warnings_beside_problems() -> None:
    api = Client()
    answer = api.post("/api/validate/", lone_service(), content_type="application/json").json()
    assert answer["problems"] == []
    [warning] = answer["warnings"]
    assert warning["rule"] == "single-point-of-failure" and warning["target"] == "web"
    assert warning["path"] == "$.nodes[1]" and warning["lesson"] == "/templates/ha-failover/lesson/"
    assert "Web" in warning["message"]
    clean = api.post("/api/validate/", small_document(), content_type="application/json").json()
    assert clean == {"problems": []}, "no warnings: the answer keeps its old shape"
    broken = changed(lone_service(), set_props("web", replicas=0))
    answer = api.post("/api/validate/", broken, content_type="application/json").json()
    assert answer["problems"] and "warnings" not in answer, "a document with errors is not design-checked"


# --- the built-in templates ---------------------------------------------------------------

# The templates that warn, and about what. Each warning is a real single point of failure in a
# template that teaches something else; the templates that teach a fix show no warning.
EXPECTED = {
    "cqrs-reservations": [("single-point-of-failure", "reservations-db")],
    "ecommerce-platform": [("single-point-of-failure", "catalog")],
    "queue-vs-bus": [("single-point-of-failure", "orders")],
}
TEMPLATES = sorted(path.stem for path in SCENARIOS.glob("*.json"))


def test_every_built_in_template_is_linted() -> None:
    assert sorted(SLUGS) == TEMPLATES


@pytest.mark.parametrize("slug", TEMPLATES)
def test_template_lints_as_expected(slug: str) -> None:
    doc = json.loads((SCENARIOS / f"{slug}.json").read_text())
    assert found(doc) == EXPECTED.get(slug, [])


def test_circuit_breaker_template_warns_once_its_breaker_is_off() -> None:
    doc = json.loads((SCENARIOS / "circuit-breaker.json").read_text())
    doc = changed(doc, set_props("checkout-payments", circuit_breaker={"enabled": False}))
    [warning] = lint_document(doc)
    assert (warning.rule, warning.target) == ("call-without-breaker", "checkout-payments")
    assert warning.lesson == "/templates/circuit-breaker/lesson/"


def test_at_most_a_hundred_warnings() -> None:
    doc = queue_dropping()
    for number in range(120):
        doc["nodes"].append(node(f"jobs{number}", "queue", dead_letter=False))
        doc["edges"] += [edge(f"p{number}", "orders", f"jobs{number}"), edge(f"d{number}", f"jobs{number}", "worker")]
    assert len(lint_document(doc)) == 100
