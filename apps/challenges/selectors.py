"""Reading attempts: a challenge's leaderboard."""

from typing import Any

from apps.challenges.models import Attempt

BOARD_SIZE = 20


def leaderboard(*, slug: str, limit: int = BOARD_SIZE) -> list[dict[str, Any]]:
    """The passing attempts, best first: the lowest cost, then the lowest p95 (mean over the
    seeds), then the earliest. One row per name (its best); unnamed attempts are not listed."""
    passing = Attempt.objects.filter(challenge=slug, status=Attempt.Status.PASSED).exclude(name="")
    rows = sorted(
        passing.only("id", "name", "cost_per_hour", "result", "ended_at"),
        key=lambda a: (a.cost_per_hour, (a.result or {}).get("p95_ms") or float("inf"), a.ended_at),
    )
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
