"""What the fleet can carry, measured: engine worker processes and their events per second.

- Every engine worker (a `celery worker` consuming the `engine` queue) announces itself and
  its pool size every few seconds while it runs (signals connected in apps/engine/tasks.py);
  one that stops announcing for STALE_S is gone.
- Every step adds the events it applied and the wall time it took to the fleet's totals (in
  its own commit), so `events per busy second` is measured on this machine, with its load,
  for the work the runs actually do. Until enough is measured, DEFAULT_RATE is assumed.

Capacity = processes × events per busy second of one process.
"""

import threading
import time
from dataclasses import dataclass
from typing import Any

from apps.runtime.redis import client

WORKERS = "pg:fleet:workers"  # sorted set: worker name -> last announcement (Unix s)
SLOTS = "pg:fleet:slots"  # hash: worker name -> pool processes
WORK = "pg:fleet:work"  # hash: events, busy_ms (totals of every step)
ANNOUNCE_EVERY_S = 5.0
STALE_S = 15.0
DEFAULT_RATE = 3000.0  # events per busy second of one process, assumed until measured
MEASURED_AFTER_S = 2.0  # busy seconds measured before the measurement is trusted
DECAY_AFTER_EVENTS = 5_000_000  # the totals are halved beyond this, so recent work counts more


@dataclass(frozen=True)
class Capacity:
    processes: int
    events_per_process_s: float
    measured: bool

    @property
    def events_per_s(self) -> float:
        return self.processes * self.events_per_process_s

    def as_dict(self) -> dict[str, Any]:
        return {
            "processes": self.processes,
            "events_per_process_s": round(self.events_per_process_s),
            "events_per_s": round(self.events_per_s),
            "measured": self.measured,
        }


def work_commands(events: int, busy_s: float) -> list[tuple[Any, ...]]:
    """What a step adds to the fleet's totals (applied in its commit)."""
    return [("hincrby", WORK, "events", events), ("hincrby", WORK, "busy_ms", round(busy_s * 1000))]


def measure() -> Capacity:
    r = client()
    now = time.time()
    pipe = r.pipeline(transaction=False)
    pipe.zrangebyscore(WORKERS, now - STALE_S, "+inf")
    pipe.hgetall(SLOTS)
    pipe.hmget(WORK, "events", "busy_ms")
    alive, slots, (events, busy_ms) = pipe.execute()
    processes = sum(int(slots.get(name, b"1")) for name in alive)
    events_n, busy_s = int(events or 0), int(busy_ms or 0) / 1000.0
    if events_n > DECAY_AFTER_EVENTS:
        r.hset(WORK, mapping={"events": events_n // 2, "busy_ms": int(busy_s * 500)})
    measured = busy_s >= MEASURED_AFTER_S
    rate = events_n / busy_s if measured else DEFAULT_RATE
    return Capacity(processes, rate, measured)


class Announcer:
    """A worker's announcement, repeated by a daemon thread while the worker runs."""

    def __init__(self, name: str, processes: int):
        self.name = name
        self.processes = processes
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="fleet-announcer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                pipe = client().pipeline(transaction=False)
                pipe.zadd(WORKERS, {self.name: time.time()})
                pipe.hset(SLOTS, self.name, self.processes)
                pipe.execute()
            except Exception:  # noqa: BLE001, S110 - Redis away for a moment: announce again later
                pass
            self._stop.wait(ANNOUNCE_EVERY_S)

    def stop(self) -> None:
        self._stop.set()
        try:
            client().zrem(WORKERS, self.name)
            client().hdel(SLOTS, self.name)
        except Exception:  # noqa: BLE001, S110 - the worker is going away either way
            pass
