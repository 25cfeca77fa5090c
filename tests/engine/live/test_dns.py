"""DNS on the live engine: failover answers the first healthy target, weighted splits by the
edges' weights, and after a target dies its clients keep going to it until the record their
resolver cached expires — all of them within a TTL of the health checks noticing."""

from typing import Any

from apps.engine.simulation import prepare, simulate
from apps.topology.blank import blank_document
from tests.engine.live.conftest import assert_conserved
from tests.factories import edge, node

FIXED = {"distribution": "fixed", "mean_ms": 5}
RATE = 40
KILL_S = 5


def resolved(
    *, policy: str = "failover", ttl_s: float = 10, weights: tuple[float, float] = (1, 1), kill: bool = False
) -> dict[str, Any]:
    """users (200 clients) → dns → a, b; health checks every second, unhealthy after 2 failed;
    with `kill`, a's only instance dies at 5 s for the rest of the run."""
    document = blank_document(name="DNS")
    document["nodes"] = [
        node("users", "client", 0, 0, rate=RATE, clients=200, commands=[], queries=["GetPage"], query_ratio=1),
        node("dns", "dns", 220, 0, policy=policy, ttl_s=ttl_s, health_check={"interval_s": 1, "threshold": 2}),
        node("a", "service", 440, -60, replicas=1, concurrency=16, latency=FIXED),
        node("b", "service", 440, 60, replicas=1, concurrency=16, latency=FIXED),
    ]
    document["edges"] = [
        edge("e1", "users", "dns"),
        edge("e2", "dns", "a", weight=weights[0]),
        edge("e3", "dns", "b", weight=weights[1]),
    ]
    document["faults"] = [{"at_s": KILL_S, "action": "kill_instance", "target": "a", "instance": 0}] if kill else []
    summary = simulate(prepare(document, settings=[], faults=[], duration=30, seed=7, speed="max"))
    assert_conserved(summary)
    assert summary["engine_errors"] == 0
    return summary


def failed_per_second(summary: dict[str, Any]) -> dict[int, int]:
    """Failed requests in each second of the run (second n: from n − 1 to n s)."""
    return {int(point["t"]): point["requests"]["failed"] for point in summary["timeline"]}


def test_failover_sends_everything_to_the_first_target_while_it_is_healthy(fleet: Any) -> None:
    summary = resolved()
    section = summary["nodes"]["dns"]["dns"]
    assert section["answers"] == {"a": summary["requests"]["created"]}
    assert section["stale"] == 0 and section["health_changes"] == []
    assert summary["requests"]["completed"] == summary["requests"]["created"]
    assert summary["nodes"]["b"]["processed"] == 0
    assert summary["nodes"]["dns"]["latency_ms"]["mean"] < 7  # 5 ms at a + the network: nothing of its own


def test_clients_keep_calling_a_dead_target_until_their_cached_record_expires(fleet: Any) -> None:
    summary = resolved(kill=True)
    section = summary["nodes"]["dns"]["dns"]
    (change,) = section["health_changes"]
    assert change["target"] == "a" and not change["healthy"]
    detected_s = change["t"] / 1000
    assert KILL_S + 1 <= detected_s <= KILL_S + 3  # two failed checks a second apart
    (fault,) = summary["faults"]  # with no load balancer in front of a, the DNS's checks detect it
    assert fault["detected_after_s"] == round(detected_s - KILL_S, 3) and fault["recovered_after_s"] is None
    failed = failed_per_second(summary)
    assert all(failed[s] == 0 for s in range(1, KILL_S + 1))
    assert all(failed[s] > 0.7 * RATE for s in range(KILL_S + 1, int(detected_s) + 1))  # not yet detected
    # Detected, but the records cached before still name a: clients leave it as they expire.
    assert all(failed[s] > 0 for s in range(int(detected_s) + 1, int(detected_s) + 8))
    assert failed[int(detected_s) + 2] > failed[int(detected_s) + 8]
    assert sum(failed[s] for s in range(int(detected_s) + 12, 31)) == 0  # every record expired: all on b
    stale = section["stale_by_target"]["a"]
    assert 0.3 * RATE * 10 < stale < 0.7 * RATE * 10  # half the rate, on average, over a 10 s TTL
    assert summary["requests"]["failed"] == summary["nodes"]["a"]["errors"]  # refused at a, nothing else
    assert section["answers"]["a"] + section["answers"]["b"] == summary["requests"]["created"]

    fresh = resolved(kill=True, ttl_s=0)  # no caching: every call resolves at its time
    fresh_section = fresh["nodes"]["dns"]["dns"]
    assert fresh_section["stale"] == 0
    fresh_failed = failed_per_second(fresh)
    detected_fresh_s = fresh_section["health_changes"][0]["t"] / 1000
    assert KILL_S + 1 <= detected_fresh_s <= KILL_S + 3
    assert sum(fresh_failed[s] for s in range(int(detected_fresh_s) + 2, 31)) == 0  # moved at once
    assert fresh["requests"]["failed"] < summary["requests"]["failed"] - stale // 2


def test_weighted_splits_by_the_edges_weights(fleet: Any) -> None:
    summary = resolved(policy="weighted", ttl_s=1, weights=(3, 1))
    section = summary["nodes"]["dns"]["dns"]
    assert abs(section["shares"]["a"] - 0.75) < 0.06, section
    assert summary["nodes"]["a"]["processed"] == section["answers"]["a"]
    assert summary["requests"]["completed"] == summary["requests"]["created"]
    cached = resolved(policy="weighted", ttl_s=60, weights=(3, 1))["nodes"]["dns"]["dns"]
    assert abs(cached["shares"]["a"] - 0.75) < 0.15, cached  # a record per client for the run: 200 draws
