"""Requests per operation: each client's figures split by the operation its requests carried.

Built from the per-request outcome records (one per request id, written once as it ends;
nodes/client.py and runtime/ledger.py), so they add up to the run's request totals: for every
operation a client sent, how many requests it created, how each ended, its measured rate over
the run, and the end-to-end latency of the completed ones (the same histogram as the run's).
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from apps.runtime.physics.percentiles import LatencyHistogram

OUTCOMES = ("completed", "failed", "rejected", "timed_out", "cut")


def operation_figures(records: Iterable[Mapping[str, Any]], duration_s: float) -> dict[str, dict[str, Any]]:
    """{client node id: {operation: {kind, created, rate, <outcome>…, latency_ms}}}."""
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(OUTCOMES, 0))
    kinds: dict[tuple[str, str], str] = {}
    latencies: dict[tuple[str, str], LatencyHistogram] = defaultdict(LatencyHistogram)
    for record in records:
        key = (str(record.get("node") or ""), str(record.get("op") or ""))
        if not key[0]:
            continue  # a record written before requests named their client
        outcome = str(record["outcome"])
        counts[key][outcome] = counts[key].get(outcome, 0) + 1
        kinds.setdefault(key, str(record.get("kind") or ""))
        if outcome == "completed":
            latencies[key].add(float(record["ended"]) - float(record["created"]))
    out: dict[str, dict[str, Any]] = defaultdict(dict)
    for (node, op), outcome_counts in sorted(counts.items()):
        created = sum(outcome_counts.values())
        histogram = latencies.get((node, op)) or LatencyHistogram()
        latency = {k: round(v, 2) for k, v in histogram.summary().items()} if histogram.count else None
        out[node][op] = {
            "kind": kinds[(node, op)],
            "created": created,
            "rate": round(created / duration_s, 3) if duration_s > 0 else None,
            **outcome_counts,
            "latency_ms": latency,
        }
    return dict(out)
