"""Writes for limit searches: ramp a saved design's traffic on the engine's workers until a goal
fails (docs/challenges.md, "Find the limit").

`limit_start` stores the search and a scenario of its own (the runner) whose revision is the
design at the step's traffic, and starts the step's first run (seed 1) at speed `max`. Each time
one of its runs ends (the engine's `run_ended` signal, in the control worker) `limit_advance`
starts the step's next seed, or judges the step from the stored summaries and begins the next
factor (apps/challenges/limit.py decides which), or concludes: the highest sustained rate and
the bottleneck. A run the server has no room for is asked for again RETRY_S later (the
`limits.advance` task), for at most WAIT_LIMIT_S. One search at a time per scenario; the
runner's runs count towards the owner's runs (it shares the scenario's edit secret).
"""

import logging
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.challenges.goals import Goal
from apps.challenges.limit import Step, conclude, judge_step, next_factor, scaled, total_rate
from apps.engine.models import Run
from apps.engine.services import RunRefused, run_start, run_stop
from apps.limits.inputs import LimitRequest
from apps.limits.models import LimitSearch
from apps.scenarios.models import Scenario
from apps.scenarios.services import scenario_create, scenario_update
from apps.topology.validation import Problem, TopologyError

log = logging.getLogger(__name__)

RETRY_S = 5.0  # a run refused (the server is full) is asked for again this much later
WAIT_LIMIT_S = 600.0  # a search that found no room for its next run this long ends in error
STUCK_S = 120.0  # a search that did not move on this long after its run ended is taken as stuck


class LimitConflict(Exception):
    """The request is valid but clashes with a search's state: one is already running for the
    scenario, or the search has ended (409)."""

    def __init__(self, message: str, *, search: LimitSearch | None = None):
        super().__init__(message)
        self.message = message
        self.search = search


def limit_start(*, scenario: Scenario, request: LimitRequest) -> LimitSearch:
    """Start a search of the scenario's saved design. Raises TopologyError (no traffic to ramp,
    or the first run's settings refused) and LimitConflict (a search of it is running)."""
    revision = scenario.current
    document = revision.document
    if total_rate(document) <= 0:
        raise TopologyError([Problem("$.nodes", "the scenario has no client sending requests: no traffic to ramp")])
    _release_stuck(scenario)
    try:
        with transaction.atomic():
            running = LimitSearch.objects.filter(scenario=scenario, status=LimitSearch.Status.RUNNING).first()
            if running is not None:
                raise LimitConflict(
                    f"a search of this scenario is running ({running.id}); stop it first", search=running
                )
            runner, _secret = scenario_create(
                document=document, note=f"Find the limit of {scenario.slug} at revision {revision.number}"
            )
            Scenario.objects.filter(pk=runner.pk).update(edit_secret_hash=scenario.edit_secret_hash)
            search = LimitSearch.objects.create(
                scenario=scenario,
                revision=revision.number,
                runner=runner,
                document=document,
                goals=[goal.as_dict() for goal in request.goals],
                seconds=request.seconds,
                seeds=list(request.seeds),
            )
            _begin_step(search, 1.0, starting=True)
    except IntegrityError:
        raise LimitConflict("a search of this scenario is running; stop it first") from None
    return search


def _begin_step(search: LimitSearch, factor: float, *, starting: bool = False) -> None:
    """The runner takes the design at this factor's traffic; the step's first run starts."""
    assert search.runner is not None
    document = scaled(search.document, factor)
    rate = total_rate(document)
    scenario_update(scenario=search.runner, document=document, note=f"×{factor:g}: {rate:g} req/s")
    search.current = {"factor": factor, "rate": rate, "runs": []}
    search.save(update_fields=["current"])
    _next_run(search, starting=starting)


def _next_run(search: LimitSearch, *, starting: bool = False) -> None:
    """The step's next seed's run; when the server has no room, asked for again later."""
    try:
        _start_run(search)
    except RunRefused as refused:
        now = timezone.now()
        since = search.waiting_since or now
        if (now - since).total_seconds() > WAIT_LIMIT_S:
            _end(search, LimitSearch.Status.ERROR, error=f"no room for a run for {WAIT_LIMIT_S:g} s: {refused.message}")
            return
        log.info("limit search %s waits for room: %s", search.id, refused)
        search.current_run, search.waiting_since = "", since
        search.save(update_fields=["current_run", "waiting_since"])
        delay = min(max(refused.retry_after or RETRY_S, 1.0), 30.0)
        transaction.on_commit(lambda: advance_later.apply_async((search.id,), countdown=delay))
    except TopologyError as exc:
        if starting:
            raise
        _end(search, LimitSearch.Status.ERROR, error="; ".join(f"{p.path}: {p.message}" for p in exc.problems))


