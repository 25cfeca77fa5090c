"""/metrics in the Prometheus text format (0.0.4), written by hand.

Runs by state, the engine's work totals and capacity, the `engine` queue's backlog in the
broker, the effective speed of the runs going, this process's websocket connections, and the
refusals (runs and quotas). Gauges read at scrape time; the refusal totals are counters kept
in Redis (apps/ops/counters.py).
"""

from collections.abc import Iterable

import redis
from django.conf import settings
from django.db.models import Count

from apps.engine.models import Run
from apps.ops import counters
from apps.ops.asgi import viewers
from apps.ops.quotas import ACTIONS
from apps.runtime import keys
from apps.runtime.broker import ENGINE_QUEUE
from apps.runtime.capacity import WORK, measure
from apps.runtime.redis import client

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
PRIORITY_SEPARATOR = "\x06\x16"  # kombu's Redis transport: one list per priority step
PRIORITY_STEPS = (3, 6, 9)

Sample = tuple[dict[str, str], float]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    if value != value:  # NaN
        return "NaN"
    return str(int(value)) if float(value).is_integer() else repr(float(value))


class Exposition:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, name: str, kind: str, help_text: str, samples: Iterable[Sample]) -> None:
        self.lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
        for labels, value in samples:
            label_text = ",".join(f'{key}="{_escape(val)}"' for key, val in labels.items())
            self.lines.append(f"{name}{{{label_text}}} {_number(value)}" if label_text else f"{name} {_number(value)}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def broker_backlog(queue: str = ENGINE_QUEUE) -> float:
    """Messages waiting in the broker's list(s) for `queue` (NaN when the broker is not Redis)."""
    url = str(getattr(settings, "CELERY_BROKER_URL", "") or settings.REDIS_URL)
    if url == settings.REDIS_URL:
        broker = client()
    elif url.startswith(("redis://", "rediss://")):
        broker = redis.Redis.from_url(url, socket_timeout=2)
    else:
        return float("nan")
    pipe = broker.pipeline(transaction=False)
    for name in (queue, *(f"{queue}{PRIORITY_SEPARATOR}{step}" for step in PRIORITY_STEPS)):
        pipe.llen(name)
    return float(sum(int(n) for n in pipe.execute()))


def _effective_speeds(run_ids: list[str]) -> list[float]:
    if not run_ids:
        return []
    pipe = client().pipeline(transaction=False)
    for run_id in run_ids:
        pipe.hget(keys.clock(run_id), "effective")
    return [float(value) for value in pipe.execute() if value is not None]


def render() -> str:
    out = Exposition()
    by_state = dict(Run.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    out.add(
        "playground_runs",
        "gauge",
        "Runs stored, by state",
        [({"state": state}, by_state.get(state, 0)) for state in Run.Status.values],
    )
    going = list(Run.objects.active().values_list("pk", "waiting"))
    out.add("playground_runs_going", "gauge", "Runs holding a slot (queued, running or draining)", [({}, len(going))])
    waiting = sum(1 for _, wait in going if wait is not None)
    out.add("playground_runs_waiting", "gauge", "Runs waiting for room in the fleet", [({}, waiting)])

    r = client()
    events, busy_ms = r.hmget(WORK, "events", "busy_ms")
    capacity = measure()
    out.add(
        "playground_engine_events_applied",
        "gauge",
        "Events (hops) the engine workers have applied; halved past 5,000,000 (capacity.py), so not a counter",
        [({}, int(events or 0))],
    )
    out.add(
        "playground_engine_busy_seconds",
        "gauge",
        "Wall seconds the engine's steps took for those events (halved with them)",
        [({}, int(busy_ms or 0) / 1000.0)],
    )
    out.add(
        "playground_engine_worker_processes", "gauge", "Engine worker processes announced", [({}, capacity.processes)]
    )
    out.add(
        "playground_engine_capacity_events_per_second",
        "gauge",
        "Events per second the fleet carries (measured, or assumed until measured)",
        [({}, round(capacity.events_per_s, 1))],
    )
    out.add(
        "playground_engine_backlog", "gauge", "Tasks waiting in the broker's engine queue", [({}, broker_backlog())]
    )

    speeds = _effective_speeds([run_id for run_id, wait in going if wait is None])
    stats: list[Sample] = []
    if speeds:
        stats = [
            ({"stat": "min"}, min(speeds)),
            ({"stat": "mean"}, round(sum(speeds) / len(speeds), 3)),
            ({"stat": "max"}, max(speeds)),
        ]
    out.add("playground_runs_effective_speed", "gauge", "Effective speed (run s per wall s) of the runs going", stats)

    out.add(
        "playground_websocket_connections",
        "gauge",
        "Open websocket connections in this process (each web process counts its own)",
        [({"kind": kind}, n) for kind, n in sorted(viewers.items())],
    )
    counted = counters.read()
    out.add(
        "playground_runs_refused_total",
        "counter",
        "Run starts refused with 429: by the client's quota, or by the server's run limits",
        [({"by": by}, counted.get(f"runs:{by}", 0)) for by in ("quota", "server")],
    )
    out.add(
        "playground_quota_refused_total",
        "counter",
        "Requests and connections refused by a quota, by action",
        [({"action": action}, counted.get(f"quota:{action}", 0)) for action in ACTIONS],
    )
    return out.text()
