"""Find the limit: the highest traffic a design sustains while its goals hold, found by real
runs, with the bottleneck named.

Every client's rate is multiplied by a factor. The factor doubles from 1 until a goal fails
(or MAX_FACTOR), then the gap between the last factor that held and the first that failed is
halved BISECTIONS times. Each factor is judged like a challenge's goals: over the seeds, by
the whole 95 % interval (goals.py). The bottleneck is the node whose own p95 grew the most from
the last factor that held to the first that failed (measured), with queueing theory's
utilisation for it at that factor (theory.py) and the longest waiting line of those runs. A
client's rate is capped by the format (5,000 req/s): the search stops there.
"""

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from apps.challenges.goals import Goal
from apps.engine.runtime.plan import compile_plan
from apps.engine.theory import predict

MAX_FACTOR = 64.0
BISECTIONS = 3
MAX_RATE = 5000.0  # the most a client may send (apps/topology/kinds/client.py)
DEFAULT_GOALS = (
    Goal(name="p95 within 1 s", metric="p95_ms", node=None, at_most=1000.0, at_least=None),
    Goal(name="at most 1 % unsuccessful", metric="unsuccessful_share", node=None, at_most=0.01, at_least=None),
)

PASSIVE = ("client", "zone", "queue", "event_bus")  # their latency is not work a request waits on
Simulate = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass
class Step:
    factor: float
    rate: float  # requests a second from all clients, at this factor
    held: bool
    goals: list[dict[str, Any]]


@dataclass
class Limit:
    sustained_factor: float | None  # None: the design fails at its own traffic
    sustained_rate: float | None
    bottleneck: dict[str, Any] | None
    steps: list[Step] = field(default_factory=list)
    capped: bool = False  # the search ended (MAX_FACTOR or the rate cap) before a goal failed


def scaled(document: dict[str, Any], factor: float) -> dict[str, Any]:
    """The document with every client's rate times `factor` (capped at MAX_RATE)."""
    out = copy.deepcopy(document)
    for node in out["nodes"]:
        if node["kind"] == "client":
            props = node.setdefault("props", {})
            base = float(props.get("rate", compile_plan(document).nodes[node["id"]].props["rate"]))
            props["rate"] = min(MAX_RATE, round(base * factor, 3))
    return out


def total_rate(document: dict[str, Any]) -> float:
    plan = compile_plan(document)
    return round(sum(float(client.props["rate"]) for client in plan.clients()), 3)


def _p95s(summaries: list[dict[str, Any]]) -> dict[str, float]:
    """Each node's p95 latency, the mean over the seeds (nodes that measured one)."""
    values: dict[str, list[float]] = {}
    for summary in summaries:
        for node_id, node in summary["nodes"].items():
            p95 = (node.get("latency_ms") or {}).get("p95")
            if node.get("kind") not in PASSIVE and p95 is not None:
                values.setdefault(node_id, []).append(float(p95))
    return {node_id: sum(v) / len(v) for node_id, v in values.items()}


def _bottleneck(
    document: dict[str, Any], held: list[dict[str, Any]], failed: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """The node whose own p95 grew the most from the last factor that held to the first that
    failed (measured), with theory's utilisation for it at the failing factor and the longest
    waiting line of the failing runs."""
    before, after = _p95s(held), _p95s(failed)
    growth = {node_id: after[node_id] - before.get(node_id, 0.0) for node_id in after}
    node = max(growth, key=lambda node_id: growth[node_id], default=None)
    if node is None:
        return None
    predicted = predict(document).get(node)
    depths = {
        node_id: max(int(s["nodes"][node_id].get("max_queue_depth") or 0) for s in failed)
        for node_id in failed[0]["nodes"]
    }
    longest = max(depths.items(), key=lambda item: item[1])
    return {
        "node": node,
        "p95_ms": {"held": round(before.get(node, 0.0), 3), "failed": round(after[node], 3)},
        "predicted_utilisation": predicted.utilisation if predicted else None,
        "longest_line": {"node": longest[0], "depth": longest[1]} if longest[1] else None,
    }


def find_limit(
    document: dict[str, Any],
    simulate: Simulate,
    *,
    seeds: tuple[int, ...] = (1, 2),
    duration_s: float = 10.0,
    goals: tuple[Goal, ...] = DEFAULT_GOALS,
) -> Limit:
    """Ramp the traffic until a goal fails; `simulate` runs one document (engine.simulation)."""
    steps: list[Step] = []
    failing: list[dict[str, Any]] = []  # the summaries of the first factor that failed
    failing_doc: dict[str, Any] = {}
    holding: list[dict[str, Any]] = []  # the summaries of the last factor that held (before it)

    def judge(factor: float) -> bool:
        doc = scaled(document, factor)
        summaries = []
        for seed in seeds:
            run = copy.deepcopy(doc)
            run["run"] = {**run.get("run", {}), "duration_s": duration_s, "seed": seed, "speed": "max"}
            summaries.append(simulate(run))
        judged = [goal.judge(summaries) for goal in goals]
        held = all(goal["passed"] for goal in judged)
        steps.append(Step(factor=factor, rate=total_rate(doc), held=held, goals=judged))
        if held and not failing:
            holding[:] = summaries
        if not held and not failing:
            failing.extend(summaries)
            failing_doc.update(doc)
        return held

    low: float | None = None
    high: float | None = None
    factor = 1.0
    capped = False
    while factor <= MAX_FACTOR:
        if judge(factor):
            low = factor
            if total_rate(scaled(document, factor)) >= total_rate(scaled(document, factor * 2)):
                capped = True  # every client is at the format's cap: no higher rate to try
                break
            factor *= 2
        else:
            high = factor
            break
    if low is not None and high is not None:
        for _ in range(BISECTIONS):
            middle = round((low + high) / 2, 3)
            if judge(middle):
                low = middle
            else:
                high = middle
    return Limit(
        sustained_factor=low,
        sustained_rate=total_rate(scaled(document, low)) if low is not None else None,
        bottleneck=_bottleneck(failing_doc, holding, failing) if failing else None,
        steps=steps,
        capped=capped or (high is None and low is not None),
    )
