"""A member whose connection has not sent what it was given gets nothing more until it has,
then only the newest of each kind (apps/live/backlog.py measures the connection)."""

import asyncio

from apps.live.backlog import BACKLOG_POLL_S
from apps.training.fanout import Mailbox


def test_nothing_more_leaves_while_the_connection_is_behind() -> None:
    sent: list[str] = []
    unsent = [0]

    async def send(text: str) -> None:
        sent.append(text)

    async def body() -> None:
        mailbox = Mailbox(send, backlog=lambda: unsent[0])
        mailbox.release()
        mailbox.offer("state", "state 1")
        await asyncio.sleep(0.01)
        unsent[0] = 3000  # the member stopped reading
        for n in range(10):
            mailbox.offer("view", f"view {n}")
            mailbox.offer("state", f"state {n + 2}")
            await asyncio.sleep(0.02)
        assert sent == ["state 1"]
        unsent[0] = 0
        await asyncio.sleep(BACKLOG_POLL_S * 2)
        mailbox.close()

    asyncio.run(body())
    assert sent == ["state 1", "view 9", "state 11"]
