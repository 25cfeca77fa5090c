"""`manage.py prune` deletes finished runs with their rows, ended sessions and old revisions
(never a scenario's newest) past their ages; a deleted run's report answers 410."""

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from apps.domain.models import OutboxEmail
from apps.engine.models import AuditEvent, Run
from apps.ops.models import PrunedRun
from apps.ops.services import run_scoped_models
from apps.scenarios.models import Revision
from apps.scenarios.services import scenario_create, scenario_update
from apps.training.models import Session
from apps.training.services import session_start
from tests.factories import small_document

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def old_run(*, ended_days_ago: float, status: str = Run.Status.FINISHED) -> Run:
    run = Run(document={}, seed=1, speed=1.0, duration_s=3, status=status)
    run.set_expiry()
    run.save()
    ended = timezone.now() - ended_days_ago * DAY
    Run.objects.filter(pk=run.pk).update(ended_at=ended, created_at=ended, expires_at=ended + timedelta(minutes=5))
    AuditEvent.objects.create(run_id=run.id, seq=1, t_ms=0, node="api", kind="request")
    OutboxEmail.objects.create(run_id=run.id, node="mail", corr="o1", subject="Hi", body="…", to="a@b.c", at_ms=0)
    return run


def prune(*args: str) -> str:
    out = StringIO()
    call_command("prune", *args, stdout=out)
    return out.getvalue()


def test_every_run_scoped_model_is_found() -> None:
    labels = {model._meta.label for model in run_scoped_models()}
    assert {"engine.AuditEvent", "domain.OutboxEmail", "domain.Booking", "domain.StockLevel"} <= labels
    assert "training.Session" not in labels  # a foreign key to a run, not a row of one


def test_old_finished_runs_go_with_their_rows_and_recent_ones_stay(settings: Any) -> None:
    settings.PLAYGROUND_KEEP_RUNS_DAYS = 30
    old, recent = old_run(ended_days_ago=31), old_run(ended_days_ago=29)
    abandoned = old_run(ended_days_ago=31, status=Run.Status.RUNNING)  # its driver died long ago
    going = Run(document={}, seed=1, speed=1.0, duration_s=3, status=Run.Status.RUNNING)
    going.set_expiry()
    going.save()

    dry = prune("--dry-run")
    assert "would delete 2 run(s)" in dry and "would delete 2 engine.AuditEvent row(s)" in dry
    assert Run.objects.count() == 4

    assert "deleted 2 run(s)" in prune()
    assert set(Run.objects.values_list("pk", flat=True)) == {recent.pk, going.pk}
    assert set(AuditEvent.objects.values_list("run_id", flat=True)) == {recent.pk}
    assert set(OutboxEmail.objects.values_list("run_id", flat=True)) == {recent.pk}
    assert set(PrunedRun.objects.values_list("pk", flat=True)) == {old.pk, abandoned.pk}


def test_a_deleted_runs_report_says_so(settings: Any, client: Client) -> None:
    settings.PLAYGROUND_KEEP_RUNS_DAYS = 7
    run = old_run(ended_days_ago=8)
    prune()
    for url in (f"/runs/{run.id}/", f"/runs/{run.id}/export.html"):
        response = client.get(url)
        assert response.status_code == 410
        assert b"This run's report was deleted after 7 days" in response.content
    assert client.get("/runs/neverexisted/").status_code == 404


def test_ended_sessions_go_after_their_age(settings: Any) -> None:
    settings.PLAYGROUND_KEEP_SESSIONS_DAYS = 10
    scenario, _ = scenario_create(document=small_document())
    old, _ = session_start(scenario=scenario)
    live, _ = session_start(scenario=scenario)
    recent, _ = session_start(scenario=scenario)
    now = timezone.now()
    Session.objects.filter(pk=old.pk).update(status=Session.Status.ENDED, ended_at=now - 11 * DAY)
    Session.objects.filter(pk=live.pk).update(created_at=now - 100 * DAY)  # never ended: kept
    Session.objects.filter(pk=recent.pk).update(status=Session.Status.ENDED, ended_at=now - 9 * DAY)
    assert "1 ended training session(s)" in prune()
    assert set(Session.objects.values_list("pk", flat=True)) == {live.pk, recent.pk}


def test_old_revisions_go_but_never_the_newest(settings: Any) -> None:
    settings.PLAYGROUND_KEEP_REVISIONS_DAYS = 30
    edited, _ = scenario_create(document=small_document())
    scenario_update(scenario=edited, document=small_document("Second"))
    scenario_update(scenario=edited, document=small_document("Third"))
    untouched, _ = scenario_create(document=small_document())
    Revision.objects.update(created_at=timezone.now() - 60 * DAY)
    assert "2 old scenario revision(s)" in prune()
    assert list(edited.revisions.values_list("number", flat=True)) == [3]
    assert untouched.revisions.count() == 1


def test_the_control_workers_prune_once_a_period(settings: Any) -> None:
    from apps.ops.tasks import CLAIM, prune_once
    from apps.runtime.redis import client

    settings.PLAYGROUND_KEEP_RUNS_DAYS = 7
    client().delete(CLAIM)
    first, second = old_run(ended_days_ago=8), old_run(ended_days_ago=8)
    prune_once("control-a@host", 3600)
    assert not Run.objects.filter(pk=first.pk).exists()
    third = old_run(ended_days_ago=8)
    prune_once("control-b@host", 3600)  # another worker, the same period: already done
    assert Run.objects.filter(pk=third.pk).exists() and not Run.objects.filter(pk=second.pk).exists()
    client().delete(CLAIM)
