"""The built-in templates: all present, valid, documented and readable on the canvas."""

import json
import re
from pathlib import Path
from typing import Any

import pytest

from apps.topology.validation import validate_document

SCENARIOS = Path(__file__).resolve().parents[2] / "apps" / "library" / "scenarios"

SLUGS = (
    "event-bus-fanout",
    "queue-buffering",
    "queue-vs-bus",
    "queue-bus-log",
    "idempotent-consumers",
    "outbox-cdc",
    "cqrs-reservations",
    "saga-compensation",
    "lb-round-robin",
    "lb-least-connections",
    "lb-ip-hash",
    "lb-weighted",
    "ha-failover",
    "multi-zone",
    "dns-failover",
    "unreliable-network",
    "db-replication",
    "circuit-breaker",
    "cold-cache",
    "broker-trouble",
    "rate-limiting",
    "autoscaling",
    "tired-servers",
    "search-and-storage",
    "ecommerce-platform",
)
# Templates about a steady-state pattern; a scheduled fault is optional there.
FAULTS_OPTIONAL = {"lb-round-robin", "lb-least-connections", "lb-ip-hash", "lb-weighted", "queue-vs-bus"}
LB_STRATEGY = {
    "lb-round-robin": "round_robin",
    "lb-least-connections": "least_connections",
    "lb-ip-hash": "ip_hash",
    "lb-weighted": "weighted",
}
NODE_WIDTH, NODE_HEIGHT = 160, 56
MAX_TOTAL_RATE = 100  # req/s, peak included: templates must run on a 2-core machine


def load(slug: str) -> dict[str, Any]:
    return json.loads((SCENARIOS / f"{slug}.json").read_text())


def box(node: dict[str, Any]) -> tuple[float, float, float, float]:
    x, y = node["position"]["x"], node["position"]["y"]
    if node["kind"] == "zone":
        return x, y, x + node["size"]["width"], y + node["size"]["height"]
    return x, y, x + NODE_WIDTH, y + NODE_HEIGHT


def overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def contains(outer: tuple[float, ...], inner: tuple[float, ...]) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


def test_exactly_the_listed_slugs_exist() -> None:
    assert sorted(path.stem for path in SCENARIOS.glob("*.json")) == sorted(SLUGS)


@pytest.mark.parametrize("slug", SLUGS)
def test_template_validates_without_problems(slug: str) -> None:
    problems = validate_document(load(slug)).problems
    assert problems == [], [f"{p.severity} {p.path}: {p.message}" for p in problems]


@pytest.mark.parametrize("slug", SLUGS)
def test_name_and_description(slug: str) -> None:
    doc = load(slug)
    assert doc["name"].strip() and doc["name"] != slug
    description = doc["description"]
    first_paragraph = description.strip().split("\n\n")[0]
    assert not first_paragraph.startswith("#"), "the description opens with a sentence saying what it shows"
    assert "\n" not in first_paragraph
    assert re.search(r"^#+ What to watch\s*$", description, re.MULTILINE), "needs a 'What to watch' section"
    watch = description.split("What to watch", 1)[1]
    assert len(re.findall(r"^- ", watch, re.MULTILINE)) >= 3, "'What to watch' lists what to look at"
    assert re.search(r"\d", watch), "'What to watch' names concrete numbers"
    words = len(description.split())
    assert 80 <= words <= 200, f"description has {words} words"
    for fault in doc.get("faults", []):
        assert f"At {fault['at_s']:g} s" in description, f"the description explains the fault at {fault['at_s']} s"


@pytest.mark.parametrize("slug", SLUGS)
def test_run_settings_and_faults(slug: str) -> None:
    doc = load(slug)
    run = doc["run"]
    assert 30 <= run["duration_s"] <= 60
    assert run["seed"] == 42
    assert run["speed"] == 1
    faults = doc.get("faults", [])
    if slug not in FAULTS_OPTIONAL:
        assert faults, "this template schedules at least one fault"
    for fault in faults:
        assert fault["at_s"] + fault.get("duration_s", 0) < run["duration_s"], "the fault ends before the run"


