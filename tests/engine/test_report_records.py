"""The run report's records: the CQRS and outbox sections shown readably, the "Trace an order"
box and the trace links from the unsuccessful requests (on the page, not in the export), and
the owner's "Rebuild by replay" button."""

from typing import Any

import pytest
from django.test import Client

from apps.engine.models import Run
from apps.scenarios.models import Scenario
from apps.scenarios.services import scenario_create
from tests.engine.run_samples import sample_document, sample_summary
from tests.engine.test_report_pages import stored_run, text

pytestmark = pytest.mark.django_db

CQRS = {
    "write_models": [{"node": "web", "bookings": 36, "double_bookings": 0}],
    "commands": {"accepted": 36, "declined": 2},
    "read_models": [
        {
            "node": "email", "projection": "availability", "rows": 36, "equals_replay": True,
            "equals_write_model": True, "stale_rows": [], "reads": 3560, "stale_reads": 12, "projected": 36,
            "lag_ms": {"p50": 201.0, "p95": 230.5, "max": 9800.0}, "lag_bound_ms": 200.0,
        }
    ],
    "reads": 3560,
    "writes": 36,
    "reads_per_write": 98.9,
}  # fmt: skip
EMAIL = {"node": "email", "corr": "r-7", "to": "c-1@example.com", "subject": "<b>Hi</b>", "at_s": 1.5}
OUTBOX = {"sent": 3, "latest": [EMAIL]}


def summary_with_records(run_id: str) -> dict[str, Any]:
    summary = sample_summary(run_id=run_id)
    summary.update(cqrs=CQRS, outbox=OUTBOX)
    summary["unsuccessful"] = [{"rid": "r-9", "outcome": "failed", "created_s": 5.5, "ended_s": 5.6}]
    return summary


@pytest.fixture
def owned() -> tuple[Scenario, str]:
    return scenario_create(document=sample_document())


def records_run(scenario: Scenario) -> Run:
    run = stored_run(scenario=scenario)
    run.summary = summary_with_records(run.id)
    run.save()
    return run


def test_cqrs_and_outbox_are_readable_sections(client: Client, owned: tuple[Scenario, str]) -> None:
    run = records_run(owned[0])
    html = text(client.get(f"/runs/{run.id}/"))
    assert 'data-testid="cqrs"' in html and 'data-testid="outbox"' in html
    assert '<dd data-key="double_bookings">0</dd>' in html and '<dd data-key="reads_per_write">98.9</dd>' in html
    assert '<td data-key="equals_replay"><span class="check check-ok">yes</span></td>' in html
    assert "201.0 ms" in html and "0.3 %" in html  # lag p50, stale reads' share
    assert "&lt;b&gt;Hi&lt;/b&gt;" in html and "<b>Hi</b>" not in html
    assert "By kind" not in html or "CQRS ·" not in html  # not the generic tables any more


def test_trace_box_and_links_on_the_page_not_in_the_export(client: Client, owned: tuple[Scenario, str]) -> None:
    run = records_run(owned[0])
    html = text(client.get(f"/runs/{run.id}/"))
    assert 'data-testid="trace-box"' in html
    assert f'data-trace-url="/api/runs/{run.id}/trace/{{corr}}/"' in html
    assert f'href="/api/runs/{run.id}/trace/r-9/" data-trace="r-9"' in html  # an unsuccessful request
    assert f'href="/api/runs/{run.id}/trace/r-7/" data-trace="r-7"' in html  # an email's order
    exported = text(client.get(f"/runs/{run.id}/export.html"))
    assert 'data-testid="trace-box"' not in exported and "data-trace=" not in exported
    assert 'data-testid="cqrs"' in exported


def test_only_the_owner_sees_rebuild_by_replay(client: Client, owned: tuple[Scenario, str]) -> None:
    scenario, secret = owned
    run = records_run(scenario)
    client.get(f"/s/{scenario.slug}/edit/{secret}/")  # the owner's browser claims the scenario
    assert f'data-rebuild-url="/api/runs/{run.id}/read-models/email/rebuild/"' in text(client.get(f"/runs/{run.id}/"))
    assert "data-rebuild-url" not in text(Client().get(f"/runs/{run.id}/"))  # a viewer with the link
