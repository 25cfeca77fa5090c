"""Reads for sessions: find one by code, the class board, the class's challenge board."""

from typing import Any

from django.urls import reverse

from apps.challenges.format import challenge_get
from apps.challenges.models import Attempt
from apps.challenges.selectors import board_key
from apps.engine.models import Run
from apps.engine.selectors import run_live
from apps.training.measure import RUN_READERS
from apps.training.models import CODE_ALPHABET, CODE_LENGTH, Session
from apps.training.state import participant_rows


def session_get(*, code: str) -> Session | None:
    code = code.strip().upper()
    if len(code) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in code):
        return None
    return Session.objects.select_related("scenario", "run", "spotlight__fork").filter(code=code).first()


def _headline(run: Run) -> dict[str, Any]:
    """A run's status and headline figures: live from its latest frame, else its summary."""
    out: dict[str, Any] = {
        "run_id": run.id,
        "status": run.status,
        "duration_s": run.duration_s,
        "report_url": reverse("run-report", args=[run.id]),
        "t": None,
        "p95_ms": None,
        "availability": None,
        "lost": None,
    }
    frame = run_live(run=run)
    if frame is not None:
        out.update(t=frame.get("t"), p95_ms=RUN_READERS["p95_ms"](frame))
        availability = RUN_READERS["availability"](frame)
        out["availability"] = None if availability is None else availability / 100
    elif run.summary:
        summary = run.summary
        out.update(
            t=run.duration_s,
            p95_ms=(summary.get("latency_ms") or {}).get("p95"),
            availability=summary.get("availability"),
            lost=summary.get("lost"),
        )
    return out


def class_board(*, session: Session) -> list[dict[str, Any]]:
    forks = dict(session.participants.exclude(fork=None).values_list("id", "fork_id"))
    latest: dict[int, Run] = {}
    for run in Run.objects.filter(scenario_id__in=forks.values()).defer("document", "series").order_by("created_at"):
        latest[run.scenario_id] = run  # type: ignore[index]
    slugs = dict(session.participants.exclude(fork=None).values_list("id", "fork__slug"))
    board = []
    for row in participant_rows(session):
        fork_id = forks.get(row["id"])
        last_run = latest.get(fork_id) if fork_id is not None else None
        slug = slugs.get(row["id"])
        board.append(
            {
                **row,
                "fork": {"slug": slug, "view_url": reverse("scenario-view", args=[slug])} if slug else None,
                "run": _headline(last_run) if last_run is not None else None,
            }
        )
    return board


def attempt_row(attempt: Attempt, *, seeds: int | None) -> dict[str, Any]:
    """One attempt on the challenge board: its verdict and figures, or how far its runs got."""
    result = attempt.result or {}
    goals = result.get("goals") or []
    return {
        "attempt_id": attempt.id,
        "status": attempt.status,
        "passed": attempt.status == Attempt.Status.PASSED if attempt.ended else None,
        "over_budget": bool(result.get("over_budget")),
        "cost_per_hour": attempt.cost_per_hour,
        "p95_ms": result.get("p95_ms"),
        "goals": {"passed": sum(1 for goal in goals if goal.get("passed")), "of": len(goals)},
        "seeds": {"done": len(attempt.runs) - (1 if attempt.current_run else 0), "of": seeds},
        "url": reverse("attempt-page", args=[attempt.id]),
    }


def challenge_board(*, session: Session, slug: str | None = None) -> list[dict[str, Any]]:
    """Every participant's best attempt at a challenge (the one set for the class by default):
    their best passing one, else their latest. Ranked as the challenge's leaderboard is:
    passing designs first, the cheapest, then the lowest p95; then those who tried without
    passing yet (or are being graded), then those who have not tried, each by name."""
    slug = session.challenge if slug is None else slug
    if not slug:
        return []
    challenge = challenge_get(slug)
    seeds = len(challenge.seeds) if challenge else None
    attempts: dict[int, list[Attempt]] = {}
    for attempt in (
        Attempt.objects.filter(session=session, challenge=slug)
        .exclude(participant=None)
        .defer("document")
        .order_by("created_at", "id")
    ):
        attempts.setdefault(attempt.participant_id, []).append(attempt)  # type: ignore[arg-type]
    rows = []
    for person in participant_rows(session):
        mine = attempts.get(person["id"], [])
        passed = [attempt for attempt in mine if attempt.status == Attempt.Status.PASSED]
        top = min(passed, key=board_key) if passed else None
        best = top or (mine[-1] if mine else None)
        key = (0, *board_key(top), "") if top else (1 if mine else 2, 0.0, 0.0, 0.0, person["name"].casefold())
        row = {
            "participant_id": person["id"],
            "name": person["name"],
            "present": person["present"],
            "attempts": len(mine),
            "grading": any(not attempt.ended for attempt in mine),
            "best": attempt_row(best, seeds=seeds) if best else None,
        }
        rows.append((key, person["id"], row))
    rows.sort(key=lambda item: item[:2])
    board, rank = [], 0
    for key, _id, row in rows:
        passing = key[0] == 0
        rank += passing
        board.append({"rank": rank if passing else None, **row})
    return board
