"""What a frame and a stored series point carry for viewers: `computed_at` on every frame
(a viewer's delay), and each instance's health in the series (what a replay draws)."""

import time
from typing import Any
from unittest import mock

import redis

from apps.engine import stream
from apps.engine.stream import Publisher, RunStream, run_group, series_point
from apps.runtime.plan import compile_plan
from tests.engine.run_samples import sample_document


def live_frame() -> dict[str, Any]:
    return {
        "seq": 7, "t": 3.5, "requests": {"created": 35}, "messages": {}, "latency_ms": None,
        "nodes": {
            "web": {
                "kind": "service", "processed": 30, "errors": 1, "rps": 10.0, "errors_per_s": 0.5, "depth": 2,
                "p50": 12.0, "p95": 40.0, "busy": 1, "replicas": 1,
                "instances": {
                    "0": {"alive": True, "standby": False, "busy": 1, "waiting": 2},
                    "1": {"alive": False, "standby": False, "busy": 0, "waiting": 0},
                    "2": {"alive": True, "standby": True, "busy": 0, "waiting": 0},
                },
            },
            "users": {"kind": "client", "processed": 35, "errors": 0, "rps": 10.0, "depth": 0},
        },
        "edges": {"e2": {"calls": 35, "errors": 1, "rps": 10.0, "p95": 41.0, "breaker": "open"}},
        "events": [{"type": "OrderPlaced"}],
        "computed_at": 1.0,
    }  # fmt: skip


def test_a_series_point_keeps_each_instances_health_and_not_its_load() -> None:
    point = series_point(live_frame())

    web = point["nodes"]["web"]
    assert web["instances"] == {
        "0": {"alive": True, "standby": False},
        "1": {"alive": False, "standby": False},
        "2": {"alive": True, "standby": True},
    }
    assert web["replicas"] == 1 and web["p95"] == 40.0
    assert "errors_per_s" not in web and "p50" not in web
    assert "instances" not in point["nodes"]["users"]
    assert point["edges"]["e2"] == {"calls": 35, "errors": 1, "p95": 41.0, "breaker": "open"}
    assert "events" not in point and "computed_at" not in point


def test_an_edge_frame_says_what_the_network_faults_on_it_are_and_the_series_keeps_them() -> None:
    run_stream = RunStream("r1", compile_plan(sample_document()), duration_s=20)
    states = {"web": {"links": {"e2": {"delay_ms": 300.0, "loss": 0.2}}, "cut_edges": ["e3"]}}

    slow = run_stream.edge_frame("e2", "web", states, {}, lambda key: 0.0)
    cut = run_stream.edge_frame("e3", "web", states, {}, lambda key: 0.0)
    calm = run_stream.edge_frame("e2", "users", states, {}, lambda key: 0.0)

    assert (slow["delay_ms"], slow["loss"], "cut" in slow) == (300.0, 0.2, False)
    assert cut["cut"] is True and "delay_ms" not in cut
    assert "delay_ms" not in calm and "loss" not in calm
    point = series_point({**live_frame(), "edges": {"e2": slow}})
    assert (point["edges"]["e2"]["delay_ms"], point["edges"]["e2"]["loss"]) == (300.0, 0.2)


def test_every_emitted_frame_carries_the_wall_clock_time_it_was_published() -> None:
    run_stream = RunStream("r1", compile_plan(sample_document()), duration_s=20)
    run_stream.r = mock.create_autospec(redis.Redis, instance=True)
    with mock.patch.object(stream, "publisher", mock.create_autospec(Publisher, instance=True)) as publisher:
        before = time.time()
        run_stream.emit({"type": "delta", "t": 1.0})
        after = time.time()

    group, message = publisher.send.call_args.args
    assert group == run_group("r1")
    frame = message["frame"]
    assert frame["seq"] == 1
    assert before - 0.001 <= frame["computed_at"] <= after + 0.001
