"""The run summary (`simulate --json`, `GET /api/runs/<id>/`), computed from what the
workers recorded. `lost` comes from the per-id records: every request without an outcome
and every (message, mailbox) delivery still pending once the run has drained. A run cut short
(runtime/ledger.py) gives what was open the outcome `cut`: counted, not lost, and left out of
the availability (it says nothing about the architecture); `cut` says why and how much."""

import json
from typing import Any

from apps.runtime import keys
from apps.runtime.domain_summary import Published, domain_sections
from apps.runtime.driver import DriverResult
from apps.runtime.operations import operation_figures
from apps.runtime.physics.availability import format_downtime_per_year, nines
from apps.runtime.physics.percentiles import LatencyHistogram, bucket_value
from apps.runtime.plan import Plan
from apps.runtime.redis import client
from apps.runtime.sections import SECTIONS, Figures
from apps.topology.faults import FAULT_TYPES

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


def build_summary(run: str, plan: Plan, result: DriverResult, *, published: Published) -> dict[str, Any]:
    r = client()
    stats = {k.decode(): float(v) for k, v in r.hgetall(keys.stats(run)).items()}
    requests = r.hgetall(keys.requests(run))
    records = {k.decode(): json.loads(v) for k, v in r.hgetall(keys.outcomes(run)).items()}
    outcomes = {rid: record["outcome"] for rid, record in records.items()}
    deliveries = {k.decode(): v.decode() for k, v in r.hgetall(keys.deliveries(run)).items()}
    counts = {name: 0 for name in ("completed", "failed", "rejected", "timed_out", "cut")}
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
            if rec["outcome"] not in ("completed", "cut")
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
        "expired": sum(1 for v in deliveries.values() if v == "expired"),  # deleted by a log's retention unread
        "cut": sum(1 for v in deliveries.values() if v == "cut"),
        "pending": len(pending_deliveries),
        "duplicates": int(stats.get("messages:duplicates", 0)),
        "duplicates_applied": int(stats.get("messages:duplicates_applied", 0)),
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
        "availability": _availability(counts["completed"], finished - counts["cut"]),  # cut: no verdict
        "cut": result.cut,
        "nodes": {},
        "faults": result.faults,
        "timeline": result.timeline,
        "clock": result.clock,
        "engine_errors": int(stats.get("engine:errors", 0)),
    }
    summary["availability_nines"] = round(nines(summary["availability"]), 2) if summary["availability"] < 1 else None
    summary["downtime_per_year"] = format_downtime_per_year(summary["availability"])
    for node in plan.nodes.values():
        summary["nodes"][node.id] = node_summary(run, plan, node.id, stats, result)
    per_operation = operation_figures(records.values(), result.ended_traffic_ms / 1000.0)
    for client_node in plan.clients():
        summary["nodes"][client_node.id]["operations"] = per_operation.get(client_node.id, {})
    # Data a failover lost with async replication (acknowledged, then gone with the primary):
    # a property of the drawn architecture, unlike `lost` (the engine's own ledger, always 0).
    summary["lost_acknowledged_writes"] = sum(
        node["database"]["lost_acknowledged_writes"] for node in summary["nodes"].values() if "database" in node
    )
    lag = {n.id: _latency(run, f"lag:{n.id}", stats) for n in plan.nodes.values() if n.kind == "read_model"}
    summary.update(domain_sections(run, plan, stats, lag, published))
    states = {node_id: _state(run, node_id) for node_id in plan.nodes}
    depths = {k.decode(): int(v) for k, v in r.hgetall(keys.depths(run)).items()}
    summary["faults"] = [
        fault_timings(plan, fault, summary["nodes"], states, result, depths) for fault in result.faults
    ]
    if plan.trace:
        summary["trace"] = [json.loads(raw) for raw in r.lrange(keys.trace(run), 0, -1)]
    return summary


def _state(run: str, node_id: str) -> dict[str, Any]:
    raw = client().get(keys.node(run, node_id))
    return json.loads(raw) if raw else {}


def fault_timings(
    plan: Plan,
    fault: dict[str, Any],
    nodes: dict[str, Any],
    states: dict[str, dict[str, Any]],
    result: DriverResult,
    depths: dict[str, int] | None = None,
) -> dict[str, Any]:
    """Detection: when a health checker (a load balancer's, a DNS's) took a failed target out
    of rotation; recovery: when it was back in (instance, zone and region faults), or when the
    backlog it caused had drained (consumers)."""
    out = dict(fault)
    measured = FAULT_TYPES[fault["action"]].measured
    if measured == "health":
        out.update(health_timings(plan, fault, summary_health_changes(nodes)))
    elif measured == "backlog":
        out["recovered_after_s"] = backlog_recovery_s(plan, fault, states, depths)
    elif measured == "refill":
        out["recovered_after_s"] = refill_recovery_s(fault, states)
    return out


def summary_health_changes(nodes: dict[str, Any]) -> list[dict[str, Any]]:
    """Every health change the summary's node sections list, whichever kind checked."""
    return [
        change
        for node in nodes.values()
        for section in node.values()
        if isinstance(section, dict)
        for change in section.get("health_changes") or []
    ]


