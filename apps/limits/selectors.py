"""Reading limit searches: a search as the API answers it, a scenario's latest."""

from typing import Any

from apps.challenges.limit import MAX_STEPS
from apps.limits.models import LimitSearch
from apps.scenarios.models import Scenario


def limit_latest(*, scenario: Scenario) -> LimitSearch | None:
    return LimitSearch.objects.filter(scenario=scenario).first()


def _runs(run_ids: list[str]) -> list[dict[str, str]]:
    return [{"run_id": run_id, "report_url": f"/runs/{run_id}/"} for run_id in run_ids]


def _goal(judged: dict[str, Any]) -> dict[str, Any]:
    keys = ("name", "metric", "node", "passed", "measured", "low", "high")
    op = "at_most" if judged.get("at_most") is not None else "at_least"
    return {key: judged.get(key) for key in keys} | {"bound": judged.get(op), "op": op}


def limit_state(search: LimitSearch) -> dict[str, Any]:
    """The search as the API answers it (docs/api.md, "Find the limit")."""
    labels = {node["id"]: node.get("label") or node["id"] for node in search.document.get("nodes", [])}
    steps = [
        {
            "factor": step["factor"],
            "rate": step["rate"],
            "held": step["held"],
            "failed_goals": [goal["name"] for goal in step["goals"] if not goal["passed"]],
            "goals": [_goal(goal) for goal in step["goals"]],
            "runs": _runs(step["runs"]),
        }
        for step in search.steps
    ]
    current = search.current
    under_way = None
    if current is not None and search.status == LimitSearch.Status.RUNNING:
        done = len(current["runs"]) - (1 if search.current_run else 0)
        under_way = {
            "factor": current["factor"],
            "rate": current["rate"],
            "runs": _runs(current["runs"]),
            "seeds": {"done": done, "of": len(search.seeds)},
            "waiting": not search.current_run,  # no room for its next run yet: asked for again shortly
        }
    result = None
    if search.status == LimitSearch.Status.DONE and search.result is not None:
        result = dict(search.result)
        bottleneck = result.get("bottleneck")
        if bottleneck:
            result["bottleneck"] = {**bottleneck, "label": labels.get(bottleneck["node"], bottleneck["node"])}
            line = bottleneck.get("longest_line")
            if line:
                result["bottleneck"]["longest_line"] = {**line, "label": labels.get(line["node"], line["node"])}
    return {
        "limit_id": search.id,
        "scenario": search.scenario.slug,
        "revision": search.revision,
        "status": search.status,
        "goals": search.goals,
        "seconds": search.seconds,
        "seeds": len(search.seeds),
        "steps": steps,
        "current": under_way,
        "max_steps": MAX_STEPS,
        "result": result,
        "error": search.error,
        "created_at": search.created_at.isoformat(),
        "ended_at": search.ended_at.isoformat() if search.ended_at else None,
        "url": f"/api/limits/{search.id}/",
    }
