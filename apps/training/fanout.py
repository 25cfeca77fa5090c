"""A session's messages fanned out inside the process: one subscription per session, one
encoding per message, and at most one waiting message of each type per member.

Everything said in a session goes to its Channels group once (`session_group(code)`) as a
`session.relay` message holding its JSON text and its `kind` (view, laser, state, ...). The
members of a session in one process (one event loop) share ONE channel in that group and ONE
reader, which offers the text to each member's `Mailbox`. A mailbox keeps only the newest text
of each kind: every kind is a whole picture (the instructor's view, the laser's position, the
session's state), so a slow participant skips to the newest instead of falling behind, and a
class of hundreds costs one channel-layer message per process, not one per participant.
"""

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from channels.layers import get_channel_layer

from apps.live.group_reader import GroupReader

log = logging.getLogger(__name__)

RELAY_TYPE = "session.relay"


def session_group(code: str) -> str:
    return f"session.{code}"


class Mailbox:
    """One member's newest unsent text of each kind, sent in the order the kinds arrived."""

    def __init__(self, send: Callable[[str], Awaitable[None]]) -> None:
        self.waiting: dict[str, str] = {}  # kind -> text; dicts keep insertion order
        self.closed = False
        self._send = send
        self._sender: asyncio.Task[None] | None = None

    def offer(self, kind: str, text: str) -> None:
        if self.closed:
            return
        self.waiting.pop(kind, None)  # the newer one goes to the back, as it arrived last
        self.waiting[kind] = text
        if self._sender is None or self._sender.done():
            self._sender = asyncio.get_running_loop().create_task(self._drain())

    def close(self) -> None:
        self.closed = True
        self.waiting.clear()
        if self._sender is not None:
            self._sender.cancel()

    async def _drain(self) -> None:
        while self.waiting and not self.closed:
            kind = next(iter(self.waiting))
            text = self.waiting.pop(kind)
            try:
                await self._send(text)
            except Exception:
                log.warning("could not send a session message to a member", exc_info=True)
                return


@dataclass(eq=False)
class Subscription:
    code: str
    members: set[Mailbox] = field(default_factory=set)
    group: GroupReader | None = None
    joining: "asyncio.Task[None] | None" = None


class SessionFanout:
    """This event loop's subscriptions, by session code."""

    def __init__(self) -> None:
        self.sessions: dict[str, Subscription] = {}

    async def join(self, code: str, mailbox: Mailbox) -> None:
        subscription = self.sessions.get(code)
        if subscription is None:
            layer = get_channel_layer()
            if layer is None:
                raise RuntimeError("no channel layer is configured")
            subscription = self.sessions[code] = Subscription(code=code)
            subscription.group = GroupReader(layer, session_group(code), partial(self._deliver, subscription))
            subscription.joining = asyncio.get_running_loop().create_task(subscription.group.start())
        subscription.members.add(mailbox)
        assert subscription.joining is not None
        try:
            await asyncio.shield(subscription.joining)
        except BaseException:
            await self.leave(code, mailbox)
            raise

    async def leave(self, code: str, mailbox: Mailbox) -> None:
        subscription = self.sessions.get(code)
        if subscription is None or mailbox not in subscription.members:
            return
        subscription.members.discard(mailbox)
        if subscription.members:
            return
        del self.sessions[code]
        assert subscription.group is not None
        await asyncio.shield(subscription.group.stop(subscription.joining))

    @staticmethod
    async def _deliver(subscription: Subscription, message: dict[str, Any]) -> None:
        kind, text = message.get("kind"), message.get("text")
        if message.get("type") != RELAY_TYPE or not isinstance(kind, str) or not isinstance(text, str):
            return
        for mailbox in list(subscription.members):
            mailbox.offer(kind, text)


_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SessionFanout]" = weakref.WeakKeyDictionary()


def session_fanout() -> SessionFanout:
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = SessionFanout()
    return hub
