"""Attempts: a design judged by real runs of the engine, one a seed, at the fastest honest speed.

`attempt_start` checks the submission (the challenge's traffic and fault script put back, its
locked nodes kept), prices it, and either fails it at once (over the budget: no run can make
that up) or starts its first run. Each time one of its runs ends (the engine's `run_ended`
signal, in the control worker) `attempt_advance` starts the next seed's run, and after the last
grades the attempt from the stored summaries: nothing the browser sends is taken as a figure.
"""

import logging
from typing import TYPE_CHECKING, Any

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from apps.challenges.cost import DesignCost, billed_cost, design_cost
from apps.challenges.explain import explain
from apps.challenges.format import Challenge, challenge_get
from apps.challenges.models import Attempt
from apps.challenges.signals import attempt_changed
from apps.challenges.submission import judged_document
from apps.engine.models import Run
from apps.engine.services import RunRefused, run_start
from apps.scenarios.services import scenario_create

if TYPE_CHECKING:
    from apps.training.models import Participant

log = logging.getLogger(__name__)

RETRY_S = 5.0  # a run refused (the server is full) is asked for again this much later
MAX_NAME = 40


def attempt_start(
    *, challenge: Challenge, document: Any, name: str = "", participant: "Participant | None" = None
) -> Attempt:
    """Raises ChallengeError (what the submission may not do, or an invalid design) and
    RunRefused (the server has no room for a run now). A training session's `participant`
    makes the attempt theirs: their session, their display name."""
    judged = judged_document(challenge, document)
    cost = design_cost(judged, challenge.prices)
    attempt = Attempt(
        challenge=challenge.slug, name=name.strip()[:MAX_NAME], document=judged, cost_per_hour=cost.per_hour
    )
    if participant is not None:
        attempt.name, attempt.participant, attempt.session_id = participant.name, participant, participant.session_id
    if cost.floor_per_hour > challenge.budget_per_hour:
        attempt.status, attempt.ended_at = Attempt.Status.FAILED, timezone.now()
        attempt.result = {
            "goals": [],
            "over_budget": True,
            "explanation": [{"text": over_budget_before_running(cost, challenge)}],
        }
        attempt.save()
        return attempt
    with transaction.atomic():
        scenario, _secret = scenario_create(document=judged, note=f"Attempt at the challenge {challenge.slug}")
        attempt.scenario = scenario
        attempt.save()
        _start_run(attempt, challenge)
    return attempt


def over_budget_before_running(cost: DesignCost, challenge: Challenge) -> str:
    least = " even with auto-scaling at its fewest instances" if cost.floor_per_hour < cost.per_hour else ""
    return (
        f"The design costs ${cost.floor_per_hour:.2f} an hour{least}; the budget is "
        f"${challenge.budget_per_hour:.2f}. It was not run: remove what the goals do not need."
    )


def over_budget_after_running(billed: DesignCost, challenge: Challenge) -> str:
    scaled = [line for line in billed.lines if "as used" in line.quantity]
    used = "; ".join(f"{line.label} ran {line.quantity.split(' on average')[0]} on average" for line in scaled)
    return (
        f"Its runs used ${billed.per_hour:.2f} an hour{f' ({used})' if used else ''}; the budget is "
        f"${challenge.budget_per_hour:.2f}. "
        "Scale on a metric that tracks the load, with a lower max or a longer cooldown, or make each instance do more."
    )


def _start_run(attempt: Attempt, challenge: Challenge) -> None:
    """The next seed's run; RunRefused when the server has no room now."""
    assert attempt.scenario is not None
    seed = challenge.seeds[len(attempt.runs)]
    run = run_start(scenario=attempt.scenario, seed=seed, speed="max", duration=challenge.duration_s)
    attempt.runs = [*attempt.runs, run.id]
    attempt.current_run = run.id
    attempt.save(update_fields=["runs", "current_run"])
    attempt_changed.send(sender=Attempt, attempt=attempt)


def attempt_advance(*, run_id: str, status: str) -> None:
    """One of an attempt's runs has ended: the next seed's run, or the grade."""
    attempt = Attempt.objects.filter(current_run=run_id, status=Attempt.Status.RUNNING).first()
    if attempt is None:
        return
    challenge = challenge_get(attempt.challenge)
    if challenge is None or status != Run.Status.FINISHED:
        error = f"its run {run_id} ended {status}" if challenge else "the challenge is gone"
        run = Run.objects.filter(pk=run_id).first()
        _end(attempt, Attempt.Status.ERROR, error=f"{error}: {run.error}" if run and run.error else error)
        return
    if len(attempt.runs) < len(challenge.seeds):
        _next_run(attempt, challenge)
        return
    grade(attempt, challenge)


