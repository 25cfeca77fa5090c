"""Cache TTL on the live engine: a fresh entry answers its share of requests; once it
expires, requests miss until one has refilled it from the origin."""

from typing import Any

from apps.engine.simulation import prepare, simulate
from apps.topology.blank import blank_document
from tests.engine.live.conftest import assert_conserved
from tests.factories import edge, node


def cached(ttl_s: float) -> dict[str, Any]:
    document = blank_document(name="Cache")
    document["nodes"] = [
        node("users", "client", 0, 0, rate=40, commands=[], queries=["ViewProduct"], query_ratio=1),
        node("cache", "cache", 200, 0, hit_ratio=1.0, ttl_s=ttl_s, latency={"mean_ms": 1}),
        node("origin", "service", 400, 0, replicas=1, concurrency=8, latency={"mean_ms": 20}),
    ]
    document["edges"] = [edge("e1", "users", "cache"), edge("e2", "cache", "origin")]
    return prepare(document, settings=[], faults=[], duration=7, seed=3, speed="max")


def test_entries_expire_after_their_ttl_and_are_refilled_by_a_miss(fleet: Any) -> None:
    summary = simulate(cached(ttl_s=2))
    assert_conserved(summary)
    cache, origin = summary["nodes"]["cache"]["cache"], summary["nodes"]["origin"]
    assert 3 <= cache["fills"] <= 5  # at the start, then about every 2 s of a 7 s run
    assert cache["misses"] == origin["processed"] == cache["cold_misses"]  # hit_ratio 1: only expiry misses
    assert cache["hit_ratio"] > 0.5  # the rest missed while a refill was on its way


def test_a_zero_ttl_caches_nothing(fleet: Any) -> None:
    summary = simulate(cached(ttl_s=0))
    assert_conserved(summary)
    cache = summary["nodes"]["cache"]["cache"]
    assert cache["hits"] == 0, cache
    assert summary["nodes"]["origin"]["processed"] == summary["requests"]["created"], (summary["requests"], cache)
