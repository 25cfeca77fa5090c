"""Find the limit through the API (docs/api.md, "Find the limit"): who may start and stop a
search, how every setting is checked, one search at a time, and how a search goes on from step
to step. The runs' ends are played here by hand (each run marked finished with a summary whose
p95 jumps past a known rate, then the engine's end handed to the search), so the search itself
is what is checked; tests/limits/test_limit_search.py runs one on the real workers."""

import copy
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.engine.models import Run
from apps.limits.models import LimitSearch
from apps.limits.services import advance_later, limit_advance
from apps.scenarios.models import Scenario
from tests.conftest import Api
from tests.engine.run_samples import sample_document, sample_summary

pytestmark = pytest.mark.django_db

BREAKS_ABOVE = 35.0  # req/s: the stand-in summaries' p95 is 2 s beyond this rate


def design() -> dict[str, Any]:
    """users (10 req/s) → lb → web → jobs → email, without its fault script."""
    doc = sample_document()
    doc["faults"] = []
    return doc


def create(api: Api, document: dict[str, Any] | None = None) -> dict[str, Any]:
    response = api.post("/api/scenarios/", document or design())
    assert response.status_code == 201, response.content
    created: dict[str, Any] = response.json()
    return created


def start(api: Api, scenario: dict[str, Any], body: Any = None, secret: str | None = "owner") -> Any:
    return api.post(
        f"/api/scenarios/{scenario['slug']}/limit/",
        body if body is not None else {},
        scenario["edit_secret"] if secret == "owner" else secret,
    )


def assert_errors(response: Any, status: int, path: str | None = None) -> list[dict[str, Any]]:
    assert response.status_code == status, response.content
    errors: list[dict[str, Any]] = response.json()["errors"]
    if path is not None:
        assert path in [e["path"] for e in errors], errors
    return errors


def finish(run_id: str, rate: float) -> None:
    """The run ends as the engine would end it: finished, with its summary stored."""
    summary = sample_summary(run_id=run_id)
    summary["requests"].update(failed=0, timed_out=0, rejected=0)
    if rate > BREAKS_ABOVE:
        summary["latency_ms"]["p95"] = 2000.0
        summary["nodes"]["web"]["latency_ms"]["p95"] = 1900.0
    Run.objects.filter(pk=run_id).update(status=Run.Status.FINISHED, ended_at=timezone.now(), summary=summary)
    limit_advance(run_id=run_id, status=Run.Status.FINISHED)


def test_a_search_goes_step_by_step_to_the_highest_sustained_rate(api: Api) -> None:
    scenario = create(api)
    answer = start(api, scenario, {"seconds": 5, "seeds": 2})
    assert answer.status_code == 201, answer.content
    url = answer.json()["url"]
    assert answer.json()["status"] == "running" and url == f"/api/limits/{answer.json()['limit_id']}/"

    state = api.get(url).json()
    assert state["steps"] == [] and state["current"]["factor"] == 1 and state["current"]["rate"] == 10
    assert state["current"]["seeds"] == {"done": 0, "of": 2} and not state["current"]["waiting"]
    first = Run.objects.get(pk=state["current"]["runs"][0]["run_id"])
    assert (first.seed, first.duration_s, first.speed) == (1, 5.0, None)  # speed "max"
    assert first.scenario is not None and first.scenario.slug != scenario["slug"]  # the search's own
    assert [n["props"]["rate"] for n in first.document["nodes"] if n["kind"] == "client"] == [10]

    finish(first.id, 10)
    state = api.get(url).json()
    assert state["current"]["seeds"] == {"done": 1, "of": 2} and len(state["current"]["runs"]) == 2
    assert Run.objects.get(pk=state["current"]["runs"][1]["run_id"]).seed == 2

    while state["status"] == "running":
        current = state["current"]
        finish(current["runs"][-1]["run_id"], current["rate"])
        state = api.get(url).json()

    assert state["status"] == "done", state
    assert [(s["factor"], s["rate"], s["held"]) for s in state["steps"]] == [
        (1, 10, True), (2, 20, True), (4, 40, False), (3, 30, True), (3.5, 35, True), (3.75, 37.5, False),
    ]  # fmt: skip
    failed = state["steps"][2]
    assert failed["failed_goals"] == ["p95 within 1 s"]
    p95 = next(goal for goal in failed["goals"] if goal["metric"] == "p95_ms")
    assert p95 | {"measured": 2000.0, "passed": False, "bound": 1000.0, "op": "at_most"} == p95
    assert all(len(step["runs"]) == 2 for step in state["steps"])
    assert failed["runs"][0]["report_url"] == f"/runs/{failed['runs'][0]['run_id']}/"
    result = state["result"]
    assert result["sustained_rate"] == 35 and result["sustained_factor"] == 3.5 and not result["capped"]
    assert result["base_rate"] == 10
    assert result["bottleneck"]["node"] == "web" and result["bottleneck"]["label"] == "Web"
    assert result["bottleneck"]["p95_ms"] == {"held": 45.3, "failed": 1900.0}
    assert state["current"] is None and state["ended_at"] and state["error"] == ""
    assert api.get(f"/api/scenarios/{scenario['slug']}/limit/").json()["latest"]["limit_id"] == state["limit_id"]


