"""Websocket consumers. They only move messages; the work happens elsewhere."""

import asyncio
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from apps.engine.selectors import run_get, run_snapshot
from apps.engine.stream import run_group
from apps.live.groups import scenario_group
from apps.scenarios.selectors import scenario_get


class ScenarioConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """Tells everyone looking at a scenario when its owner saves a new revision."""

    group: str | None = None

    async def connect(self) -> None:
        slug = self.scope["url_route"]["kwargs"]["slug"]
        scenario = await database_sync_to_async(scenario_get)(slug=slug)
        if scenario is None:
            await self.close(code=4404)
            return
        self.group = scenario_group(slug)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Viewers only listen."""

    async def scenario_saved(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "scenario.saved", "revision": event["revision"], "name": event["name"]})


class RunConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """Streams a run's live frames (apps/engine/stream.py) to one viewer.

    On connect the viewer gets the run's current state as a `snapshot`, then every newer
    frame. A viewer that reads slower than frames come keeps only the newest frame waiting:
    each frame is the run's whole picture, so skipping one loses resolution, not state.
    """

    group: str | None = None
    sent_seq = -1
    waiting: dict[str, Any] | None = None
    sender: "asyncio.Task[None] | None" = None

    async def connect(self) -> None:
        run_id = self.scope["url_route"]["kwargs"]["run_id"]
        run = await database_sync_to_async(run_get)(run_id=run_id)
        if run is None:
            await self.close(code=4404)
            return
        self.group = run_group(run.id)
        await self.channel_layer.group_add(self.group, self.channel_name)  # before the snapshot: no gap
        await self.accept()
        snapshot = await database_sync_to_async(run_snapshot)(run_id=run.id)
        if snapshot is not None:
            self.sent_seq = int(snapshot["seq"])
            await self.send_json(snapshot)

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        if self.sender is not None:
            self.sender.cancel()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Viewers only listen; the owner stops a run or fires faults through the JSON API."""

    async def run_frame(self, event: dict[str, Any]) -> None:
        frame = event["frame"]
        if frame["seq"] <= self.sent_seq or (self.waiting is not None and frame["seq"] <= self.waiting["seq"]):
            return
        self.waiting = frame  # replaces an older frame this viewer has not been sent yet
        if self.sender is None or self.sender.done():
            self.sender = asyncio.ensure_future(self._send_waiting())

    async def _send_waiting(self) -> None:
        while self.waiting is not None:
            frame, self.waiting = self.waiting, None
            if frame["seq"] > self.sent_seq:
                self.sent_seq = frame["seq"]
                await self.send_json(frame)
