"""The viewers of a run in one process share one subscription (apps/live/fanout.py): one member
of the run's group, one JSON encoding per frame; a slow viewer gets the newest frame and never
holds up another; the subscription is released when the last viewer leaves."""

import asyncio
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from apps.engine.stream import RunStream, frame_key, publisher, run_group
from apps.live.fanout import Outbox, fanout
from apps.runtime.plan import compile_plan
from apps.runtime.redis import client
from tests.live.test_run_socket import connect, idle_run, run, sample

pytestmark = [pytest.mark.engine, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def stream() -> Iterator[RunStream]:
    row = idle_run()
    yield RunStream(row.id, compile_plan(row.document), duration_s=row.duration_s)
    client().delete(frame_key(row.id))


async def group_members(run_id: str) -> list[str]:
    """The channels in the run's group, as channels-redis stores them (a sorted set)."""
    layer = get_channel_layer()
    group = run_group(run_id)
    connection = layer.connection(layer.consistent_hash(group))
    return [member.decode() for member in await connection.zrange(layer._group_key(group), 0, -1)]


async def publish(stream: RunStream, seq: int) -> None:
    def one() -> None:
        stream.publish_sample(sample(0.2 * seq, created=seq))
        publisher.flush()

    await sync_to_async(one)()


async def until(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.01)


class Viewer:
    """An outbox whose socket records the seqs sent; a slow one blocks on its first send."""

    def __init__(self, *, slow: bool = False) -> None:
        self.seqs: list[int] = []
        self.gate = asyncio.Event()
        if not slow:
            self.gate.set()
        self.outbox = Outbox(self.send, channel_name="unused")

    async def send(self, text: str) -> None:
        self.seqs.append(json.loads(text)["seq"])
        await self.gate.wait()


def test_two_viewers_share_one_subscription_released_when_both_leave(stream: RunStream) -> None:
    async def body() -> None:
        first, second = connect(stream.run_id), connect(stream.run_id)
        for socket in (first, second):
            connected, _ = await socket.connect()
            assert connected
            assert (await socket.receive_json_from(timeout=5))["type"] == "snapshot"
        members = await group_members(stream.run_id)
        assert len(members) == 1  # one subscription for the process, not one per viewer
        assert len(fanout().runs[stream.run_id].viewers) == 2

        for seq in (1, 2, 3):
            await publish(stream, seq)
        texts = [[await socket.receive_from(timeout=5) for _ in range(3)] for socket in (first, second)]
        assert texts[0] == texts[1]  # the same text, encoded once
        assert [json.loads(text)["seq"] for text in texts[0]] == [1, 2, 3]

        await first.disconnect()
        assert await group_members(stream.run_id) == members
        await publish(stream, 4)
        assert (await second.receive_json_from(timeout=5))["seq"] == 4

        await second.disconnect()
        assert await group_members(stream.run_id) == []
        assert stream.run_id not in fanout().runs

    run(body)


def test_a_slow_viewer_gets_the_newest_frame_and_never_holds_up_another(stream: RunStream) -> None:
    async def body() -> tuple[list[int], list[int]]:
        fast, slow = Viewer(), Viewer(slow=True)
        hub = fanout()
        for viewer in (fast, slow):
            await hub.join(stream.run_id, viewer.outbox)
            viewer.outbox.release(0)  # as after a snapshot of seq 0
        for seq in range(1, 11):
            await publish(stream, seq)
            await until(lambda seq=seq: fast.seqs[-1:] == [seq])  # the fast one gets each frame
        assert slow.seqs == [1]  # still sending its first frame
        assert slow.outbox.waiting is not None and slow.outbox.waiting.seq == 10  # only the newest waits
        slow.gate.set()
        await until(lambda: slow.seqs[-1] == 10)
        await asyncio.sleep(0.1)
        for viewer in (fast, slow):
            viewer.outbox.close()
            await hub.leave(stream.run_id, viewer.outbox)
        assert await group_members(stream.run_id) == []
        return fast.seqs, slow.seqs

    fast_seqs, slow_seqs = run(body)
    assert fast_seqs == list(range(1, 11))
    assert slow_seqs == [1, 10]


def test_the_reader_survives_a_channel_layer_error(stream: RunStream, caplog: pytest.LogCaptureFixture) -> None:
    layer = get_channel_layer()
    receive = layer.receive
    failures = [ConnectionError("redis went away")]

    async def flaky(channel: str) -> dict[str, Any]:
        if failures:
            raise failures.pop()
        message: dict[str, Any] = await receive(channel)
        return message

    async def body() -> list[int]:
        viewer = Viewer()
        with mock.patch.object(layer, "receive", autospec=True, side_effect=flaky):
            await fanout().join(stream.run_id, viewer.outbox)
            viewer.outbox.release(0)
            await publish(stream, 1)
            await until(lambda: viewer.seqs == [1])
            viewer.outbox.close()
            await fanout().leave(stream.run_id, viewer.outbox)
        assert await group_members(stream.run_id) == []
        return viewer.seqs

    with caplog.at_level(logging.WARNING, logger="apps.live.fanout"):
        assert run(body) == [1]
    assert "retrying" in caplog.text


def test_other_messages_to_the_run_group_reach_each_viewer_channel(stream: RunStream) -> None:
    async def body() -> dict[str, Any]:
        layer = get_channel_layer()
        channel = await layer.new_channel()
        outbox = Outbox(Viewer().send, channel_name=channel)
        await fanout().join(stream.run_id, outbox)
        await layer.group_send(run_group(stream.run_id), {"type": "run.notice", "text": "hello"})
        message: dict[str, Any] = await asyncio.wait_for(layer.receive(channel), timeout=5)
        outbox.close()
        await fanout().leave(stream.run_id, outbox)
        return message

    assert run(body) == {"type": "run.notice", "text": "hello"}
