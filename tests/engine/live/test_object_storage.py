"""Object storage on the live engine: latency is the first byte plus the transfer, each second
accepts its request limit and answers the rest 503 Slow Down, and a store that is down refuses."""

from typing import Any

from apps.engine.simulation import prepare, simulate
from apps.topology.blank import blank_document
from tests.engine.live.conftest import assert_conserved
from tests.factories import edge, node

DURATION_S = 4


def storage(*, rate: float = 20, faults: list[dict[str, Any]] | None = None, **props: Any) -> dict[str, Any]:
    document = blank_document(name="Object storage")
    document["nodes"] = [
        node("app", "client", 0, 0, rate=rate, commands=["PutImage"], queries=["GetImage"], query_ratio=0.5),
        node("blobs", "object_storage", 200, 0, **props),
    ]
    document["edges"] = [edge("e1", "app", "blobs")]
    document["faults"] = faults or []
    return prepare(document, settings=[], faults=[], duration=DURATION_S, seed=11, speed="max")


def test_latency_is_the_first_byte_plus_size_over_throughput(fleet: Any) -> None:
    summary = simulate(storage(object_kb=2048, first_byte_ms=20, throughput_mb_s=100))
    assert_conserved(summary)
    blobs = summary["nodes"]["blobs"]
    section = blobs["object_storage"]
    assert section["gets"] + section["puts"] == summary["requests"]["completed"] == summary["requests"]["created"]
    assert section["gets"] > 10 and section["puts"] > 10 and section["slow_downs"] == 0
    assert section["bytes_read"] == section["gets"] * 2048 * 1024
    assert section["bytes_written"] == section["puts"] * 2048 * 1024
    assert 20 + 20 - 6 <= blobs["latency_ms"]["mean"] <= 20 + 20 + 6  # 2 MB at 100 MB/s: 20 ms
    assert blobs["latency_ms"]["p50"] > 20  # never faster than the transfer


def test_requests_over_the_limit_get_slow_downs(fleet: Any) -> None:
    summary = simulate(storage(rate=40, get_limit_per_s=5, put_limit_per_s=1000, first_byte_ms=5))
    assert_conserved(summary)
    section = summary["nodes"]["blobs"]["object_storage"]
    assert section["gets"] <= 5 * DURATION_S  # each second of run time accepts 5
    assert section["slow_downs"] > 20
    assert summary["requests"]["failed"] == section["slow_downs"]
    assert section["gets"] + section["puts"] + section["slow_downs"] == summary["requests"]["created"]


def test_a_store_that_is_down_refuses_then_serves_again(fleet: Any) -> None:
    kill = {"at_s": 1, "action": "kill_instance", "target": "blobs", "duration_s": 1}
    summary = simulate(storage(faults=[kill], first_byte_ms=5))
    assert_conserved(summary)
    assert 5 < summary["requests"]["failed"] == summary["nodes"]["blobs"]["errors"]
    assert summary["requests"]["completed"] > summary["requests"]["failed"]


def test_added_latency_delays_every_request(fleet: Any) -> None:
    base = simulate(storage(first_byte_ms=5, object_kb=0))["nodes"]["blobs"]["latency_ms"]
    slow = {"at_s": 0, "action": "add_latency", "target": "blobs", "latency_ms": 200, "duration_s": 3}
    summary = simulate(storage(first_byte_ms=5, object_kb=0, faults=[slow]))
    assert_conserved(summary)
    assert base["p50"] < 10
    assert summary["nodes"]["blobs"]["latency_ms"]["p50"] >= 200  # 3 s of the 4 are slowed
