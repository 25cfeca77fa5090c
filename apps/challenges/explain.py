"""Why a design failed, in a few sentences built from its runs' records: the node that
saturated first, the queues that overflowed, the calls that failed with no breaker or whose
breaker never opened, the requests that timed out, the consumers that applied a redelivered
message twice. Each links to the moment in the replay
(`/s/<slug>/?run=<id>&t=<s>`) and, where there is one, to an order's trace (`&order=<id>`).

The first failing seed's run is the one explained (its summary and stored series).
"""

from typing import Any

from apps.engine.models import Run
from apps.runtime.plan import compile_plan

COMPUTE = ("service", "function", "database")


def _replay(run: Run, t: float | None = None, order: str | None = None) -> str:
    slug = run.scenario.slug if run.scenario else ""
    url = f"/s/{slug}/?run={run.id}"
    if t is not None:
        url += f"&t={t:g}"
    if order:
        url += f"&order={order}"
    return url


def _slots(props: dict[str, Any]) -> int:
    return int(props.get("replicas", 1)) * int(props.get("concurrency", 1))


def saturated_first(document: dict[str, Any], run: Run) -> dict[str, Any] | None:
    """The compute node whose waiting line first reached its number of slots, and when."""
    plan = compile_plan(document)
    slots = {n.id: _slots(n.props) for n in plan.nodes.values() if n.kind in COMPUTE}
    for point in run.series:
        for node_id, node in (point.get("nodes") or {}).items():
            if node_id in slots and int(node.get("depth") or 0) >= slots[node_id]:
                label = plan.nodes[node_id].label or node_id
                t = round(float(point.get("t", 0.0)), 1)
                return {
                    "text": f"{label} saturated first, at {t:g} s: {node['depth']} requests waiting for its "
                    f"{slots[node_id]} slot{'s' if slots[node_id] != 1 else ''}. Give it more replicas or "
                    "concurrency, or put a queue in front of work that can wait.",
                    "node": node_id,
                    "replay_url": _replay(run, t),
                }
    return None


def overflowed_queues(document: dict[str, Any], summary: dict[str, Any], run: Run) -> list[dict[str, Any]]:
    refused = int(summary["messages"].get("dropped", 0)) + int(summary["messages"].get("rejected", 0))
    if not refused:
        return []
    plan = compile_plan(document)
    deepest = {node_id: int(node.get("max_queue_depth") or 0) for node_id, node in summary["nodes"].items()}
    full = [n for n in plan.nodes.values() if n.kind == "queue" and deepest.get(n.id, 0) >= int(n.props["max_depth"])]
    where = ", ".join(n.label or n.id for n in full) or "a queue"
    return [
        {
            "text": f"{where} overflowed: {refused} message{'s' if refused != 1 else ''} refused or dropped. "
            "Consume faster (more consumers) or let the queue hold more.",
            "node": full[0].id if full else None,
            "replay_url": _replay(run),
        }
    ]


def failing_calls(document: dict[str, Any], run: Run) -> list[dict[str, Any]]:
    """Call edges whose calls failed: without a breaker, or with one that never opened."""
    totals: dict[str, int] = {}
    opened: set[str] = set()
    for point in run.series:
        for edge_id, edge in (point.get("edges") or {}).items():
            totals[edge_id] = max(totals.get(edge_id, 0), int(edge.get("errors") or 0))
            if edge.get("breaker") == "open":
                opened.add(edge_id)
    out = []
    for edge in document["edges"]:
        errors = totals.get(edge["id"], 0)
        if not errors:
            continue
        breaker = (edge.get("props") or {}).get("circuit_breaker") or {}
        if not breaker.get("enabled"):
            text = (
                f"Calls from {edge['from']} to {edge['to']} failed {errors} time{'s' if errors != 1 else ''} with no "
                "circuit breaker: "
                "each caller waited for its own failure. A breaker would fail fast."
            )
        elif edge["id"] not in opened:
            text = (
                f"The breaker on {edge['from']} → {edge['to']} never opened although {errors} "
                f"call{'s' if errors != 1 else ''} failed."
            )
        else:
            continue
        out.append({"text": text, "edge": edge["id"], "replay_url": _replay(run)})
    return out


def timeouts(summary: dict[str, Any], run: Run) -> list[dict[str, Any]]:
    timed_out = int(summary["requests"].get("timed_out", 0))
    if not timed_out:
        return []
    example = next((u for u in summary.get("unsuccessful") or [] if u.get("outcome") == "timed_out"), None)
    entry: dict[str, Any] = {
        "text": f"{timed_out} request{'s' if timed_out != 1 else ''} timed out at the client.",
        "replay_url": _replay(run, example.get("created_s") if example else None),
    }
    if example:
        entry["trace_url"] = _replay(run, example.get("created_s"), example["rid"])
        entry["text"] += f" Order {example['rid']} is one: follow it across the services."
    return [entry]


def duplicates_applied(document: dict[str, Any], summary: dict[str, Any], run: Run) -> list[dict[str, Any]]:
    """Consumers that handled a message delivered again and applied its effect a second time."""
    plan = compile_plan(document)
    out = []
    for node_id, node in summary["nodes"].items():
        applied = int((node.get("duplicates") or {}).get("applied") or 0)
        if applied and node_id in plan.nodes:
            label = plan.nodes[node_id].label or node_id
            out.append(
                {
                    "text": f"{label} handled {applied} message{'s' if applied != 1 else ''} a second time and applied "
                    "the effect again: the broker redelivered them after an acknowledgement was lost. Make it an "
                    "idempotent consumer (it remembers the messages it handled).",
                    "node": node_id,
                    "replay_url": _replay(run),
                }
            )
    return out


def explain(
    document: dict[str, Any], summaries: list[dict[str, Any]], goals: list[dict[str, Any]], run_ids: list[str]
) -> list[dict[str, Any]]:
    """What went wrong in the first run that missed a goal (each entry {text, *_url, node?})."""
    failed = [goal for goal in goals if not goal["passed"]]
    index = next(
        (i for i, _ in enumerate(summaries) if any(_misses(goal, i) for goal in failed)),
        0,
    )
    run = Run.objects.select_related("scenario").filter(pk=run_ids[index]).first()
    if run is None:
        return []
    summary = summaries[index]
    out = [entry for entry in (saturated_first(document, run),) if entry]
    out += overflowed_queues(document, summary, run) + failing_calls(document, run) + timeouts(summary, run)
    out += duplicates_applied(document, summary, run)
    missed = "; ".join(
        f"{goal['name']}: {_figure(goal.get('measured'))}"
        f" (interval {_figure(goal.get('low'))}–{_figure(goal.get('high'))})"
        for goal in failed
    )
    return [{"text": f"Missed: {missed}.", "replay_url": _replay(run)}, *out]


def _misses(goal: dict[str, Any], seed_index: int) -> bool:
    value = goal.get("values", [None])[seed_index] if seed_index < len(goal.get("values", [])) else None
    if value is None:
        return True
    return ("at_most" in goal and value > goal["at_most"]) or ("at_least" in goal and value < goal["at_least"])


def _figure(value: Any) -> str:
    return "not measured" if value is None else f"{value:.4g}"
