"""A viewer of /ws/runs/<id>/ that notices a gap in `seq` asks for the whole picture again:
`{"type": "snapshot"}` is answered with the run's current state (at most every 0.5 s)."""

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator

from apps.engine.models import Run
from apps.engine.stream import RunStream, frame_key, publisher
from apps.live.consumers import SNAPSHOT_EVERY_S
from apps.runtime.driver import Sample
from apps.runtime.plan import compile_plan
from apps.runtime.redis import client
from apps.scenarios.services import scenario_create
from apps.topology.blank import blank_document
from playground.asgi import application
from tests.factories import edge, node

pytestmark = [pytest.mark.engine, pytest.mark.django_db(transaction=True)]

ORIGIN = [(b"origin", b"http://localhost")]


def tiny() -> dict[str, Any]:
    doc = blank_document(name="Tiny")
    doc["nodes"] = [node("users", "client", 0, 0, rate=5), node("api", "service", 200, 0, replicas=1)]
    doc["edges"] = [edge("e1", "users", "api")]
    doc["run"] = {"duration_s": 2, "seed": 7, "speed": 1}
    return doc


def sample(t: float, created: int) -> Sample:
    return Sample(t, {"depths": {"wait:api:0": 1}, "stats": {"requests:created": float(created)}})


@pytest.fixture
def stream() -> Iterator[RunStream]:
    scenario, _ = scenario_create(document=tiny())
    row = Run(scenario=scenario, revision=1, document=scenario.document, seed=7, speed=1.0, duration_s=2)
    row.set_expiry()
    row.status = Run.Status.RUNNING
    row.save()
    yield RunStream(row.id, compile_plan(row.document), duration_s=row.duration_s)
    client().delete(frame_key(row.id))


def publish_quietly(stream: RunStream, count: int, start: int) -> None:
    """Frames the viewer will not read one by one (its own dropped frames, say)."""
    for i in range(start, start + count):
        stream.publish_sample(sample(0.2 * i, created=i + 1))
    publisher.flush()


def test_a_viewer_asking_for_a_snapshot_gets_the_current_picture(stream: RunStream) -> None:
    async def body() -> tuple[dict[str, Any], dict[str, Any]]:
        socket = WebsocketCommunicator(application, f"/ws/runs/{stream.run_id}/", headers=ORIGIN)
        connected, _ = await socket.connect()
        assert connected
        first = await socket.receive_json_from(timeout=5)
        await sync_to_async(publish_quietly)(stream, 4, 0)
        while (await socket.receive_json_from(timeout=5))["seq"] < 4:
            pass
        await asyncio.sleep(SNAPSHOT_EVERY_S)
        await socket.send_json_to({"type": "snapshot"})
        again = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return first, again

    first, again = async_to_sync(body)()
    assert first["type"] == "snapshot" and first["seq"] == 0
    assert again["type"] == "snapshot" and again["seq"] == 4  # sent again although seq 4 was sent
    assert again["requests"]["created"] == 4 and again["nodes"]["api"]["depth"] == 1


def test_snapshot_requests_are_answered_at_most_every_half_second(stream: RunStream) -> None:
    async def body() -> bool:
        socket = WebsocketCommunicator(application, f"/ws/runs/{stream.run_id}/", headers=ORIGIN)
        connected, _ = await socket.connect()
        assert connected
        await socket.receive_json_from(timeout=5)
        for _ in range(5):  # right after the connect's own snapshot
            await socket.send_json_to({"type": "snapshot"})
        quiet: bool = await socket.receive_nothing(timeout=0.2)
        await socket.disconnect()
        return quiet

    assert async_to_sync(body)() is True


def test_other_messages_are_ignored(stream: RunStream) -> None:
    async def body() -> bool:
        socket = WebsocketCommunicator(application, f"/ws/runs/{stream.run_id}/", headers=ORIGIN)
        connected, _ = await socket.connect()
        assert connected
        await socket.receive_json_from(timeout=5)
        await asyncio.sleep(SNAPSHOT_EVERY_S)
        for message in ({"type": "stop"}, ["snapshot"], {"kind": "snapshot"}):
            await socket.send_json_to(message)
        quiet: bool = await socket.receive_nothing(timeout=0.3)
        await socket.disconnect()
        return quiet

    assert async_to_sync(body)() is True
