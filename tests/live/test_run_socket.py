"""A run's websocket (/ws/runs/<id>/): a snapshot on connect, then one frame per sample with
`seq` rising by one; a viewer that falls behind gets the newest frame, not a backlog."""

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator

from apps.engine.models import Run
from apps.engine.services import run_start
from apps.engine.stream import RunStream, frame_key, publisher
from apps.runtime.driver import Sample
from apps.runtime.fleet import Fleet, ensure_fleet
from apps.runtime.plan import compile_plan
from apps.runtime.redis import client
from apps.scenarios.services import scenario_create
from apps.topology.blank import blank_document
from playground.asgi import application
from tests.factories import edge, node

pytestmark = [pytest.mark.engine, pytest.mark.django_db(transaction=True)]

ORIGIN = [(b"origin", b"http://localhost")]


def tiny(duration_s: float = 2) -> dict[str, Any]:
    doc = blank_document(name="Tiny")
    doc["nodes"] = [node("users", "client", 0, 0, rate=5), node("api", "service", 200, 0, replicas=1)]
    doc["edges"] = [edge("e1", "users", "api")]
    doc["run"] = {"duration_s": duration_s, "seed": 7, "speed": 1}
    return doc


def connect(run_id: str, headers: list[tuple[bytes, bytes]] = ORIGIN) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/ws/runs/{run_id}/", headers=headers)


def run(test: Any) -> Any:
    """Run an async test body; its database calls happen on this thread's connection."""
    return async_to_sync(test)()


def idle_run(status: str = Run.Status.RUNNING, **fields: Any) -> Run:
    """A run row no worker drives: the test publishes its frames itself."""
    scenario, _ = scenario_create(document=tiny())
    row = Run(scenario=scenario, revision=1, document=scenario.document, seed=7, speed=1.0, duration_s=2)
    row.set_expiry()
    row.status = status
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()
    return row


def sample(t: float, created: int) -> Sample:
    stats = {"requests:created": float(created), "requests:completed": float(created - 1), "node:api:processed": 2.0}
    return Sample(t, {"depths": {"wait:api:0": 1}, "stats": stats})


@pytest.fixture
def stream() -> Iterator[RunStream]:
    row = idle_run()
    yield RunStream(row.id, compile_plan(row.document), duration_s=row.duration_s)
    client().delete(frame_key(row.id))


