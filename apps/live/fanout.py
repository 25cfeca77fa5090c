"""A run's live frames fanned out inside the process: one subscription per run, one encoding per frame.

A run's frames (apps/engine/stream.py) are group-sent to `run_group(run_id)`. If each viewer's
consumer joined that group, every frame would be one channel-layer message per viewer: copied
N times through Redis, decoded N times and JSON-encoded N times. Instead the viewers of a run in
one process (one event loop) share a subscription: ONE channel in the run's group and ONE reader
task, which receives each frame, encodes it to JSON text once and offers `(seq, text)` to each
viewer's `Outbox`.

A frame that follows the previous one is also encoded once as a delta: its small fields and
only the `nodes` and `edges` entries that changed. A viewer whose last frame is the delta's
`base` is sent the delta; one that missed frames is sent the whole frame (`"type": "frame"`).

An Outbox keeps only the newest offered frame waiting and hands it to its socket when the
previous send has finished and, for a viewer that acknowledges frames (`{"type": "ack", "seq"}`,
as the editor does every ACK_EVERY messages), when fewer than ACK_WINDOW frames it was sent are
unacknowledged (an ack of a `seq` acknowledges the frames before it too). A
server's `send` cannot tell whether a viewer keeps up: daphne takes the bytes at once, and the
kernels and the browser buffer megabytes more; only the viewer's acknowledgement says it has
handled a frame. So a slow viewer loses resolution (a gap in `seq`), never state, never holds up
the reader or the other viewers, and costs at most one waiting frame. Other message
types group-sent to a run are relayed to each viewer's own channel, where the consumer's handler
for that type gets them as if it had joined the group itself (no order is kept between them and
frames).

The subscription is made when the run's first viewer in the process joins (its channel is in the
group before `join` returns, so a snapshot read afterwards leaves no gap) and released when the
last one leaves. There is one hub per event loop: channels-redis receives on one loop at a time,
and tests run each body on a loop of its own.
"""

import asyncio
import json
import logging
import weakref
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from channels.layers import BaseChannelLayer, get_channel_layer

from apps.engine.stream import run_group
from apps.live.group_reader import GroupReader

log = logging.getLogger(__name__)

FRAME_TYPE = "run.frame"  # what apps/engine/stream.py group-sends; anything else is relayed
ACK_WINDOW = 8  # frames an acknowledging viewer may have unacknowledged (1.6 s of them); the next one waits
ACK_EVERY = 4  # how often the editor acknowledges (every 4th message: fewer messages, never a stall)


class Outbox:
    """One viewer's side of the fan-out: the newest frame not yet sent, and the sending of it.

    `offer` never blocks and never queues more than one frame; frames whose `seq` is not newer
    than one sent or waiting are skipped. Nothing is sent while the outbox is held: it is held
    from its creation until the first snapshot went out (`release`), and again while a snapshot
    is being read (`hold`), so a frame never follows a snapshot it is older than.

    A viewer that acknowledges frames (`acknowledge`) is paced by its acknowledgements from its
    first one on: while ACK_WINDOW frames sent are unacknowledged, the newest frame waits.
    """

    def __init__(self, send: Callable[[str], Awaitable[None]], *, channel_name: str) -> None:
        self.channel_name = channel_name  # the viewer's own channel, for relayed messages
        self.sent_seq = -1
        self.waiting: Offer | None = None
        self.held = True
        self.closed = False
        self.paced = False  # the viewer acknowledges frames
        self.unacknowledged: deque[int] = deque()  # seqs sent since the viewer began acknowledging
        self._send = send
        self._sender: asyncio.Task[None] | None = None

    def offer(self, seq: int, text: str, delta: tuple[int, str] | None = None) -> None:
        """A frame as JSON text, and optionally its delta: (base seq, text of the changes since
        the frame `base`), sent instead when `base` is the last frame this viewer got."""
        if self.closed or seq <= self.sent_seq or (self.waiting is not None and seq <= self.waiting.seq):
            return
        self.waiting = Offer(seq, text, delta)  # replaces an older frame this viewer has not been sent yet
        self._start()

    def hold(self) -> None:
        self.held = True

    def acknowledge(self, seq: int) -> None:
        """The viewer has handled the frames up to `seq` (a snapshot's, too): send what waits."""
        self.paced = True
        while self.unacknowledged and self.unacknowledged[0] <= seq:
            self.unacknowledged.popleft()
        self._start()

    def _behind(self) -> bool:
        return self.paced and len(self.unacknowledged) >= ACK_WINDOW

    def release(self, sent_seq: int) -> None:
        """Send again; `sent_seq` is the snapshot's (frames up to it are skipped)."""
        self.sent_seq = max(self.sent_seq, sent_seq)
        self.held = False
        self._start()

    def close(self) -> None:
        self.closed = self.held = True
        self.waiting = None
        if self._sender is not None:
            self._sender.cancel()

    def _start(self) -> None:
        if self.held or self.closed or self.waiting is None or self._behind():
            return
        if self._sender is None or self._sender.done():
            self._sender = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        while self.waiting is not None and not self.held and not self._behind():
            offer, self.waiting = self.waiting, None
            if offer.seq <= self.sent_seq:
                continue
            text = offer.delta[1] if offer.delta is not None and offer.delta[0] == self.sent_seq else offer.full
            self.sent_seq = offer.seq
            if self.paced:
                self.unacknowledged.append(offer.seq)
            try:
                await self._send(text)
            except Exception:
                log.warning("could not send a run frame to a viewer", exc_info=True)
                return


