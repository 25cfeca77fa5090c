"""Websocket connections over their quota are closed with 4429; open ones are counted per process."""

from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator

from apps.ops.asgi import viewers
from apps.scenarios.services import scenario_create
from playground.asgi import application
from tests.factories import small_document

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = [(b"origin", b"http://localhost")]


@pytest.fixture(autouse=True)
def fresh_channel_layer() -> Iterator[None]:
    channel_layers.backends = {}
    yield
    channel_layers.backends = {}


def connect(path: str, address: str) -> WebsocketCommunicator:
    socket = WebsocketCommunicator(application, path, headers=ORIGIN)
    socket.scope["client"] = [address, 50000]
    return socket


def test_over_the_quota_a_connection_is_closed_with_4429(quota_settings: Any) -> None:
    quota_settings.PLAYGROUND_QUOTA_SOCKETS = "1/1m"
    scenario, _ = scenario_create(document=small_document())

    async def scenario_test() -> tuple[bool, Any, int, Any]:
        first = connect(f"/ws/scenarios/{scenario.slug}/", "10.9.9.9")
        connected, _ = await first.connect()
        open_now = viewers["scenarios"]
        second = connect(f"/ws/scenarios/{scenario.slug}/", "10.9.9.9")
        accepted, _ = await second.connect()
        closed = await second.receive_output(timeout=5)
        await first.disconnect()
        return connected and accepted, closed, open_now, viewers["scenarios"]

    accepted, closed, open_now, after = async_to_sync(scenario_test)()
    assert accepted
    assert closed["type"] == "websocket.close" and closed["code"] == 4429
    assert "try again in" in closed["reason"]
    assert open_now == 1 and after == 0  # the refused one was never counted


def test_another_client_still_connects(quota_settings: Any) -> None:
    quota_settings.PLAYGROUND_QUOTA_SOCKETS = "1/1m"
    scenario, _ = scenario_create(document=small_document())

    async def scenario_test() -> list[bool]:
        out = []
        for address in ("10.1.0.1", "10.1.0.2"):
            socket = connect(f"/ws/scenarios/{scenario.slug}/", address)
            connected, _ = await socket.connect()
            out.append(connected)
            await socket.disconnect()
        return out

    assert async_to_sync(scenario_test)() == [True, True]
