"""Reading challenges and attempts: a challenge's goals in words, its leaderboard."""

from typing import Any

from apps.challenges.format import Challenge
from apps.challenges.goals import METRICS
from apps.challenges.models import Attempt

BOARD_SIZE = 20


def goal_text(goal: dict[str, object]) -> str:
    """ "p95 latency of signup ≤ 100 ms" """
    metric = METRICS[str(goal["metric"])]
    of = f" of {goal['node']}" if goal.get("node") else ""
    op, bound = ("≤", goal["at_most"]) if "at_most" in goal else ("≥", goal["at_least"])
    return f"{metric.label}{of} {op} {bound:g}{(' ' + metric.unit) if metric.unit else ''}"


def goal_rows(challenge: Challenge) -> list[dict[str, str]]:
    """Each goal's name, and its rule in figures ("p95 latency ≤ 100 ms") for a tooltip."""
    return [{"name": goal.name, "rule": goal_text(goal.as_dict())} for goal in challenge.goals]


def board_key(attempt: Attempt) -> tuple[float, float, float]:
    """How passing attempts rank: the lowest cost, then the lowest p95 (mean over the seeds),
    then the earliest."""
    p95 = (attempt.result or {}).get("p95_ms")
    ended = attempt.ended_at.timestamp() if attempt.ended_at else float("inf")
    return (attempt.cost_per_hour, float(p95) if p95 is not None else float("inf"), ended)


def leaderboard(*, slug: str, limit: int = BOARD_SIZE) -> list[dict[str, Any]]:
    """The passing attempts, best first: the lowest cost, then the lowest p95 (mean over the
    seeds), then the earliest. One row per name (its best); unnamed attempts are not listed."""
    passing = Attempt.objects.filter(challenge=slug, status=Attempt.Status.PASSED).exclude(name="")
    rows = sorted(passing.only("id", "name", "cost_per_hour", "result", "ended_at"), key=board_key)
    board: list[dict[str, Any]] = []
    seen: set[str] = set()
    for attempt in rows:
        if attempt.name.casefold() in seen:
            continue
        seen.add(attempt.name.casefold())
        board.append(
            {
                "rank": len(board) + 1,
                "name": attempt.name,
                "cost_per_hour": attempt.cost_per_hour,
                "p95_ms": (attempt.result or {}).get("p95_ms"),
                "attempt_id": attempt.id,
            }
        )
        if len(board) >= limit:
            break
    return board
