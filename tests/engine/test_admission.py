"""Runs are admitted by what they need against what the fleet carries; a run that does not fit
waits with the reason and an estimate of when it can start; a stopped run frees its share at
once; the hard cap refuses with when to try again."""

from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest

from apps.engine import admission
from apps.engine.models import Run
from apps.runtime import keys
from apps.runtime.capacity import Capacity
from apps.runtime.redis import client
from tests.conftest import Api
from tests.engine.test_runs_api import create, start, tiny

pytestmark = pytest.mark.django_db


@pytest.fixture
def fleet_of(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Set what the fleet measures (processes × events per second of one)."""
    measured = mock.create_autospec(admission.measure)

    def set_capacity(processes: int, rate: float) -> None:
        measured.return_value = Capacity(processes, rate, True)

    set_capacity(2, 1000.0)
    monkeypatch.setattr(admission, "measure", measured)
    yield set_capacity


def going(scenario: Any, *, demand: float, applied_s: float = 0.0, speed: float | None = 1.0) -> Run:
    """A run that is going, needing `demand` events/s, with `applied_s` of its 20 s done."""
    run = Run(scenario=None, document={}, seed=1, speed=speed, duration_s=20, status=Run.Status.RUNNING, demand=demand)
    run.set_expiry()
    run.save()
    client().hset(keys.clock(run.id), mapping={"applied": applied_s * 1000, "end": 20_000, "demand": demand})
    return run


def waiting_run(demand: float) -> Run:
    run = Run(scenario=None, document={}, seed=1, speed=1, duration_s=20, demand=demand)
    run.set_expiry()
    run.save()
    return run


def test_a_run_alone_always_starts(fleet_of: Any) -> None:
    fleet_of(1, 10.0)  # a tiny fleet: the run just goes slower, and says so
    decision = admission.decide(run=waiting_run(demand=5_000))
    assert decision.admit


def test_a_run_that_fits_starts_one_that_does_not_waits_with_the_reason_and_when(fleet_of: Any) -> None:
    fleet_of(2, 1000.0)  # 2,000 events/s; runs may need 1,600 together
    first = going(None, demand=900, applied_s=15)  # 5 run seconds left at 1×
    second = going(None, demand=500, applied_s=5)  # 15 left
    small = waiting_run(demand=150)
    assert admission.decide(run=small).admit
    small.delete()  # (an admitted run counts from then on: here it never started)

    decision = admission.decide(run=waiting_run(demand=400))
    assert not decision.admit
    assert "2,000 events/s" in decision.reason and "1,400" in decision.reason and "400" in decision.reason
    # It fits once the first run (5 s to go, plus its drain) has ended.
    assert decision.start_in_s == pytest.approx(5 + admission.DRAIN_ALLOWANCE_S, abs=0.5)
    assert set(decision.blocking) == {first.id, second.id}
    assert decision.waiting()["capacity"]["events_per_s"] == 2000


def test_a_stopped_run_frees_its_share_at_once(fleet_of: Any) -> None:
    fleet_of(2, 1000.0)
    heavy = going(None, demand=1500)
    candidate = waiting_run(demand=400)
    assert not admission.decide(run=candidate).admit
    client().set(f"{keys.prefix(heavy.id)}stop", "1")
    assert admission.decide(run=candidate).admit


def test_runs_waiting_start_oldest_first(fleet_of: Any) -> None:
    fleet_of(2, 1000.0)
    going(None, demand=1000)
    older = waiting_run(demand=500)
    older.waiting = {"reason": "…"}
    older.save()
    newer = waiting_run(demand=500)
    assert not admission.decide(run=newer).admit  # 1,000 going + 500 waiting before it + 500 > 1,600


def test_a_max_run_counts_as_if_at_its_ceiling_of_one(fleet_of: Any) -> None:
    fleet_of(2, 1000.0)
    going(None, demand=700, speed=None)
    assert admission.decide(run=waiting_run(demand=800)).admit
    assert not admission.decide(run=waiting_run(demand=1000)).admit


def test_the_api_says_a_run_waits_and_the_hard_cap_says_when_to_retry(fleet_of: Any, api: Api, settings: Any) -> None:
    fleet_of(1, 50.0)  # 40 events/s usable
    scenario = create(api, tiny())
    going(None, demand=30, applied_s=10)
    response = start(api, scenario)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "queued"
    assert body["waiting"]["reason"].startswith("the workers carry about 50 events/s (1 worker process)")
    assert body["waiting"]["start_in_s"] == pytest.approx(10 + admission.DRAIN_ALLOWANCE_S, abs=1)
    assert api.get(body["url"]).json()["waiting"]["demand"] == body["waiting"]["demand"]

    settings.PLAYGROUND_MAX_RUNS = 2
    refused = start(api, scenario)
    assert refused.status_code == 429
    assert "at most 2" in refused.json()["errors"][0]["message"]
    assert "due to end in about" in refused.json()["errors"][0]["message"]
    assert int(refused["Retry-After"]) >= 1
