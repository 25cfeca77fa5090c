"""A session's messages fanned out inside the process: one subscription per session, one
encoding per message, and at most one waiting message of each type per member.

Everything said in a session goes to its Channels group once (`session_group(code)`) as a
`session.relay` message holding its JSON text and its `kind` (view, laser, ...). A change of the
session's state is only a `dirty` note: each process reads the state once, a moment later, for
all its members, however many changes came meanwhile. The
members of a session in one process (one event loop) share ONE channel in that group and ONE
reader, which offers the text to each member's `Mailbox`. A mailbox keeps only the newest text
of each kind: every kind is a whole picture (the instructor's view, the laser's position, the
session's state), so a slow participant skips to the newest instead of falling behind, and a
class of hundreds costs one channel-layer message per process, not one per participant.
"""

import asyncio
import json
import logging
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from apps.live.group_reader import GroupReader

log = logging.getLogger(__name__)


def state_text(code: str) -> str | None:
    """The session's public state as a `state` message (None once the session is gone)."""
    from apps.training.selectors import session_get  # the models load after this module
    from apps.training.state import session_state

    session = session_get(code=code)
    return json.dumps({"type": "state", "state": session_state(session)}) if session else None


RELAY_TYPE = "session.relay"
GAP_S = {"laser": 0.06, "view": 0.05}  # a member gets each kind at most this often
STATE_DEBOUNCE_S = 0.15  # changes this close together make one state message


def session_group(code: str) -> str:
    return f"session.{code}"


class Mailbox:
    """One member's newest unsent text of each kind, sent in the order the kinds arrived.

    Nothing is sent while it is held (from its creation until the member's `hello` went out),
    and a kind is sent at most once per its GAP_S: a newer text replaces one that waits for
    its turn (a timer, armed only while something waits), so a member gets the laser ~16
    times a second however often it moves, and other kinds are never held up by it."""

    def __init__(self, send: Callable[[str], Awaitable[None]]) -> None:
        self.waiting: dict[str, str] = {}  # kind -> text; dicts keep insertion order
        self.sent_at: dict[str, float] = {}
        self.held = True
        self.closed = False
        self._send = send
        self._sender: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None

    def offer(self, kind: str, text: str) -> None:
        if self.closed:
            return
        self.waiting.pop(kind, None)  # the newer one goes to the back, as it arrived last
        self.waiting[kind] = text
        self._schedule()

    def release(self) -> None:
        self.held = False
        self._schedule()

    def close(self) -> None:
        self.closed = self.held = True
        self.waiting.clear()
        if self._timer is not None:
            self._timer.cancel()
        if self._sender is not None:
            self._sender.cancel()

    def _due(self, kind: str) -> float:
        return self.sent_at.get(kind, -1e9) + GAP_S.get(kind, 0.0)

    def _schedule(self) -> None:
        """Send now what is due (unless a send is under way: it goes on with it), else arm the
        timer for the first kind's turn."""
        if self.held or self.closed or not self.waiting or (self._sender is not None and not self._sender.done()):
            return
        loop = asyncio.get_running_loop()
        due = min(self._due(kind) for kind in self.waiting)
        if due <= loop.time():
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._sender = loop.create_task(self._drain())
        elif self._timer is None or self._timer.when() > due:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = loop.call_at(due, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self._schedule()

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        while not self.closed:
            now = loop.time()
            kind = next((kind for kind in self.waiting if self._due(kind) <= now), None)
            if kind is None:
                break
            text = self.waiting.pop(kind)
            self.sent_at[kind] = now
            try:
                await self._send(text)
            except Exception:
                log.warning("could not send a session message to a member", exc_info=True)
                return
        self._sender = None
        self._schedule()


@dataclass(eq=False)
class Subscription:
    code: str
    members: set[Mailbox] = field(default_factory=set)
    group: GroupReader | None = None
    joining: "asyncio.Task[None] | None" = None
    dirty: bool = False  # the state changed since it was last read
    refreshing: "asyncio.Task[None] | None" = None


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
        if subscription.refreshing is not None:
            subscription.refreshing.cancel()
        assert subscription.group is not None
        await asyncio.shield(subscription.group.stop(subscription.joining))

    async def _deliver(self, subscription: Subscription, message: dict[str, Any]) -> None:
        kind, text = message.get("kind"), message.get("text")
        if message.get("type") != RELAY_TYPE or not isinstance(kind, str):
            return
        if kind == "dirty":
            self._refresh(subscription)
            return
        if not isinstance(text, str):
            return
        for mailbox in list(subscription.members):
            mailbox.offer(kind, text)

    def _refresh(self, subscription: Subscription) -> None:
        """The session's state changed: read it once for this process's members, a moment later
        (STATE_DEBOUNCE_S), so a burst of changes (a class answering) makes one message."""
        subscription.dirty = True
        if subscription.refreshing is None or subscription.refreshing.done():
            subscription.refreshing = asyncio.get_running_loop().create_task(self._read_state(subscription))

    @staticmethod
    async def _read_state(subscription: Subscription) -> None:
        while subscription.dirty and subscription.members:
            await asyncio.sleep(STATE_DEBOUNCE_S)
            subscription.dirty = False
            try:
                text = await database_sync_to_async(state_text)(subscription.code)
            except Exception:
                log.warning("session %s: could not read its state", subscription.code, exc_info=True)
                continue
            if text is not None:
                for mailbox in list(subscription.members):
                    mailbox.offer("state", text)


_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SessionFanout]" = weakref.WeakKeyDictionary()


def session_fanout() -> SessionFanout:
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = SessionFanout()
    return hub
