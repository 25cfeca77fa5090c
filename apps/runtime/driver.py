"""The driver of one run: it sets the run up, moves its clock, fires faults and measures.

Set-up writes the run's state and seeds its inbox with what starts it: each client's first
arrival (a client then schedules its own next arrival), the first health check of each load
balancer, the first scaling tick, and every scheduled fault with its undo. From then on the
workers' steps carry the run (step.py). The driver only raises the run's horizon as the speed
ceiling allows (clock.py), fires live faults and Stop at the run time the fleet has reached,
samples the figures several times a second, and, once traffic has ended, lets the run drain
as fast as the workers can until every request has its outcome and every delivery settled.
"""

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from apps.runtime import keys, step
from apps.runtime.clock import HORIZON_NONE, Pace, SpeedMeter, describe, parse_speed, speed_label
from apps.runtime.ledger import cut_open_work
from apps.runtime.physics.arrivals import entry_props, mix_entries, next_arrival_s
from apps.runtime.plan import CONSUMER_KINDS, NodePlan, Plan, compile_plan
from apps.runtime.redis import client
from apps.runtime.timeline import build_timeline
from apps.topology.faults import FAULT_TYPES, RESTORES

TICK_S = 0.005  # a paced run's driver looks this often
MAX_TICK_S = 0.05  # a run at max wakes its driver whenever it waits for it; else it looks this often
SAMPLE_EVERY_S = 0.2
SERIES_EVERY_MS = 500.0  # the stored series: a sample at every half second of run time, exactly
STOP_DRAIN_S = 0.5  # after Stop, what is in flight may finish for this long (wall), then it is cut
STALE_BUSY_S = 20.0  # a step queued this long and not running was lost: queue it again
EPSILON_MS = 0.001
FAULT_PARAMS = frozenset(fault.param for fault in FAULT_TYPES.values() if fault.param)  # instance, factor, …
SAMPLED_FAULTS = 20  # fault log entries a sample carries (the newest), for the live incidents


@dataclass
class Sample:
    t: float  # run seconds applied
    values: dict[str, Any]


@dataclass
class DriverResult:
    started: float
    ended_traffic_ms: float
    drained: bool
    drain_s: float
    faults: list[dict[str, Any]] = field(default_factory=list)
    max_depth: dict[str, int] = field(default_factory=dict)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    clock: dict[str, Any] = field(default_factory=dict)
    cut: dict[str, Any] | None = None  # what was still open when the run was cut short


@dataclass
class FaultRecord:
    """A fault in the run's log, with the inbox events that fire and undo it."""

    record: dict[str, Any]
    fire_at: float
    undo_at: float | None
    fire_events: list[str]
    undo_events: list[str]


