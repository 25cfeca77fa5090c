"""Find the limit: the highest traffic a design sustains while its goals hold, found by real
runs, with the bottleneck named.

Every client's rate is multiplied by a factor. The factor doubles from 1 until a goal fails
(or MAX_FACTOR), then the gap between the last factor that held and the first that failed is
halved BISECTIONS times. Each factor is judged like a challenge's goals: over the seeds, by
the whole 95 % interval (goals.py). The bottleneck is the node whose own p95 grew the most from
the last factor that held to the first that failed (measured), with queueing theory's
utilisation for it at that factor (theory.py) and the longest waiting line of those runs. A
client's rate is capped by the format (5,000 req/s): the search stops there.

The decisions are plain functions of the steps so far (`next_factor`, `judge_step`,
`conclude`), so the same search runs in one process (`find_limit`, for `manage.py find_limit`)
or one run at a time on the engine's workers (apps/limits).
"""

import copy
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from apps.challenges.goals import METRICS, Goal
from apps.engine.theory import predict
from apps.runtime.physics.arrivals import base_rate
from apps.runtime.plan import compile_plan

MAX_FACTOR = 64.0
BISECTIONS = 3
MAX_STEPS = int(math.log2(MAX_FACTOR)) + 1 + BISECTIONS  # ×1 … ×64, then the halvings: 10
MAX_RATE = 5000.0  # the most a client may send (apps/topology/kinds/client.py)
DEFAULT_GOALS = (
    Goal(name="p95 within 1 s", metric="p95_ms", node=None, at_most=1000.0, at_least=None),
    Goal(name="at most 1 % unsuccessful", metric="unsuccessful_share", node=None, at_most=0.01, at_least=None),
)

PASSIVE = ("client", "zone", "queue", "event_bus", "stream")  # their latency is not work a request waits on
Summary = dict[str, Any]
Simulate = Callable[[dict[str, Any]], Summary]

GOAL_TEXT = re.compile(
    r"^(?P<metric>[a-z_0-9]+)(?::(?P<node>[\w-]+))?(?P<op><=|>=)(?P<bound>-?(?:\d+(?:\.\d*)?|\.\d+))$"
)


def goal_from_text(text: str) -> Goal:
    """ "p95_ms<=200", "availability>=0.999", "p95_ms:signup<=100"; ValueError otherwise."""
    match = GOAL_TEXT.match(text.replace(" ", ""))
    if not match or match["metric"] not in METRICS:
        raise ValueError(f"a goal is METRIC[:NODE]<=N or >=N with METRIC one of {', '.join(METRICS)}; got {text!r}")
    bound = float(match["bound"])
    return Goal(
        name=text.strip(), metric=match["metric"], node=match["node"],
        at_most=bound if match["op"] == "<=" else None, at_least=bound if match["op"] == ">=" else None,
    )  # fmt: skip


@dataclass
class Step:
    factor: float
    rate: float  # requests a second from all clients, at this factor
    held: bool
    goals: list[dict[str, Any]]
    runs: list[str] = field(default_factory=list)  # the stored runs judged (empty in one process)


@dataclass
class Limit:
    sustained_factor: float | None  # None: the design fails at its own traffic
    sustained_rate: float | None
    bottleneck: dict[str, Any] | None
    steps: list[Step] = field(default_factory=list)
    capped: bool = False  # the search ended (MAX_FACTOR or the rate cap) before a goal failed


def scaled(document: dict[str, Any], factor: float) -> dict[str, Any]:
    """The document with every client's rate, and every rate of a client's mix, times `factor`
    (each capped at MAX_RATE)."""
    out = copy.deepcopy(document)
    for node in out["nodes"]:
        if node["kind"] == "client":
            props = node.setdefault("props", {})
            base = float(props.get("rate", compile_plan(document).nodes[node["id"]].props["rate"]))
            props["rate"] = min(MAX_RATE, round(base * factor, 3))
            for entry in props.get("mix") or []:
                entry["rate"] = min(MAX_RATE, round(float(entry["rate"]) * factor, 3))
    return out