@pytest.mark.parametrize("slug", SLUGS)
def test_ids_are_unique(slug: str) -> None:
    doc = load(slug)
    ids = [item["id"] for item in doc["nodes"] + doc["edges"]]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("slug", SLUGS)
def test_layout_has_no_overlaps(slug: str) -> None:
    nodes = load(slug)["nodes"]
    for node in nodes:
        assert "position" in node, f"{node['id']} has a position"
    zones = {node["id"]: node for node in nodes if node["kind"] == "zone"}
    for node in nodes:
        zone = (node.get("props") or {}).get("zone")
        if zone:
            assert contains(box(zones[zone]), box(node)), f"{node['id']} is drawn inside {zone}"
    for index, a in enumerate(nodes):
        for b in nodes[index + 1 :]:
            if a["kind"] == "zone" and (b.get("props") or {}).get("zone") == a["id"]:
                continue
            if b["kind"] == "zone" and (a.get("props") or {}).get("zone") == b["id"]:
                continue
            assert not overlap(box(a), box(b)), f"{a['id']} overlaps {b['id']}"


@pytest.mark.parametrize("slug", SLUGS)
def test_names_are_consistent(slug: str) -> None:
    """Routes carry operations the clients send; subscriptions carry events the bus has."""
    doc = load(slug)
    nodes = {node["id"]: node for node in doc["nodes"]}
    operations: set[str] = set()
    for node in nodes.values():
        if node["kind"] == "client":
            operations |= set(node["props"].get("commands", ["PlaceOrder"]))
            operations |= set(node["props"].get("queries", []))
    for edge in doc["edges"]:
        source, target = nodes[edge["from"]], nodes[edge["to"]]
        names = set((edge.get("props") or {}).get("filter", []))
        if source["kind"] == "event_bus":
            assert names, f"{edge['id']}: a subscription says which events it takes"
            assert names <= set(source["props"]["topics"]), edge["id"]
        if target["kind"] == "event_bus":
            published = set(source["props"].get("publishes", []))
            if source["kind"] == "cdc":  # a relay publishes its one event (named on it here)
                published = {source["props"].get("event", "")}
            assert published and published <= set(target["props"]["topics"]), edge["id"]
        if source["kind"] == "api_gateway":
            assert names and names <= operations, f"{edge['id']}: a gateway route carries client operations"
        if target["kind"] == "read_model":
            assert source["kind"] in ("event_bus", "service"), edge["id"]
    for node in nodes.values():
        if node["kind"] == "api_gateway":
            routed = set()
            for edge in doc["edges"]:
                if edge["from"] == node["id"]:
                    routed |= set(edge["props"]["filter"])
            assert operations <= routed, f"{node['id']} has no route for {sorted(operations - routed)}"
        if node["kind"] == "read_model":
            feeds = [e for e in doc["edges"] if e["to"] == node["id"] and nodes[e["from"]]["kind"] == "event_bus"]
            assert feeds, f"{node['id']} is fed by an event bus"


@pytest.mark.parametrize("slug", SLUGS)
def test_rates_are_modest(slug: str) -> None:
    doc = load(slug)
    total = 0.0
    for node in doc["nodes"]:
        if node["kind"] != "client":
            continue
        props = node["props"]
        factor = props.get("pattern_factor", 5) if props.get("pattern", "constant") != "constant" else 1
        spikes = [f.get("factor", 1) for f in doc.get("faults", []) if f["action"] == "traffic_spike"]
        total += props.get("rate", 20) * max([factor, *spikes])
    assert total <= MAX_TOTAL_RATE


@pytest.mark.parametrize("slug", sorted(LB_STRATEGY))
def test_load_balancer_templates_use_their_strategy(slug: str) -> None:
    doc = load(slug)
    (balancer,) = [node for node in doc["nodes"] if node["kind"] == "load_balancer"]
    assert balancer["props"]["strategy"] == LB_STRATEGY[slug]
    targets = [edge for edge in doc["edges"] if edge["from"] == balancer["id"]]
    assert len(targets) == 3
    if slug == "lb-weighted":
        assert sorted(edge["props"]["weight"] for edge in targets) == [1, 2, 3]