def pictures(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The whole frames a viewer holds: each delta merged into the frame it is based on."""
    held: list[dict[str, Any]] = []
    for message in messages:
        if message["type"] == "delta":
            base = held[-1]
            assert base["seq"] == message["base"]
            message = {
                **base, **message, "nodes": {**base["nodes"], **message["nodes"]},
                "edges": {**base["edges"], **message["edges"]},
            }  # fmt: skip
        held.append(message)
    return held


def test_snapshot_on_connect_then_deltas_with_seq_rising_by_one(stream: RunStream) -> None:
    for i in range(3):  # the run is under way before the viewer arrives
        stream.publish_sample(sample(0.2 * i, created=i + 1))
    publisher.flush()

    async def scenario_test() -> list[dict[str, Any]]:
        socket = connect(stream.run_id)
        connected, _ = await socket.connect()
        assert connected
        frames = [await socket.receive_json_from(timeout=5)]
        for i in range(3, 8):
            await sync_to_async(stream.publish_sample)(sample(0.2 * i, created=i + 1))
            frames.append(await socket.receive_json_from(timeout=5))
        await socket.disconnect()
        return frames

    frames = run(scenario_test)
    snapshot, deltas = frames[0], frames[1:]
    assert snapshot["type"] == "snapshot" and snapshot["seq"] == 3 and snapshot["status"] == "running"
    assert snapshot["requests"]["created"] == 3  # the current state at once
    # The first frame after the viewer subscribed comes whole, the next ones as changes.
    assert [f["type"] for f in deltas] == ["frame"] + ["delta"] * 4
    assert [f["seq"] for f in deltas] == [4, 5, 6, 7, 8]
    assert [f["base"] for f in deltas[1:]] == [4, 5, 6, 7]
    last = pictures(frames)[-1]
    assert last["t"] == pytest.approx(1.4) and last["requests"]["created"] == 8 and last["requests"]["in_flight"] == 1
    assert last["nodes"]["api"]["depth"] == 1 and last["nodes"]["api"]["processed"] == 2
    assert last["edges"]["e1"]["calls"] == 0


def test_a_viewer_behind_gets_the_newest_frame_not_a_backlog(stream: RunStream) -> None:
    async def scenario_test() -> list[int]:
        socket = connect(stream.run_id)
        connected, _ = await socket.connect()
        assert connected
        seqs = [(await socket.receive_json_from(timeout=5))["seq"]]

        def burst() -> None:
            for i in range(40):
                stream.publish_sample(sample(0.2 * i, created=i + 1))
            publisher.flush()

        await sync_to_async(burst)()
        while seqs[-1] < 40:
            seqs.append((await socket.receive_json_from(timeout=5))["seq"])
        await asyncio.sleep(0.2)
        assert await socket.receive_nothing(timeout=0.2)
        await socket.disconnect()
        return seqs

    seqs = run(scenario_test)
    assert seqs[0] == 0 and seqs[-1] == 40  # a snapshot of a run with no frame yet, then up to the newest
    assert seqs == sorted(set(seqs))  # never an old frame after a newer one, never twice


def test_a_late_joiner_of_an_ended_run_gets_its_last_point() -> None:
    point = {"seq": 9, "t": 2.4, "requests": {"created": 12}, "messages": {}, "latency_ms": None, "nodes": {}}
    row = idle_run(Run.Status.FINISHED, series=[{**point, "seq": 8, "t": 2.0}, point])

    async def scenario_test() -> dict[str, Any]:
        socket = connect(row.id)
        connected, _ = await socket.connect()
        assert connected
        frame: dict[str, Any] = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return frame

    frame = run(scenario_test)
    assert frame["type"] == "snapshot" and frame["status"] == "finished"
    assert frame["seq"] == 9 and frame["requests"] == {"created": 12}


def test_unknown_run_is_closed_with_4404() -> None:
    """Accepted, then closed with 4404 (a refused handshake reaches a browser as a bare 403)."""

    async def scenario_test() -> tuple[bool, Any]:
        socket = connect("nosuchrun")
        connected, _ = await socket.connect()
        closed = await socket.receive_output(timeout=5)
        return connected, closed

    connected, closed = run(scenario_test)
    assert connected and closed == {"type": "websocket.close", "code": 4404}


def test_foreign_origin_is_refused() -> None:
    row = idle_run()

    async def scenario_test() -> bool:
        socket = connect(row.id, headers=[(b"origin", b"http://evil.example")])
        connected, _ = await socket.connect()
        return bool(connected)

    assert run(scenario_test) is False


# --- a real run, end to end ----------------------------------------------------------------


@pytest.fixture(scope="module")
def fleet(django_db_setup: None) -> Iterator[Fleet]:
    running = ensure_fleet(control=True)
    yield running
    running.stop()


def test_a_real_run_streams_until_it_ends(fleet: Fleet) -> None:
    scenario, _ = scenario_create(document=tiny(duration_s=2))
    started = run_start(scenario=scenario)

    async def scenario_test() -> list[dict[str, Any]]:
        socket = connect(started.id)
        connected, _ = await socket.connect()
        assert connected
        frames = [await socket.receive_json_from(timeout=10)]
        while frames[-1]["status"] not in ("finished", "stopped", "failed"):
            frames.append(await socket.receive_json_from(timeout=30))
        await socket.disconnect()
        return frames

    frames = run(scenario_test)
    assert frames[0]["type"] == "snapshot"
    seqs = [f["seq"] for f in frames]
    assert seqs == sorted(set(seqs))
    assert frames[-1]["type"] == "status" and frames[-1]["status"] == "finished"
    deltas = [f for f in frames if f["type"] == "delta"]
    assert len(deltas) >= 5  # ~5 a second
    assert {f["status"] for f in frames} >= {"running", "draining", "finished"}
    whole = pictures(frames)
    assert whole[-1]["requests"]["created"] > 0 and "api" in whole[-1]["nodes"]
    assert whole[-1]["nodes"]["api"]["instances"]["0"]["alive"] is True
    row = Run.objects.get(pk=started.id)
    assert row.status == "finished" and row.summary is not None
    assert row.summary["requests"]["created"] == frames[-1]["requests"]["created"]


def test_a_max_run_never_shows_a_time_past_its_last_event(fleet: Fleet) -> None:
    """At max, once everything is applied the run's clock has no ceiling: its frames must still
    show the run time of what happened (the end of traffic, or the last event of the drain)."""
    scenario, _ = scenario_create(document=tiny(duration_s=2))
    started = run_start(scenario=scenario, speed="max")

    async def scenario_test() -> list[dict[str, Any]]:
        socket = connect(started.id)
        await socket.connect()
        frames = [await socket.receive_json_from(timeout=10)]
        while frames[-1]["status"] not in ("finished", "stopped", "failed"):
            frames.append(await socket.receive_json_from(timeout=30))
        await socket.disconnect()
        return frames

    times = [frame["t"] for frame in run(scenario_test) if "t" in frame]
    assert max(times) >= 2.0
    assert max(times) < 3.0, times  # the tiny run's last request ends well within a second
