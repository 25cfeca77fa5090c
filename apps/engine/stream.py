"""Live metrics of a run: each driver sample becomes a frame for the run's websocket group.

A frame is the run's whole current picture, not a diff, at the run time the fleet has
reached (`t`, run seconds): cumulative counters, rates over the last second of run time,
latency percentiles over the last second of run time (refreshed at every half second of run
time, from the half seconds the steps recorded), waiting lines, in-flight work, replicas, health
and breaker states, per node, instance and edge, and the run's `clock` (its speed ceiling,
the effective speed over the last wall second, and whether the workers held it back). So a
viewer that skips frames (a slow client, a late joiner) loses resolution, never state. Every
frame carries `seq`, which rises by one per frame of the run, and `computed_at`, the
wall-clock time (Unix seconds) it was published, from which a viewer can tell how late it
arrived; the latest frame is also kept in Redis so a viewer that connects mid-run gets it at
once as its `snapshot`.

A frame also carries `events`: the audit log entries (apps/engine/audit.py) appended since the
previous frame, at most MAX_EVENTS of them (the newest; `events_skipped` says how many older
ones were left out), read with one Lua call (LLEN + LRANGE from the last index seen) in the
frame's round trip. The stored series keeps no events: the audit log is stored on its own.

And `incidents`: the faults fired so far (the newest MAX_INCIDENTS, from the driver's fault
log the sample carries) with when each fired and was undone, and, as the run summary's
fault_timings has them, when a load balancer detected it (took the instance out of rotation)
and when it recovered (back in rotation, or a stopped consumer's backlog drained).

Nothing here blocks the driver: it only parks each sample for the stream's own thread, which
builds the frame and hands it to the channel layer through one event loop per process (a
daemon thread), fire and forget. Each web process subscribes once per run and fans a frame
out to its own viewers, each of which keeps only the newest frame it has not been sent
(apps/live/fanout.py); channels-redis drops messages for a subscription whose channel is full
(its capacity) instead of waiting for it.
"""

import asyncio
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Mapping
from concurrent.futures import Future, wait
from typing import Any

from channels.layers import get_channel_layer

from apps.runtime import keys
from apps.runtime.driver import Sample
from apps.runtime.physics.percentiles import window_histogram
from apps.runtime.plan import CONSUMER_KINDS, Plan
from apps.runtime.redis import client
from apps.runtime.summary import backlog_recovery_s, health_timings, refill_recovery_s
from apps.topology.faults import FAULT_TYPES, RESTORES

log = logging.getLogger(__name__)

WINDOW_S = 1.0  # rates and latency percentiles are over (at least) the last second of run time
SERIES_INTERVAL_S = 0.5  # the stored series: a point at every half second of run time (driver.py)
FRAME_TTL_S = 24 * 3600  # the latest frame outlives a control worker that died mid-run, not forever
MAX_IN_FLIGHT = 50  # group_sends not yet done before new frames are dropped (a stuck channel layer)
MAX_EVENTS = 200  # audit entries carried by one frame (the newest; the rest are counted as skipped)
MAX_INCIDENTS = 20  # faults carried by a frame's `incidents` (the newest)
INCIDENT_FIELDS = ("action", "target", "instance", "live", "fired_at_s", "undone_at_s")
REQUEST_OUTCOMES = ("completed", "failed", "rejected", "timed_out")
MESSAGE_OUTCOMES = (
    "delivered", "dead_lettered", "rejected", "dropped", "duplicates", "redelivered", "duplicates_applied",
)  # fmt: skip


# The audit entries after index ARGV[1], at most ARGV[2] of them (the newest), and the list's
# length: atomic, so the window is never shifted by entries appended between two commands.
NEW_EVENTS_LUA = """
local total = redis.call('LLEN', KEYS[1])
local start = math.max(tonumber(ARGV[1]), total - tonumber(ARGV[2]))
if start >= total then return {total, {}} end
return {total, redis.call('LRANGE', KEYS[1], start, total - 1)}
"""


