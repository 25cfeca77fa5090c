"""The summary's section for each kind that keeps figures of its own: a load balancer's
shares and health changes, a cache's hits, a database's roles and failovers, an event log's
groups, a saga's outcomes…, each read from the counters and state its handler kept
(apps/runtime/nodes/).

A kind names its section in its declaration (`Runtime.section`, apps/topology/kinds/); the
summary puts `SECTIONS[section](figures)` under that name in the node's entry, so adding a kind
with figures of its own is one function here. tests/runtime/test_kind_registry.py checks every
declared section exists.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from apps.runtime import keys
from apps.runtime.nodes.cdc import unpublished
from apps.runtime.nodes.changelog import sources
from apps.runtime.nodes.database import staleness_bound_ms
from apps.runtime.nodes.log import summary_section as log_section
from apps.runtime.plan import NodePlan, Plan
from apps.runtime.redis import client


@dataclass(frozen=True)
class Figures:
    """What a section reads: the run's counters, the node's state at the end, another node's
    state, and a latency scope's percentiles."""

    run: str
    plan: Plan
    node: NodePlan
    stats: dict[str, float]
    state: dict[str, Any]
    state_of: Callable[[str], dict[str, Any]]
    latency: Callable[[str], dict[str, float]]


def lb_section(f: Figures) -> dict[str, Any]:
    node_id, stats, state = f.node.id, f.stats, f.state
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


def database_section(f: Figures) -> dict[str, Any]:
    """Roles, reads by role, and each failover with the acknowledged writes it lost (writes
    the primary had confirmed that had not reached a replica when it died)."""
    node_id, props, stats, state = f.node.id, f.node.props, f.stats, f.state
    replication = str(props.get("replication", "async"))
    lag_ms = float(props.get("replication_lag_ms", 0))
    db = state.get("db", {})
    lost_ids = [raw.decode() for raw in client().lrange(keys.db_lost(f.run, node_id), 0, -1)]
    return {
        "replication": replication,
        "replication_lag_ms": lag_ms,
        "read_staleness_bound_ms": staleness_bound_ms(replication, lag_ms),
        "primary": state.get("primary", "0"),
        "writes": int(stats.get(f"db:{node_id}:writes", 0)),
        "writes_refused": int(stats.get(f"db:{node_id}:refused", 0)),
        "write_latency_ms": f.latency(f"db:{node_id}:write"),
        "reads_primary": int(stats.get(f"db:{node_id}:reads_primary", 0)),
        "reads_replicas": int(stats.get(f"db:{node_id}:reads_replicas", 0)),
        "lost_acknowledged_writes": int(db.get("lost", 0)),
        "lost_writes": lost_ids,
        "failovers": [_failover(record) for record in db.get("failovers", [])],
    }


def _failover(record: dict[str, Any]) -> dict[str, Any]:
    killed, promoted = record["killed_at"] / 1000.0, record.get("promoted_at")
    return {
        "killed_at_s": round(killed, 3),
        "promoted_at_s": round(promoted / 1000.0, 3) if promoted is not None else None,
        "took_s": round(promoted / 1000.0 - killed, 3) if promoted is not None else None,
        "old_primary": record["old_primary"],
        "new_primary": record.get("new_primary"),
        "lost_acknowledged_writes": int(record.get("lost", 0)),
    }


def cache_section(f: Figures) -> dict[str, Any]:
    node_id, stats = f.node.id, f.stats
    processed = int(stats.get(f"node:{node_id}:processed", 0))
    hits = int(stats.get(f"node:{node_id}:hits", 0))
    return {
        "hits": hits,
        "misses": processed - hits,
        "hit_ratio": round(hits / processed, 4) if processed else None,
        "cold_misses": int(stats.get(f"node:{node_id}:cold_misses", 0)),
        "fills": int(stats.get(f"node:{node_id}:fills", 0)),
        "ttl_s": float(f.node.props["ttl_s"]),
    }


def stream_section(f: Figures) -> dict[str, Any]:
    return log_section(f.node.props, f.state, f.stats)


def saga_section(f: Figures) -> dict[str, Any]:
    prefix = f"saga:{f.node.id}:"
    figure = {k[len(prefix) :]: int(v) for k, v in f.stats.items() if k.startswith(prefix)}
    failed_at = {k.removeprefix("failed_at:"): v for k, v in figure.items() if k.startswith("failed_at:")}
    return {
        "started": figure.get("started", 0),
        "completed": figure.get("completed", 0),
        "compensated": figure.get("compensated", 0),
        "stuck": figure.get("stuck", 0),
        "compensation_calls": figure.get("compensation_calls", 0),
        "compensation_retries": figure.get("compensation_retries", 0),
        "step_retries": figure.get("step_retries", 0),
        "failed_at": dict(sorted(failed_at.items())),
    }