def total_rate(document: dict[str, Any]) -> float:
    plan = compile_plan(document)
    return round(sum(base_rate(client.props) for client in plan.clients()), 3)


def next_factor(document: dict[str, Any], tried: Sequence[tuple[float, bool]]) -> float | None:
    """The factor to judge next, given the (factor, held) judged so far in order; None when the
    search is over: a factor failed and the gap was halved BISECTIONS times, the first factor
    failed, or no higher rate can be tried (MAX_FACTOR, or every client at the rate cap)."""
    if not tried:
        return 1.0
    if len(tried) >= MAX_STEPS:
        return None
    first_failed = next((i for i, (_factor, held) in enumerate(tried) if not held), None)
    if first_failed is None:
        last = tried[-1][0]
        if last * 2 > MAX_FACTOR or total_rate(scaled(document, last)) >= total_rate(scaled(document, last * 2)):
            return None
        return last * 2
    held = [factor for factor, ok in tried if ok]
    if not held or len(tried) - first_failed - 1 >= BISECTIONS:
        return None
    low, high = max(held), min(factor for factor, ok in tried if not ok)
    return round((low + high) / 2, 3)


def judge_step(goals: Sequence[Goal], summaries: list[Summary]) -> tuple[bool, list[dict[str, Any]]]:
    """(held, each goal judged over the seeds' summaries): a factor holds if every goal does."""
    judged = [goal.judge(summaries) for goal in goals]
    return all(goal["passed"] for goal in judged), judged


def _p95s(summaries: list[Summary]) -> dict[str, float]:
    """Each node's p95 latency, the mean over the seeds (nodes that measured one)."""
    values: dict[str, list[float]] = {}
    for summary in summaries:
        for node_id, node in summary["nodes"].items():
            p95 = (node.get("latency_ms") or {}).get("p95")
            if node.get("kind") not in PASSIVE and p95 is not None:
                values.setdefault(node_id, []).append(float(p95))
    return {node_id: sum(v) / len(v) for node_id, v in values.items()}


def bottleneck(document: dict[str, Any], held: list[Summary], failed: list[Summary]) -> dict[str, Any] | None:
    """The node whose own p95 grew the most from the last factor that held to the first that
    failed (measured), with theory's utilisation for it at the failing factor (`document` is
    the design at that factor) and the longest waiting line of the failing runs."""
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


def conclude(document: dict[str, Any], steps: list[Step], summaries_of: Callable[[int], list[Summary]]) -> Limit:
    """The search's answer from its steps; `summaries_of(i)` gives step i's summaries (only the
    first failing step and the one before it are asked for, to name the bottleneck)."""
    held = [step.factor for step in steps if step.held]
    low = max(held) if held else None
    first_failed = next((i for i, step in enumerate(steps) if not step.held), None)
    found = None
    if first_failed is not None:
        before = first_failed - 1
        holding = summaries_of(before) if before >= 0 and steps[before].held else []
        failing = summaries_of(first_failed)
        if failing:
            found = bottleneck(scaled(document, steps[first_failed].factor), holding, failing)
    return Limit(
        sustained_factor=low,
        sustained_rate=total_rate(scaled(document, low)) if low is not None else None,
        bottleneck=found,
        steps=steps,
        capped=first_failed is None and low is not None,
    )


def run_settings(document: dict[str, Any], *, seed: int, duration_s: float) -> dict[str, Any]:
    """The document as one run of a step: this seed, this long, as fast as the workers can."""
    run = copy.deepcopy(document)
    run["run"] = {**run.get("run", {}), "duration_s": duration_s, "seed": seed, "speed": "max"}
    return run


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
    summaries: list[list[Summary]] = []
    while (factor := next_factor(document, [(step.factor, step.held) for step in steps])) is not None:
        doc = scaled(document, factor)
        runs = [simulate(run_settings(doc, seed=seed, duration_s=duration_s)) for seed in seeds]
        held, judged = judge_step(goals, runs)
        steps.append(Step(factor=factor, rate=total_rate(doc), held=held, goals=judged))
        summaries.append(runs)
    return conclude(document, steps, lambda index: summaries[index])
