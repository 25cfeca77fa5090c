"""The driver of one run: the clock that every timer, arrival and fault comes from.

It generates each client's Poisson arrivals, hands due timers to the broker, sends health
checks and scaling ticks, fires the scheduled (and live) faults, samples the metrics several
times a second, and, when the run's time is up, stops the traffic, undoes the faults and
waits for everything in flight to reach an outcome (the drain) before the summary.
The driver holds no run state of its own that the workers need: that is all in Redis.
"""

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from apps.engine.physics.arrivals import client_id, next_arrival_s, pick_operation
from apps.engine.runtime import broker, keys
from apps.engine.runtime.apply import publish
from apps.engine.runtime.clock import Clock
from apps.engine.runtime.plan import WORKER_KINDS, Plan, compile_plan
from apps.engine.runtime.redis import client
from apps.engine.runtime.timeline import Timeline

TICK_S = 0.002
SAMPLE_EVERY_S = 0.2
STALE_PENDING_S = 1.0
UNDO = {
    "kill_instance": "restore_instance",
    "kill_zone": "restore_zone",
    "stop_consumer": "start_consumer",
    "cut_edge": "restore_edge",
}
RESTORES = {undo: action for action, undo in UNDO.items()}  # restore_instance -> kill_instance, ...
SAMPLED_FAULTS = 20  # fault log entries a sample carries (the newest), for the live incidents


@dataclass
class Sample:
    t: float
    values: dict[str, Any]


@dataclass
class DriverResult:
    started: float
    ended_traffic_ms: float
    drained: bool
    drain_s: float
    samples: list[Sample] = field(default_factory=list)
    faults: list[dict[str, Any]] = field(default_factory=list)
    max_depth: dict[str, int] = field(default_factory=dict)
    timeline: list[dict[str, Any]] = field(default_factory=list)


