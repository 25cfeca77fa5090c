"""The run summary (`simulate --json`, `GET /api/runs/<id>/`), computed from what the
workers recorded. `lost` comes from the per-id records: every request without an outcome
and every (message, mailbox) delivery still pending once the run has drained."""

import json
from typing import Any

from apps.engine.physics.availability import format_downtime_per_year, nines
from apps.engine.physics.percentiles import LatencyHistogram, bucket_value
from apps.engine.runtime import keys
from apps.engine.runtime.driver import DriverResult
from apps.engine.runtime.plan import Plan
from apps.engine.runtime.redis import client

MAX_LISTED = 1000  # unsuccessful requests listed one by one (when, and how they ended)


def _histogram(run: str, scope: str) -> LatencyHistogram:
    histogram = LatencyHistogram()
    for bucket, count in client().hgetall(keys.latency(run, scope)).items():
        histogram.add(bucket_value(int(bucket)), int(count))
    return histogram


def _latency(run: str, scope: str, stats: dict[str, float]) -> dict[str, float]:
    histogram = _histogram(run, scope)
    if histogram.count == 0:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0, "mean": 0.0, "max": 0.0}
    summary = {k: round(v, 2) for k, v in histogram.summary().items()}
    total, count = stats.get(f"latsum:{scope}", 0.0), stats.get(f"latn:{scope}", 0.0)
    if count:
        summary["mean"] = round(total / count, 2)  # exact, not from buckets
    return summary


def _availability(good: float, total: float) -> float:
    return round(good / total, 6) if total else 1.0


def build_summary(run: str, plan: Plan, result: DriverResult) -> dict[str, Any]:
    r = client()
    stats = {k.decode(): float(v) for k, v in r.hgetall(keys.stats(run)).items()}
    requests = r.hgetall(keys.requests(run))
    records = {k.decode(): json.loads(v) for k, v in r.hgetall(keys.outcomes(run)).items()}
    outcomes = {rid: record["outcome"] for rid, record in records.items()}
    deliveries = {k.decode(): v.decode() for k, v in r.hgetall(keys.deliveries(run)).items()}
    counts = {name: 0 for name in ("completed", "failed", "rejected", "timed_out")}
    for outcome in outcomes.values():
        counts[outcome] = counts.get(outcome, 0) + 1
    missing_requests = [rid for rid in (k.decode() for k in requests) if rid not in outcomes]
    unsuccessful = sorted(
        (
            {
                "rid": rid,
                "outcome": rec["outcome"],
                "created_s": round(rec["created"] / 1000, 3),
                "ended_s": round(rec["ended"] / 1000, 3),
            }
            for rid, rec in records.items()
            if rec["outcome"] != "completed"
        ),
        key=lambda item: item["created_s"],
    )
    pending_deliveries = [key for key, value in deliveries.items() if value == "pending"]
    messages = {
        "published": int(stats.get("messages:published", 0)),
        "delivered": sum(1 for v in deliveries.values() if v == "delivered"),
        "dead_lettered": sum(1 for v in deliveries.values() if v == "dead_lettered"),
        "rejected": sum(1 for v in deliveries.values() if v == "rejected"),
        "dropped": sum(1 for v in deliveries.values() if v == "dropped"),
        "pending": len(pending_deliveries),
        "duplicates": int(stats.get("messages:duplicates", 0)),
        "redelivered": int(stats.get("messages:redelivered", 0)),
    }
    created = len(requests)
    finished = sum(counts.values())
    summary: dict[str, Any] = {
        "requests": {
            "created": created,
            **counts,
            "in_flight": created - finished,
            "retries": int(stats.get("requests:retries", 0)),
        },
        "unsuccessful": unsuccessful[:MAX_LISTED],
        "messages": messages,
        "lost": len(missing_requests) + len(pending_deliveries),
        "drained": result.drained,
        "drain_s": round(result.drain_s, 3),
        "latency_ms": _latency(run, "e2e", stats),
        "availability": _availability(counts["completed"], finished),
        "nodes": {},
        "faults": result.faults,
        "timeline": result.timeline,
        "republished": int(r.get(keys.prefix(run) + "republished") or 0),
    }
    summary["availability_nines"] = round(nines(summary["availability"]), 2) if summary["availability"] < 1 else None
    summary["downtime_per_year"] = format_downtime_per_year(summary["availability"])
    for node in plan.nodes.values():
        summary["nodes"][node.id] = node_summary(run, plan, node.id, stats, result)
    summary["faults"] = [fault_timings(plan, fault, summary["nodes"], result) for fault in result.faults]
    if plan.trace:
        summary["trace"] = [json.loads(raw) for raw in r.lrange(keys.trace(run), 0, -1)]
    return summary


