"""A challenge's goals, read from the runs' summaries, each with an interval over the seeds.

A goal names a metric (METRICS), optionally a node, and a bound: `at_most` or `at_least`. Each
seed's run gives one value; the goal's interval is the mean ± Student's t (95 %, two-sided)
times the standard error. A goal passes only if its whole interval is within the bound, so a
design that passes by luck on one seed does not pass.
"""

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from apps.topology.validation import Problem

Summary = dict[str, Any]

# Student's t, 97.5th percentile, by degrees of freedom (n - 1): the 95 % two-sided interval.
T_975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}


def _latency(percentile: str) -> Callable[[Summary, str | None], float | None]:
    def read(summary: Summary, node: str | None) -> float | None:
        latency = summary["nodes"].get(node, {}).get("latency_ms") if node else summary.get("latency_ms")
        value = (latency or {}).get(percentile)
        return None if value is None else float(value)

    return read


def _availability(summary: Summary, node: str | None) -> float | None:
    value = summary["nodes"].get(node, {}).get("availability") if node else summary.get("availability")
    return None if value is None else float(value)


def _unsuccessful_share(summary: Summary, _node: str | None) -> float:
    requests = summary["requests"]
    bad = sum(int(requests.get(key, 0)) for key in ("failed", "rejected", "timed_out", "cut"))
    return bad / requests["created"] if requests.get("created") else 0.0


def _timed_out_share(summary: Summary, _node: str | None) -> float:
    requests = summary["requests"]
    return int(requests.get("timed_out", 0)) / requests["created"] if requests.get("created") else 0.0


def _processed_share(summary: Summary, node: str | None) -> float:
    """What the node handled (calls served, messages consumed) per request the clients made:
    1.0 when it handled one for each; 0 when nothing reached it."""
    created = int(summary["requests"].get("created") or 0)
    processed = int(summary["nodes"].get(node, {}).get("processed") or 0) if node else 0
    return processed / created if created else 0.0


def _double_bookings(summary: Summary, _node: str | None) -> float:
    writes = (summary.get("cqrs") or {}).get("write_models") or []
    return float(sum(int(w.get("double_bookings") or 0) for w in writes))


def _read_lag_p95(summary: Summary, node: str | None) -> float | None:
    models = [m for m in (summary.get("cqrs") or {}).get("read_models") or [] if node in (None, m.get("node"))]
    values = [float(m["lag_ms"]["p95"]) for m in models if (m.get("lag_ms") or {}).get("p95") is not None]
    return max(values) if values else None


def _max_queue_depth(summary: Summary, node: str | None) -> float:
    nodes = [summary["nodes"][node]] if node else list(summary["nodes"].values())
    return float(max((int(n.get("max_queue_depth") or 0) for n in nodes), default=0))


def _counter(section: str, *names: str) -> Callable[[Summary, str | None], float]:
    def read(summary: Summary, _node: str | None) -> float:
        return float(sum(int(summary.get(section, {}).get(name) or 0) for name in names))

    return read


@dataclass(frozen=True)
class Metric:
    label: str
    unit: str
    read: Callable[[Summary, str | None], float | None]
    by_node: bool  # may name a node (else it is the whole run's)
    needs_node: bool = False