def refill_recovery_s(fault: dict[str, Any], states: dict[str, dict[str, Any]]) -> float | None:
    """How long after a cache was flushed it had refilled every entry it lost (from the flush
    its node recorded at the fault's time); None if not yet."""
    fired = fault.get("fired_at_s")
    flushes = states.get(fault["target"], {}).get("flushes") or []
    flush = next((f for f in flushes if fired is not None and abs(f["at"] - float(fired) * 1000.0) < 1.0), None)
    if flush is None or set(flush["refilled"]) != set(flush["lost"]):
        return None
    return round(max([*flush["refilled"].values(), flush["at"]]) / 1000.0 - flush["at"] / 1000.0, 3)


def backlog_recovery_s(
    plan: Plan, fault: dict[str, Any], states: dict[str, dict[str, Any]], depths: dict[str, int] | None = None
) -> float | None:
    """How long after a stopped consumer was started again (or a broker restored) its
    mailboxes were empty (from the run times the messaging nodes recorded as each mailbox
    emptied); None if not yet."""
    undone = fault.get("undone_at_s")
    if undone is None:
        return None
    undone_ms = float(undone) * 1000.0
    worst = 0.0
    for box, (owner, consumers) in plan.mailboxes().items():
        if fault["target"] not in consumers and fault["target"] != owner:
            continue
        emptied = [t for t in states.get(owner, {}).get("emptied", {}).get(box, []) if t >= undone_ms - 1e-6]
        if emptied:
            worst = max(worst, emptied[0] - undone_ms)
        elif depths is None or depths.get(f"box:{box}", 0) > 0:
            return None
    return round(worst / 1000.0, 3)


def health_timings(plan: Plan, fault: dict[str, Any], changes: list[dict[str, Any]]) -> dict[str, float | None]:
    """Detection and recovery of an instance, zone or region fault, from the health checkers'
    changes ({t (ms of run time), target "node/instance" or "node", healthy}): the first change to
    unhealthy of the target after the fault fired, the first back to healthy after it was undone."""
    fired, undone = fault.get("fired_at_s"), fault.get("undone_at_s")
    declared = FAULT_TYPES[fault["action"]]
    zones = plan.zones_reached(fault["target"], declared.reach)  # a region outage: every zone of it
    targets = (
        {fault["target"]}
        if declared.target_kinds != ("zone",)
        else {n.id for n in plan.nodes.values() if n.zone in zones}
    )
    mine = [c for c in changes if checks_reach(plan, str(c.get("target", "")), targets)]
    down = [c["t"] / 1000 for c in mine if not c["healthy"] and fired is not None and c["t"] / 1000 >= fired]
    up = [c["t"] / 1000 for c in mine if c["healthy"] and undone is not None and c["t"] / 1000 >= undone]
    return {
        "detected_after_s": round(min(down) - fired, 3) if down and fired is not None else None,
        "recovered_after_s": round(min(up) - undone, 3) if up and undone is not None else None,
    }


def checks_reach(plan: Plan, checked: str, targets: set[str]) -> bool:
    """Whether a health check of `checked` ("node/instance", or "node" for a node judged as a
    whole, as a DNS judges a load balancer by the rotation behind it) sees the targets."""
    node_id, _, instance = checked.partition("/")
    if node_id in targets:
        return True
    node = plan.nodes.get(node_id)
    return not instance and node is not None and any(edge.target in targets for edge in node.calls())


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
    if node.runtime.mailbox:
        out["mailboxes"] = {
            box: {
                "delivered": int(stats.get(f"box:{box}:delivered", 0)),
                "deliveries": int(stats.get(f"box:{box}:deliveries", 0)),
                "max_depth": result.max_depth.get(f"box:{box}", 0),
                "reordered": int(stats.get(f"box:{box}:reordered", 0)),  # overtook an earlier delivery
            }
            for box, (owner, _) in plan.mailboxes().items()
            if owner == node_id
        }
    applied, ignored = (int(stats.get(f"node:{node_id}:duplicates_{what}", 0)) for what in ("applied", "ignored"))
    if applied or ignored:
        out["duplicates"] = {"applied": applied, "ignored": ignored}
    failed_fast = int(stats.get(f"node:{node_id}:failed_fast", 0))  # errors answered at once (fail_fast)
    if failed_fast:
        out["failed_fast"] = failed_fast
    boxes = [box for box, (owner, _) in plan.mailboxes().items() if owner == node_id]
    acks_lost = sum(int(stats.get(f"box:{box}:acks_lost", 0)) for box in boxes)
    if acks_lost:
        out["acks_lost"] = acks_lost
    network = {
        "publish_failed": int(stats.get(f"node:{node_id}:publish_failed", 0)),  # a publisher refused by its broker
        "publishes_refused": int(stats.get(f"node:{node_id}:publishes_refused", 0)),  # a down broker refusing
        "dropped_calls": {
            e.id: int(stats.get(f"edge:{e.id}:dropped", 0)) for e in node.out if stats.get(f"edge:{e.id}:dropped")
        },
        "retransmits": {  # messages a broker's session sent again after packet loss
            e.id: int(stats.get(f"edge:{e.id}:retransmits", 0))
            for e in node.out
            if stats.get(f"edge:{e.id}:retransmits")
        },
    }
    out.update({name: value for name, value in network.items() if value})
    if state.get("scale_events"):
        out["scaling_events"] = state["scale_events"]
    if state.get("breakers"):
        out["breakers"] = {edge: data.get("transitions", []) for edge, data in state["breakers"].items()}
    section = node.runtime.section
    if section:
        figures = Figures(
            run, plan, node, stats, state, lambda other: state if other == node_id else _state(run, other),
            lambda scope: _latency(run, scope, stats),
        )  # fmt: skip
        out[section] = SECTIONS[section](figures)
    return out
