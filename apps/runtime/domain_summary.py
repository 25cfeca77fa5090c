"""The summary's domain sections: CQRS (write model, read models, reads against writes, lag,
replay check), the outbox and inventory, from the run's database records and audit log."""

from collections.abc import Callable
from typing import Any

from apps.domain import projections, selectors
from apps.runtime.plan import Plan

# The events a run published, from its audit log (the run features own the log and pass it in).
Published = Callable[[str], list[dict[str, Any]]]


def domain_sections(
    run: str, plan: Plan, stats: dict[str, float], lag: dict[str, dict[str, float]], published: Published
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    behaviours = {n.id: n.props.get("behaviour") for n in plan.nodes.values() if n.kind == "service"}
    read_models = [n for n in plan.nodes.values() if n.kind == "read_model"]
    writers = [node for node, behaviour in behaviours.items() if behaviour == "reservations"]
    if read_models or writers:
        events = published(run)
        written = projections.write_model_rows(run) if writers else None
        reads = sum(int(stats.get(f"node:{n.id}:reads", 0)) for n in read_models)
        writes = sum(int(stats.get(f"node:{w}:accepted", 0)) for w in writers)
        out["cqrs"] = {
            "write_models": [selectors.write_model(run, w) for w in writers],
            "commands": {
                "accepted": writes,
                "declined": sum(int(stats.get(f"node:{w}:declined", 0)) for w in writers),
            },
            "read_models": [
                {
                    **selectors.read_model(
                        run,
                        n.id,
                        str(n.props.get("projection") or "availability"),
                        events,
                        written if n.props.get("projection") == "availability" else None,
                    ),
                    "reads": int(stats.get(f"node:{n.id}:reads", 0)),
                    "stale_reads": int(stats.get(f"node:{n.id}:stale_reads", 0)),
                    "projected": int(stats.get(f"node:{n.id}:projected", 0)),
                    "lag_ms": lag.get(n.id, {}),
                    "lag_bound_ms": float(n.props.get("lag_ms", 0)),
                }
                for n in read_models
            ],
            "reads": reads,
            "writes": writes,
            "reads_per_write": round(reads / writes, 1) if writes else None,
        }
    if any(b == "notifications" for b in behaviours.values()):
        out["outbox"] = selectors.outbox(run)
    inventory = [node for node, behaviour in behaviours.items() if behaviour == "inventory"]
    if inventory:
        out["inventory"] = {
            node: {**selectors.stock(run, node), "compensations": int(stats.get(f"node:{node}:compensations", 0))}
            for node in inventory
        }
    return out