def _start_run(search: LimitSearch) -> None:
    current = search.current or {}
    if search.runner is None:
        raise TopologyError([Problem("$", "the search's scenario is gone")])
    seed = search.seeds[len(current["runs"])]
    with transaction.atomic():  # the run's driver is queued once the search knows the run
        run = run_start(scenario=search.runner, seed=seed, speed="max", duration=search.seconds)
        current["runs"] = [*current["runs"], run.id]
        search.current, search.current_run, search.waiting_since = current, run.id, None
        search.save(update_fields=["current", "current_run", "waiting_since"])


def limit_advance(*, run_id: str, status: str) -> None:
    """One of a search's runs has ended: the step's next seed, the next step, or the answer."""
    search = LimitSearch.objects.filter(current_run=run_id, status=LimitSearch.Status.RUNNING).first()
    if search is None:
        return
    run = Run.objects.filter(pk=run_id).first()
    if status != Run.Status.FINISHED or run is None or not run.summary:
        error = f"its run {run_id} ended {status}"
        _end(search, LimitSearch.Status.ERROR, error=f"{error}: {run.error}" if run and run.error else error)
        return
    current = search.current or {}
    search.current_run, search.waiting_since = "", timezone.now()
    if len(current["runs"]) < len(search.seeds):
        _next_run(search)
        return
    summaries = _summaries(current["runs"])
    held, judged = judge_step(_goals(search), summaries)
    step = Step(factor=current["factor"], rate=current["rate"], held=held, goals=judged, runs=current["runs"])
    search.steps = [*search.steps, asdict(step)]
    search.current = None
    search.save(update_fields=["steps", "current", "current_run", "waiting_since"])
    factor = next_factor(search.document, [(s["factor"], s["held"]) for s in search.steps])
    if factor is None:
        _conclude(search)
    else:
        _begin_step(search, factor)


@shared_task(name="limits.advance", ignore_result=True)  # queue "control": CELERY_TASK_ROUTES
def advance_later(search_id: str) -> None:
    """Start a search's next run, which the server had no room for a moment ago."""
    search = LimitSearch.objects.filter(pk=search_id, status=LimitSearch.Status.RUNNING, current_run="").first()
    if search is not None and search.current is not None:
        _next_run(search)


def _goals(search: LimitSearch) -> list[Goal]:
    return [Goal.parse(raw) for raw in search.goals]


def _summaries(run_ids: list[str]) -> list[dict[str, Any]]:
    """The runs' stored summaries, in the order given (a run pruned meanwhile is left out)."""
    stored: dict[str, dict[str, Any]] = {
        run.id: run.summary for run in Run.objects.filter(pk__in=run_ids).only("id", "summary") if run.summary
    }
    return [stored[run_id] for run_id in run_ids if run_id in stored]


def _conclude(search: LimitSearch) -> None:
    steps = [Step(**raw) for raw in search.steps]
    limit = conclude(search.document, steps, lambda index: _summaries(steps[index].runs))
    search.result = {
        "sustained_factor": limit.sustained_factor,
        "sustained_rate": limit.sustained_rate,
        "base_rate": total_rate(search.document),
        "capped": limit.capped,
        "bottleneck": limit.bottleneck,
    }
    _end(search, LimitSearch.Status.DONE)


def _end(search: LimitSearch, status: str, *, error: str = "") -> None:
    search.status, search.error, search.ended_at = status, error[:2000], timezone.now()
    search.current_run, search.waiting_since = "", None
    search.save(update_fields=["status", "error", "ended_at", "current_run", "waiting_since", "result"])


def limit_stop(*, search: LimitSearch) -> LimitSearch:
    """End a running search now; its run under way is stopped. LimitConflict if it has ended."""
    run_id = search.current_run
    with transaction.atomic():
        if not LimitSearch.objects.filter(pk=search.pk, status=LimitSearch.Status.RUNNING).exists():
            raise LimitConflict(f"the search has already ended ({search.status})", search=search)
        _end(search, LimitSearch.Status.STOPPED)
    run = Run.objects.filter(pk=run_id).first() if run_id else None
    if run is not None and not run.ended:
        try:
            run_stop(run=run)
        except RunRefused:
            log.info("limit search %s: its run %s could not be stopped (it ended meanwhile?)", search.id, run_id)
    return search


def _release_stuck(scenario: Scenario) -> None:
    """End, as errors, running searches of the scenario that no longer move on: their run ended
    (or expired) STUCK_S ago and nothing followed, or the wait for room outlived its limit (a
    worker restarted at the wrong moment). A search that moves on is never touched."""
    now = timezone.now()
    late = now - timedelta(seconds=STUCK_S)
    for search in LimitSearch.objects.filter(scenario=scenario, status=LimitSearch.Status.RUNNING):
        if search.current_run:
            run = Run.objects.filter(pk=search.current_run).first()
            stuck = (
                run is None or (run.ended and (run.ended_at or now) < late) or (not run.ended and run.expires_at < late)
            )
        else:
            since = search.waiting_since or search.created_at
            stuck = (now - since).total_seconds() > WAIT_LIMIT_S + STUCK_S
        if stuck:
            _end(search, LimitSearch.Status.ERROR, error="the search stopped moving on; start it again")
