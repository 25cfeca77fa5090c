"""What a viewer sends to /ws/runs/<id>/ and /ws/scenarios/<slug>/ that is not a message they
understand: binary, empty or non-JSON is answered with an error, then the socket is closed with
4400; over 8 KB closes it with 4413; a well-formed message they do not take is answered or
ignored and the socket stays open. Never a 1011 and a traceback."""

import asyncio
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator

from apps.live.consumers import SNAPSHOT_EVERY_S
from apps.scenarios.services import scenario_create
from playground.asgi import application
from tests.factories import small_document
from tests.live.test_run_socket import idle_run

pytestmark = [pytest.mark.engine, pytest.mark.django_db(transaction=True)]

ORIGIN = [(b"origin", b"http://localhost")]
MALFORMED = [
    ({"text": "not json"}, "not JSON"),
    ({"text": ""}, "not JSON"),
    ({"text": '{"type": '}, "not JSON"),
    ({"bytes": b"\x00\x01"}, "not binary"),
    ({"bytes": b""}, "not binary"),
]


def path(kind: str) -> str:
    if kind == "run":
        return f"/ws/runs/{idle_run().id}/"
    scenario, _ = scenario_create(document=small_document())
    return f"/ws/scenarios/{scenario.slug}/"


@pytest.mark.parametrize("kind", ["run", "scenario"])
@pytest.mark.parametrize(("frame", "said"), MALFORMED)
def test_a_malformed_message_is_answered_then_the_socket_closed_4400(
    kind: str, frame: dict[str, Any], said: str
) -> None:
    url = path(kind)

    async def body() -> tuple[dict[str, Any], dict[str, Any]]:
        socket = WebsocketCommunicator(application, url, headers=ORIGIN)
        connected, _ = await socket.connect()
        assert connected
        if kind == "run":
            await socket.receive_json_from(timeout=5)  # the snapshot
        await socket.send_input({"type": "websocket.receive", **frame})
        error = await socket.receive_json_from(timeout=5)
        closed = await socket.receive_output(timeout=5)
        await socket.disconnect()
        return error, closed

    error, closed = async_to_sync(body)()
    assert error["type"] == "error" and said in error["message"]
    assert closed == {"type": "websocket.close", "code": 4400}


def test_a_well_formed_message_a_viewer_may_not_send_leaves_the_socket_open() -> None:
    url = path("run")

    async def body() -> dict[str, Any]:
        socket = WebsocketCommunicator(application, url, headers=ORIGIN)
        await socket.connect()
        await socket.receive_json_from(timeout=5)  # the snapshot
        await socket.send_json_to({"type": "fire", "fault": "kill_zone"})  # ignored: viewers only listen
        assert await socket.receive_nothing(timeout=0.2)
        await asyncio.sleep(SNAPSHOT_EVERY_S)
        await socket.send_json_to({"type": "snapshot"})
        after = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return after

    assert async_to_sync(body)()["type"] == "snapshot"


@pytest.mark.parametrize("kind", ["run", "scenario"])
def test_a_message_over_8_kb_closes_the_socket_with_4413(kind: str) -> None:
    url = path(kind)

    async def body() -> tuple[dict[str, Any], bool]:
        socket = WebsocketCommunicator(application, url, headers=ORIGIN)
        await socket.connect()
        if kind == "run":
            await socket.receive_json_from(timeout=5)
        await socket.send_json_to({"type": "snapshot", "pad": "x" * 8192})
        closed = await socket.receive_output(timeout=5)
        await socket.disconnect()
        small = WebsocketCommunicator(application, url, headers=ORIGIN)  # 8 KB itself is fine
        await small.connect()
        if kind == "run":
            await small.receive_json_from(timeout=5)
        text = '{"type": "hello", "pad": "' + "x" * (8192 - 28) + '"}'
        assert len(text) == 8192
        await small.send_to(text_data=text)
        still_open = await small.receive_nothing(timeout=0.5)
        await small.disconnect()
        return closed, still_open

    closed, still_open = async_to_sync(body)()
    assert closed == {"type": "websocket.close", "code": 4413}
    assert still_open


def test_multibyte_text_counts_in_bytes() -> None:
    url = path("scenario")

    async def body() -> dict[str, Any]:
        socket = WebsocketCommunicator(application, url, headers=ORIGIN)
        await socket.connect()
        await socket.send_to(text_data='"' + "é" * 5000 + '"')  # 5,002 characters, 10,002 bytes
        closed = await socket.receive_output(timeout=5)
        await socket.disconnect()
        return closed

    assert async_to_sync(body)() == {"type": "websocket.close", "code": 4413}


@pytest.mark.parametrize("seq", [None, "3", 1.5, True])
def test_an_ack_without_an_integer_seq_is_answered_with_an_error(seq: Any) -> None:
    url = path("run")

    async def body() -> dict[str, Any]:
        socket = WebsocketCommunicator(application, url, headers=ORIGIN)
        await socket.connect()
        await socket.receive_json_from(timeout=5)  # the snapshot
        await socket.send_json_to({"type": "ack", "seq": seq})
        error = await socket.receive_json_from(timeout=5)
        await socket.send_json_to({"type": "ack", "seq": 0})  # a good one: no answer
        assert await socket.receive_nothing(timeout=0.3)
        await socket.disconnect()
        return error

    error = async_to_sync(body)()
    assert error["type"] == "error" and "integer seq" in error["message"]


def test_messages_are_handled_without_a_thread_hop_each(monkeypatch: pytest.MonkeyPatch) -> None:
    """Channels would close stale database connections in a thread before every message (an
    ack, a laser point); these consumers reach the database only through
    database_sync_to_async, which does it itself (apps/live/consumers.py QuickDispatch)."""
    hops = 0

    async def counted() -> None:
        nonlocal hops
        hops += 1

    monkeypatch.setattr("channels.consumer.aclose_old_connections", counted)
    url = path("run")

    async def body() -> None:
        socket = WebsocketCommunicator(application, url, headers=ORIGIN)
        await socket.connect()
        await socket.receive_json_from(timeout=5)  # the snapshot
        for seq in range(10):
            await socket.send_json_to({"type": "ack", "seq": seq})
        assert await socket.receive_nothing(timeout=0.2)
        await socket.disconnect()

    async_to_sync(body)()
    assert hops == 0
