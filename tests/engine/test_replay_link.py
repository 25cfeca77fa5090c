"""The report's "Replay on the canvas" link: to the scenario's page told the run
(`/s/<slug>/?run=<id>`), for a run that has ended with a stored series; the editor's live
view gets the series' address."""

import pytest
from django.test import Client

from apps.engine.models import Run
from apps.scenarios.services import scenario_create
from tests.engine.run_samples import sample_document
from tests.engine.test_report_pages import stored_run

pytestmark = pytest.mark.django_db


def test_a_finished_run_links_to_its_replay_on_the_canvas(client: Client) -> None:
    scenario, _ = scenario_create(document=sample_document())
    run = stored_run(scenario=scenario)

    html = client.get(f"/runs/{run.id}/").content.decode()

    assert f'href="/s/{scenario.slug}/?run={run.id}" data-testid="replay-link"' in html


@pytest.mark.parametrize(
    "fields",
    [{"status": Run.Status.RUNNING, "ended_at": None, "summary": None}, {"series": []}],
    ids=["still running", "no series"],
)
def test_no_replay_link_without_a_timeline_to_replay(client: Client, fields: dict[str, object]) -> None:
    scenario, _ = scenario_create(document=sample_document())
    run = stored_run(scenario=scenario, **fields)

    html = client.get(f"/runs/{run.id}/").content.decode()

    assert 'data-testid="replay-link"' not in html


def test_a_run_without_its_scenario_has_no_replay_link(client: Client) -> None:
    run = stored_run(scenario=None)

    assert 'data-testid="replay-link"' not in client.get(f"/runs/{run.id}/").content.decode()


def test_the_editor_is_told_where_a_runs_series_is(client: Client) -> None:
    scenario, _ = scenario_create(document=sample_document())

    html = client.get(f"/s/{scenario.slug}/").content.decode()

    assert '"series_url": "/api/runs/{id}/series/"' in html
