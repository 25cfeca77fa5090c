"""The run report page (/runs/<id>/) and its offline export (/runs/<id>/export.html), on runs
stored directly in the database (no fleet needed: the report only reads the stored run)."""

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.engine.models import Run
from apps.runtime.physics.availability import format_downtime_per_year
from apps.scenarios.models import Scenario
from apps.scenarios.services import scenario_create
from tests.engine.run_samples import HOSTILE_LABEL, sample_document, sample_series, sample_summary

pytestmark = pytest.mark.django_db


def stored_run(*, scenario: Scenario | None = None, **fields: Any) -> Run:
    """A run row as the control worker leaves it (finished, with the sample summary and series
    unless `fields` say otherwise)."""
    now = timezone.now()
    values: dict[str, Any] = {
        "scenario": scenario,
        "revision": 1 if scenario else None,
        "document": sample_document(),
        "seed": 42,
        "speed": 1.0,
        "duration_s": 20.0,
        "status": Run.Status.FINISHED,
        "started_at": now - timedelta(seconds=22),
        "ended_at": now,
        "series": sample_series(),
    }
    values.update(fields)
    run = Run(**values)
    if "summary" not in fields:
        run.summary = sample_summary(run_id=run.id)
    run.set_expiry(now)
    run.save()
    return run


@pytest.fixture
def owned() -> tuple[Scenario, str]:
    return scenario_create(document=sample_document())


def text(response: Any) -> str:
    return str(response.content.decode())


def ledger_value(html: str, key: str) -> str:
    match = re.search(rf'<dd data-key="{key}">([^<]*)</dd>', html)
    assert match, f"no ledger entry {key}"
    return match.group(1)


def test_page_shows_the_ledger_and_lost_zero(client: Client, owned: tuple[Scenario, str]) -> None:
    scenario, secret = owned
    run = stored_run(scenario=scenario)

    response = client.get(f"/runs/{run.id}/")

    assert response.status_code == 200
    html = text(response)
    assert ledger_value(html, "created") == "200"
    assert ledger_value(html, "completed") == "197"
    assert ledger_value(html, "failed") == "3"
    assert ledger_value(html, "in_flight") == "0"
    assert ledger_value(html, "lost") == "0"
    assert ledger_value(html, "duplicates") == "1"
    assert 'class="lost-badge lost-zero"' in html
    assert 'data-testid="lost-value">0<' in html
    # header, latency, availability in nines with the downtime it allows
    assert f'href="/s/{scenario.slug}/"' in html and "Queue behind a balanced web tier" in html
    assert "status-finished" in html and "<code>42</code>" in html
    assert "51.2 ms" in html or "51.3 ms" in html
    assert "98.50 %" in html and "1.82 nines" in html and format_downtime_per_year(0.985) in html
    # faults with detection and recovery, the node table, the kind-specific sections
    assert "kill instance" in html and "0.60 s" in html and "1.40 s" in html
    assert "Lb: load balancer shares" in html and "Jobs: mailboxes" in html and "Lb: health changes" in html
    assert "60.0 %" in html
    assert "Database" in html and "Outbox" in html and "SignedUp" in html
    # how fast it went, and that the workers held it back (the figures do not depend on it)
    assert 'data-testid="effective-speed">0.83×<' in html and 'data-testid="out-of-order">0<' in html
    assert "the workers are the limit" in html and "5,120" in html
    # the charts' data, and the export link
    embedded = re.search(r'id="run-report-data" type="application/json">(.*?)</script>', html, re.S)
    assert embedded, "no run-report-data"
    data = json.loads(embedded.group(1))
    assert len(data["series"]) == 40 and data["labels"]["web"] == "Web"
    assert f'href="/runs/{run.id}/export.html"' in html
    # never the edit secret
    assert secret not in html and scenario.edit_secret_hash not in html


def test_unknown_run_is_404(client: Client) -> None:
    assert client.get("/runs/nosuchrun0000000000/").status_code == 404
    assert client.get("/runs/nosuchrun0000000000/export.html").status_code == 404
    assert client.get("/runs/NOT-an-id!/").status_code == 404
    assert "Nothing here" in text(client.get("/runs/nosuchrun0000000000/"))


def test_export_is_one_self_contained_file(client: Client, owned: tuple[Scenario, str]) -> None:
    scenario, secret = owned
    run = stored_run(scenario=scenario)

    response = client.get(f"/runs/{run.id}/export.html")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert re.search(
        r'filename="run-report-queue-behind-a-balanced-web-tier-\d{4}-\d\d-\d\d-[a-z0-9]{8}\.html"', disposition
    )
    html = text(response)
    # nothing is fetched: no script/link/img sources at all, no stylesheet links, no imports
    assert not re.search(r"<script[^>]+\bsrc=", html)
    assert not re.search(r"<link\b", html)
    assert not re.search(r"<img\b", html)
    assert not re.search(r'\b(src|href)=["\']?(https?:)?//', html)
    assert "/static/" not in html
    # uPlot's code and styles, the report script and the styles are inlined
    assert "uPlot" in html and ".u-legend" in html and "function buildCharts" in html
    assert "--accent" in html and ".ledger-bar" in html
    # three scripts (the data, uPlot, the report), and nothing inlined ends one early
    assert html.count("<script") == 3 and html.lower().count("</script") == 3
    assert html.lower().count("</style") == 1
    assert ledger_value(html, "lost") == "0"
    assert secret not in html


def test_export_of_a_failed_run_without_series(client: Client) -> None:
    run = stored_run(status=Run.Status.FAILED, summary=None, series=[], error="ConnectionError: broker went away")
    response = client.get(f"/runs/{run.id}/export.html")
    assert response.status_code == 200
    assert "broker went away" in text(response)


def test_hostile_label_is_escaped(client: Client) -> None:
    run = stored_run(document=sample_document(web_label=HOSTILE_LABEL))

    for url in (f"/runs/{run.id}/", f"/runs/{run.id}/export.html"):
        html = text(client.get(url))
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in html  # the node table
        assert "\\u003Cscript\\u003Ealert" in html  # the chart data (json_script)


def test_running_run_links_to_the_live_view(client: Client, owned: tuple[Scenario, str]) -> None:
    scenario, _ = owned
    run = stored_run(scenario=scenario, status=Run.Status.RUNNING, summary=None, series=[], ended_at=None)

    html = text(client.get(f"/runs/{run.id}/"))

    assert 'data-testid="run-active"' in html and "This run is running" in html
    assert f'href="/s/{scenario.slug}/?run={run.id}"' in html
    assert "The charts appear once the run has ended." in html
    assert 'data-testid="lost"' not in html  # no summary yet: no lost figure to show


def test_failed_run_shows_its_error(client: Client) -> None:
    run = stored_run(status=Run.Status.FAILED, summary=None, error="RuntimeError: <b>worker died</b>")

    html = text(client.get(f"/runs/{run.id}/"))

    assert 'data-testid="run-error"' in html
    assert "RuntimeError: &lt;b&gt;worker died&lt;/b&gt;" in html
    assert "Deleted scenario" not in html and "Queue behind a balanced web tier" in html


def test_run_api_links_to_the_report(client: Client) -> None:
    run = stored_run()
    assert client.get(f"/api/runs/{run.id}/").json()["report_url"] == f"/runs/{run.id}/"
