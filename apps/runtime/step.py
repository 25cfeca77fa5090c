"""A step: one Celery task that applies a run's next events, in run-time order.

A run is a sequence of events, each stamped with its run time: arrivals, calls crossing an
edge, service completions, timeouts, health checks. Every event not yet applied waits in the
run's inbox (a Redis sorted set scored by run time). A step takes the earliest ones up to the
run's horizon, applies them one by one in (time, event) order at their own run time — the
events they cause that fall inside the window are applied in the same step, in order — and
commits everything at once. So the run's figures depend on the events alone, never on which
worker applied them, when, or how busy the machine was: a slow fleet makes a run slower,
never different.

A run has at most one step queued or running (`busy`), so its events are applied in strict
run-time order; runs share the fleet step by step (each step is bounded in events and wall
time). A worker killed in a step leaves nothing (the step is redone from the inbox); a step
whose handler raises is redone without the event that raised (it is counted as an engine
error, and the run goes on).
"""

import heapq
import json
import logging
import os
import socket
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError

from apps.runtime import broker, keys, scripts
from apps.runtime.capacity import work_commands
from apps.runtime.clock import HORIZON_NONE
from apps.runtime.plan import Plan, compile_plan
from apps.runtime.redis import client
from apps.runtime.stores import Hash, Line, chunks

log = logging.getLogger(__name__)

MAX_EVENTS = 3000  # events one step applies at most
SLICE_S = 0.1  # wall time a step takes at most before handing over (runs share the fleet)
LOCK_TTL_MS = 10_000
_LAST = "\U0010ffff"  # sorts after any event's JSON
_WORKER = f"{socket.gethostname()}:{os.getpid()}"


def _is_timeline_counter(name: str) -> bool:
    return name.startswith("requests:") or (name.startswith("node:") and name.endswith((":processed", ":errors")))


@dataclass
class RunContext:
    """What a worker process keeps of a run between steps (it never changes during the run)."""

    plan: Plan
    node_ids: list[str]
    registered: set[str] = field(default_factory=set)  # dynamic keys this process has listed


_contexts: dict[str, RunContext] = {}


def run_context(run: str) -> RunContext | None:
    """The compiled topology of a run, cached per process (None once the run is gone)."""
    if run in _contexts:
        return _contexts[run]
    meta = client().hgetall(keys.meta(run))
    if not meta:
        return None
    plan = compile_plan(json.loads(meta[b"document"]))
    plan.trace = meta.get(b"trace") == b"1"
    plan.seed = int(meta.get(b"seed", b"0"))
    context = RunContext(plan, list(plan.nodes))
    if len(_contexts) > 64:
        _contexts.clear()
    _contexts[run] = context
    return context