def _next_run(attempt: Attempt, challenge: Challenge) -> None:
    try:
        _start_run(attempt, challenge)
    except RunRefused as refused:
        log.info("attempt %s waits for room: %s", attempt.id, refused)
        attempt.current_run = ""
        attempt.save(update_fields=["current_run"])
        advance_later.apply_async((attempt.id,), countdown=RETRY_S)


@shared_task(name="challenges.advance", ignore_result=True)  # queue "control": CELERY_TASK_ROUTES
def advance_later(attempt_id: str) -> None:
    """Start an attempt's next run, which the server had no room for a moment ago."""
    attempt = Attempt.objects.filter(pk=attempt_id, status=Attempt.Status.RUNNING, current_run="").first()
    challenge = challenge_get(attempt.challenge) if attempt else None
    if attempt is not None and challenge is not None:
        _next_run(attempt, challenge)


def grade(attempt: Attempt, challenge: Challenge) -> None:
    """Judge every goal over the runs' stored summaries; explain what went wrong."""
    runs = {run.id: run for run in Run.objects.filter(pk__in=attempt.runs)}
    summaries = [runs[run_id].summary or {} for run_id in attempt.runs]
    goals = [goal.judge(summaries) for goal in challenge.goals]
    billed = billed_cost(attempt.document, summaries, duration_s=challenge.duration_s, prices=challenge.prices)
    over_budget = billed.per_hour > challenge.budget_per_hour
    passed = not over_budget and all(goal["passed"] for goal in goals)
    attempt.cost_per_hour = billed.per_hour
    explanation = [{"text": over_budget_after_running(billed, challenge)}] if over_budget else []
    if not all(goal["passed"] for goal in goals):
        explanation += explain(attempt.document, summaries, goals, attempt.runs)
    p95s = [float(s["latency_ms"]["p95"]) for s in summaries if (s.get("latency_ms") or {}).get("p95") is not None]
    attempt.result = {
        "goals": goals,
        "over_budget": over_budget,
        "cost_lines": [line.as_dict() for line in billed.lines],
        "p95_ms": round(sum(p95s) / len(p95s), 3) if p95s else None,  # the board's tie-break
        "explanation": explanation,
    }
    _end(attempt, Attempt.Status.PASSED if passed else Attempt.Status.FAILED)


def _end(attempt: Attempt, status: str, *, error: str = "") -> None:
    attempt.status, attempt.error, attempt.ended_at, attempt.current_run = status, error[:2000], timezone.now(), ""
    attempt.save(update_fields=["status", "error", "ended_at", "current_run", "result", "cost_per_hour"])
    attempt_changed.send(sender=Attempt, attempt=attempt)


def attempt_state(attempt: Attempt) -> dict[str, Any]:
    """The attempt as the API answers it (docs/api.md, "Challenges")."""
    result = attempt.result or {}
    challenge = challenge_get(attempt.challenge)
    budget = challenge.budget_per_hour if challenge else None
    seeds = len(challenge.seeds) if challenge else None
    return {
        "attempt_id": attempt.id,
        "challenge": attempt.challenge,
        "name": attempt.name,
        "status": attempt.status,
        "passed": attempt.status == Attempt.Status.PASSED if attempt.ended else None,
        "cost": {"per_hour": attempt.cost_per_hour, "budget_per_hour": budget, "lines": result.get("cost_lines", [])},
        "over_budget": bool(result.get("over_budget")),
        "goals": [
            {key: goal[key] for key in ("name", "metric", "passed", "measured", "low", "high") if key in goal}
            | {"bound": goal.get("at_most", goal.get("at_least")), "op": "at_most" if "at_most" in goal else "at_least"}
            for goal in result.get("goals", [])
        ],
        "explanation": result.get("explanation", []),
        "runs": [{"run_id": run_id, "report_url": f"/runs/{run_id}/"} for run_id in attempt.runs],
        "seeds": {"done": len(attempt.runs) - (1 if attempt.current_run else 0), "of": seeds},
        "error": attempt.error,
        "hints": list(challenge.hints) if challenge and attempt.status == Attempt.Status.FAILED else [],
        "url": f"/challenges/attempts/{attempt.id}/",
    }
