"""A finished run as the engine stores it, built by hand: the document it ran, its summary
(apps/runtime/summary.py) and its series (apps/engine/stream.py `series_point`).

Shared by the report's page tests and its browser test, which stores it in the live server's
database.
"""

import copy
from typing import Any

from apps.topology.blank import blank_document
from tests.factories import edge, node

HOSTILE_LABEL = '<script>alert("pwned")</script><img src=x onerror=alert(1)> & Co'
DURATION_S = 20.0
RATE = 10.0


def sample_document(*, web_label: str = "Web") -> dict[str, Any]:
    """users → lb → web (2 replicas) → jobs (queue) → email."""
    doc = blank_document(name="Queue behind a balanced web tier")
    doc["nodes"] = [
        node("users", "client", 0, 0, rate=RATE),
        node("lb", "load_balancer", 200, 0, strategy="round_robin"),
        node("web", "service", 400, 0, replicas=2, publishes=["SignedUp"]),
        node("jobs", "queue", 600, 0),
        node("email", "service", 800, 0, replicas=1),
    ]
    doc["nodes"][2]["label"] = web_label
    doc["edges"] = [
        edge("e1", "users", "lb"),
        edge("e2", "lb", "web"),
        edge("e3", "web", "jobs"),
        edge("e4", "jobs", "email"),
    ]
    doc["faults"] = [
        {"at_s": 5, "action": "kill_instance", "target": "web", "instance": 1, "duration_s": 5},
        {"at_s": 8, "action": "stop_consumer", "target": "email", "duration_s": 4},
    ]
    doc["run"] = {"duration_s": DURATION_S, "seed": 42, "speed": 1}
    return doc


def sample_series() -> list[dict[str, Any]]:
    """Two points per run second: 10 requests/s, a backlog in `jobs` while `email` is stopped
    (8–12 s), one web replica down (5–10 s) with a few failures when it died."""
    points: list[dict[str, Any]] = []
    backlog = 0
    for i in range(1, int(DURATION_S * 2) + 1):
        t = i / 2
        created = int(RATE * t)
        failed = 3 if t >= 5.5 else 0
        in_flight = 1 if i % 3 else 0
        completed = created - failed - in_flight
        stopped = 8 <= t < 12
        backlog = backlog + 5 if stopped else max(0, backlog - 15)
        delivered = completed - backlog
        points.append(
            {
                "seq": i * 2,
                "t": t,
                "requests": {
                    "created": created, "completed": completed, "failed": failed, "rejected": 0,
                    "timed_out": 0, "in_flight": in_flight, "rps": RATE,
                },
                "messages": {
                    "published": completed, "delivered": max(0, delivered), "dead_lettered": 0, "rejected": 0,
                    "dropped": 0, "duplicates": 0, "redelivered": 0, "queued": backlog, "rps": RATE,
                },
                "latency_ms": {"p50": 21.0 + (i % 5), "p95": 48.0 + 2 * (i % 7), "p99": 61.0 + 3 * (i % 4)},
                "nodes": {
                    "users": {"processed": created, "errors": 0, "rps": RATE, "depth": 0},
                    "lb": {"processed": created, "errors": 0, "rps": RATE, "depth": 0},
                    "web": {
                        "processed": completed, "errors": failed, "rps": RATE, "depth": 1 if 5 <= t < 10 else 0,
                        "p95": 45.0, "busy": 1, "replicas": 1 if 5 <= t < 10 else 2,
                    },
                    "jobs": {"processed": completed, "errors": 0, "rps": RATE, "depth": backlog},
                    "email": {
                        "processed": max(0, delivered), "errors": 0, "rps": 0.0 if stopped else RATE,
                        "depth": 0, "busy": 0 if stopped else 1, "replicas": 1,
                        **({"stopped": True} if stopped else {}),
                    },
                },
                "edges": {"e2": {"calls": created, "errors": failed, "p95": 47.0}},
            }
        )  # fmt: skip
    return points