class Step:
    def __init__(self, run: str, context: RunContext):
        self.run = run
        self.context = context
        self.plan = context.plan
        self.r = client()
        self.token = uuid.uuid4().hex
        self.horizon = 0.0
        self.end_ms = 0.0
        self.rids = 0
        self.last_at = 0.0
        # events
        self.heap: list[tuple[float, str]] = []
        self.parsed: dict[str, dict[str, Any]] = {}
        self.loaded: set[str] = set()  # came from the inbox
        self.in_heap: set[str] = set()
        self.cancelled: set[str] = set()
        self.removed: set[str] = set()  # to remove from the inbox
        self.new_inbox: dict[str, float] = {}  # to add to the inbox
        self.limit: tuple[float, str] = (0.0, _LAST)
        self.poison: set[str] = set()
        self.current: str | None = None
        self.applied = 0
        self.started = time.perf_counter()
        self.out_of_order = 0
        self.out_of_order_max = 0.0
        # what the events read and write
        self._state_raw: dict[str, bytes] = {}
        self._states: dict[str, dict[str, Any]] = {}
        self._dirty_states: set[str] = set()
        self._frames: dict[str, Hash] = {}
        self._hashes: dict[str, Hash] = {}
        self._lines: dict[str, Line] = {}
        self.stats: defaultdict[str, int] = defaultdict(int)
        self.float_stats: defaultdict[str, float] = defaultdict(float)
        self.seconds: defaultdict[str, int] = defaultdict(int)
        self.latency: defaultdict[str, defaultdict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.half_latency: defaultdict[int, defaultdict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.audit_entries: list[str] = []
        self.commands: list[tuple[Any, ...]] = []
        self.written: set[str] = set()

    # --- begin ------------------------------------------------------------------------------

    def begin(self) -> bool:
        """Take the run's lock and load the events due; False when the run is gone or another
        step holds the lock (that step hands over when it is done)."""
        state_keys = [keys.node(self.run, node_id) for node_id in self.context.node_ids]
        reply = scripts.begin(self.run, self.token, LOCK_TTL_MS, MAX_EVENTS + 1, state_keys)
        if reply[0] != b"go":
            return False
        _, horizon, end_ms, rids, last_at, events, states, poison = reply
        self.horizon = float(horizon or 0)
        self.end_ms = float(end_ms or HORIZON_NONE)
        self.rids = int(rids or 0)
        self.last_at = float(last_at or 0)
        self._state_raw = dict(zip(self.context.node_ids, states, strict=True))
        self.poison = {raw.decode() for raw in poison}
        pairs = [(float(events[i + 1]), events[i].decode()) for i in range(0, len(events), 2)]
        if len(pairs) > MAX_EVENTS:
            self.limit = pairs[MAX_EVENTS]  # the first event left for the next step
            pairs = pairs[:MAX_EVENTS]
        else:
            self.limit = (self.horizon, _LAST)
        for pair in pairs:
            self.heap.append(pair)
            self.loaded.add(pair[1])
            self.in_heap.add(pair[1])
        heapq.heapify(self.heap)
        return True

    # --- the events -------------------------------------------------------------------------

    def schedule(self, event: dict[str, Any]) -> str:
        """Queue an event caused by this step: applied here if it falls inside the window,
        else added to the inbox. Returns its handle (for `cancel`)."""
        raw = json.dumps(event, separators=(",", ":"))
        at = float(event["at"])
        if (at, raw) < self.limit:
            heapq.heappush(self.heap, (at, raw))
            self.in_heap.add(raw)
            self.parsed[raw] = event
        else:
            self.new_inbox[raw] = at
        return raw

    def cancel(self, raw: str) -> None:
        if raw in self.new_inbox:
            del self.new_inbox[raw]
        elif raw in self.in_heap:
            self.cancelled.add(raw)
        else:
            self.removed.add(raw)  # waiting in the inbox beyond this step's window

    def apply_events(self) -> None:
        from apps.runtime.hop import Hop
        from apps.runtime.nodes import HANDLERS

        self.started = time.perf_counter()
        deadline = self.started + SLICE_S
        while self.heap and self.applied < MAX_EVENTS and time.perf_counter() < deadline:
            at, raw = heapq.heappop(self.heap)
            self.in_heap.discard(raw)
            if raw in self.loaded:
                self.removed.add(raw)
            if raw in self.cancelled or raw in self.poison:
                continue
            event = self.parsed.pop(raw, None) or json.loads(raw)
            if at < self.last_at - 1e-6:
                self.out_of_order += 1
                self.out_of_order_max = max(self.out_of_order_max, self.last_at - at)
            self.last_at = max(self.last_at, at)
            node = self.plan.nodes.get(event.get("node", ""))
            handler = HANDLERS.get(node.runtime.handler) if node is not None else None
            if node is None or handler is None:
                self.stats["engine:unknown_node"] += 1
                continue
            self.current = raw
            handler(Hop(self, node, event))
            self.applied += 1
        self.current = None
        for at, raw in self.heap:  # left for the next step: what this step made goes to the inbox
            if raw not in self.loaded and raw not in self.cancelled:
                self.new_inbox[raw] = at
            elif raw in self.loaded and raw in self.cancelled:
                self.removed.add(raw)

    def next_request_id(self) -> str:
        self.rids += 1
        return f"r{self.rids}"

    # --- what events read and write ---------------------------------------------------------

    def state(self, node_id: str, *, write: bool = True) -> dict[str, Any]:
        state = self._states.get(node_id)
        if state is None:
            raw = self._state_raw.get(node_id) or self.r.get(keys.node(self.run, node_id))
            state = json.loads(raw) if raw else {}
            self._states[node_id] = state
        if write:
            self._dirty_states.add(node_id)
        return state

    def frames(self, node_id: str) -> Hash:
        store = self._frames.get(node_id)
        if store is None:
            store = self._frames[node_id] = Hash(self.r, keys.frames(self.run, node_id), as_json=True)
        return store

    def hash(self, key: str, *, as_json: bool = False) -> Hash:
        store = self._hashes.get(key)
        if store is None:
            store = self._hashes[key] = Hash(self.r, key, as_json=as_json)
        return store

    def line(self, key: str, depth_name: str = "") -> Line:
        store = self._lines.get(key)
        if store is None:
            store = self._lines[key] = Line(self.r, key, depth_name)
        return store

    def count(self, name: str, amount: int, at: float) -> None:
        self.stats[name] += amount
        if _is_timeline_counter(name):
            self.seconds[f"{int(at // 1000)}|{name}"] += amount

    def observe(self, scope: str, bucket: int, value_ms: float, at: float) -> None:
        self.latency[scope][str(bucket)] += 1
        self.float_stats[f"latsum:{scope}"] += value_ms
        self.stats[f"latn:{scope}"] += 1
        if scope == "e2e" or scope.startswith(("node:", "edge:")):
            self.half_latency[int(at // 500)][f"{scope}|{bucket}"] += 1

    def audit(self, entry: dict[str, Any]) -> None:
        self.audit_entries.append(json.dumps(entry))

    def command(self, name: str, *args: Any) -> None:
        self.commands.append((name, *args))
        if len(args) > 0 and isinstance(args[0], str):
            self.written.add(args[0])

    # --- commit -----------------------------------------------------------------------------

    def writes(self) -> list[tuple[Any, ...]]:
        run = self.run
        out: list[tuple[Any, ...]] = []
        for node_id in self._dirty_states:
            out.append(("set", keys.node(run, node_id), json.dumps(self._states[node_id])))
            self.written.add(keys.node(run, node_id))
        for store in [*self._frames.values(), *self._hashes.values()]:
            if store.changed:
                out += store.commands()
                self.written.add(store.key)
        for line in self._lines.values():
            if not line.touched:
                continue
            length = len(line)
            out += line.commands()
            self.written.add(line.key)
            if line.depth_name:
                out.append(("hset", keys.depths(run), line.depth_name, length))
                out.append(("zadd", keys.max_depths(run), "GT", max(length, line.max_length), line.depth_name))
        out += self.commands
        self.stats["hops"] += self.applied
        self.stats["steps"] += 1
        if self.out_of_order:
            self.stats["clock:out_of_order"] += self.out_of_order
            out.append(("zadd", keys.max_depths(run), "GT", self.out_of_order_max, "clock:out_of_order_max_ms"))
        for name, amount in self.stats.items():
            out.append(("hincrby", keys.stats(run), name, amount))
        for name, value in self.float_stats.items():
            out.append(("hincrbyfloat", keys.stats(run), name, repr(value)))
        for name, amount in self.seconds.items():
            out.append(("hincrby", keys.per_second(run), name, amount))
        for scope, buckets in self.latency.items():
            key = keys.latency(run, scope)
            self.written.add(key)
            out += [("hincrby", key, bucket, n) for bucket, n in buckets.items()]
        for half, buckets in self.half_latency.items():
            key = keys.latency_per_half_second(run, half)
            self.written.add(key)
            out += [("hincrby", key, bucket, n) for bucket, n in buckets.items()]
        for part in chunks(self.audit_entries):
            out.append(("rpush", keys.audit(run), *part))
        for part in chunks(sorted(self.removed)):
            out.append(("zrem", keys.inbox(run), *part))
        pairs: list[Any] = []
        for raw, at in self.new_inbox.items():
            pairs += [repr(at), raw]
        for part in chunks(pairs, 1000):
            out.append(("zadd", keys.inbox(run), *part))
        out.append(("hset", keys.clock(run), "rids", self.rids, "last", repr(self.last_at)))
        out += work_commands(self.applied, time.perf_counter() - self.started)
        new = sorted(self.written - self.context.registered)
        for part in chunks(new):
            out.append(("sadd", keys.registry(run), *part))
        return out

    def commit(self) -> int:
        """Write everything; 1 when the next step was queued, 0 when none is due yet, -1 when
        the lock was lost (another step took over: nothing was written)."""
        lean = broker.lean()
        message = broker.step_message(self.run) if lean else ""
        result = scripts.commit(
            self.run, self.token, message, time.time(), broker.ENGINE_QUEUE, scripts.flatten(self.writes())
        )
        if result >= 0:
            self.context.registered |= self.written
        return result

    def release(self) -> None:
        """Give the lock back without writing (the step is abandoned, to be redone)."""
        self.r.eval(
            "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0",
            1,
            keys.step_lock(self.run),
            self.token,
        )


def dispatch(run: str, horizon_ms: float = 0.0) -> int:
    """Queue a step of the run if one is due and none is queued (raising the horizon first)."""
    lean = broker.lean()
    queued = scripts.advance(
        run, horizon_ms, broker.step_message(run) if lean else "", time.time(), broker.ENGINE_QUEUE
    )
    if queued and not lean:
        broker.send_step(run)
    return queued


def run_step(run: str) -> None:
    """The body of the `engine.step` task."""
    context = run_context(run)
    if context is None:
        return  # the run is over and its state gone
    step = Step(run, context)
    if not step.begin():
        return
    try:
        step.apply_events()
    except DatabaseError:
        step.release()
        raise  # retried by the task: a step is applied whole or not at all
    except Exception:
        step.release()
        if step.current is None:
            raise
        _poison(run, step.current)
        step.r.delete(keys.busy(run))
        dispatch(run)
        return
    if step.commit() == 1 and not broker.lean():
        broker.send_step(run)


def _poison(run: str, raw: str) -> None:
    """The event whose handler raised: skipped from now on, counted, kept for the log."""
    log.exception("run %s: an event's handler failed; the event is skipped: %s", run, raw[:500])
    pipe = client().pipeline(transaction=True)
    pipe.sadd(keys.poison(run), raw)
    pipe.hset(keys.clock(run), "poisoned", 1)
    pipe.hincrby(keys.stats(run), "engine:errors", 1)
    pipe.execute()


def worker_name() -> str:
    return _WORKER
