"""Reads for sessions: find one by code, the class board, the report."""

from typing import Any

from django.urls import reverse

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