def run_group(run_id: str) -> str:
    return f"run.{run_id}"


def frame_key(run_id: str) -> str:
    """The latest frame of a run (under the run's prefix, so the run's clean-up removes it)."""
    return f"{keys.prefix(run_id)}live"


def latest_frame(run_id: str) -> dict[str, Any] | None:
    raw = client().get(frame_key(run_id))
    return json.loads(raw) if raw else None


# --- publishing ---------------------------------------------------------------------------


class Publisher:
    """One event loop per process, in a daemon thread, for the channel layer's group_send:
    its Redis connections are reused from frame to frame, and the caller never waits."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._in_flight: set[Future[None]] = set()

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._loop.is_closed():
                self._loop = asyncio.new_event_loop()
                threading.Thread(target=self._loop.run_forever, name="run-stream", daemon=True).start()
            return self._loop

    def send(self, group: str, message: dict[str, Any]) -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        if len(self._in_flight) >= MAX_IN_FLIGHT:
            log.warning("channel layer is not keeping up; dropped a frame for %s", group)
            return
        future: Future[None] = asyncio.run_coroutine_threadsafe(layer.group_send(group, message), self._running_loop())
        self._in_flight.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: "Future[None]") -> None:
        self._in_flight.discard(future)
        if not future.cancelled() and future.exception() is not None:
            log.warning("could not publish a run frame", exc_info=future.exception())

    def flush(self, timeout_s: float = 5.0) -> None:
        """Wait (bounded) until the frames sent so far have reached the channel layer."""
        wait(list(self._in_flight), timeout=timeout_s)  # failures are logged by _done


publisher = Publisher()


# --- frames -------------------------------------------------------------------------------


def _window_percentiles(now: Mapping[int, int], then: Mapping[int, int]) -> dict[str, float] | None:
    """p50/p95/p99 of the latencies observed between two cumulative bucket counts."""
    histogram = window_histogram(now, then)
    if histogram.count == 0:
        return None
    return {f"p{p}": round(histogram.percentile(p), 2) for p in (50, 95, 99)}


class RunStream:
    """Turns a run's samples into frames: publishes them, keeps the latest in Redis, and keeps
    the series the run's report and replay store: the driver's samples taken at every half second
    of run time exactly (the run held there for the moment it takes), whatever the run's speed.

    The driver hands samples to `on_sample`, which only parks the sample: a thread of the
    stream builds the frame (a Redis round trip or two, some parsing), so the driver's clock is
    never held up. Should building fall behind, the newest sample replaces one still waiting.
    """

    def __init__(self, run_id: str, plan: Plan, *, duration_s: float, status: str = "running"):
        self.run_id = run_id
        self.plan = plan
        self.duration_s = duration_s
        self.status = status
        self.seq = 0
        self.last: dict[str, Any] | None = None
        self.series: list[dict[str, Any]] = []
        self.r = client()
        self.new_events = self.r.register_script(NEW_EVENTS_LUA)
        self.events_seen = 0  # audit entries already carried by a frame
        self.events: list[dict[str, Any]] = []  # those read for the frame being built
        self.events_skipped = 0
        # (run time, counters) of the samples of the last second, for rates
        self.history: deque[tuple[float, dict[str, float]]] = deque()
        # latency percentiles over the last second of run time, refreshed once a run second
        self.latency_scopes = ["e2e"] + [f"node:{node_id}" for node_id in plan.nodes]
        self.latency: dict[str, dict[str, float] | None] = {}
        self.call_edges = [edge for edge in plan.edges.values() if edge.role == "call"]
        self.messaging_edges = [edge for edge in plan.edges.values() if edge.role != "call"]
        self.latency_scopes += [f"edge:{edge.id}" for edge in self.call_edges]
        self._emitting = threading.Lock()  # frames leave in seq order, from either thread
        self._parked = threading.Condition()
        self._next: Sample | None = None  # the newest live sample (an older one is dropped)
        self._series: deque[Sample] = deque()  # samples of the stored series (never dropped)
        self._closing = False
        self._thread: threading.Thread | None = None

    # --- the driver's side ---------------------------------------------------------------------

    def on_sample(self, sample: Sample) -> None:
        """The driver's callback (~5 times a second, and at every half second of run time for
        the series): park the sample for the stream's thread."""
        with self._parked:
            if sample.values.get("series"):
                self._series.append(sample)
            else:
                self._next = sample
            self._parked.notify()
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name=f"run-{self.run_id}-frames", daemon=True)
            self._thread.start()

    def _work(self) -> None:
        while True:
            with self._parked:
                while self._next is None and not self._series and not self._closing:
                    self._parked.wait()
                if self._series:
                    sample: Sample | None = self._series.popleft()
                else:
                    sample, self._next = self._next, None
            if sample is None:
                return
            if self._next is not None and sample.t > self._next.t:
                self._next = None  # a live sample older than the series point just built
            self.publish_sample(sample)

    def close(self, timeout_s: float = 10.0) -> None:
        """Build the sample still parked (the driver's last), then stop the thread."""
        with self._parked:
            self._closing = True
            self._parked.notify()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def publish_sample(self, sample: Sample) -> None:
        """Build, publish and keep one sample's frame. Never raises: a metrics hiccup must not end a run."""
        try:
            frame = self.build(sample)
            with self._emitting:
                self.emit(frame)
                if sample.values.get("series"):
                    self.keep(frame)
        except Exception:
            log.exception("run %s: could not publish a sample", self.run_id)

    def set_status(self, status: str) -> None:
        """A status change is a frame of its own (the latest values, the new status)."""
        with self._emitting:
            self.status = status
            frame = dict(self.last) if self.last else self.empty_frame()
            frame.update(type="status", status=status, events=[], events_skipped=0)  # carried by the last frame
            try:
                self.emit(frame)
            except Exception:
                log.exception("run %s: could not publish its status %s", self.run_id, status)

    def finish(self, status: str) -> list[dict[str, Any]]:
        """The last sample's frame and the final status frame, published and flushed; returns
        the series to store."""
        self.close()
        self.set_status(status)
        if self.last is not None:
            self.keep(self.last, force=True)
        publisher.flush()
        return self.series

    # --- building ----------------------------------------------------------------------------

    def empty_frame(self) -> dict[str, Any]:
        return {
            "type": "delta", "run": self.run_id, "status": self.status, "t": 0.0, "duration_s": self.duration_s,
            "requests": {}, "messages": {}, "latency_ms": None, "nodes": {}, "edges": {},
        }  # fmt: skip

    def read(self, sample: Sample) -> dict[str, dict[str, Any]]:
        """Node states and the new audit entries, in one round trip. A series sample brings the
        node states of its exact moment; its latency percentiles are over the last second of run
        time before it, from the half seconds the steps recorded (complete by then)."""
        pipe = self.r.pipeline(transaction=False)
        self.new_events(keys=[keys.audit(self.run_id)], args=[self.events_seen, MAX_EVENTS], client=pipe)
        given: dict[str, bytes | None] | None = sample.values.get("states")
        if given is None:
            for node_id in self.plan.nodes:
                pipe.get(keys.node(self.run_id, node_id))
        series = bool(sample.values.get("series"))
        if series:  # the last second of run time: its two half seconds, complete since the run passed them
            last_half = round(float(sample.t) * 2) - 1
            for half in (last_half - 1, last_half):
                pipe.hgetall(keys.latency_per_half_second(self.run_id, half))
        events_reply, *replies = pipe.execute()
        self.take_events(int(events_reply[0]), events_reply[1])
        raw_states = list(given.values()) if given is not None else replies[: len(self.plan.nodes)]
        states = {
            node_id: json.loads(raw) if raw else {} for node_id, raw in zip(self.plan.nodes, raw_states, strict=True)
        }
        if series:
            scopes: dict[str, dict[int, int]] = {}
            for raw in replies[-2:]:
                for name, count in raw.items():
                    scope, bucket = name.decode().rsplit("|", 1)
                    buckets = scopes.setdefault(scope, {})
                    buckets[int(bucket)] = buckets.get(int(bucket), 0) + int(count)
            self.latency = {scope: _window_percentiles(scopes.get(scope, {}), {}) for scope in self.latency_scopes}
        return states

    def take_events(self, total: int, raw: list[bytes]) -> None:
        """Keep the entries read for this frame; count those left out (older than the newest
        MAX_EVENTS since the last frame)."""
        self.events_skipped = max(0, total - self.events_seen - len(raw))
        self.events_seen = max(self.events_seen, total)
        self.events = []
        for item in raw:
            try:
                self.events.append(json.loads(item))
            except ValueError:
                self.events_skipped += 1

    def cqrs_counts(self, stats: dict[str, float]) -> dict[str, int] | None:
        """Commands accepted and declined by the write models, reads (stale ones too) and
        projected events of the read models: counters the driver's sample already holds."""
        writers = [n.id for n in self.plan.nodes.values() if n.props.get("behaviour") == "reservations"]
        readers = [n.id for n in self.plan.nodes.values() if n.kind == "read_model"]
        if not writers and not readers:
            return None

        def total(ids: list[str], name: str) -> int:
            return sum(int(stats.get(f"node:{node_id}:{name}", 0)) for node_id in ids)

        return {
            "writes": total(writers, "accepted"),
            "declined": total(writers, "declined"),
            "reads": total(readers, "reads"),
            "stale_reads": total(readers, "stale_reads"),
            "projected": total(readers, "projected"),
        }

    def build(self, sample: Sample) -> dict[str, Any]:
        stats: dict[str, float] = sample.values.get("stats", {})
        depths: dict[str, int] = sample.values.get("depths", {})
        t = float(sample.t)
        states = self.read(sample)
        self.history.append((t, stats))
        while len(self.history) > 2 and self.history[1][0] <= t - WINDOW_S:
            self.history.popleft()
        then_t, then_stats = self.history[0]
        span = t - then_t

        def rate(name: str) -> float:
            return round((stats.get(name, 0.0) - then_stats.get(name, 0.0)) / span, 2) if span > 0 else 0.0

        created = int(stats.get("requests:created", 0))
        outcomes = {name: int(stats.get(f"requests:{name}", 0)) for name in REQUEST_OUTCOMES}
        frame = self.empty_frame()
        frame["t"] = round(t, 3)
        frame["requests"] = {
            "created": created,
            **outcomes,
            "in_flight": max(0, created - sum(outcomes.values())),
            "rps": rate("requests:created"),
        }
        frame["messages"] = {
            "published": int(stats.get("messages:published", 0)),
            **{name: int(stats.get(f"messages:{name}", 0)) for name in MESSAGE_OUTCOMES},
            "queued": sum(depth for name, depth in depths.items() if name.startswith("box:")),
            "rps": rate("messages:published"),
        }
        frame["latency_ms"] = self.latency.get("e2e")
        frame["nodes"] = {
            node_id: self.node_frame(node_id, states[node_id], stats, depths, rate, self.latency.get(f"node:{node_id}"))
            for node_id in self.plan.nodes
        }
        frame["edges"] = {
            edge.id: self.edge_frame(edge.id, edge.source, states, stats, rate) for edge in self.call_edges
        }
        for edge in self.messaging_edges:  # no calls to count: shown only while a fault is on them
            faults = edge_faults(edge.id, states.get(edge.source, {}))
            if faults:
                frame["edges"][edge.id] = faults
        cqrs = self.cqrs_counts(stats)
        if cqrs is not None:
            frame["cqrs"] = cqrs
        frame["events"] = self.events
        frame["events_skipped"] = self.events_skipped
        if sample.values.get("clock"):
            frame["clock"] = sample.values["clock"]
        frame["incidents"] = self.incidents(sample, states, depths)
        return frame

    def incidents(
        self, sample: Sample, states: dict[str, dict[str, Any]], depths: dict[str, int]
    ) -> list[dict[str, Any]]:
        """The faults fired so far (restores end them: not listed) with detection and recovery."""
        faults = [f for f in sample.values.get("faults", []) if f.get("action") not in RESTORES]
        changes = [c for state in states.values() for c in state.get("health_changes") or []]
        out = []
        for fault in faults[-MAX_INCIDENTS:]:
            incident = {key: fault[key] for key in INCIDENT_FIELDS if key in fault}
            incident["detected_after_s"] = incident["recovered_after_s"] = None
            incident["measured"] = measured = FAULT_TYPES[fault["action"]].measured
            if measured == "health":
                incident.update(health_timings(self.plan, fault, changes))
            elif measured == "backlog":
                incident["recovered_after_s"] = backlog_recovery_s(self.plan, fault, states, depths)
            elif measured == "refill":
                incident["recovered_after_s"] = refill_recovery_s(fault, states)
            out.append(incident)
        return out

    def node_frame(
        self,
        node_id: str,
        state: dict[str, Any],
        stats: dict[str, float],
        depths: dict[str, int],
        rate: Any,
        latency: dict[str, float] | None,
    ) -> dict[str, Any]:
        node = self.plan.nodes[node_id]
        processed = int(stats.get(f"node:{node_id}:processed", 0))
        errors = int(stats.get(f"node:{node_id}:errors", 0))
        waiting = {
            name.rsplit(":", 1)[1]: depth for name, depth in depths.items() if name.startswith(f"wait:{node_id}:")
        }
        boxes = [
            depth for name, depth in depths.items() if name == f"box:{node_id}" or name.startswith(f"box:{node_id}>")
        ]
        out: dict[str, Any] = {
            "kind": node.kind,
            "processed": processed,
            "errors": errors,
            "rps": rate(f"node:{node_id}:processed"),
            "errors_per_s": rate(f"node:{node_id}:errors"),
            "depth": sum(waiting.values()) + sum(boxes),
        }
        if latency:
            out.update(latency)
        instances = state.get("instances")
        if isinstance(instances, dict) and (instances or node.kind in CONSUMER_KINDS):
            out["instances"] = {
                name: {
                    "alive": bool(instance.get("alive")),
                    "standby": bool(instance.get("standby")),
                    "busy": int(instance.get("busy", 0)),
                    "waiting": waiting.get(name, 0),
                    "rps": rate(f"inst:{node_id}/{name}:processed"),  # a standby in rotation serves
                }
                for name, instance in instances.items()
                if not instance.get("retired")
            }
            out["busy"] = sum(i["busy"] for i in out["instances"].values())
            out["replicas"] = sum(1 for i in out["instances"].values() if i["alive"] and not i["standby"])
        applied = int(stats.get(f"node:{node_id}:duplicates_applied", 0))
        ignored = int(stats.get(f"node:{node_id}:duplicates_ignored", 0))
        if applied or ignored:
            out["duplicates_applied"], out["duplicates_ignored"] = applied, ignored
        if state.get("stopped"):
            out["stopped"] = True
        if state.get("down"):
            out["down"] = True
        health = state.get("health")
        if isinstance(health, dict) and isinstance(health.get("targets"), dict):
            out["health"] = {target: bool(value[0]) for target, value in health["targets"].items()}
        return out

    def edge_frame(
        self, edge_id: str, source: str, states: dict[str, dict[str, Any]], stats: dict[str, float], rate: Any
    ) -> dict[str, Any]:
        state = states.get(source, {})
        out: dict[str, Any] = {
            "calls": int(stats.get(f"edge:{edge_id}:calls", 0)),
            "errors": int(stats.get(f"edge:{edge_id}:errors", 0)),
            "rps": rate(f"edge:{edge_id}:calls"),
        }
        latency = self.latency.get(f"edge:{edge_id}")
        if latency:
            out.update(latency)
        breaker = (state.get("breakers") or {}).get(edge_id)
        if isinstance(breaker, dict) and "state" in breaker:
            out["breaker"] = breaker["state"]
        out.update(edge_faults(edge_id, state))
        return out

    # --- output ------------------------------------------------------------------------------

    def emit(self, frame: dict[str, Any]) -> None:
        self.seq += 1
        frame["seq"] = self.seq
        frame["status"] = self.status
        frame["computed_at"] = round(time.time(), 3)  # wall clock (Unix seconds): a viewer's delay
        self.last = frame
        self.r.set(frame_key(self.run_id), json.dumps(frame), ex=FRAME_TTL_S)
        publisher.send(run_group(self.run_id), {"type": "run.frame", "frame": frame})

    def keep(self, frame: dict[str, Any], *, force: bool = False) -> None:
        """Add a point to the stored series: at most one per SERIES_INTERVAL_S of run time."""
        point = series_point(frame)
        if self.series and self.series[-1]["seq"] == point["seq"]:
            return
        if force and self.series and point["t"] - self.series[-1]["t"] < SERIES_INTERVAL_S:
            self.series[-1] = point  # the final frame replaces a point too close before it
        elif force or not self.series or point["t"] - self.series[-1]["t"] >= SERIES_INTERVAL_S - 1e-6:
            self.series.append(point)


