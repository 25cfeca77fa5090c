"""Runs through the JSON API (docs/api.md "Runs"), on the real fleet: a control worker drives
each run (queue `control`) and an engine worker applies its hops (queue `engine`)."""

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.engine.models import Run
from apps.runtime import keys
from apps.runtime.fleet import Fleet, ensure_fleet
from apps.runtime.redis import client
from apps.topology.blank import blank_document
from tests.conftest import Api
from tests.factories import edge, node

pytestmark = [pytest.mark.engine, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def fleet(django_db_setup: None) -> Iterator[Fleet]:
    """An engine worker and a control worker on the test database (started unless running)."""
    running = ensure_fleet(control=True)
    yield running
    running.stop()


def tiny(duration_s: float = 3) -> dict[str, Any]:
    """A client at 5 requests/s calling one service."""
    doc = blank_document(name="Tiny")
    doc["nodes"] = [node("users", "client", 0, 0, rate=5), node("api", "service", 200, 0, replicas=1)]
    doc["edges"] = [edge("e1", "users", "api")]
    doc["run"] = {"duration_s": duration_s, "seed": 7, "speed": 1}
    return doc


def with_queue(duration_s: float = 4) -> dict[str, Any]:
    """client → service → queue → consumer: something for stop_consumer to stop."""
    doc = blank_document(name="Queued")
    doc["nodes"] = [
        node("users", "client", 0, 0, rate=5),
        node("api", "service", 200, 0, replicas=1, publishes=["JobQueued"]),
        node("jobs", "queue", 400, 0),
        node("worker", "service", 600, 0, replicas=1, latency={"mean_ms": 20}),
    ]
    doc["edges"] = [edge("e1", "users", "api"), edge("e2", "api", "jobs"), edge("e3", "jobs", "worker")]
    doc["run"] = {"duration_s": duration_s, "seed": 7, "speed": 1}
    return doc


def create(api: Api, document: dict[str, Any]) -> dict[str, Any]:
    response = api.post("/api/scenarios/", document)
    assert response.status_code == 201, response.content
    created: dict[str, Any] = response.json()
    return created


def start(api: Api, scenario: dict[str, Any], body: Any = None) -> Any:
    return api.post(f"/api/scenarios/{scenario['slug']}/runs/", body, secret=scenario["edit_secret"])


def wait_for(api: Api, run_id: str, statuses: tuple[str, ...], timeout_s: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        response = api.get(f"/api/runs/{run_id}/")
        assert response.status_code == 200, response.content
        state: dict[str, Any] = response.json()
        if state["status"] in statuses:
            return state
        assert time.monotonic() < deadline, f"run still {state['status']} after {timeout_s} s"
        time.sleep(0.1)


def assert_errors(response: Any, status: int, path: str | None = None) -> list[dict[str, Any]]:
    assert response.status_code == status, response.content[:500]
    errors: list[dict[str, Any]] = response.json()["errors"]
    assert errors and all(e["path"].startswith("$") and e["message"] for e in errors)
    if path is not None:
        assert path in [e["path"] for e in errors], errors
    return errors


def idle_run(scenario_slug: str, **fields: Any) -> Run:
    """A run row that no worker drives (for permission and cap checks)."""
    from apps.scenarios.selectors import scenario_get

    scenario = scenario_get(slug=scenario_slug)
    assert scenario is not None
    run = Run(scenario=scenario, revision=1, document=scenario.document, seed=1, speed=1.0, duration_s=3)
    run.set_expiry()
    for name, value in {"status": Run.Status.RUNNING, **fields}.items():
        setattr(run, name, value)
    run.save()
    return run


# --- a whole run ---------------------------------------------------------------------------


def test_owner_runs_a_scenario_to_its_summary(fleet: Fleet, api: Api) -> None:
    scenario = create(api, tiny())
    response = start(api, scenario, {"seed": 11})
    assert response.status_code == 201, response.content
    started = response.json()
    run_id = started["run_id"]
    assert started["status"] == "queued" and started["stream"] == f"/ws/runs/{run_id}/"

    state = wait_for(api, run_id, ("finished", "stopped", "failed"))
    assert state["status"] == "finished", state["error"]
    assert state["scenario"] == scenario["slug"] and state["revision"] == 1 and state["seed"] == 11
    assert state["started_at"] and state["ended_at"] and state["live"] is None
    summary = state["summary"]
    assert summary["lost"] == 0 and summary["drained"]
    assert summary["requests"]["created"] > 0
    assert summary["requests"]["completed"] == summary["requests"]["created"]
    assert summary["run"] == {"id": run_id, "duration_s": 3.0, "seed": 11, "speed": 1.0, "stopped": False}

    series = api.get(f"/api/runs/{run_id}/series/").json()["points"]
    times = [point["t"] for point in series]
    # A point at every half second of run time, exactly (whatever the run's speed), then the last.
    assert times[:-1] == [0.5 * i for i in range(1, len(times))]
    assert times[-1] >= 3.0
    assert series[-1]["requests"]["created"] == summary["requests"]["created"]
    assert summary["clock"]["speed"] == "1×" and summary["clock"]["out_of_order"]["events"] == 0
    assert not list(client().scan_iter(match=keys.prefix(run_id) + "*"))  # released


def test_a_live_fault_is_fired_and_undone(fleet: Fleet, api: Api) -> None:
    scenario = create(api, with_queue(duration_s=4))
    run_id = start(api, scenario).json()["run_id"]
    wait_for(api, run_id, ("running",))
    url = f"/api/runs/{run_id}/faults/"
    fault = {"action": "stop_consumer", "target": "worker", "duration_s": 1}
    response = api.post(url, fault, secret=scenario["edit_secret"])
    assert response.status_code == 202, response.content

    state = wait_for(api, run_id, ("finished", "stopped", "failed"))
    assert state["status"] == "finished", state["error"]
    summary = state["summary"]
    fired = [f for f in summary["faults"] if f["action"] == "stop_consumer"]
    assert len(fired) == 1 and fired[0]["live"] is True and fired[0]["target"] == "worker"
    assert fired[0]["undone_at_s"] - fired[0]["fired_at_s"] == pytest.approx(1.0, abs=0.3)
    assert summary["lost"] == 0
    assert summary["messages"]["delivered"] == summary["messages"]["published"] > 0


def test_stop_ends_a_run_early(fleet: Fleet, api: Api) -> None:
    scenario = create(api, tiny(duration_s=60))
    run_id = start(api, scenario).json()["run_id"]
    wait_for(api, run_id, ("running",))
    time.sleep(0.5)
    response = api.post(f"/api/runs/{run_id}/stop/", secret=scenario["edit_secret"])
    assert response.status_code == 202, response.content
    stopped_at = time.monotonic()
    assert client().exists(f"{keys.prefix(run_id)}stop")  # admission no longer counts it

    state = wait_for(api, run_id, ("finished", "stopped", "failed"), timeout_s=30)
    # Traffic stops at once, what is in flight has a moment, then the results are stored.
    assert time.monotonic() - stopped_at < 10
    assert state["status"] == "stopped", state["error"]
    assert state["summary"]["run"]["stopped"] is True and state["summary"]["lost"] == 0
    ran = Run.objects.get(pk=run_id)
    assert ran.ended_at and ran.started_at and (ran.ended_at - ran.started_at).total_seconds() < 20

    again = api.post(f"/api/runs/{run_id}/stop/", secret=scenario["edit_secret"])
    assert_errors(again, 409)
    fault = {"action": "stop_consumer", "target": "api"}
    assert_errors(api.post(f"/api/runs/{run_id}/faults/", fault, scenario["edit_secret"]), 409)


# --- who may do what -----------------------------------------------------------------------


def test_a_stranger_may_watch_but_not_start_stop_or_fire(api: Api, charlie: Client) -> None:
    scenario = create(api, tiny())
    run = idle_run(scenario["slug"])
    stranger = Api(charlie)
    assert_errors(stranger.post(f"/api/scenarios/{scenario['slug']}/runs/", {}), 403)
    assert_errors(stranger.post(f"/api/scenarios/{scenario['slug']}/runs/", {}, secret="not-the-secret"), 403)
    assert_errors(stranger.post(f"/api/runs/{run.id}/stop/", {}), 403)
    fault = {"action": "stop_consumer", "target": "api"}
    assert_errors(stranger.post(f"/api/runs/{run.id}/faults/", fault, secret="not-the-secret"), 403)
    assert stranger.get(f"/api/runs/{run.id}/").json()["status"] == "running"
    assert Run.objects.count() == 1 and not client().exists(keys.faults(run.id))


def test_a_run_whose_scenario_is_gone_has_no_owner(api: Api) -> None:
    scenario = create(api, tiny())
    run = idle_run(scenario["slug"])
    Run.objects.filter(pk=run.pk).update(scenario=None)
    assert_errors(api.post(f"/api/runs/{run.id}/stop/", {}, secret=scenario["edit_secret"]), 403)
    assert api.get(f"/api/runs/{run.id}/").json()["scenario"] is None


def test_unknown_runs_and_scenarios_are_404(api: Api) -> None:
    assert_errors(api.get("/api/runs/nosuchrun/"), 404)
    assert_errors(api.get("/api/runs/NOT-AN-ID!/"), 404)
    assert_errors(api.post("/api/runs/nosuchrun/stop/", {}, secret="x"), 404)
    assert_errors(api.post("/api/scenarios/nosuchscenario/runs/", {}, secret="x"), 404)


# --- the cap and the checks ----------------------------------------------------------------


def test_the_cap_refuses_with_429(api: Api, settings: Any) -> None:
    settings.PLAYGROUND_MAX_RUNS = 1
    scenario = create(api, tiny())
    busy = idle_run(scenario["slug"])
    errors = assert_errors(start(api, scenario), 429)
    assert "at most 1" in errors[0]["message"]
    assert Run.objects.count() == 1

    # A run long past its end (its control worker died) no longer holds a slot.
    Run.objects.filter(pk=busy.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Run.objects.active().count() == 0


def test_start_settings_are_checked(api: Api) -> None:
    scenario = create(api, tiny())
    assert_errors(start(api, scenario, {"speed": 100}), 400, "$.speed")
    assert_errors(start(api, scenario, {"duration_s": 0}), 400, "$.duration_s")
    assert_errors(start(api, scenario, {"seed": "seven"}), 400, "$.seed")
    assert_errors(start(api, scenario, {"seed": True}), 400, "$.seed")
    assert_errors(start(api, scenario, {"colour": "red"}), 400, "$")
    assert_errors(start(api, scenario, [1, 2]), 400, "$")
    assert_errors(start(api, scenario, "{not json"), 400, "$")
    assert Run.objects.count() == 0


def test_live_faults_are_checked_like_scheduled_ones(api: Api) -> None:
    scenario = create(api, tiny())
    run = idle_run(scenario["slug"])
    url, secret = f"/api/runs/{run.id}/faults/", scenario["edit_secret"]
    assert_errors(api.post(url, {"action": "explode", "target": "api"}, secret), 400, "$.action")
    assert_errors(api.post(url, {"action": "kill_instance", "target": "nope"}, secret), 400, "$.target")
    assert_errors(api.post(url, {"action": "kill_instance", "target": "api", "instance": 5}, secret), 400, "$.instance")
    assert_errors(api.post(url, {"action": "traffic_spike", "target": "api", "factor": 2}, secret), 400, "$.target")
    assert_errors(api.post(url, {"action": "cut_edge", "target": "e1", "colour": 1}, secret), 400)
    assert_errors(api.post(url, ["kill_instance"], secret), 400, "$")
    assert not client().exists(keys.faults(run.id))

    response = api.post(url, {"action": "kill_instance", "target": "api", "instance": 0, "at_s": 99}, secret)
    assert response.status_code == 202, response.content
    assert response.json()["fault"]["at_s"] == 0  # live faults fire now
    assert client().llen(keys.faults(run.id)) == 1
    client().delete(keys.faults(run.id), keys.prefix(run.id) + "live-faults")
