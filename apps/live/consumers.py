"""Websocket consumers. They only move messages; the work happens elsewhere."""

import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from apps.engine.selectors import run_get, run_snapshot
from apps.live.fanout import Outbox, fanout
from apps.live.groups import scenario_group
from apps.live.socket_rules import CLOSE_NOT_FOUND, NOT_READ, LeavesOnClose, QuickDispatch, ReadsJson
from apps.scenarios.selectors import scenario_get

SNAPSHOT_EVERY_S = 0.5  # a viewer's snapshot requests are answered at most this often


class ViewerConsumer(ReadsJson, QuickDispatch, AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """A socket whose viewer mostly listens; what it may send: apps/live/socket_rules.py."""

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        content = await self.read(text_data, bytes_data)
        if content is not NOT_READ:
            await self.receive_json(content, **kwargs)

    async def _error(self, message: str) -> None:
        await self.send_json({"type": "error", "message": message})

    async def _not_found(self) -> None:
        """Accepted, then closed with CLOSE_NOT_FOUND: a refused handshake would reach the
        browser as a bare 403, with no way to tell an unknown id from a foreign origin."""
        await self.accept()
        await self.close(code=CLOSE_NOT_FOUND)


class ScenarioConsumer(ViewerConsumer):
    """Tells everyone looking at a scenario when its owner saves a new revision or starts a run."""

    group: str | None = None

    async def connect(self) -> None:
        slug = self.scope["url_route"]["kwargs"]["slug"]
        scenario = await database_sync_to_async(scenario_get)(slug=slug)
        if scenario is None:
            await self._not_found()
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

    async def run_started(self, event: dict[str, Any]) -> None:
        fields = ("run_id", "stream", "speed", "duration_s")
        await self.send_json({"type": "run.started", **{name: event[name] for name in fields}})


class RunConsumer(LeavesOnClose, ViewerConsumer):
    """Streams a run's live frames (apps/engine/stream.py) to one viewer.

    On connect the viewer gets the run's current state as a `snapshot`, then every newer
    frame. A viewer that acknowledges each frame it handled, `{"type": "ack", "seq"}` (the
    editor does), is sent the next one only while fewer than ACK_WINDOW are unacknowledged;
    meanwhile only the newest frame waits: each frame is the run's whole picture, so skipping
    one loses resolution, not state. A viewer that sees a gap in `seq` may ask for a fresh
    snapshot: `{"type": "snapshot"}`.

    The viewer does not join the run's group itself: the viewers of a run in this process share
    one subscription, which encodes each frame once and offers it to each viewer's outbox
    (apps/live/fanout.py).
    """

    run_id = ""
    snapshot_at = -SNAPSHOT_EVERY_S
    outbox: Outbox | None = None

    async def connect(self) -> None:
        run_id = self.scope["url_route"]["kwargs"]["run_id"]
        run = await database_sync_to_async(run_get)(run_id=run_id)
        if run is None:
            await self._not_found()
            return
        self.run_id = run.id
        outbox = Outbox(self._send_text, channel_name=self.channel_name)
        await fanout().join(run.id, outbox)  # subscribed before the snapshot: no gap
        self.outbox = outbox
        await self.accept()
        await self._send_snapshot()

    async def disconnect(self, code: int) -> None:
        await self._leave()

    async def _leave(self) -> None:
        outbox, self.outbox = self.outbox, None
        if outbox is not None:
            outbox.close()
            await fanout().leave(self.run_id, outbox)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Viewers only listen (the owner stops a run or fires faults through the JSON API),
        except to acknowledge frames, `{"type": "ack", "seq"}`, and to ask again for the whole
        picture, `{"type": "snapshot"}`, after a gap in `seq`. Asking more often than every
        SNAPSHOT_EVERY_S is ignored."""
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "ack":
            await self._acknowledge(content.get("seq"))
            return
        if kind != "snapshot" or self.outbox is None:
            return
        now = time.monotonic()
        if now - self.snapshot_at < SNAPSHOT_EVERY_S:
            return
        await self._send_snapshot()

    async def _acknowledge(self, seq: Any) -> None:
        if isinstance(seq, bool) or not isinstance(seq, int):
            await self._error('an ack needs the integer seq of the frame handled: {"type": "ack", "seq": 42}')
        elif self.outbox is not None:
            self.outbox.acknowledge(seq)

    async def _send_snapshot(self) -> None:
        """The run's current state as a `snapshot` (sent even when its `seq` was sent before).
        No frame leaves meanwhile, and none older than the snapshot after it."""
        outbox = self.outbox
        if outbox is None:
            return
        self.snapshot_at = time.monotonic()
        outbox.hold()
        seq = -1
        try:
            snapshot = await database_sync_to_async(run_snapshot)(run_id=self.run_id)
            if snapshot is not None:
                seq = int(snapshot["seq"])
                await self.send_json(snapshot)
        finally:
            outbox.release(seq)

    async def _send_text(self, text: str) -> None:
        await self.send(text_data=text)