SERIES_NODE_FIELDS = (
    "processed", "errors", "rps", "depth", "p95", "busy", "replicas", "stopped", "down", "duplicates_applied",
)  # fmt: skip


def edge_faults(edge_id: str, state: dict[str, Any]) -> dict[str, Any]:
    """The network faults on an edge, from its source's state (runtime/nodes/network.py): cut,
    a slow link's `delay_ms`, packet loss's `loss`."""
    out: dict[str, Any] = {"cut": True} if edge_id in (state.get("cut_edges") or []) else {}
    link = (state.get("links") or {}).get(edge_id) or {}
    out.update({name: link[name] for name in ("delay_ms", "loss") if link.get(name)})
    return out


SERIES_EDGE_FIELDS = ("calls", "errors", "p95", "breaker", "cut", "delay_ms", "loss")


def _series_node(node: dict[str, Any]) -> dict[str, Any]:
    """A node as stored in the series: its main figures and, for replay, each instance's
    alive/standby state (not its busy slots or waiting line)."""
    out = {key: node[key] for key in SERIES_NODE_FIELDS if key in node}
    instances = node.get("instances")
    if isinstance(instances, dict):
        out["instances"] = {
            name: {"alive": bool(instance.get("alive")), "standby": bool(instance.get("standby"))}
            for name, instance in instances.items()
        }
    return out