def test_a_run_that_fails_ends_the_search_with_why(api: Api) -> None:
    scenario = create(api)
    state = api.get(start(api, scenario, {"seeds": 1}).json()["url"]).json()
    run_id = state["current"]["runs"][0]["run_id"]
    Run.objects.filter(pk=run_id).update(status=Run.Status.FAILED, error="the workers went away")
    limit_advance(run_id=run_id, status=Run.Status.FAILED)
    state = api.get(state["url"]).json()
    assert state["status"] == "error" and "the workers went away" in state["error"] and state["result"] is None


def test_a_step_waits_for_room_and_starts_when_there_is(api: Api, settings: Any) -> None:
    settings.PLAYGROUND_MAX_RUNS = 1
    scenario = create(api)
    other = create(api)
    elsewhere = Scenario.objects.get(slug=other["slug"])  # the one run the server takes
    busy = Run(scenario=elsewhere, revision=1, document=design(), seed=1, speed=1.0, duration_s=3, status="running")
    busy.set_expiry()
    busy.save()
    answer = start(api, scenario, {"seeds": 1})
    assert answer.status_code == 201, answer.content  # accepted: the search waits for room
    state = api.get(answer.json()["url"]).json()
    assert state["status"] == "running" and state["current"]["waiting"] and state["current"]["runs"] == []

    Run.objects.filter(pk=busy.pk).update(status=Run.Status.FINISHED, ended_at=timezone.now())
    advance_later(answer.json()["limit_id"])  # what the retry task does a few seconds later
    state = api.get(answer.json()["url"]).json()
    assert not state["current"]["waiting"] and len(state["current"]["runs"]) == 1


def test_a_search_that_stopped_moving_on_frees_its_scenario(api: Api) -> None:
    scenario = create(api)
    first = start(api, scenario).json()
    run_id = api.get(first["url"]).json()["current"]["runs"][0]["run_id"]
    ended = timezone.now() - timedelta(minutes=10)  # and its end never reached the search
    Run.objects.filter(pk=run_id).update(status=Run.Status.FINISHED, ended_at=ended, summary=sample_summary())
    assert start(api, scenario).status_code == 201
    old = api.get(first["url"]).json()
    assert old["status"] == "error" and "stopped moving on" in old["error"]


def test_one_search_at_a_time_and_the_owner_may_stop_it(api: Api) -> None:
    scenario = create(api)
    first = start(api, scenario)
    assert first.status_code == 201
    busy = start(api, scenario)
    assert "running" in assert_errors(busy, 409)[0]["message"] and busy["Location"] == first.json()["url"]

    run_id = api.get(first.json()["url"]).json()["current"]["runs"][0]["run_id"]
    stopped = api.post(f"/api/limits/{first.json()['limit_id']}/stop/", {}, scenario["edit_secret"])
    assert stopped.status_code == 202 and stopped.json()["status"] == "stopped"
    assert Run.objects.get(pk=run_id).status == Run.Status.STOPPED  # it had not started: stopped at once
    assert_errors(api.post(f"/api/limits/{first.json()['limit_id']}/stop/", {}, scenario["edit_secret"]), 409)
    state = api.get(first.json()["url"]).json()
    assert state["status"] == "stopped" and state["current"] is None and state["result"] is None

    assert start(api, scenario).status_code == 201  # the scenario is free again


def test_only_the_owner_may_start_or_stop_a_search(api: Api, bob: Client, charlie: Client) -> None:
    scenario = create(api)
    viewer, stranger = Api(bob), Api(charlie)
    assert_errors(start(viewer, scenario, secret=None), 403)
    assert_errors(start(stranger, scenario, secret="not-the-secret"), 403)
    answer = start(api, scenario)
    assert answer.status_code == 201
    url = answer.json()["url"]
    assert viewer.get(url).json()["status"] == "running"  # anyone with the id may watch
    assert_errors(viewer.post(f"{url}stop/", {}), 403)
    assert LimitSearch.objects.get().status == LimitSearch.Status.RUNNING


