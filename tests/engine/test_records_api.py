"""What a run recorded, through the API: the audit log, an order's trace, the CQRS models,
the outbox and a rebuild by replay (rows written directly: no fleet needed)."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.domain.models import Booking, OutboxEmail, ProjectionRow
from apps.engine.models import AuditEvent, Run
from apps.library.services import SCENARIOS_DIR
from apps.scenarios.services import scenario_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned_run() -> tuple[Run, str]:
    import json

    document = json.loads((SCENARIOS_DIR / "cqrs-reservations.json").read_text())
    scenario, secret = scenario_create(document=document)
    now = timezone.now()
    run = Run(
        scenario=scenario, revision=1, document=document, seed=1, speed=1.0, duration_s=10, status="finished",
        started_at=now - timedelta(seconds=11), ended_at=now,
    )  # fmt: skip
    run.set_expiry(now)
    run.save()
    log: list[dict[str, Any]] = [
        {"t": 0.0, "node": "users", "kind": "request", "corr": "r1", "detail": {"op": "ReserveSlot"}},
        {"t": 41.0, "node": "reservations", "kind": "served", "corr": "r1", "detail": {"op": "ReserveSlot"}},
        {"t": 41.0, "node": "bus", "kind": "published", "corr": "r1",
         "detail": {"event": "SlotReserved", "data": {"slot": 3, "booked_by": "r1"}}},
        {"t": 48.0, "node": "users", "kind": "outcome", "corr": "r1", "detail": {"outcome": "completed"}},
        {"t": 50.0, "node": "users", "kind": "request", "corr": "r2", "detail": {"op": "GetAvailability"}},
    ]  # fmt: skip
    AuditEvent.objects.bulk_create(
        AuditEvent(run_id=run.id, seq=i, t_ms=entry.pop("t"), **entry) for i, entry in enumerate(log)
    )
    Booking.objects.create(run_id=run.id, node="reservations", slot=3, booked_by="r1", at_ms=41.0)
    Booking.objects.create(run_id=run.id, node="reservations", slot=5, booked_by="r9", at_ms=45.0)
    ProjectionRow.objects.create(
        run_id=run.id, node="availability", key="slot-3", value={"booked_by": "r1"}, event_at_ms=41, applied_at_ms=241
    )
    OutboxEmail.objects.create(
        run_id=run.id, node="mail", corr="r1", to="c1@example.com", subject="Hi", body="", at_ms=9
    )
    return run, secret


def test_an_order_is_traced_across_services_in_time_order(client: Client, owned_run: tuple[Run, str]) -> None:
    run, _ = owned_run
    body = client.get(f"/api/runs/{run.id}/trace/r1/").json()
    assert [step["kind"] for step in body["steps"]] == ["request", "served", "published", "outcome"]
    assert [step["at_ms"] for step in body["steps"]] == [0.0, 41.0, 41.0, 48.0]
    assert body["outcome"] == "completed" and body["nodes"] == ["users", "reservations", "bus"]
    assert client.get(f"/api/runs/{run.id}/trace/nope/").status_code == 404
    assert client.get(f"/api/runs/{run.id}/trace/%3Cscript%3E/").status_code == 400


def test_the_event_log_filters_by_kind_and_order(client: Client, owned_run: tuple[Run, str]) -> None:
    run, _ = owned_run
    assert client.get(f"/api/runs/{run.id}/events/").json()["total"] == 5
    requests = client.get(f"/api/runs/{run.id}/events/?kind=request&limit=1").json()
    assert requests["total"] == 2 and [e["corr"] for e in requests["events"]] == ["r2"]
    assert client.get(f"/api/runs/{run.id}/events/?limit=x").status_code == 400
    assert client.get(f"/api/runs/{run.id}/events/?kind=DROP%20TABLE").status_code == 400


def test_cqrs_rows_side_by_side_mark_what_the_read_model_lacks(client: Client, owned_run: tuple[Run, str]) -> None:
    run, _ = owned_run
    (model,) = client.get(f"/api/runs/{run.id}/cqrs/").json()["read_models"]
    assert model["node"] == "availability"
    rows = {row["key"]: row for row in model["rows"]}
    assert rows["slot-3"]["stale"] is False and rows["slot-3"]["lag_ms"] == 200.0
    assert rows["slot-5"]["stale"] is True and rows["slot-5"]["read"] is None
    outbox = client.get(f"/api/runs/{run.id}/outbox/").json()
    assert outbox["sent"] == 1 and outbox["latest"][0]["to"] == "c1@example.com"


def test_rebuilding_a_read_model_replays_the_published_events(client: Client, owned_run: tuple[Run, str]) -> None:
    run, secret = owned_run
    url = f"/api/runs/{run.id}/read-models/availability/rebuild/"
    assert client.post(url).status_code == 403
    response = client.post(url, HTTP_X_EDIT_SECRET=secret)
    assert response.status_code == 200
    assert response.json() == {
        "run_id": run.id,
        "node": "availability",
        "rows_before": 1,
        "rows_after": 1,
        "equal": True,
    }
    assert client.post(f"/api/runs/{run.id}/read-models/gateway/rebuild/", HTTP_X_EDIT_SECRET=secret).status_code == 404


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("limit=-1", "limit"), ("limit=0", "limit"), ("limit=501", "limit"), ("limit=1.5", "limit"),
        ("limit=x", "limit"), ("offset=10", "offset"), ("limit=2&page=3", "page"),
    ],
)  # fmt: skip
def test_a_bad_event_query_is_a_400_naming_the_parameter(
    client: Client, owned_run: tuple[Run, str], query: str, name: str
) -> None:
    run, _ = owned_run
    response = client.get(f"/api/runs/{run.id}/events/?{query}")
    assert response.status_code == 400
    [problem] = response.json()["errors"]
    assert problem["path"] == name and name in problem["message"]


def test_the_event_limit_takes_the_latest(client: Client, owned_run: tuple[Run, str]) -> None:
    run, _ = owned_run
    assert len(client.get(f"/api/runs/{run.id}/events/?limit=500").json()["events"]) == 5
    assert len(client.get(f"/api/runs/{run.id}/events/?limit=2").json()["events"]) == 2
    assert len(client.get(f"/api/runs/{run.id}/events/?kind=&corr=&limit=").json()["events"]) == 5
