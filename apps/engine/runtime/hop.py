"""One event at one node, applied exactly once.

A hop reads the node's state under the node's lock, decides, and commits every effect in
one MULTI/EXEC: the new state, ledger and counter updates, the events it causes (straight
onto the broker's queue, see broker.py, or `timers` for later), and its own id in the `done`
set. A worker killed before the commit leaves nothing behind (its task is redelivered); one
killed after it leaves everything, and the redelivered task finds its id in `done` and does
nothing. So a hop is applied exactly once, and nothing is lost by a crash. (With a broker
other than the engine's Redis, events wait in `pending` until published after the commit;
the driver republishes any a crash left there.)
"""

import hashlib
import json
import random
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from apps.engine.runtime import broker, keys
from apps.engine.runtime.clock import Clock
from apps.engine.runtime.plan import NodePlan, Plan

Event = dict[str, Any]
LOCK_TTL_MS = 5000


def child_id(parent: str, index: int) -> str:
    return hashlib.blake2b(f"{parent}/{index}".encode(), digest_size=8).hexdigest()


# One round trip to start a hop: take the node's lock; if the hop was already applied, let
# go and say so; else return the node's state, the frame the event names, and the states of
# the nodes it reads (a load balancer's targets).
BEGIN = """
if not redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
if redis.call('sismember', KEYS[2], ARGV[3]) == 1 then
  redis.call('del', KEYS[1])
  return {'done'}
end
local out = {'go', redis.call('get', KEYS[3]) or '', redis.call('hget', KEYS[4], ARGV[4]) or ''}
for i = 5, #KEYS do out[#out + 1] = redis.call('get', KEYS[i]) or '' end
return out
"""


def begin(r: Any, run: str, node_id: str, hop_id: str, frame_id: str, reads: list[str]) -> list[bytes] | None:
    """Lock the node and load what the hop needs (None: the hop was applied before)."""
    token = uuid.uuid4().hex
    script_keys = [keys.lock(run, node_id), keys.done(run), keys.node(run, node_id), keys.frames(run, node_id)]
    script_keys += [keys.node(run, other) for other in reads]
    delay = 0.0002
    while True:
        result = r.eval(BEGIN, len(script_keys), *script_keys, token, LOCK_TTL_MS, hop_id, frame_id)
        if result:
            return None if result[0] == b"done" else list(result[1:])
        time.sleep(delay)
        delay = min(delay * 2, 0.005)


@contextmanager
def node_lock(r: Any, run: str, node_id: str) -> Iterator[None]:
    key = keys.lock(run, node_id)
    token = uuid.uuid4().hex
    delay = 0.0005
    while not r.set(key, token, nx=True, px=LOCK_TTL_MS):
        time.sleep(delay)
        delay = min(delay * 2, 0.01)
    try:
        yield
    finally:
        # Release only our own lock (it may have expired and been taken by another worker).
        r.eval(
            "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
            1,
            key,
            token,
        )