@dataclass(frozen=True)
class Offer:
    seq: int
    full: str  # the whole picture, {"type": "frame", ...} (or a status frame, whole)
    delta: tuple[int, str] | None  # (base seq, {"type": "delta", "base": ...} with only what changed)


DIFFED = ("nodes", "edges")  # the large maps: a delta carries only their entries that changed


def frame_delta(previous: dict[str, Any], frame: dict[str, Any]) -> dict[str, Any]:
    """What changed from `previous` to `frame`: every small field, and of `nodes` and `edges`
    only the entries that differ (an entry is replaced whole). The viewer merges it into the
    frame it has (`base`), which gives `frame` again: nodes and edges never leave a run."""
    out = {key: value for key, value in frame.items() if key not in DIFFED}
    out["type"], out["base"] = "delta", previous["seq"]
    for key in DIFFED:
        before = previous.get(key) or {}
        out[key] = {name: value for name, value in (frame.get(key) or {}).items() if before.get(name) != value}
    return out


@dataclass(eq=False)
class Subscription:
    """A run's one channel in its group, in this process, and the viewers it feeds."""

    run_id: str
    layer: BaseChannelLayer
    viewers: set[Outbox] = field(default_factory=set)
    group: GroupReader | None = None
    joining: "asyncio.Task[None] | None" = None  # the group's channel being made and added
    last: dict[str, Any] | None = None  # the previous frame, to send the next one as a delta


class RunFanout:
    """This event loop's subscriptions, by run id."""

    def __init__(self) -> None:
        self.runs: dict[str, Subscription] = {}
        self._releasing: set[asyncio.Task[None]] = set()

    async def join(self, run_id: str, outbox: Outbox) -> None:
        """Add a viewer to the run's subscription, subscribing if it is the first; returns once
        the subscription's channel is in the run's group. Raises what the channel layer raised."""
        subscription = self.runs.get(run_id)
        if subscription is None:
            layer = get_channel_layer()
            if layer is None:
                raise RuntimeError("no channel layer is configured")
            subscription = Subscription(run_id=run_id, layer=layer)
            reader = GroupReader(layer, run_group(run_id), partial(self._deliver, subscription))
            subscription.group = reader
            self.runs[run_id] = subscription
            subscription.joining = asyncio.get_running_loop().create_task(reader.start())
        subscription.viewers.add(outbox)
        assert subscription.joining is not None
        try:
            await asyncio.shield(subscription.joining)
        except BaseException:
            await self.leave(run_id, outbox)
            raise

    async def leave(self, run_id: str, outbox: Outbox) -> None:
        """Remove a viewer; the last one out releases the subscription (its channel leaves the
        group, its reader stops). Does nothing for a viewer not in the run's subscription."""
        subscription = self.runs.get(run_id)
        if subscription is None or outbox not in subscription.viewers:
            return
        subscription.viewers.discard(outbox)
        if subscription.viewers:
            return
        del self.runs[run_id]  # a viewer joining from now on makes a new subscription
        assert subscription.group is not None
        release = asyncio.get_running_loop().create_task(subscription.group.stop(subscription.joining))
        self._releasing.add(release)
        release.add_done_callback(self._releasing.discard)
        await asyncio.shield(release)

    async def _deliver(self, subscription: Subscription, message: dict[str, Any]) -> None:
        if message.get("type") != FRAME_TYPE:
            for outbox in list(subscription.viewers):
                try:
                    await subscription.layer.send(outbox.channel_name, message)
                except Exception:
                    log.warning(
                        "run %s: could not relay a %r message",
                        subscription.run_id,
                        message.get("type"),
                        exc_info=True,
                    )
            return
        try:
            frame = message["frame"]
            seq = int(frame["seq"])
            regular = frame.get("type") == "delta"  # status frames always go whole
            text = json.dumps({**frame, "type": "frame"} if regular else frame)  # once for every viewer
            last = subscription.last
            follows = regular and last is not None and last["seq"] == seq - 1
            delta = (seq - 1, json.dumps(frame_delta(last, frame))) if follows and last is not None else None
        except (KeyError, TypeError, ValueError):
            log.warning("run %s: ignored a malformed frame", subscription.run_id, exc_info=True)
            return
        subscription.last = frame
        for outbox in list(subscription.viewers):
            outbox.offer(seq, text, delta)


_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, RunFanout]" = weakref.WeakKeyDictionary()


def fanout() -> RunFanout:
    """The running event loop's hub."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = RunFanout()
    return hub
