"""A client's operation mix on real runs: each entry is its own Poisson process at its own
rate, the client's pattern and a traffic spike multiply every entry alike, and the summary
gives each operation's count, rate and latency."""

import math
from typing import Any

from apps.engine.simulation import prepare, simulate
from apps.topology.blank import blank_document
from tests.engine.live.conftest import assert_conserved
from tests.factories import edge, node

MIX = [
    {"operation": "GetProduct", "kind": "query", "rate": 72},
    {"operation": "PlaceOrder", "kind": "command", "rate": 8},
]


def run(client_props: dict[str, Any], *, faults: list[dict[str, Any]] | None = None, seed: int = 11) -> dict[str, Any]:
    document = blank_document(name="Mix")
    document["nodes"] = [
        node("shop", "client", 0, 0, mix=MIX, **client_props),
        node("reads", "service", 220, -60, replicas=1, concurrency=64, latency={"mean_ms": 2}),
        node("orders", "service", 220, 60, replicas=1, concurrency=32, latency={"mean_ms": 20}),
    ]
    document["edges"] = [
        edge("e1", "shop", "reads", filter=["GetProduct"]),
        edge("e2", "shop", "orders", filter=["PlaceOrder"]),
    ]
    prepared = prepare(document, settings=[], faults=[], duration=6, seed=seed, speed="max")
    prepared["faults"] = faults or []
    summary = simulate(prepared)
    assert_conserved(summary)
    return summary


def within(count: int, expected: float, sigmas: float = 4.0) -> bool:
    """A Poisson count within `sigmas` standard deviations of its mean."""
    return abs(count - expected) <= sigmas * math.sqrt(expected)


def test_each_operation_arrives_at_its_own_rate(fleet: Any) -> None:
    summary = run({})
    operations = summary["nodes"]["shop"]["operations"]
    reads, writes = operations["GetProduct"], operations["PlaceOrder"]
    assert reads["kind"] == "query" and writes["kind"] == "command"
    assert within(reads["created"], 72 * 6), reads
    assert within(writes["created"], 8 * 6), writes
    assert 0.85 <= reads["created"] / (reads["created"] + writes["created"]) <= 0.95
    assert reads["created"] + writes["created"] == summary["requests"]["created"]
    # each went its own way: the services saw exactly their operation's requests
    assert summary["nodes"]["reads"]["processed"] == reads["created"] == reads["completed"]
    assert summary["nodes"]["orders"]["processed"] == writes["created"] == writes["completed"]
    assert reads["rate"] == round(reads["created"] / 6, 3)
    assert reads["latency_ms"]["mean"] < writes["latency_ms"]["mean"]  # 2 ms reads, 20 ms writes
    assert writes["latency_ms"]["p50"] > 5


def test_the_pattern_multiplies_every_entry_alike(fleet: Any) -> None:
    spike = {"pattern": "spike", "pattern_factor": 4, "pattern_start_s": 2, "pattern_duration_s": 2}
    summary = run(spike)
    operations = summary["nodes"]["shop"]["operations"]
    # 2 s of the run at 4× the rate: 6 + 3 × 2 = 12 seconds' worth of each entry's rate
    assert within(operations["GetProduct"]["created"], 72 * 12), operations
    assert within(operations["PlaceOrder"]["created"], 8 * 12), operations
    # the run's own per-second windows (point t: [t − 1, t)): the spike's two carry about 4× as many
    created = {round(point["t"]): point["requests"]["created"] for point in summary["timeline"]}
    calm, spiked = sum(created[t] for t in (1, 2, 5, 6)) / 4, (created[3] + created[4]) / 2
    assert 3 < spiked / calm < 5.5, created


def test_a_traffic_spike_multiplies_a_mix(fleet: Any) -> None:
    summary = run({}, faults=[{"at_s": 1, "action": "traffic_spike", "target": "shop", "factor": 3, "duration_s": 3}])
    operations = summary["nodes"]["shop"]["operations"]
    # 3 s at 3×: 6 + 2 × 3 = 12 seconds' worth
    assert within(operations["GetProduct"]["created"], 72 * 12), operations
    assert within(operations["PlaceOrder"]["created"], 8 * 12), operations


def test_a_mix_is_the_same_for_the_same_seed(fleet: Any) -> None:
    first, second = run({}, seed=3), run({}, seed=3)
    assert first["nodes"]["shop"]["operations"] == second["nodes"]["shop"]["operations"]
