"""Viewers of a shared scenario (/ws/scenarios/<slug>/) hear when its owner starts a run, so
they can watch it (the run's own stream is /ws/runs/<id>/)."""

from typing import Any
from unittest import mock

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from apps.engine import services
from apps.engine.services import run_start
from apps.scenarios.services import scenario_create
from playground.asgi import application
from tests.factories import small_document

pytestmark = [pytest.mark.engine, pytest.mark.django_db(transaction=True)]

ORIGIN = [(b"origin", b"http://localhost")]


def test_viewer_is_told_when_the_owner_starts_a_run() -> None:
    scenario, _ = scenario_create(document=small_document())

    async def body() -> tuple[dict[str, Any], str]:
        socket = WebsocketCommunicator(application, f"/ws/scenarios/{scenario.slug}/", headers=ORIGIN)
        connected, _ = await socket.connect()
        assert connected
        with mock.patch.object(services.drive, "delay", autospec=True):  # no control worker here
            run = await database_sync_to_async(run_start)(scenario=scenario, speed=2, duration=5)
        message = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return message, run.id

    message, run_id = async_to_sync(body)()
    assert message == {
        "type": "run.started",
        "run_id": run_id,
        "stream": f"/ws/runs/{run_id}/",
        "speed": 2.0,
        "duration_s": 5.0,
    }
