"""Run time is honest: the same seed gives the same figures at any speed and whatever else the
workers are doing, and moving between nodes costs the modelled network latency, not the
engine's own time."""

import threading
from typing import Any

import pytest

from apps.engine.simulation import load_topology, prepare, simulate
from apps.topology.blank import blank_document
from tests.engine.live.conftest import assert_conserved

DURATION_S = 3.0
SEED = 5
# One template per family, each with a fault early enough for a short run.
FAMILIES = {
    "queue-buffering": ["stop_consumer email at=1 for=1"],  # messaging
    "lb-least-connections": ["kill_instance server-2 at=1 for=1"],  # load balancing
    "cqrs-reservations": ["stop_consumer availability at=1 for=1"],  # CQRS with a write model
    "ha-failover": ["kill_instance web at=1 for=1 instance=0"],  # failover behind health checks
}
FIGURES = ("requests", "messages", "lost", "latency_ms", "availability", "unsuccessful", "timeline")


def run(slug: str, speed: float | str, faults: list[str]) -> dict[str, Any]:
    document = prepare(load_topology(slug), settings=[], faults=faults, duration=DURATION_S, seed=SEED, speed=speed)
    return simulate(document)


def figures(summary: dict[str, Any]) -> dict[str, Any]:
    out = {key: summary[key] for key in FIGURES}
    out["nodes"] = {node_id: {k: v for k, v in node.items()} for node_id, node in summary["nodes"].items()}
    return out


def with_a_neighbour(slug: str, faults: list[str]) -> dict[str, Any]:
    """Run at speed 1 while the e-commerce template runs as fast as it can on the same workers."""
    neighbour = prepare(load_topology("ecommerce-platform"), settings=[], faults=[], duration=120, speed="max")
    thread = threading.Thread(target=simulate, args=(neighbour,))
    thread.start()
    try:
        return run(slug, 1, faults)
    finally:
        thread.join(timeout=120)


@pytest.mark.slow
@pytest.mark.parametrize("slug", sorted(FAMILIES))
def test_the_same_seed_gives_the_same_figures_at_any_speed_and_load(fleet: Any, slug: str) -> None:
    faults = FAMILIES[slug]
    baseline = run(slug, 1, faults)
    assert_conserved(baseline)
    created = baseline["requests"]["created"]
    assert created > 0
    variants = {
        "0.25": run(slug, 0.25, faults),
        "max": run(slug, "max", faults),
        "1 with a neighbour": with_a_neighbour(slug, faults),
    }
    for name, summary in variants.items():
        assert_conserved(summary)
        # The tolerances...
        assert summary["requests"]["created"] == created, name
        for outcome in ("completed", "failed", "timed_out", "rejected"):
            assert abs(summary["requests"][outcome] - baseline["requests"][outcome]) <= 0.02 * created, (name, outcome)
        for p in ("p50", "p95"):
            assert summary["latency_ms"][p] == pytest.approx(baseline["latency_ms"][p], rel=0.10), (name, p)
        assert abs(summary["availability"] - baseline["availability"]) <= 0.005, name
        # ...and in fact every figure is the same: the run depends on its events alone.
        assert figures(summary) == figures(baseline), name
        assert summary["clock"]["out_of_order"]["events"] == 0
    # The speed is a ceiling, whatever the machine: never faster than asked.
    assert baseline["clock"]["effective_speed"] <= 1.15
    assert variants["0.25"]["clock"]["effective_speed"] <= 0.25 * 1.15


def chain(services: int, *, network_ms: float | None = None, zones: bool = False) -> dict[str, Any]:
    """Users calling a chain of services, each a fixed 5 ms, at 2 requests a second."""
    document = blank_document(name="A chain")
    names = [f"s{i}" for i in range(1, services + 1)]
    document["nodes"] = [
        {"id": "users", "kind": "client", "props": {"rate": 2, "commands": ["Go"], "timeout_ms": 60000}},
        *(
            {
                "id": name,
                "kind": "service",
                "props": {
                    "concurrency": 8,
                    "latency": {"distribution": "fixed", "mean_ms": 5},
                    **({"zone": "zone-a" if i % 2 else "zone-b"} if zones else {}),
                },
            }
            for i, name in enumerate(names, start=1)
        ),
    ]
    if zones:
        document["nodes"] += [{"id": "zone-a", "kind": "zone"}, {"id": "zone-b", "kind": "zone"}]
    path = ["users", *names]
    edge_props: dict[str, Any] = {"timeout_ms": 60000}
    if network_ms is not None:
        edge_props["network_ms"] = network_ms
    document["edges"] = [
        {"id": f"e{i}", "from": path[i], "to": path[i + 1], "props": edge_props} for i in range(len(path) - 1)
    ]
    document["run"] = {"duration_s": 20, "seed": 1, "speed": "max"}
    return document


@pytest.mark.parametrize(
    ("network_ms", "zones", "expected_ms"),
    [
        (None, False, 100 + 20 * 2 * 0.5),  # the default within a zone: 0.5 ms each way
        (2.0, False, 100 + 20 * 2 * 2.0),  # drawn on the edges
        (None, True, 100 + 2 * (0.5 + 19 * 1.0)),  # across zones each hop but the first: 1 ms
    ],
)
def test_a_chain_costs_its_service_times_plus_the_network_latency(
    fleet: Any, network_ms: float | None, zones: bool, expected_ms: float
) -> None:
    summary = simulate(chain(20, network_ms=network_ms, zones=zones))
    assert_conserved(summary)
    assert summary["requests"]["completed"] >= 30
    assert summary["latency_ms"]["p50"] == pytest.approx(expected_ms, rel=0.02)
    assert summary["latency_ms"]["mean"] == pytest.approx(expected_ms, rel=0.001)
