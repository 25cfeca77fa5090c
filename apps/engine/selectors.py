"""Reads for runs."""

import re
from typing import Any

import redis
from django.db.models import QuerySet

from apps.engine.models import AuditEvent, Run
from apps.engine.stream import latest_frame, snapshot_from_run
from apps.runtime.clock import speed_value
from apps.scenarios.models import Scenario

RUN_ID_RE = re.compile(r"[a-z0-9]{1,32}")
RECENT_RUNS = 20


def run_get(*, run_id: str) -> Run | None:
    if not RUN_ID_RE.fullmatch(run_id):
        return None
    return Run.objects.select_related("scenario").filter(pk=run_id).first()


def run_list(*, scenario: Scenario) -> QuerySet[Run]:
    """The scenario's latest runs, newest first (without their documents and series)."""
    return (
        Run.objects.filter(scenario=scenario)
        .defer("document", "series", "summary")
        .order_by("-created_at")[:RECENT_RUNS]
    )


def run_live(*, run: Run) -> dict[str, Any] | None:
    """The latest live frame of a run that is going (None once it has ended)."""
    if run.ended:
        return None
    try:
        return latest_frame(run.id)
    except redis.RedisError:  # the live view is a bonus; the status answers without it
        return None


def run_summary(*, run: Run) -> dict[str, Any]:
    """What GET /api/runs/<id>/ answers: the status, and the summary once the run has ended
    (`simulate --json`'s shape); while it goes, `live` holds its latest frame."""
    return {
        "run_id": run.id,
        "status": run.status,
        "scenario": run.scenario.slug if run.scenario else None,
        "revision": run.revision,
        "seed": run.seed,
        "speed": speed_value(run.speed),
        "duration_s": run.duration_s,
        "created_at": run.created_at.isoformat(),
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "ended_at": run.ended_at.isoformat() if run.ended_at else None,
        "summary": run.summary,
        "waiting": run.waiting,
        "live": run_live(run=run),
        "error": run.error or None,
        "stream": f"/ws/runs/{run.id}/",
        "report_url": f"/runs/{run.id}/",
    }


def run_snapshot(*, run_id: str) -> dict[str, Any] | None:
    """The run's current state for a viewer that just connected (the websocket's `snapshot`):
    the latest live frame while it goes, its last stored point once it has ended."""
    run = run_get(run_id=run_id)
    if run is None:
        return None
    frame = run_live(run=run)
    if frame is None and not run.ended:
        run.refresh_from_db()  # it may have ended (and its live state gone) since it was read
    if frame is None:
        snapshot = snapshot_from_run(run_id=run.id, status=run.status, duration_s=run.duration_s, series=run.series)
        if run.status == Run.Status.QUEUED and run.waiting:
            snapshot["waiting"] = run.waiting
        return snapshot
    return {**frame, "type": "snapshot"}


def run_example_order(*, run_id: str) -> str | None:
    """An order id of a run's stored audit log (the first request that ended), for a hint."""
    return (
        AuditEvent.objects.filter(run_id=run_id, kind="outcome").order_by("seq").values_list("corr", flat=True).first()
    )
