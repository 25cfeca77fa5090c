"""Websocket consumers. They only move messages; the work happens elsewhere."""

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

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
