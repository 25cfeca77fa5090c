"""Viewers of a shared scenario hear about the owner's saves over a websocket."""

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from apps.scenarios.services import scenario_create, scenario_update
from playground.asgi import application
from tests.factories import small_document

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = [(b"origin", b"http://localhost")]


def connect(slug: str, headers: list[tuple[bytes, bytes]] = ORIGIN) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/ws/scenarios/{slug}/", headers=headers)


def run(test: Any) -> Any:
    """Run an async test body; its database calls happen on this thread's connection."""
    return async_to_sync(test)()


def test_viewer_is_told_when_the_owner_saves() -> None:
    scenario, _ = scenario_create(document=small_document())

    async def scenario_test() -> dict[str, Any]:
        socket = connect(scenario.slug)
        connected, _ = await socket.connect()
        assert connected
        document = small_document("Renamed")
        await database_sync_to_async(scenario_update)(scenario=scenario, document=document)
        message = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return message

    assert run(scenario_test) == {"type": "scenario.saved", "revision": 2, "name": "Renamed"}


def test_unknown_scenario_is_closed_with_4404() -> None:
    """Accepted, then closed with 4404 (a refused handshake reaches a browser as a bare 403)."""

    async def scenario_test() -> tuple[bool, Any]:
        socket = connect("no-such-scenario")
        connected, _ = await socket.connect()
        closed = await socket.receive_output(timeout=5)
        return connected, closed

    connected, closed = run(scenario_test)
    assert connected and closed == {"type": "websocket.close", "code": 4404}


def test_foreign_origin_is_refused() -> None:
    scenario, _ = scenario_create(document=small_document())

    async def scenario_test() -> bool:
        socket = connect(scenario.slug, headers=[(b"origin", b"http://evil.example")])
        connected, _ = await socket.connect()
        return connected

    assert run(scenario_test) is False