def cdc_section(f: Figures) -> dict[str, Any]:
    """Changes published, the relay lag (commit → publish), what is still unpublished, and each
    outage with the backlog it left and when the relay had caught up."""
    node_id, stats, state = f.node.id, f.stats, f.state
    heads = {db: int(f.state_of(db).get("changes", 0)) for db in sources(f.plan, node_id)}
    outages = [
        {
            "down_at_s": _seconds(outage.get("down_at")),
            "up_at_s": _seconds(outage.get("up_at")),
            "backlog_at_restore": outage.get("backlog_at_restore"),
            "caught_up_at_s": _seconds(outage.get("caught_up_at")),
            "catch_up_s": (
                round((outage["caught_up_at"] - outage["up_at"]) / 1000.0, 3)
                if outage.get("caught_up_at") is not None and outage.get("up_at") is not None
                else None
            ),
        }
        for outage in state.get("outages", [])
    ]
    return {
        "published": int(stats.get(f"cdc:{node_id}:published", 0)),
        "unrouted": int(stats.get(f"cdc:{node_id}:unrouted", 0)),
        "refused": int(stats.get(f"cdc:{node_id}:refused", 0)),
        "lag_ms": f.latency(f"cdc:{node_id}:lag"),
        "max_backlog": int(state.get("max_backlog", 0)),
        "unpublished": unpublished(heads, state.get("position", {})),
        "positions": dict(state.get("position", {})),
        "outages": outages,
    }


def api_section(f: Figures) -> dict[str, Any]:
    node_id, stats, state = f.node.id, f.stats, f.state
    calls = int(stats.get(f"api:{node_id}:calls", 0))
    throttled = int(stats.get(f"api:{node_id}:throttled", 0))
    return {
        "calls": calls,
        "throttled": throttled,
        "errors": int(stats.get(f"api:{node_id}:errors", 0)),
        "throttled_share": round(throttled / calls, 4) if calls else None,
        "down": bool(state.get("down")),
    }


def _counter(f: Figures) -> Callable[[str], int]:
    return lambda name: int(f.stats.get(f"node:{f.node.id}:{name}", 0))


def rate_limiter_section(f: Figures) -> dict[str, Any]:
    """What the limiter let through and what it throttled."""
    count, props = _counter(f), f.node.props
    admitted, throttled = count("admitted"), count("throttled")
    return {
        "algorithm": props["algorithm"], "scope": props["scope"], "rate_per_s": float(props["rate_per_s"]),
        "admitted": admitted, "throttled": throttled,
        "throttled_share": round(throttled / (admitted + throttled), 4) if admitted + throttled else None,
    }  # fmt: skip


def object_storage_section(f: Figures) -> dict[str, Any]:
    """Reads, writes, bytes moved and slow-down answers."""
    count = _counter(f)
    return {
        "gets": count("gets"), "puts": count("puts"), "bytes_read": count("bytes_read"),
        "bytes_written": count("bytes_written"), "slow_downs": count("slow_downs"),
    }  # fmt: skip


def search_index_section(f: Figures) -> dict[str, Any]:
    """Documents indexed, searches, and how many found the index behind its refresh."""
    count = _counter(f)
    searches, stale = count("searches"), count("stale_searches")
    return {
        "indexed": count("indexed"), "searches": searches, "stale_searches": stale,
        "stale_share": round(stale / searches, 4) if searches else None,
        "refresh_ms": float(f.node.props["refresh_ms"]), "indexing_lag_ms": f.latency(f"lag:{f.node.id}"),
    }  # fmt: skip


def scheduler_section(f: Figures) -> dict[str, Any]:
    """Jobs fired, how each ended, and the ones skipped while the last still ran."""
    count = _counter(f)
    outcomes = {name: count(f"jobs_{name}") for name in ("completed", "failed", "rejected", "timed_out")}
    return {
        "fired": count("fired"), "completed": outcomes["completed"],
        "failed": outcomes["failed"] + outcomes["rejected"] + outcomes["timed_out"],
        "outcomes": outcomes, "skipped": count("skipped"), "duration_ms": f.latency(f"job:{f.node.id}"),
        "runs": f.state.get("runs", []),
    }  # fmt: skip


def dns_section(f: Figures) -> dict[str, Any]:
    """Answers per target, the stale ones (sent to a target already known unhealthy, from a
    record still cached), and the health changes the DNS's checks saw, with their run times."""
    node_id, stats, props = f.node.id, f.stats, f.node.props
    answers_prefix, stale_prefix = f"dns:{node_id}:to:", f"dns:{node_id}:stale:"
    answers = {k[len(answers_prefix) :]: int(v) for k, v in sorted(stats.items()) if k.startswith(answers_prefix)}
    stale = {k[len(stale_prefix) :]: int(v) for k, v in sorted(stats.items()) if k.startswith(stale_prefix)}
    total, stale_total = sum(answers.values()), sum(stale.values())
    return {
        "policy": props["policy"], "ttl_s": float(props["ttl_s"]), "answers": answers,
        "shares": {target: round(count / total, 4) for target, count in answers.items()} if total else {},
        "stale": stale_total, "stale_by_target": stale, "stale_share": round(stale_total / total, 4) if total else None,
        "health_changes": f.state.get("health_changes", []),
    }  # fmt: skip


def _seconds(ms: Any) -> float | None:
    return round(float(ms) / 1000.0, 3) if ms is not None else None


Section = Callable[[Figures], dict[str, Any]]

SECTIONS: dict[str, Section] = {
    "load_balancer": lb_section,
    "dns": dns_section,
    "cache": cache_section,
    "database": database_section,
    "stream": stream_section,
    "saga": saga_section,
    "cdc": cdc_section,
    "external_api": api_section,
    "rate_limiter": rate_limiter_section,
    "object_storage": object_storage_section,
    "search_index": search_index_section,
    "scheduler": scheduler_section,
}
