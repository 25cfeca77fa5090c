"""A run may take at most PLAYGROUND_MAX_RUN_WALL_S of wall time (400 naming the ceiling), and an
owner may have at most PLAYGROUND_MAX_RUNS_PER_OWNER runs going (429 with Retry-After)."""

from typing import Any

import pytest

from apps.engine.models import Run
from apps.ops.counters import read
from apps.runtime import keys
from apps.runtime.redis import client
from tests.conftest import Api
from tests.engine.test_runs_api import assert_errors, create, idle_run, start, tiny

pytestmark = pytest.mark.django_db


def test_a_run_longer_than_the_wall_time_ceiling_is_refused(api: Api, settings: Any) -> None:
    settings.PLAYGROUND_MAX_RUN_WALL_S = 60
    scenario = create(api, tiny())
    errors = assert_errors(start(api, scenario, {"duration_s": 30, "speed": 0.25}), 400, "$.duration_s")
    assert "at most 60 s of wall time" in errors[0]["message"] and "takes 120 s" in errors[0]["message"]
    errors = assert_errors(start(api, scenario, {"duration_s": 90, "speed": "max"}), 400, "$.duration_s")
    assert "90 s at max takes 90 s" in errors[0]["message"]  # max counts as 1×
    assert Run.objects.count() == 0


def test_an_owner_may_have_so_many_runs_going(api: Api, settings: Any, quota_settings: Any) -> None:
    settings.PLAYGROUND_MAX_RUNS_PER_OWNER = 1
    scenario = create(api, tiny())
    busy = idle_run(scenario["slug"])
    errors = assert_errors(start(api, scenario), 429)
    assert "already has 1 run going or waiting; an owner may have at most 1 at a time" in errors[0]["message"]
    response = start(api, scenario)
    assert int(response["Retry-After"]) >= 1
    assert read()["runs:server"] == 2  # counted as refused runs in /metrics

    client().set(f"{keys.prefix(busy.id)}stop", "1")  # a run being stopped no longer counts
    other = create(api, tiny())  # another owner is not affected either way
    idle_run(other["slug"])
    response = start(api, scenario)
    assert response.status_code == 201, response.content


def test_a_person_may_have_so_many_runs_going_whatever_their_scenarios(
    api: Api, settings: Any, quota_settings: Any
) -> None:
    settings.PLAYGROUND_MAX_RUNS_PER_CLIENT = 2
    settings.PLAYGROUND_MAX_RUNS_PER_OWNER = 10
    started = [start(api, create(api, tiny())) for _ in range(2)]
    assert [response.status_code for response in started] == [201, 201]
    third = create(api, tiny())
    errors = assert_errors(start(api, third), 429)
    assert "you already have 2 runs going or waiting; one person may have at most 2" in errors[0]["message"]
    assert int(start(api, third)["Retry-After"]) >= 1
    Run.objects.filter(pk=started[0].json()["run_id"]).update(status=Run.Status.FINISHED)  # one ended
    assert start(api, third).status_code == 201