def series_point(frame: dict[str, Any]) -> dict[str, Any]:
    """A frame as stored in the run's series: the main figures and each instance's health (what
    a replay draws), without the rest of the instance detail and without the audit entries
    (`events`: the audit log is stored on its own)."""

    def pick(values: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
        return {key: values[key] for key in fields if key in values}

    return {
        "seq": frame.get("seq", 0),
        "t": frame.get("t", 0.0),
        "requests": frame.get("requests", {}),
        "messages": frame.get("messages", {}),
        "latency_ms": frame.get("latency_ms"),
        "nodes": {node_id: _series_node(node) for node_id, node in frame.get("nodes", {}).items()},
        "edges": {edge_id: pick(edge, SERIES_EDGE_FIELDS) for edge_id, edge in frame.get("edges", {}).items()},
    }


def snapshot_from_run(*, run_id: str, status: str, duration_s: float, series: list[dict[str, Any]]) -> dict[str, Any]:
    """The snapshot of a run whose live state is gone from Redis: its last stored point."""
    last = series[-1] if series else {}
    return {
        "type": "snapshot",
        "run": run_id,
        "status": status,
        "seq": int(last.get("seq", 0)),
        "t": last.get("t", 0.0),
        "duration_s": duration_s,
        "requests": last.get("requests", {}),
        "messages": last.get("messages", {}),
        "latency_ms": last.get("latency_ms"),
        "nodes": last.get("nodes", {}),
        "edges": last.get("edges", {}),
    }