class Driver:
    def __init__(
        self,
        run: str,
        document: dict[str, Any],
        *,
        duration_s: float | None = None,
        seed: int | None = None,
        speed: float | None = None,
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
        self.speed = float(speed if speed is not None else self.plan.run["speed"])
        self.drain_timeout_s = drain_timeout_s
        self.on_sample = on_sample
        self.should_stop = should_stop or (lambda: False)
        self.r = client()
        self.rng = random.Random(self.seed)
        self.counter = 0
        self.multiplier: dict[str, float] = {}
        self.active_faults: list[dict[str, Any]] = []
        self.fault_log: list[dict[str, Any]] = []
        self.max_depth: dict[str, int] = {}
        self.samples: list[Sample] = []
        self.undo_due: list[tuple[float, dict[str, Any]]] = []  # (run second, fault) of timed faults

    # --- set-up -----------------------------------------------------------------------

    def setup(self) -> Clock:
        self.timeline = Timeline(self.r, self.run, self.plan)
        self.timeline_next = 1.0
        t0 = time.time()
        self.clock = Clock(t0, self.speed)
        pipe = self.r.pipeline()
        meta = {"document": json.dumps(self.document), "t0": t0, "speed": self.speed, "trace": int(self.plan.trace)}
        pipe.hset(keys.meta(self.run), mapping=meta)
        for node in self.plan.nodes.values():
            state: dict[str, Any] = {}
            if node.kind in WORKER_KINDS or node.kind in ("database", "read_model"):
                count = node.instance_count()
                active = int(node.props.get("replicas", count)) if node.kind == "service" else count
                state["instances"] = {
                    str(i): {
                        "alive": True, "standby": i >= active, "busy": 0, "credits": {}, "zone": node.zone, "gen": 0,
                        "warm_at": 0.0,
                    }
                    for i in range(count)
                }  # fmt: skip
                state["next_instance"] = count
            pipe.set(keys.node(self.run, node.id), json.dumps(state))
        pipe.execute()
        # Consumers offer their free slots (credits) to the mailboxes they read from.
        consumers = {c for _, group in self.plan.mailboxes().values() for c in group}
        for node_id in sorted(consumers):
            self.send({"node": node_id, "t": "fault", "action": "start_consumer", "internal": True}, f"init:{node_id}")
        return self.clock

    # --- sending ----------------------------------------------------------------------

    def send(self, event: dict[str, Any], event_id: str) -> None:
        publish(self.run, [json.dumps({**event, "id": event_id})], track=False)

    def now_s(self) -> float:
        return self.clock.now_ms() / 1000.0

    # --- the loop ---------------------------------------------------------------------

    def run_traffic(self) -> None:
        now = 0.0
        clients = self.plan.clients()
        next_at = {c.id: next_arrival_s(self.rng, 0.0, c.props, 1.0, horizon_s=self.duration_s) for c in clients}
        faults = sorted(self.plan.faults, key=lambda f: f["at_s"])
        undo = self.undo_due
        health_next = {n.id: 0.0 for n in self.plan.nodes.values() if n.kind == "load_balancer"}
        scalers = [
            n.id
            for n in self.plan.nodes.values()
            if n.kind == "function" or (n.kind == "service" and n.props["autoscaling"]["enabled"])
        ]
        scale_next = 1.0
        sample_next = 0.0
        while now < self.duration_s and not self.should_stop():
            now = self.now_s()
            for c in clients:
                while next_at[c.id] <= now:
                    self.arrive(c.id, c.props)
                    multiplier = self.multiplier.get(c.id, 1.0)
                    next_at[c.id] = next_arrival_s(
                        self.rng, next_at[c.id], c.props, multiplier, horizon_s=self.duration_s
                    )
            while faults and faults[0]["at_s"] <= now:
                fault = faults.pop(0)
                self.fire(fault)
                if fault.get("duration_s"):
                    undo.append((fault["at_s"] + fault["duration_s"], fault))
            for due, fault in [u for u in undo if u[0] <= now]:
                undo.remove((due, fault))
                self.undo(fault)
            for lb, due in health_next.items():
                if due <= now:
                    self.send({"node": lb, "t": "health_tick"}, f"health:{lb}:{due:.3f}")
                    health_next[lb] = due + float(self.plan.nodes[lb].props["health_check"]["interval_s"])
            if scale_next <= now:
                for node_id in scalers:
                    self.send({"node": node_id, "t": "scale_tick"}, f"scale:{node_id}:{scale_next:.1f}")
                scale_next += 1.0
            self.fire_live()
            self.fire_timers()
            if sample_next <= now:
                self.sample()
                sample_next += SAMPLE_EVERY_S
            time.sleep(TICK_S)

    def arrive(self, client_node: str, props: dict[str, Any]) -> None:
        self.counter += 1
        rid = f"r{self.counter}"
        op, kind = pick_operation(self.rng, props)
        who = client_id(self.rng, int(props["clients"]))
        event = {"node": client_node, "t": "arrive", "rid": rid, "client": who, "op": op, "opkind": kind}
        self.send(event, f"arrive:{rid}")

    def fire_timers(self) -> None:
        """Publish due timers, and republish events a crashed worker left in `pending`."""
        wall = time.time()
        due = self.r.zrangebyscore(keys.timers(self.run), "-inf", wall, start=0, num=2000)
        if due:
            events = [raw.decode() for raw in due]
            if broker.lean():
                pipe = self.r.pipeline(transaction=True)  # handed over and removed at once
                broker.push(pipe, self.run, events)
                pipe.zrem(keys.timers(self.run), *events)
                pipe.execute()
            else:
                publish(self.run, events, track=False)
                self.r.zrem(keys.timers(self.run), *events)
        stale = self.r.zrangebyscore(keys.pending(self.run), "-inf", wall - STALE_PENDING_S, start=0, num=500)
        if stale:
            self.r.incrby(keys.prefix(self.run) + "republished", len(stale))
            publish(self.run, [raw.decode() for raw in stale])

    # --- faults -----------------------------------------------------------------------

    def fire(self, fault: dict[str, Any], *, live: bool = False) -> None:
        record = {**fault, "fired_at_s": round(self.now_s(), 3), "live": live}
        self.fault_log.append(record)
        if fault["action"] in RESTORES:  # a restore (e.g. from the Chaos tab) ends the fault it undoes
            self.end_fault(RESTORES[fault["action"]], fault)
        else:
            self.active_faults.append(fault)
        self.dispatch(fault, fault["action"], fault)

    def end_fault(self, action: str, like: dict[str, Any]) -> None:
        """Mark the oldest open fault `action` on the same target (and instance) undone now."""

        def same(fault: dict[str, Any]) -> bool:
            instance = like.get("instance")
            return (
                fault.get("action") == action
                and fault.get("target") == like["target"]
                and (instance is None or fault.get("instance") == instance)
            )

        for active in self.active_faults:
            if same(active):
                self.active_faults.remove(active)
                break
        for record in self.fault_log:
            if same(record) and "undone_at_s" not in record:
                record["undone_at_s"] = round(self.now_s(), 3)
                break

    def undo(self, fault: dict[str, Any]) -> None:
        self.end_fault(fault["action"], fault)
        action = fault["action"]
        if action == "add_latency":
            self.dispatch(fault, "add_latency", {**fault, "latency_ms": 0})
        elif action == "set_error_rate":
            self.dispatch(fault, "set_error_rate", {**fault, "error_rate": None})
        elif action == "traffic_spike":
            self.dispatch(fault, "traffic_spike", {**fault, "factor": 1.0})
        elif action in UNDO:
            self.dispatch(fault, UNDO[action], fault)

    def dispatch(self, fault: dict[str, Any], action: str, values: dict[str, Any]) -> None:
        target = fault["target"]
        self.counter += 1
        base: dict[str, Any] = {
            "t": "fault",
            "action": action,
            **{k: values[k] for k in ("instance", "latency_ms", "error_rate") if k in values},
        }
        if action == "traffic_spike":
            self.multiplier[target] = float(values.get("factor", 1.0))
            return
        if action in ("cut_edge", "restore_edge"):
            edge = self.plan.edges[target]
            self.send({**base, "node": edge.source, "edge": edge.id}, f"fault:{self.counter}")
            return
        if action in ("kill_zone", "restore_zone"):
            for node in self.plan.nodes.values():
                if node.zone == target:
                    self.send({**base, "node": node.id}, f"fault:{self.counter}:{node.id}")
            return
        self.send({**base, "node": target}, f"fault:{self.counter}")

    def fire_live(self) -> None:
        """Faults sent while the run goes (the API pushes them onto the run's fault list)."""
        while raw := self.r.lpop(keys.faults(self.run)):
            fault = json.loads(raw)
            self.fire(fault, live=True)
            if fault.get("duration_s"):
                self.undo_due.append((self.now_s() + float(fault["duration_s"]), fault))

    # --- metrics ----------------------------------------------------------------------

    def depths(self) -> dict[str, int]:
        pipe = self.r.pipeline()
        names: list[str] = []
        for box in self.plan.mailboxes():
            names.append(f"box:{box}")
            pipe.llen(keys.mailbox(self.run, box))
        for node in self.plan.nodes.values():
            if node.kind in WORKER_KINDS or node.kind in ("database", "read_model"):
                for key in self.r.scan_iter(match=keys.waiting(self.run, node.id, "*"), count=100):
                    names.append(f"wait:{node.id}:{key.decode().rsplit(':', 1)[1]}")
                    pipe.llen(key)
        values = pipe.execute()
        return dict(zip(names, (int(v) for v in values), strict=True))

    def sample(self) -> None:
        while self.now_s() >= self.timeline_next:
            self.timeline.point(self.timeline_next)
            self.timeline_next += 1.0
        depths = self.depths()
        for name, depth in depths.items():
            self.max_depth[name] = max(self.max_depth.get(name, 0), depth)
        stats = {k.decode(): float(v) for k, v in self.r.hgetall(keys.stats(self.run)).items()}
        faults = [dict(record) for record in self.fault_log[-SAMPLED_FAULTS:]]
        sample = Sample(round(self.now_s(), 3), {"depths": depths, "stats": stats, "faults": faults})
        self.samples.append(sample)
        if self.on_sample is not None:
            self.on_sample(sample)

    # --- drain ------------------------------------------------------------------------

    def settled(self) -> bool:
        created = self.r.hlen(keys.requests(self.run))
        ended = self.r.hlen(keys.outcomes(self.run))
        if ended < created:
            return False
        deliveries = self.r.hvals(keys.deliveries(self.run))
        return b"pending" not in deliveries and self.r.zcard(keys.pending(self.run)) == 0

    def drain(self) -> tuple[bool, float]:
        for fault in list(self.active_faults):
            self.undo(fault)
        started = time.time()
        sample_next = time.time()
        while time.time() - started < self.drain_timeout_s:
            self.fire_timers()
            if time.time() >= sample_next:
                self.sample()
                sample_next += SAMPLE_EVERY_S
                if self.settled():
                    return True, time.time() - started
            time.sleep(TICK_S)
        return self.settled(), time.time() - started

    def execute(self) -> DriverResult:
        self.setup()
        self.run_traffic()
        ended = self.clock.now_ms()
        drained, drain_s = self.drain()
        self.sample()
        self.timeline.point(self.now_s())
        return DriverResult(
            self.clock.t0, ended, drained, drain_s, self.samples, self.fault_log, self.max_depth, self.timeline.points
        )

    def cleanup(self) -> None:
        names = list(self.r.scan_iter(match=keys.prefix(self.run) + "*", count=1000))
        for start in range(0, len(names), 500):
            self.r.unlink(*names[start : start + 500])