def sample_summary(*, run_id: str = "sample") -> dict[str, Any]:
    created = int(RATE * DURATION_S)
    return copy.deepcopy(
        {
            "requests": {
                "created": created, "completed": created - 3, "failed": 3, "rejected": 0, "timed_out": 0,
                "in_flight": 0, "retries": 2,
            },
            "unsuccessful": [
                {"rid": f"r{n}", "outcome": "failed", "created_s": 5.1 + n / 10, "ended_s": 5.2 + n / 10}
                for n in range(3)
            ],
            "messages": {
                "published": created - 3, "delivered": created - 3, "dead_lettered": 0, "rejected": 0,
                "dropped": 0, "pending": 0, "duplicates": 1, "redelivered": 1,
            },
            "lost": 0,
            "drained": True,
            "drain_s": 0.412,
            "latency_ms": {"p50": 22.5, "p95": 51.25, "p99": 68.0, "mean": 26.1, "max": 140.7},
            "availability": 0.985,
            "availability_nines": 1.82,
            "downtime_per_year": "5.48 days/year",
            "nodes": {
                "users": {
                    "kind": "client", "processed": created, "errors": 0,
                    "latency_ms": {"p50": 0.0, "p95": 0.0, "p99": 0.0, "mean": 0.0, "max": 0.0},
                    "max_queue_depth": 0, "availability": 1.0, "instances": {},
                },
                "lb": {
                    "kind": "load_balancer", "processed": created, "errors": 0,
                    "latency_ms": {"p50": 0.4, "p95": 0.9, "p99": 1.2, "mean": 0.5, "max": 2.0},
                    "max_queue_depth": 0, "availability": 1.0, "instances": {},
                    "load_balancer": {
                        "shares": {"web/0": 0.6, "web/1": 0.4}, "requests": {"web/0": 120, "web/1": 80},
                        "stickiness": None,
                        "health_changes": [
                            {"t": 5600.0, "target": "web/1", "healthy": False, "passive": False},
                            {"t": 10800.0, "target": "web/1", "healthy": True, "passive": False},
                        ],
                    },
                },
                "web": {
                    "kind": "service", "processed": created, "errors": 3,
                    "latency_ms": {"p50": 20.1, "p95": 45.3, "p99": 58.0, "mean": 22.0, "max": 120.0},
                    "max_queue_depth": 4, "availability": 0.985,
                    "instances": {
                        "0": {"alive": True, "standby": False, "retired": False,
                              "processed": 120, "first_served_s": 0.1},
                        "1": {"alive": True, "standby": False, "retired": False,
                              "processed": 80, "first_served_s": 0.2},
                    },
                },
                "jobs": {
                    "kind": "queue", "processed": created - 3, "errors": 0,
                    "latency_ms": {"p50": 1.0, "p95": 2.0, "p99": 3.0, "mean": 1.1, "max": 4.0},
                    "max_queue_depth": 20, "availability": 1.0, "instances": {},
                    "mailboxes": {"jobs": {"delivered": created - 3, "deliveries": created - 2, "max_depth": 20}},
                },
                "email": {
                    "kind": "service", "processed": created - 3, "errors": 0,
                    "latency_ms": {"p50": 18.0, "p95": 40.0, "p99": 52.0, "mean": 20.0, "max": 90.0},
                    "max_queue_depth": 2, "availability": 1.0,
                    "instances": {
                        "0": {"alive": True, "standby": False, "retired": False,
                              "processed": 197, "first_served_s": 0.3},
                    },
                },
            },
            "faults": [
                {
                    "at_s": 5, "action": "kill_instance", "target": "web", "instance": 1, "duration_s": 5,
                    "fired_at_s": 5.002, "undone_at_s": 10.004, "live": False,
                    "detected_after_s": 0.598, "recovered_after_s": 0.796,
                },
                {
                    "at_s": 8, "action": "stop_consumer", "target": "email", "duration_s": 4,
                    "fired_at_s": 8.001, "undone_at_s": 12.003, "live": False, "recovered_after_s": 1.397,
                },
            ],
            "timeline": [],
            "clock": {
                "speed": "1×", "effective_speed": 0.83, "min_effective_speed": 0.41, "held_back_s": 3.2,
                "limited": True,
                "text": "0.83× of 1× — the workers are the limit: the run is slower, its figures the same",
                "traffic_wall_s": 24.1, "lookahead_ms": 0.0, "out_of_order": {"events": 0, "max_ms": 0.0},
                "steps": 480, "events": 5120,
                "series": [
                    {"t": 1.0 * i, "wall_s": 1.2 * i, "speed": 0.41 if 5 <= i < 9 else 1.0} for i in range(1, 21)
                ],
            },
            "cut": None,
            "engine_errors": 0,
            "database": {"replication": "async", "failovers": [{"killed_at_s": 6.0, "took_s": 1.5}]},
            "outbox": [{"event": "SignedUp", "relayed": 197, "pending": 0}],
            "run": {"id": run_id, "duration_s": DURATION_S, "seed": 42, "speed": 1.0, "stopped": False},
        }
    )  # fmt: skip


def sample_series_with_instances() -> list[dict[str, Any]]:
    """`sample_series` with each instance's health, as the stream now stores it: `web`'s
    instance 1 is dead from 5 s to 10 s (the scheduled kill), the others alive throughout."""
    points = sample_series()
    for point in points:
        dead = 5 <= point["t"] < 10
        point["nodes"]["web"]["instances"] = {
            "0": {"alive": True, "standby": False},
            "1": {"alive": not dead, "standby": False},
        }
        point["nodes"]["email"]["instances"] = {"0": {"alive": True, "standby": False}}
    return points