def test_the_owners_session_starts_a_search_with_the_csrf_token(api: Api) -> None:
    scenario = create(api)
    browser = Client(enforce_csrf_checks=True)
    assert browser.get(scenario["edit_url"], follow=True).status_code == 200  # the session remembers it
    url = f"/api/scenarios/{scenario['slug']}/limit/"
    assert_errors(browser.post(url, "{}", content_type="application/json"), 403)
    token = browser.cookies["csrftoken"].value
    answer = browser.post(url, "{}", content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert answer.status_code == 201, answer.content


@pytest.mark.parametrize(
    ("body", "path", "words"),
    [
        ({"seconds": 2}, "$.seconds", "from 3 to 30"),
        ({"seconds": "10"}, "$.seconds", "a number"),
        ({"seeds": 4}, "$.seeds", "from 1 to 3"),
        ({"seeds": 1.5}, "$.seeds", "an integer"),
        ({"seeds": True}, "$.seeds", "an integer"),
        ({"colour": "red"}, "$.colour", "unknown field"),
        ({"goals": []}, "$.goals", "1 to 8"),
        ({"goals": "p95_ms<=100"}, "$.goals", "a list"),
        ({"goals": ["speed<=3"]}, "$.goals[0]", "METRIC"),
        ({"goals": [{"metric": "p95_ms", "node": "nope", "at_most": 5}]}, "$.goals[0].node", "no node 'nope'"),
        ({"goals": [{"metric": "fast", "at_most": 5}]}, "$.goals[0].metric", "one of"),
        ({"goals": [{"metric": "p95_ms", "at_most": 5, "at_least": 1}]}, "$.goals[0]", "exactly one bound"),
        ({"goals": [{"metric": "p95_ms", "at_most": "fast"}]}, "$.goals[0].at_most", "a number"),
        ({"goals": [{"metric": "lost", "node": "web", "at_most": 0}]}, "$.goals[0].node", "whole run's"),
        ({"goals": [{"metric": "p95_ms", "at_most": 5, "colour": 1}]}, "$.goals[0].colour", "unknown field"),
        ({"goals": [{"metric": "p95_ms", "at_most": 5, "name": ""}]}, "$.goals[0].name", "non-empty"),
        ([1, 2], "$", "a JSON object"),
    ],
)
def test_every_setting_is_checked_with_its_field_named(api: Api, body: Any, path: str, words: str) -> None:
    scenario = create(api)
    errors = assert_errors(start(api, scenario, body), 400, path)
    assert any(words in e["message"] for e in errors if e["path"] == path), errors
    assert not LimitSearch.objects.exists() and not Run.objects.exists()


def test_goals_are_text_or_objects_and_default_to_p95_and_failures(api: Api) -> None:
    scenario = create(api)
    body = {"goals": ["p95_ms:web <= 200", {"metric": "availability", "at_least": 0.99}], "seconds": 3, "seeds": 1}
    state = api.get(start(api, scenario, body).json()["url"]).json()
    assert state["goals"] == [
        {"name": "p95_ms:web <= 200", "metric": "p95_ms", "node": "web", "at_most": 200.0},
        {"name": "availability>=0.99", "metric": "availability", "at_least": 0.99},
    ]
    assert (state["seconds"], state["seeds"], state["max_steps"]) == (3.0, 1, 10)
    other = create(api)
    defaults = api.get(start(api, other).json()["url"]).json()
    assert [g["metric"] for g in defaults["goals"]] == ["p95_ms", "unsuccessful_share"]
    assert (defaults["seconds"], defaults["seeds"]) == (10.0, 2)


def test_a_scenario_without_traffic_and_unknown_ids(api: Api) -> None:
    quiet = copy.deepcopy(design())
    quiet["nodes"] = [n for n in quiet["nodes"] if n["kind"] != "client"]
    quiet["edges"] = [e for e in quiet["edges"] if e["from"] != "users"]
    assert_errors(start(api, create(api, quiet)), 400, "$.nodes")
    assert_errors(api.post("/api/scenarios/nosuch/limit/", {}, "x"), 404)
    assert_errors(api.get("/api/limits/nosuch/"), 404)
    assert_errors(api.post("/api/limits/nosuch/stop/", {}, "x"), 404)
    assert api.get(f"/api/scenarios/{create(api)['slug']}/limit/").json() == {"latest": None}
