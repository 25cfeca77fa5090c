"""An ended run's audit log goes to the database after the run has ended (so Stop answers
within 2 s), in one transaction: until it is there the log is read from Redis, and a failure
stores nothing and says so in the summary."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import DatabaseError

from apps.engine import audit
from apps.engine.control import store_audit
from apps.engine.models import AuditEvent, Run
from apps.runtime import keys
from apps.runtime.redis import client
from tests.live.test_run_socket import idle_run

pytestmark = [pytest.mark.engine, pytest.mark.django_db]


def served(i: int) -> dict[str, Any]:
    return {"t": float(i), "node": "api", "kind": "served", "corr": f"r-{i}", "op": "Get"}


@pytest.fixture
def ended_run() -> Iterator[Run]:
    run = idle_run()
    client().rpush(keys.audit(run.id), *(json.dumps(served(i)) for i in range(2500)))
    Run.objects.filter(pk=run.id).update(status=Run.Status.STOPPED)
    yield run
    client().delete(keys.audit(run.id))


def test_the_log_is_read_from_redis_until_stored_then_from_the_database(ended_run: Run) -> None:
    summary = {"audit": {"stored": audit.to_store(ended_run.id), "limit": audit.MAX_STORED}}
    assert summary["audit"]["stored"] == 2500
    assert len(audit.entries(ended_run.id, kind="served")) == 2500  # from Redis: none stored yet
    store_audit(ended_run.id, summary)
    assert AuditEvent.objects.filter(run_id=ended_run.id).count() == 2500
    client().delete(keys.audit(ended_run.id))
    assert [e["corr"] for e in audit.entries(ended_run.id, corr="r-7")] == ["r-7"]  # from the database
    assert summary["audit"]["stored"] == 2500


def test_a_failed_store_keeps_nothing_half_written_and_the_summary_says_none(
    ended_run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = {"audit": {"stored": audit.to_store(ended_run.id), "limit": audit.MAX_STORED}}
    Run.objects.filter(pk=ended_run.id).update(summary=summary)
    calls = 0
    real = AuditEvent.objects.bulk_create

    def fail_second_batch(batch: list[AuditEvent], *args: Any, **kwargs: Any) -> list[AuditEvent]:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise DatabaseError("disk full")
        return real(batch, *args, **kwargs)

    monkeypatch.setattr(AuditEvent.objects, "bulk_create", fail_second_batch)
    store_audit(ended_run.id, summary)
    assert calls == 2
    assert AuditEvent.objects.filter(run_id=ended_run.id).count() == 0  # the first batch rolled back
    assert Run.objects.get(pk=ended_run.id).summary["audit"] == {"stored": 0, "limit": audit.MAX_STORED}
    assert len(audit.entries(ended_run.id)) == 2500  # still read from Redis meanwhile
