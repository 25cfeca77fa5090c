"""A third-party API on real workers: its rate limit (429), its outages, and a breaker in front.

A checkout service calls the API for every request. The API serves any number of calls at
once, but its token bucket admits `rate_limit_per_s` a second (plus a `burst`); the rest are
refused at once with 429 and counted as throttled. A killed API fails every call until it is
restored; a circuit breaker on the calling edge then stops the calls reaching it at all.
"""

from typing import Any

import pytest

from apps.engine.simulation import prepare, simulate
from apps.runtime.fleet import Fleet
from tests.engine.live.conftest import assert_conserved

DURATION_S = 6.0


def design(*, rate: float, limit: float, burst: int, breaker: bool = False) -> dict[str, Any]:
    return {
        "format": "architecture-playground/topology",
        "version": 1,
        "name": "External API",
        "nodes": [
            {"id": "users", "kind": "client", "props": {"rate": rate, "commands": ["Pay"], "timeout_ms": 3000}},
            {
                "id": "checkout",
                "kind": "service",
                "props": {"replicas": 1, "concurrency": 32, "latency": {"mean_ms": 5}},
            },
            {
                "id": "psp",
                "kind": "external_api",
                "props": {
                    "rate_limit_per_s": limit,
                    "burst": burst,
                    "latency": {"distribution": "fixed", "mean_ms": 40},
                },
            },
        ],
        "edges": [
            {"id": "users-checkout", "from": "users", "to": "checkout"},
            {
                "id": "checkout-psp",
                "from": "checkout",
                "to": "psp",
                "props": {
                    "timeout_ms": 500,
                    "circuit_breaker": {"enabled": breaker, "failure_threshold": 5, "reset_timeout_s": 10},
                },
            },
        ],
        "run": {"duration_s": DURATION_S, "seed": 7, "speed": "max"},
    }


def run(document: dict[str, Any], faults: list[str] | None = None) -> dict[str, Any]:
    return simulate(prepare(document, settings=[], faults=faults or []), drain_timeout_s=60)


@pytest.fixture(scope="module")
def throttled_run(fleet: Fleet) -> dict[str, Any]:
    return run(design(rate=40, limit=10, burst=5))


def test_calls_beyond_the_rate_limit_are_refused_with_429(throttled_run: dict[str, Any]) -> None:
    assert_conserved(throttled_run)
    api = throttled_run["nodes"]["psp"]["external_api"]
    assert api["calls"] == throttled_run["nodes"]["psp"]["processed"]
    admitted = api["calls"] - api["throttled"]
    # The bucket admits its burst, then 10 a second: about 5 + 10 x 6 of some 240 calls.
    assert 5 + 10 * DURATION_S * 0.8 <= admitted <= 5 + 10 * DURATION_S + 1, api
    assert api["throttled"] > api["calls"] / 2
    assert api["errors"] == 0  # throttling is not an error of the API
    requests = throttled_run["requests"]
    assert requests["rejected"] == api["throttled"]  # the client sees a 429 as a rejection
    assert requests["completed"] == admitted


def test_throttled_calls_fail_fast(throttled_run: dict[str, Any]) -> None:
    # Admitted calls take the API's 40 ms; refused ones are answered at once, so the API's
    # median latency is ~0 while its worst is its own latency.
    latency = throttled_run["nodes"]["psp"]["latency_ms"]
    assert latency["p50"] < 5
    assert 35 <= latency["max"] <= 60


def test_under_the_limit_nothing_is_throttled(fleet: Fleet) -> None:
    summary = run(design(rate=5, limit=20, burst=10))
    assert_conserved(summary)
    api = summary["nodes"]["psp"]["external_api"]
    assert api["calls"] > 15 and api["throttled"] == 0
    assert summary["requests"]["completed"] == summary["requests"]["created"]


def test_an_outage_fails_calls_and_a_breaker_stops_them_reaching_the_api(fleet: Fleet) -> None:
    faults = ["kill_instance psp at=2 for=2"]
    bare = run(design(rate=20, limit=100, burst=50), faults)
    guarded = run(design(rate=20, limit=100, burst=50, breaker=True), faults)
    for summary in (bare, guarded):
        assert_conserved(summary)
        assert summary["requests"]["failed"] > 0
        late = [item for item in summary["unsuccessful"] if item["created_s"] > 4.2]
        if summary is bare:
            assert not late, late  # restored at 4 s: calls succeed again
    # Without a breaker, every call during the 2 s outage reaches the dead API and fails there.
    bare_api, guarded_api = bare["nodes"]["psp"], guarded["nodes"]["psp"]
    assert bare_api["external_api"]["errors"] >= 20
    # With one, 5 failures open it and the rest fail fast at the caller (never sent).
    assert guarded_api["external_api"]["errors"] <= 6
    assert guarded_api["external_api"]["calls"] < bare_api["external_api"]["calls"]
    assert guarded["nodes"]["checkout"]["breakers"]["checkout-psp"]


def test_added_latency_and_error_rate_reach_the_api(fleet: Fleet) -> None:
    summary = run(
        design(rate=10, limit=100, burst=50),
        ["add_latency psp at=1 for=2 latency_ms=100", "set_error_rate psp at=3 for=2 error_rate=1"],
    )
    assert_conserved(summary)
    api = summary["nodes"]["psp"]
    assert api["latency_ms"]["max"] >= 135  # 40 ms of its own + 100 ms added
    assert api["external_api"]["errors"] >= 10  # two seconds of every call failing at 10/s
    assert api["external_api"]["throttled"] == 0


def test_error_bursts_fail_the_api_in_storms(fleet: Fleet) -> None:
    summary = run(design(rate=20, limit=100, burst=50), ["error_burst psp at=0 error_rate=1"])
    assert_conserved(summary)
    # Storms of 2 s in every 5 from 0 s: calls fail in 0–2 s and 5–6 s, none in 2–5 s.
    failed = {int(p["t"]): p["requests"]["failed"] for p in summary["timeline"]}
    assert failed[1] > 10 and failed[2] > 15 and failed[6] > 15, failed
    assert failed[3] == failed[4] == failed[5] == 0, failed
    assert summary["nodes"]["psp"]["external_api"]["errors"] == summary["requests"]["failed"]