class Hop:
    """The context a node handler works in: reads now, writes buffered until commit."""

    def __init__(
        self,
        r: Any,
        run: str,
        plan: Plan,
        clock: Clock,
        node: NodePlan,
        event: Event,
        loaded: list[bytes] | None = None,
        reads: list[str] | None = None,
    ):
        self.r = r
        self.run = run
        self.plan = plan
        self.clock = clock
        self.node = node
        self.event = event
        self.id: str = event["id"]
        # A timer's event happens at its due time: the engine's delay in applying it is not
        # part of the simulated work (a slot freed at 100 ms serves the next call from 100 ms).
        self.now = clock.now_ms()
        if "due" in event:
            self.now = min(self.now, float(event["due"]))
        self.rng = random.Random(self.id)
        if loaded is None:
            raw = r.get(keys.node(run, node.id))
            loaded = [raw or b"", b""]
        self.state: dict[str, Any] = json.loads(loaded[0]) if loaded[0] else {}
        self._frames: dict[str, dict[str, Any] | None] = {}
        frame_id = event.get("fid") or event.get("call") or ""
        if frame_id and loaded[1]:
            self._frames[frame_id] = json.loads(loaded[1])
        self.snapshots: dict[str, dict[str, Any]] = {
            other: json.loads(raw) if raw else {} for other, raw in zip(reads or [], loaded[2:], strict=False)
        }
        self._state_dirty = False
        self._writes: list[Callable[[Any], None]] = []
        self._immediate: list[Event] = []
        self._timed: list[tuple[float, Event]] = []
        self._children = 0

    # --- events -------------------------------------------------------------------------

    def _stamp(self, event: Event) -> Event:
        self._children += 1
        return {**event, "id": child_id(self.id, self._children)}

    def send(self, event: Event) -> None:
        """An event for another (or this) node, now."""
        self._immediate.append(self._stamp(event))

    def later(self, delay_ms: float, event: Event) -> str:
        """An event after `delay_ms` of run time (a timer: no worker is held meanwhile).
        Returns the timer's handle, for `cancel`."""
        return self.at(self.now + max(delay_ms, 0.0), event)

    def at(self, due_ms: float, event: Event) -> str:
        """An event at run time `due_ms` (see `later`)."""
        stamped = {**self._stamp(event), "due": round(due_ms, 3)}
        self._timed.append((due_ms, stamped))
        return json.dumps(stamped)

    def cancel(self, handle: str | None) -> None:
        """Drop a timer that is no longer needed (a timeout whose call was answered)."""
        if handle:
            self._writes.append(lambda p: p.zrem(keys.timers(self.run), handle))

    # --- state --------------------------------------------------------------------------

    def touch(self) -> None:
        self._state_dirty = True

    def frame(self, frame_id: str) -> dict[str, Any] | None:
        if frame_id in self._frames:
            return self._frames[frame_id]
        raw = self.r.hget(keys.frames(self.run, self.node.id), frame_id)
        return json.loads(raw) if raw else None

    def put_frame(self, frame: dict[str, Any]) -> None:
        data = json.dumps(frame)
        self._writes.append(lambda p: p.hset(keys.frames(self.run, self.node.id), frame["fid"], data))

    def drop_frame(self, frame_id: str) -> None:
        self._writes.append(lambda p: p.hdel(keys.frames(self.run, self.node.id), frame_id))

    def write(self, fn: Callable[[Any], None]) -> None:
        """Any other Redis write, applied inside the commit (fn receives the pipeline)."""
        self._writes.append(fn)

    def command(self, name: str, *args: Any) -> None:
        """One Redis command (by name) applied inside the commit: `hop.command("lpush", key, v)`."""
        self._writes.append(lambda p: getattr(p, name)(*args))

    def count(self, field: str, amount: int = 1) -> None:
        self._writes.append(lambda p: p.hincrby(keys.stats(self.run), field, amount))

    def observe_latency(self, scope: str, value_ms: float) -> None:
        from apps.engine.physics.percentiles import bucket_index

        bucket = bucket_index(max(value_ms, 0.0))
        self._writes.append(lambda p: p.hincrby(keys.latency(self.run, scope), str(bucket), 1))
        self._writes.append(lambda p: p.hincrbyfloat(keys.stats(self.run), f"latsum:{scope}", value_ms))
        self._writes.append(lambda p: p.hincrby(keys.stats(self.run), f"latn:{scope}", 1))

    def audit(self, kind: str, *, corr: str = "", **detail: Any) -> None:
        entry = json.dumps({"t": round(self.now, 2), "node": self.node.id, "kind": kind, "corr": corr, **detail})
        self._writes.append(lambda p: p.rpush(keys.audit(self.run), entry))

    # --- commit -------------------------------------------------------------------------

    def commit(self) -> list[str]:
        pipe = self.r.pipeline(transaction=True)
        if self._state_dirty:
            pipe.set(keys.node(self.run, self.node.id), json.dumps(self.state))
        for write in self._writes:
            write(pipe)
        immediate = [json.dumps(event) for event in self._immediate]
        if broker.lean():
            broker.push(pipe, self.run, immediate)  # committed together with the state
        else:
            for data in immediate:
                pipe.zadd(keys.pending(self.run), {data: time.time()})
        for due_ms, event in self._timed:
            pipe.zadd(keys.timers(self.run), {json.dumps(event): self.clock.wall_at(due_ms)})
        pipe.sadd(keys.done(self.run), self.id)
        pipe.hincrby(keys.stats(self.run), "hops", 1)
        pipe.delete(keys.lock(self.run, self.node.id))  # held since begin(); released with the commit
        pipe.execute()
        return [] if broker.lean() else immediate
