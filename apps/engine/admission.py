"""Admission: runs share the fleet by what they need, not by a fixed count.

A run needs about `demand` events per second of wall time: its events per run second
(estimated from its topology, runtime/demand.py, then measured while it goes) times its speed
ceiling (a `max` run is counted as if at 1×: it takes what is free and yields the rest, since
runs share the workers step by step). The fleet carries `capacity` events per second
(runtime/capacity.py, measured). A run starts when what the runs going need, its own need
added, fits in UTILISATION of the capacity — or at once when no other run is going (a run
alone always starts; it just goes as fast as the fleet can, and says so). Otherwise it waits,
queued, with the reason and an estimate of when it can start, and starts when the capacity
is there, oldest first. A run being stopped stops counting at once.

PLAYGROUND_MAX_RUNS stays as a hard safety cap on runs going or waiting: beyond it a start
is refused (429) with when the first run is due to end. PLAYGROUND_MAX_RUNS_PER_OWNER caps the
runs one owner (whoever holds a scenario's edit secret) has going or waiting, the runs being
stopped not counted; PLAYGROUND_MAX_RUN_WALL_S caps how long one run may take (docs/limits.md).
"""

import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from apps.engine.models import Run
from apps.runtime import keys
from apps.runtime.capacity import Capacity, measure
from apps.runtime.redis import client
from apps.scenarios.models import Scenario

UTILISATION = 0.8  # share of the measured capacity the runs may need together
START_LOCK = "pg:runs:start-lock"
DRAIN_ALLOWANCE_S = 2.0


@dataclass
class Decision:
    admit: bool
    demand: float
    committed: float
    capacity: Capacity
    reason: str = ""
    start_in_s: float | None = None
    blocking: list[str] = field(default_factory=list)

    def waiting(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "start_in_s": None if self.start_in_s is None else round(self.start_in_s, 1),
            "demand": round(self.demand),
            "committed": round(self.committed),
            "capacity": self.capacity.as_dict(),
            "checked_at": round(time.time(), 3),
        }


@dataclass
class Going:
    """What an active run needs and how long it still has to go (wall seconds)."""

    run_id: str
    demand: float
    remaining_s: float
    stopping: bool


def _going(runs: list[Run], capacity: Capacity) -> list[Going]:
    r = client()
    pipe = r.pipeline(transaction=False)
    for run in runs:
        pipe.hmget(keys.clock(run.id), "applied", "end", "demand", "effective")
        pipe.exists(f"{keys.prefix(run.id)}stop")
    replies = pipe.execute()
    out = []
    for index, run in enumerate(runs):
        (applied, end, measured, effective), stopping = replies[2 * index], replies[2 * index + 1]
        demand = float(measured) if measured else run.demand
        left_run_s = max(0.0, (float(end or run.duration_s * 1000) - float(applied or 0)) / 1000.0)
        if run.speed is None:
            per_run_s = demand  # counted at 1×: events per run second
            remaining = left_run_s * per_run_s / max(capacity.events_per_s, 1.0)
        else:
            pace = float(effective) if effective else run.speed
            remaining = left_run_s / max(pace, 0.05)
        out.append(Going(run.id, demand, remaining + DRAIN_ALLOWANCE_S, bool(stopping)))
    return out


def decide(*, run: Run) -> Decision:
    """May `run` start now? (Called with the start lock held.)"""
    capacity = measure()
    others = list(Run.objects.active().exclude(pk=run.pk).order_by("created_at"))
    started = [other for other in others if other.status != Run.Status.QUEUED or other.waiting is None]
    earlier_waiting = [other for other in others if other.waiting is not None and other.created_at < run.created_at]
    going = [g for g in _going(started, capacity) if not g.stopping]
    committed = sum(g.demand for g in going) + sum(other.demand for other in earlier_waiting)
    limit = UTILISATION * capacity.events_per_s
    decision = Decision(True, run.demand, committed, capacity)
    if not going and not earlier_waiting:
        return decision
    if committed + run.demand <= limit:
        return decision
    decision.admit = False
    freed, start_in = 0.0, None
    for item in sorted(going, key=lambda g: g.remaining_s):
        freed += item.demand
        if committed - freed + run.demand <= limit or freed >= sum(g.demand for g in going):
            start_in = item.remaining_s
            break
    decision.start_in_s = start_in
    decision.blocking = [g.run_id for g in going]
    parts = [f"{len(going)} run{'s' if len(going) != 1 else ''} going"]
    if earlier_waiting:
        parts.append(f"{len(earlier_waiting)} waiting before it")
    verb = "needs" if len(going) + len(earlier_waiting) == 1 else "need"
    others_text = f"{' and '.join(parts)} {verb} about {committed:,.0f}"
    decision.reason = (
        f"the workers carry about {capacity.events_per_s:,.0f} events/s ({capacity.processes} worker "
        f"process{'es' if capacity.processes != 1 else ''}); {others_text}, and this one about "
        f"{run.demand:,.0f} at its speed"
    )
    return decision


def first_end_in_s() -> float | None:
    """When the first active run is due to end (wall seconds), for a refusal's message."""
    capacity = measure()
    runs = [run for run in Run.objects.active() if run.waiting is None]
    going = _going(runs, capacity)
    return min((g.remaining_s for g in going), default=None)


def start_lock() -> Any:
    """Held while deciding whether a run may start, so two decisions never count on the same room."""
    return client().lock(START_LOCK, timeout=10, blocking_timeout=10)


def hard_cap() -> int:
    return int(settings.PLAYGROUND_MAX_RUNS)


def owner_cap() -> int:
    return int(settings.PLAYGROUND_MAX_RUNS_PER_OWNER)


def owner_going(*, scenario: Scenario) -> list[Going]:
    """The active runs, not being stopped, of every scenario with this one's owner (its edit secret)."""
    runs = list(Run.objects.active().filter(scenario__edit_secret_hash=scenario.edit_secret_hash))
    if not runs:
        return []
    return [g for g in _going(runs, measure()) if not g.stopping]


def wall_time_s(*, speed: float | None, duration_s: float) -> float:
    """How long a run's traffic takes in wall seconds at most (a `max` run: as if at 1×)."""
    return duration_s / (speed or 1.0)


def wall_cap_s() -> float:
    return float(settings.PLAYGROUND_MAX_RUN_WALL_S)