def fault_timings(plan: Plan, fault: dict[str, Any], nodes: dict[str, Any], result: DriverResult) -> dict[str, Any]:
    """Detection: when a load balancer took a failed instance out of rotation; recovery: when
    it was back in (instance faults), or when the backlog it caused had drained (consumers)."""
    out = dict(fault)
    fired, undone = fault.get("fired_at_s"), fault.get("undone_at_s")
    action = fault["action"]
    if action in ("kill_instance", "kill_zone"):
        targets = (
            {fault["target"]}
            if action == "kill_instance"
            else {n.id for n in plan.nodes.values() if n.zone == fault["target"]}
        )
        changes = [
            change
            for node in nodes.values()
            for change in node.get("load_balancer", {}).get("health_changes", [])
            if change["target"].split("/", 1)[0] in targets
        ]
        down = [c["t"] / 1000 for c in changes if not c["healthy"] and fired is not None and c["t"] / 1000 >= fired]
        up = [c["t"] / 1000 for c in changes if c["healthy"] and undone is not None and c["t"] / 1000 >= undone]
        out["detected_after_s"] = round(min(down) - fired, 3) if down and fired is not None else None
        out["recovered_after_s"] = round(min(up) - undone, 3) if up and undone is not None else None
    elif action == "stop_consumer" and undone is not None:
        boxes = [f"box:{box}" for box, (_, consumers) in plan.mailboxes().items() if fault["target"] in consumers]
        drained = [
            sample.t
            for sample in result.samples
            if sample.t >= undone and all(sample.values["depths"].get(box, 0) == 0 for box in boxes)
        ]
        out["recovered_after_s"] = round(drained[0] - undone, 3) if drained else None
    return out


def node_summary(run: str, plan: Plan, node_id: str, stats: dict[str, float], result: DriverResult) -> dict[str, Any]:
    node = plan.nodes[node_id]
    r = client()
    raw = r.get(keys.node(run, node_id))
    state = json.loads(raw) if raw else {}
    processed = int(stats.get(f"node:{node_id}:processed", 0))
    errors = int(stats.get(f"node:{node_id}:errors", 0))
    depth_keys = [k for k in result.max_depth if k.startswith((f"wait:{node_id}:", f"box:{node_id}"))]
    out: dict[str, Any] = {
        "kind": node.kind,
        "processed": processed,
        "errors": errors,
        "latency_ms": _latency(run, f"node:{node_id}", stats),
        "max_queue_depth": max((result.max_depth[k] for k in depth_keys), default=0),
        "availability": _availability(processed - errors, processed),
        "instances": {},
    }
    for name, instance in state.get("instances", {}).items():
        out["instances"][name] = {
            "alive": instance["alive"],
            "standby": instance.get("standby", False),
            "retired": instance.get("retired", False),
            "processed": int(stats.get(f"inst:{node_id}/{name}:processed", 0)),
            "first_served_s": round(instance["first_at"] / 1000.0, 3) if "first_at" in instance else None,
        }
    if node.kind == "load_balancer":
        out["load_balancer"] = lb_section(node_id, stats, state)
    if node.kind in ("queue", "event_bus"):
        out["mailboxes"] = {
            box: {
                "delivered": int(stats.get(f"box:{box}:delivered", 0)),
                "deliveries": int(stats.get(f"box:{box}:deliveries", 0)),
                "max_depth": result.max_depth.get(f"box:{box}", 0),
            }
            for box, (owner, _) in plan.mailboxes().items()
            if owner == node_id
        }
    if state.get("scale_events"):
        out["scaling_events"] = state["scale_events"]
    if state.get("breakers"):
        out["breakers"] = {edge: data.get("transitions", []) for edge, data in state["breakers"].items()}
    return out


def lb_section(node_id: str, stats: dict[str, float], state: dict[str, Any]) -> dict[str, Any]:
    prefix = f"lb:{node_id}:to:"
    sent = {k[len(prefix) :]: int(v) for k, v in stats.items() if k.startswith(prefix)}
    total = sum(sent.values())
    repeats = stats.get(f"lb:{node_id}:repeat", 0.0)
    return {
        "shares": {target: round(count / total, 4) for target, count in sorted(sent.items())} if total else {},
        "requests": sent,
        "stickiness": round(stats.get(f"lb:{node_id}:same", 0.0) / repeats, 4) if repeats else None,
        "health_changes": state.get("health_changes", []),
    }