METRICS: dict[str, Metric] = {
    "p50_ms": Metric("p50 latency", "ms", _latency("p50"), True),
    "p95_ms": Metric("p95 latency", "ms", _latency("p95"), True),
    "p99_ms": Metric("p99 latency", "ms", _latency("p99"), True),
    "availability": Metric("availability", "", _availability, True),
    "unsuccessful_share": Metric("share of requests failed, rejected or timed out", "", _unsuccessful_share, False),
    "processed_share": Metric("handled per request made", "", _processed_share, True, needs_node=True),
    "timed_out": Metric("requests timed out", "", _counter("requests", "timed_out"), False),
    "timed_out_share": Metric("share of requests timed out", "", _timed_out_share, False),
    "lost": Metric("requests and messages lost", "", lambda s, _n: float(s.get("lost", 0)), False),
    "lost_acknowledged_writes": Metric(
        "acknowledged writes lost", "", lambda s, _n: float(s.get("lost_acknowledged_writes", 0)), False
    ),
    "double_bookings": Metric("double bookings", "", _double_bookings, False),
    "read_lag_p95_ms": Metric("read model lag p95", "ms", _read_lag_p95, True),
    "max_queue_depth": Metric("most messages waiting", "", _max_queue_depth, True),
    "messages_refused": Metric("messages dropped or refused", "", _counter("messages", "dropped", "rejected"), False),
    "dead_lettered": Metric("messages dead-lettered", "", _counter("messages", "dead_lettered"), False),
    "duplicates_applied": Metric(
        "messages handled again with their effect", "", _counter("messages", "duplicates_applied"), False
    ),
}


@dataclass(frozen=True)
class Goal:
    name: str
    metric: str
    node: str | None
    at_most: float | None
    at_least: float | None

    @staticmethod
    def problems(raw: Any, path: str, node_ids: set[str]) -> list[Problem]:
        if not isinstance(raw, dict):
            return [Problem(path, "a goal is an object: {name, metric, node?, at_most | at_least}")]
        out = []
        if not isinstance(raw.get("name"), str) or not raw["name"].strip():
            out.append(Problem(f"{path}.name", "a non-empty text"))
        metric = METRICS.get(raw.get("metric"))  # type: ignore[arg-type]
        if metric is None:
            out.append(Problem(f"{path}.metric", f"one of {', '.join(METRICS)}"))
        node = raw.get("node")
        if node is not None and (metric is not None and not metric.by_node):
            out.append(Problem(f"{path}.node", f"{raw['metric']} is the whole run's: no node"))
        elif node is not None and node not in node_ids:
            out.append(Problem(f"{path}.node", f"no node {node!r} in the start"))
        elif node is None and metric is not None and metric.needs_node:
            out.append(Problem(f"{path}.node", f"{raw['metric']} is a node's: name the node"))
        bounds = [key for key in ("at_most", "at_least") if key in raw]
        if len(bounds) != 1:
            out.append(Problem(path, "exactly one bound: at_most or at_least"))
        elif isinstance(raw[bounds[0]], bool) or not isinstance(raw[bounds[0]], int | float):
            out.append(Problem(f"{path}.{bounds[0]}", "a number"))
        return out

    @staticmethod
    def parse(raw: dict[str, Any]) -> "Goal":
        return Goal(
            name=raw["name"],
            metric=raw["metric"],
            node=raw.get("node"),
            at_most=float(raw["at_most"]) if "at_most" in raw else None,
            at_least=float(raw["at_least"]) if "at_least" in raw else None,
        )

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "metric": self.metric}
        if self.node:
            out["node"] = self.node
        if self.at_most is not None:
            out["at_most"] = self.at_most
        if self.at_least is not None:
            out["at_least"] = self.at_least
        return out

    def judge(self, summaries: list[Summary]) -> dict[str, Any]:
        """{name, metric, node, passed, measured (the mean), low, high, values (one a seed)}."""
        read = METRICS[self.metric].read
        values = [read(summary, self.node) for summary in summaries]
        out = {**self.as_dict(), "values": values}
        if any(value is None for value in values):
            return {**out, "passed": False, "measured": None, "low": None, "high": None, "why": "not measured"}
        low, mean, high = interval([float(v) for v in values if v is not None])
        passed = (self.at_most is None or high <= self.at_most) and (self.at_least is None or low >= self.at_least)
        return {**out, "passed": passed, "measured": mean, "low": low, "high": high}


def interval(values: list[float]) -> tuple[float, float, float]:
    """(low, mean, high): the 95 % interval of the mean of `values` (Student's t)."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, mean, mean
    half = T_975.get(len(values) - 1, 1.96) * statistics.stdev(values) / math.sqrt(len(values))
    return round(mean - half, 6), round(mean, 6), round(mean + half, 6)
