"""One channel of this process in a Channels group, and the task that reads it.

Both fan-outs (a run's frames, apps/live/fanout.py; a session's messages,
apps/training/fanout.py) subscribe once per group and process instead of once per socket.
This is that subscription: `start` makes the channel and adds it to the group (the channel is
in the group when it returns), then reads it until `stop`, handing each message to
`deliver`. A channel-layer error is logged, then the reader waits (RETRY_FIRST_S, doubling up
to RETRY_MAX_S) and adds the channel to the group again (a Redis restart loses memberships).
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from channels.layers import BaseChannelLayer

log = logging.getLogger(__name__)

RETRY_FIRST_S = 0.1
RETRY_MAX_S = 2.0


class GroupReader:
    def __init__(
        self, layer: BaseChannelLayer, group: str, deliver: Callable[[dict[str, Any]], Awaitable[None]]
    ) -> None:
        self.layer = layer
        self.group = group
        self.deliver = deliver
        self.channel: str | None = None
        self.reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        # the default prefix: channels-redis pops every channel of the process from one list
        self.channel = await self.layer.new_channel()
        await self.layer.group_add(self.group, self.channel)
        self.reader = asyncio.get_running_loop().create_task(self._read())

    async def stop(self, starting: "asyncio.Task[None] | None" = None) -> None:
        """Cancel the start (if still under way) and the reading, then leave the group."""
        tasks = [task for task in (starting, self.reader) if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self.channel is None:
            return
        try:
            await self.layer.group_discard(self.group, self.channel)
        except Exception:
            log.warning("could not leave the group %s", self.group, exc_info=True)

    async def _read(self) -> None:
        assert self.channel is not None
        delay = RETRY_FIRST_S
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except Exception:
                log.warning("the group %s's channel failed; retrying in %.1f s", self.group, delay, exc_info=True)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_S)
                await self._rejoin()
                continue
            delay = RETRY_FIRST_S
            await self.deliver(message)

    async def _rejoin(self) -> None:
        assert self.channel is not None
        try:
            await self.layer.group_add(self.group, self.channel)
        except Exception:
            log.warning("could not rejoin the group %s", self.group, exc_info=True)
