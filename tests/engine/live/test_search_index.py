"""The search index on the live engine: documents become searchable at the next refresh, the
indexing lag shows it, and searches that ran before a published document was searchable are
counted as stale."""

from typing import Any

from apps.engine.simulation import prepare, simulate
from apps.topology.blank import blank_document
from tests.engine.live.conftest import assert_conserved
from tests.factories import edge, node


def catalogue(refresh_ms: float) -> dict[str, Any]:
    document = blank_document(name="Search")
    document["nodes"] = [
        node("shoppers", "client", 0, 0, rate=30, commands=["AddProduct"], queries=["SearchProducts"], query_ratio=0.5),
        node("catalog", "service", 200, -60, concurrency=8, latency={"mean_ms": 5}, publishes=["ProductChanged"]),
        node("bus", "event_bus", 400, -60, topics=["ProductChanged"]),
        node("search", "search_index", 600, 0, refresh_ms=refresh_ms, latency={"mean_ms": 3}),
    ]  # fmt: skip
    document["edges"] = [
        edge("e1", "shoppers", "catalog", filter=["AddProduct"]),
        edge("e2", "shoppers", "search", filter=["SearchProducts"]),
        edge("e3", "catalog", "bus"),
        edge("e4", "bus", "search", filter=["ProductChanged"]),
    ]
    return prepare(document, settings=[], faults=[], duration=4, seed=5, speed="max")


def test_documents_wait_for_the_next_refresh(fleet: Any) -> None:
    summary = simulate(catalogue(refresh_ms=1000))
    assert_conserved(summary)
    section = summary["nodes"]["search"]["search_index"]
    assert section["indexed"] == summary["messages"]["delivered"] == summary["messages"]["published"] > 20
    lag = section["indexing_lag_ms"]
    assert 300 <= lag["mean"] <= 750  # uniform over the refresh interval: about half of it
    assert lag["max"] <= 1000 + 50
    assert section["searches"] == summary["nodes"]["search"]["processed"] - section["indexed"]
    assert section["stale_share"] > 0.6  # a write every ~70 ms: most searches miss one


def test_an_immediate_refresh_makes_searches_fresh(fleet: Any) -> None:
    slow = simulate(catalogue(refresh_ms=1000))["nodes"]["search"]["search_index"]
    summary = simulate(catalogue(refresh_ms=0))
    assert_conserved(summary)
    fast = summary["nodes"]["search"]["search_index"]
    assert fast["indexing_lag_ms"]["p95"] < 50  # delivery and indexing only
    assert fast["searches"] > 20
    assert fast["stale_share"] < 0.3 < slow["stale_share"]


def test_a_stopped_indexer_leaves_documents_waiting_and_searches_stale(fleet: Any) -> None:
    document = catalogue(refresh_ms=0)
    document["faults"] = [{"at_s": 1, "action": "stop_consumer", "target": "search", "duration_s": 2}]
    summary = simulate(document)
    assert_conserved(summary)
    section = summary["nodes"]["search"]["search_index"]
    assert summary["nodes"]["bus"]["max_queue_depth"] >= 10  # about 15 updates in 2 s wait in the bus
    assert section["indexed"] == summary["messages"]["published"]  # all indexed once it started again
    assert section["indexing_lag_ms"]["max"] >= 1500  # the first one waited nearly the whole 2 s
    assert section["stale_share"] > 0.3  # every search in those 2 s of 4 was stale


def test_documents_held_on_the_way_or_in_an_event_log_make_searches_stale(fleet: Any) -> None:
    fresh = simulate(catalogue(refresh_ms=0))["nodes"]["search"]["search_index"]
    document = catalogue(refresh_ms=0)
    document["faults"] = [{"at_s": 0, "action": "edge_latency", "target": "e4", "delay_ms": 500}]
    held = simulate(document)
    assert_conserved(held)
    section = held["nodes"]["search"]["search_index"]
    assert section["stale_share"] > 0.6 > fresh["stale_share"] + 0.3  # a write every ~70 ms is always on the way

    logged = catalogue(refresh_ms=0)
    logged["nodes"][2] = node("bus", "stream", 400, -60, partitions=1)
    logged["faults"] = [{"at_s": 1, "action": "stop_consumer", "target": "search", "duration_s": 2}]
    summary = simulate(logged)
    assert_conserved(summary)
    assert summary["nodes"]["search"]["search_index"]["stale_share"] > 0.3  # the log's lag counts too
