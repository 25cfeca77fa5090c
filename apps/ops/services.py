"""Retention: delete what is older than its age (settings PLAYGROUND_KEEP_*_DAYS, docs/limits.md).

- Runs ended (or, never ended, past their expiry) longer ago than PLAYGROUND_KEEP_RUNS_DAYS,
  with every row that belongs to them: any model with a `run_id` column (the audit log, the
  domain records). The series and summary live on the run's row. Each leaves a PrunedRun
  tombstone, so its report link answers 410 "deleted after N days" instead of 404.
- Training sessions ended longer ago than PLAYGROUND_KEEP_SESSIONS_DAYS (their participants,
  questions, answers and timeline go with them).
- Scenario revisions older than PLAYGROUND_KEEP_REVISIONS_DAYS, never a scenario's newest.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from apps.engine.models import Run
from apps.ops.models import PrunedRun
from apps.scenarios.models import Revision
from apps.training.models import Session

BATCH = 500


@dataclass
class PruneReport:
    dry_run: bool
    runs: int = 0
    sessions: int = 0
    revisions: int = 0
    rows: dict[str, int] = field(default_factory=dict)  # run-scoped rows, by model

    def lines(self) -> list[str]:
        verb = "would delete" if self.dry_run else "deleted"
        out = [
            f"{verb} {self.runs} run(s), {self.sessions} ended training session(s), "
            f"{self.revisions} old scenario revision(s)"
        ]
        out += [f"  {verb} {count} {label} row(s)" for label, count in sorted(self.rows.items()) if count]
        return out


def run_scoped_models() -> list[type[models.Model]]:
    """Every model with a plain `run_id` column: rows that belong to one run."""
    found = []
    for model in apps.get_models():
        names = {f.name: f for f in model._meta.concrete_fields}
        column = names.get("run_id")
        if column is not None and not column.is_relation:
            found.append(model)
    return found


def _cutoff(days: int, now: datetime) -> datetime:
    return now - timedelta(days=days)


def prunable_runs(*, now: datetime) -> "models.QuerySet[Run]":
    cutoff = _cutoff(int(settings.PLAYGROUND_KEEP_RUNS_DAYS), now)
    ended = Q(status__in=Run.ENDED) & (Q(ended_at__lt=cutoff) | Q(ended_at__isnull=True, created_at__lt=cutoff))
    abandoned = Q(status__in=Run.ACTIVE, expires_at__lt=cutoff)  # its driver died and never wrote the end
    return Run.objects.filter(ended | abandoned)


def prunable_sessions(*, now: datetime) -> "models.QuerySet[Session]":
    cutoff = _cutoff(int(settings.PLAYGROUND_KEEP_SESSIONS_DAYS), now)
    return Session.objects.filter(status=Session.Status.ENDED, ended_at__lt=cutoff)


def prunable_revisions(*, now: datetime) -> "models.QuerySet[Revision]":
    cutoff = _cutoff(int(settings.PLAYGROUND_KEEP_REVISIONS_DAYS), now)
    newest = Revision.objects.filter(scenario=OuterRef("scenario")).order_by("-number").values("number")[:1]
    return Revision.objects.filter(created_at__lt=cutoff).exclude(number=Subquery(newest))


def _label(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model.__name__}"


def _prune_runs(report: PruneReport, now: datetime) -> None:
    kept_days = int(settings.PLAYGROUND_KEEP_RUNS_DAYS)
    scoped = run_scoped_models()
    ids = list(prunable_runs(now=now).values_list("pk", flat=True))
    report.runs = len(ids)
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        for model in scoped:
            rows = model._default_manager.filter(run_id__in=batch)
            label = _label(model)
            if report.dry_run:
                report.rows[label] = report.rows.get(label, 0) + rows.count()
        if report.dry_run:
            continue
        with transaction.atomic():
            for model in scoped:
                deleted, _ = model._default_manager.filter(run_id__in=batch).delete()
                report.rows[_label(model)] = report.rows.get(_label(model), 0) + deleted
            ended = dict(Run.objects.filter(pk__in=batch).values_list("pk", "ended_at"))
            PrunedRun.objects.bulk_create(
                [PrunedRun(id=run_id, ended_at=ended.get(run_id), kept_days=kept_days) for run_id in batch],
                ignore_conflicts=True,
            )
            Run.objects.filter(pk__in=batch).delete()


def prune(*, dry_run: bool = False, now: datetime | None = None) -> PruneReport:
    """Delete (or with `dry_run`, count) what is past its retention age."""
    now = now or timezone.now()
    report = PruneReport(dry_run=dry_run)
    _prune_runs(report, now)
    sessions = prunable_sessions(now=now)
    revisions = prunable_revisions(now=now)
    if dry_run:
        report.sessions, report.revisions = sessions.count(), revisions.count()
        return report
    with transaction.atomic():
        report.sessions = sessions.delete()[1].get(Session._meta.label, 0)
        report.revisions = revisions.delete()[1].get(Revision._meta.label, 0)
    return report
