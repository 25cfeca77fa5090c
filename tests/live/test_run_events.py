"""The audit entries a run's frames carry (`events`): those appended since the previous frame,
at most MAX_EVENTS of them (the newest), the rest counted in `events_skipped`; never twice,
never in a status frame, never in the stored series."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from apps.engine.stream import MAX_EVENTS, RunStream, frame_key, publisher, series_point
from apps.runtime import keys
from apps.runtime.plan import compile_plan
from apps.runtime.redis import client
from tests.live.test_run_socket import connect, idle_run, run, sample

pytestmark = [pytest.mark.engine, pytest.mark.django_db(transaction=True)]


def log(run_id: str, *entries: dict[str, Any]) -> None:
    client().rpush(keys.audit(run_id), *(json.dumps(entry) for entry in entries))


def served(i: int) -> dict[str, Any]:
    return {"t": float(i), "node": "api", "kind": "served", "corr": f"r-{i}", "op": "Get", "wait_ms": 0.5}


@pytest.fixture
def stream() -> Iterator[RunStream]:
    row = idle_run()
    yield RunStream(row.id, compile_plan(row.document), duration_s=row.duration_s)
    client().delete(frame_key(row.id), keys.audit(row.id))


def test_each_frame_carries_the_entries_appended_since_the_previous_one(stream: RunStream) -> None:
    first = stream.build(sample(0.2, created=1))
    assert first["events"] == [] and first["events_skipped"] == 0

    log(stream.run_id, served(1), served(2))
    second = stream.build(sample(0.4, created=2))
    assert [e["corr"] for e in second["events"]] == ["r-1", "r-2"]
    assert second["events"][0] == served(1) and second["events_skipped"] == 0

    third = stream.build(sample(0.6, created=3))
    assert third["events"] == []  # nothing new: nothing twice

    log(stream.run_id, served(3))
    assert [e["corr"] for e in stream.build(sample(0.8, created=4))["events"]] == ["r-3"]


def test_a_burst_keeps_the_newest_entries_and_counts_the_others(stream: RunStream) -> None:
    log(stream.run_id, *(served(i) for i in range(MAX_EVENTS + 50)))
    frame = stream.build(sample(0.2, created=1))
    assert len(frame["events"]) == MAX_EVENTS and frame["events_skipped"] == 50
    assert frame["events"][0]["corr"] == "r-50" and frame["events"][-1]["corr"] == f"r-{MAX_EVENTS + 49}"
    assert stream.build(sample(0.4, created=2))["events"] == []


def test_the_series_and_the_status_frame_keep_no_events(stream: RunStream) -> None:
    log(stream.run_id, served(1))
    stream.publish_sample(sample(0.2, created=1))
    assert stream.last is not None and len(stream.last["events"]) == 1
    series = stream.finish("finished")
    assert series and all("events" not in point for point in series)
    assert "events" not in series_point(stream.last)
    assert stream.last["type"] == "status" and stream.last["events"] == []


def test_viewers_receive_the_events_in_the_frames(stream: RunStream) -> None:
    async def scenario_test() -> list[dict[str, Any]]:
        socket = connect(stream.run_id)
        connected, _ = await socket.connect()
        assert connected
        frames = [await socket.receive_json_from(timeout=5)]  # the snapshot

        def publish() -> None:
            log(stream.run_id, served(1), {"t": 2.0, "node": "users", "kind": "outcome", "corr": "r-1"})
            stream.publish_sample(sample(0.2, created=1))
            publisher.flush()

        await sync_to_async(publish)()
        frames.append(await socket.receive_json_from(timeout=5))
        await socket.disconnect()
        return frames

    snapshot, delta = run(scenario_test)
    assert snapshot["seq"] == 0
    assert delta["type"] in ("frame", "delta") and [e["kind"] for e in delta["events"]] == ["served", "outcome"]
    assert delta["events_skipped"] == 0