class Driver:
    def __init__(
        self,
        run: str,
        document: dict[str, Any],
        *,
        duration_s: float | None = None,
        seed: int | None = None,
        speed: float | str | None = None,
        drain_timeout_s: float = 60.0,
        on_sample: Callable[[Sample], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
        trace: bool = False,
    ):
        self.run = run
        self.document = document
        self.plan: Plan = compile_plan(document)
        self.plan.trace = trace
        self.duration_s = float(duration_s if duration_s is not None else self.plan.run["duration_s"])
        self.seed = int(seed if seed is not None else self.plan.run["seed"])
        self.plan.seed = self.seed
        self.speed = parse_speed(speed if speed is not None else self.plan.run["speed"])
        self.drain_timeout_s = drain_timeout_s
        self.on_sample = on_sample
        self.should_stop = should_stop or (lambda: False)
        self.r = client()
        self.end_ms = self.duration_s * 1000.0
        self.counter = 0
        self.faults: list[FaultRecord] = []
        self.last_stats: dict[str, float] = {}
        self.pace = Pace(self.speed)
        self.meter = SpeedMeter(self.speed)
        self.applied_ms = 0.0
        self.horizon_ms = 0.0
        self.series_next_ms = SERIES_EVERY_MS
        self.stopped = False
        self.cut_info: dict[str, Any] | None = None
        self.started = 0.0
        self.started_monotonic = time.monotonic()
        self.traffic_wall_s: float | None = None

    # --- set-up -----------------------------------------------------------------------------

    def setup(self) -> None:
        self.started = time.time()
        self.started_monotonic = time.monotonic()
        pipe = self.r.pipeline()
        meta = {
            "document": json.dumps(self.document), "t0": self.started, "speed": speed_label(self.speed),
            "seed": self.seed, "trace": int(self.plan.trace),
        }  # fmt: skip
        pipe.hset(keys.meta(self.run), mapping=meta)
        pipe.hset(keys.clock(self.run), mapping={"t": 0, "applied": 0, "end": self.end_ms, "rids": 0, "last": 0})
        for node in self.plan.nodes.values():
            pipe.set(keys.node(self.run, node.id), json.dumps(initial_state(node)))
        pipe.execute()
        self.add_events(self.starting_events())
        for fault in sorted(self.plan.faults, key=lambda f: f["at_s"]):
            at = float(fault["at_s"]) * 1000.0
            if at < self.end_ms:
                self.schedule_fault(fault, at, live=False)

    def starting_events(self) -> list[dict[str, Any]]:
        """What starts a run: consumers offering their slots, each client's first arrival,
        health checks and scaling ticks (each schedules the next itself)."""
        events: list[dict[str, Any]] = []
        consumers = {c for _, group in self.plan.mailboxes().values() for c in group}
        for node_id in sorted(consumers):
            events.append(
                {"node": node_id, "t": "fault", "action": "start_consumer", "internal": True, "id": f"init:{node_id}"}
            )
        for node in self.plan.clients():
            events.extend(self.first_arrivals(node))
        for node in self.plan.nodes.values():
            for tick in node.runtime.ticks:
                events.append({"node": node.id, "t": tick, "id": f"{tick.removesuffix('_tick')}:{self.seed}:{node.id}"})
            if node.scales():
                events.append({"node": node.id, "t": "scale_tick", "id": f"scale:{self.seed}:{node.id}", "at": 1000})
        return events

    def first_arrivals(self, node: NodePlan) -> list[dict[str, Any]]:
        """A client's first arrival; with a mix, the first of each entry's own process."""
        entries = mix_entries(node.props)
        if not entries:
            rng = random.Random(f"{self.seed}:{node.id}")
            first = next_arrival_s(rng, 0.0, node.props, 1.0, horizon_s=self.duration_s)
            if first * 1000.0 >= self.end_ms:
                return []
            return [{"node": node.id, "t": "arrive", "id": f"arrive:{self.seed}:{node.id}", "at": first * 1000}]
        events: list[dict[str, Any]] = []
        for index, entry in enumerate(entries):
            rng = random.Random(f"{self.seed}:{node.id}:{index}")
            first = next_arrival_s(rng, 0.0, entry_props(node.props, entry), 1.0, horizon_s=self.duration_s)
            if first * 1000.0 < self.end_ms:
                ident = f"arrive:{self.seed}:{node.id}:{index}"
                events.append({"node": node.id, "t": "arrive", "entry": index, "id": ident, "at": first * 1000})
        return events

    def add_events(self, events: list[dict[str, Any]], at: float = 0.0) -> list[str]:
        """Put events in the inbox (each at its own `at`, else `at`); returns their handles."""
        raws: list[str] = []
        mapping: dict[str, float] = {}
        for event in events:
            stamped = {**event, "at": round(float(event.get("at", at)), 3)}
            raw = json.dumps(stamped, separators=(",", ":"))
            raws.append(raw)
            mapping[raw] = stamped["at"]
        if mapping:
            self.r.zadd(keys.inbox(self.run), mapping)
        return raws

    # --- faults -----------------------------------------------------------------------------

    def fault_events(self, fault: dict[str, Any], action: str, values: dict[str, Any]) -> list[dict[str, Any]]:
        """The node events one fault action becomes (a zone: every node in it)."""
        target = fault["target"]
        self.counter += 1
        declared = FAULT_TYPES[action]
        base: dict[str, Any] = {
            "t": "fault",
            "action": declared.acts_as or action,  # a region outage is a zone outage at each node
            **{k: values[k] for k in FAULT_PARAMS if k in values},
        }
        if declared.target == "edge":
            edge = self.plan.edges[target]
            return [{**base, "node": edge.source, "edge": edge.id, "id": f"fault:{self.counter}"}]
        if declared.target_kinds == ("zone",):
            zones = self.plan.zones_reached(target, declared.reach)
            if declared.reach == "network":  # every executed node is told which zone is cut off
                base["zone"] = target
            return [
                {**base, "node": node.id, "id": f"fault:{self.counter}:{node.id}"}
                for node in self.plan.nodes.values()
                if node.zone in zones or (declared.reach == "network" and node.runtime.handler)
            ]
        return [{**base, "node": target, "id": f"fault:{self.counter}"}]

    def undo_values(self, fault: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        """The action and values that end a fault (its type's declaration, topology/faults.py)."""
        return FAULT_TYPES[fault["action"]].ending(fault)

    def schedule_fault(self, fault: dict[str, Any], at: float, *, live: bool) -> None:
        """Put a fault (and its undo: after its duration, else when traffic ends) in the inbox."""
        if fault["action"] in RESTORES:
            self.end_matching(RESTORES[fault["action"]], fault, at)
        fire = self.add_events(self.fault_events(fault, fault["action"], fault), at)
        record = {**{k: v for k, v in fault.items() if k != "at_s"}, "at_s": fault.get("at_s", 0)}
        record.update(fired_at_s=round(at / 1000.0, 3), live=live)
        undo = self.undo_values(fault)
        undo_at: float | None = None
        undo_events: list[str] = []
        if undo is not None:
            duration = fault.get("duration_s")
            undo_at = min(at + float(duration) * 1000.0, self.end_ms) if duration else self.end_ms
            undo_events = self.add_events(self.fault_events(fault, undo[0], undo[1]), undo_at)
            record["undone_at_s"] = round(undo_at / 1000.0, 3)
        self.faults.append(FaultRecord(record, at, undo_at, fire, undo_events))

    def end_matching(self, action: str, like: dict[str, Any], at: float) -> None:
        """A restore fired by hand ends the oldest open fault it undoes: its own undo is dropped."""
        instance = like.get("instance")
        for fault in self.faults:
            record = fault.record
            if (
                record.get("action") == action
                and record.get("target") == like["target"]
                and (instance is None or record.get("instance") == instance)
                and fault.fire_at <= at
                and fault.undo_at is not None
                and fault.undo_at > at
            ):
                self.move_undo(fault, at)
                return

    def move_undo(self, fault: FaultRecord, at: float) -> None:
        if fault.undo_events:
            self.r.zrem(keys.inbox(self.run), *fault.undo_events)
        undo = self.undo_values(fault.record)
        fault.undo_events = self.add_events(self.fault_events(fault.record, *undo), at) if undo else []
        fault.undo_at = at
        fault.record["undone_at_s"] = round(at / 1000.0, 3)

    def fire_live(self) -> None:
        """Faults sent while the run goes (the API pushes them onto the run's fault list): each
        fires just after the last event the fleet applied."""
        if not self.r.llen(keys.faults(self.run)):
            return
        at = self.quiesce()
        try:
            while raw := self.r.lpop(keys.faults(self.run)):
                fault = json.loads(raw)
                if at < self.end_ms:
                    self.schedule_fault(fault, at, live=True)
        finally:
            self.resume()

    def stop_traffic(self) -> None:
        """Stop: traffic ends just after the last applied event; open faults are undone then."""
        at = self.quiesce()
        try:
            self.stopped = True
            self.end_ms = min(self.end_ms, at)
            self.r.hset(keys.clock(self.run), "end", self.end_ms)
            kept = []
            for fault in self.faults:
                if fault.fire_at > at:
                    self.r.zrem(keys.inbox(self.run), *fault.fire_events, *fault.undo_events)
                    continue
                if fault.undo_at is not None and fault.undo_at > at:
                    self.move_undo(fault, at)
                kept.append(fault)
            self.faults = kept
        finally:
            self.resume()

    def quiesce(self) -> float:
        """Hold the run between two steps; returns the run time just after the last event applied."""
        self.r.hset(keys.clock(self.run), "hold", 1)
        deadline = time.monotonic() + step.LOCK_TTL_MS / 1000.0
        while self.r.exists(keys.busy(self.run)) and time.monotonic() < deadline:
            time.sleep(0.002)
        last = float(self.r.hget(keys.clock(self.run), "last") or 0)
        return round(last + EPSILON_MS, 3)

    def resume(self) -> None:
        self.r.hdel(keys.clock(self.run), "hold")
        step.dispatch(self.run)

    # --- the loop ---------------------------------------------------------------------------

    def tick(self, wall: float) -> None:
        """Sample the series when the run has reached its next half second, then let the run go
        as far as its ceiling allows, but never past the next half second before it is sampled
        (so the series holds the run's state at exactly those times, whatever its speed)."""
        self.applied_ms = float(self.r.hget(keys.clock(self.run), "applied") or 0)
        draining = self.applied_ms >= self.end_ms
        series = self.on_sample is not None and not draining  # a run with viewers keeps a series
        if series and self.applied_ms >= self.series_next_ms:
            self.sample(at_ms=self.series_next_ms)
            self.series_next_ms += SERIES_EVERY_MS
        horizon = HORIZON_NONE if draining else self.pace.horizon(wall, self.applied_ms)
        if series:
            horizon = min(horizon, self.series_next_ms)
        self.horizon_ms = max(self.horizon_ms, horizon)
        step.dispatch(self.run, self.horizon_ms)

    def requeue_lost_step(self) -> None:
        """A step queued long ago that never ran (a broker other than Redis lost it between a
        commit and its send): clear the mark and queue it again."""
        raw = self.r.get(keys.busy(self.run))
        if raw and time.time() - float(raw) > STALE_BUSY_S and not self.r.exists(keys.step_lock(self.run)):
            self.r.delete(keys.busy(self.run))
            step.dispatch(self.run, self.horizon_ms)

    def run_traffic(self) -> None:
        """Until the run time reaches the end of traffic (or Stop)."""
        self.loop(until_drained=False)

    def drain(self) -> tuple[bool, float]:
        """Traffic has ended: go as fast as the workers can until everything has an outcome.
        What has not finished within the limit (STOP_DRAIN_S after a Stop) is cut."""
        started = time.time()
        settled = self.loop(until_drained=True)
        if not settled:
            reason = "stopped" if self.stopped else f"the drain took longer than {self.drain_timeout_s:g} s"
            self.cut(reason)
        return settled, time.time() - started

    def cut(self, reason: str) -> None:
        """End the run here: hold it, and give what is still open the outcome `cut`."""
        at = self.quiesce()  # the run stays held: nothing more is applied
        self.cut_info = {"reason": reason, "at_s": round(at / 1000.0, 3), **cut_open_work(self.run, at)}

    def loop(self, *, until_drained: bool) -> bool:
        sample_next = 0.0
        stale_next = time.monotonic() + STALE_BUSY_S
        drain_deadline = time.monotonic() + (STOP_DRAIN_S if self.stopped else self.drain_timeout_s)
        while True:
            wall = time.monotonic()
            if not self.stopped and self.should_stop():
                self.stop_traffic()
                drain_deadline = min(
                    drain_deadline, time.monotonic() + STOP_DRAIN_S + (self.end_ms - self.applied_ms) / 1000
                )
            self.fire_live()
            self.tick(wall)
            if self.applied_ms >= self.end_ms and self.traffic_wall_s is None:
                self.traffic_wall_s = time.time() - self.started
            if wall >= sample_next:
                self.sample()
                sample_next = wall + SAMPLE_EVERY_S
                if until_drained and self.settled():
                    return True
            if not until_drained and self.applied_ms >= self.end_ms:
                return True
            if until_drained and wall > drain_deadline:
                return self.settled()
            if wall >= stale_next:
                self.requeue_lost_step()
                stale_next = wall + 1.0
            self.wait(MAX_TICK_S if self.speed is None or self.applied_ms >= self.end_ms else TICK_S)

    def wait(self, timeout_s: float) -> None:
        """Until a step stops with nothing more due (it pushes to the run's wake list), or the timeout."""
        self.r.blpop([keys.wake(self.run)], timeout=timeout_s)

    # --- metrics ----------------------------------------------------------------------------

    def sample(self, at_ms: float | None = None) -> None:
        """The figures now, for the live frames (about 5 a second). With `at_ms` — the run held
        at that run time — a point of the stored series, with the node states of that very
        moment (its latency windows are read later from the half seconds the steps recorded,
        final by then: the run is not held for them)."""
        pipe = self.r.pipeline(transaction=False)
        pipe.hgetall(keys.stats(self.run))
        pipe.hgetall(keys.depths(self.run))
        pipe.hmget(keys.clock(self.run), "applied", "last")
        if at_ms is not None:
            for node_id in self.plan.nodes:
                pipe.get(keys.node(self.run, node_id))
        stats_raw, depths_raw, clock, *moment = pipe.execute()
        applied_ms = float(clock[0] or 0)
        if applied_ms >= HORIZON_NONE:  # nothing left to apply: the run's time is its last event's
            applied_ms = max(float(clock[1] or 0), self.end_ms)
        applied_s = applied_ms / 1000.0 if at_ms is None else at_ms / 1000.0
        # The run may be up to LEAD_S ahead of its paced clock: that is borrowed, not speed. So
        # a paced run is measured by its paced clock, at the wall time that clock was set.
        if self.speed is None or self.pace.last_wall is None:
            wall, measured_s = time.monotonic() - self.started_monotonic, applied_s
        else:
            wall = self.pace.last_wall - self.started_monotonic
            measured_s = min(applied_s, self.pace.target / 1000.0)
        effective = self.meter.observe(wall, measured_s)
        stats = {k.decode(): float(v) for k, v in stats_raw.items()}
        depths = {k.decode(): int(v) for k, v in depths_raw.items()}
        faults = self.fault_log(until_s=applied_s)[-SAMPLED_FAULTS:]
        clock_info = {
            "speed": speed_label(self.speed), "effective": None if effective is None else round(effective, 3),
            "limited": effective is not None and self.meter.limited(effective),
            "text": describe(self.speed, effective), "wall_s": round(wall, 3),
        }  # fmt: skip
        self.publish_pace(stats, applied_s, effective)
        values = {"depths": depths, "stats": stats, "faults": faults, "clock": clock_info}
        if at_ms is not None:
            values["series"] = True
            values["states"] = dict(zip(self.plan.nodes, moment, strict=True))  # raw: the stream parses them
        sample = Sample(round(applied_s, 3), values)
        self.last_stats = stats
        if self.on_sample is not None:
            self.on_sample(sample)

    def publish_pace(self, stats: dict[str, float], applied_s: float, effective: float | None) -> None:
        """What admission reads of a run going: its measured need (events per run second times
        its ceiling; a `max` run as if at 1×) and its effective speed."""
        values: dict[str, float] = {}
        if applied_s >= 1.0 and stats.get("hops"):
            values["demand"] = round(stats["hops"] / applied_s * (self.speed or 1.0), 1)
        if effective is not None:
            values["effective"] = round(effective, 3)
        if values:
            self.r.hset(keys.clock(self.run), mapping=values)

    def fault_log(self, until_s: float | None = None) -> list[dict[str, Any]]:
        """The faults fired so far (up to `until_s` of run time), each with when it was undone."""
        out = []
        for fault in sorted(self.faults, key=lambda f: f.fire_at):
            record = dict(fault.record)
            if until_s is not None:
                if record["fired_at_s"] > until_s + 1e-9:
                    continue
                if record.get("undone_at_s") is not None and record["undone_at_s"] > until_s + 1e-9:
                    record.pop("undone_at_s")
            out.append(record)
        return out

    def settled(self) -> bool:
        """Traffic over, every request has its outcome and no delivery is pending."""
        if self.applied_ms < self.end_ms:
            return False
        stats = self.last_stats
        created = stats.get("requests:created", 0.0)
        ended = sum(stats.get(f"requests:{name}", 0.0) for name in ("completed", "failed", "rejected", "timed_out"))
        return ended >= created and stats.get("deliveries:open", 0.0) <= 0

    def clock_summary(self) -> dict[str, Any]:
        """How fast the run went, and whether the workers held it back."""
        run_s = self.end_ms / 1000.0
        traffic_s = self.traffic_wall_s or (time.time() - self.started)
        if self.speed is not None:  # the lead lets the traffic end up to LEAD_S early: not speed
            traffic_s = max(traffic_s, run_s / self.speed)
        mean = run_s / traffic_s if traffic_s > 0 else None
        speeds = [point["speed"] for point in self.meter.series if point["t"] <= run_s]
        stats = self.last_stats
        out_of_order_max = self.r.zscore(keys.max_depths(self.run), "clock:out_of_order_max_ms")
        return {
            "speed": speed_label(self.speed),
            "effective_speed": round(mean, 3) if mean is not None else None,
            "min_effective_speed": round(min(speeds), 3) if speeds else None,
            "held_back_s": round(self.meter.held_back_s, 2),
            "limited": bool(mean is not None and self.meter.limited(mean)),
            "text": describe(self.speed, mean),
            "traffic_wall_s": round(traffic_s, 3),
            "series": self.meter.series,
            "lookahead_ms": 0.0,
            "out_of_order": {
                "events": int(stats.get("clock:out_of_order", 0)),
                "max_ms": round(float(out_of_order_max or 0.0), 3),
            },
            "steps": int(stats.get("steps", 0)),
            "events": int(stats.get("hops", 0)),
        }

    # --- the whole run ----------------------------------------------------------------------

    def execute(self) -> DriverResult:
        self.setup()
        self.run_traffic()
        drained, drain_s = self.drain()
        self.sample()
        max_depth = {
            name.decode(): int(score)
            for name, score in self.r.zrange(keys.max_depths(self.run), 0, -1, withscores=True)
            if not name.startswith(b"clock:")
        }
        return DriverResult(
            self.started,
            self.end_ms,
            drained,
            drain_s,
            self.fault_log(),
            max_depth,
            build_timeline(self.r, self.run, self.plan, float(self.r.hget(keys.clock(self.run), "last") or 0)),
            self.clock_summary(),
            self.cut_info,
        )

    def cleanup(self) -> None:
        release(self.run)


def initial_state(node: Any) -> dict[str, Any]:
    """A node's state when the run starts: its instances (active, then standby)."""
    state: dict[str, Any] = {}
    if node.kind in CONSUMER_KINDS:
        count, active = node.instance_count(), node.active_count()
        state["instances"] = {
            str(i): {
                "alive": True, "standby": i >= active, "busy": 0, "credits": {}, "zone": node.zone, "gen": 0,
                "warm_at": 0.0,
            }
            for i in range(count)
        }  # fmt: skip
        state["next_instance"] = count
    return state


def release(run: str) -> None:
    """Delete every key of the run: the fixed ones and those in its registry (no scan).
    A step still queued finds the run gone and does nothing."""
    r = client()
    r.hset(keys.clock(run), "hold", 1)
    deadline = time.monotonic() + step.LOCK_TTL_MS / 1000.0
    while r.exists(keys.step_lock(run)) and time.monotonic() < deadline:
        time.sleep(0.002)
    names = [raw.decode() for raw in r.smembers(keys.registry(run))]
    names += keys.fixed(run) + [f"{keys.prefix(run)}{extra}" for extra in ("live", "stop", "live-faults")]
    for start in range(0, len(names), 500):
        r.unlink(*names[start : start + 500])
