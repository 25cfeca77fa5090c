"""The rate limiter on the live engine: the excess of a spike gets 429 at once, and only the
admitted calls reach the service behind it."""

from typing import Any

from apps.engine.simulation import prepare, simulate
from apps.topology.blank import blank_document
from tests.engine.live.conftest import assert_conserved
from tests.factories import edge, node

DURATION_S = 4


def limited(*, clients: int = 100, faults: list[dict[str, Any]] | None = None, **limiter: Any) -> dict[str, Any]:
    document = blank_document(name="Rate limiter")
    document["nodes"] = [
        node("users", "client", 0, 0, rate=40, clients=clients, commands=["Search"]),
        node("limiter", "rate_limiter", 200, 0, **limiter),
        node("api", "service", 400, 0, replicas=1, concurrency=16, latency={"mean_ms": 5}),
    ]
    document["edges"] = [edge("e1", "users", "limiter"), edge("e2", "limiter", "api")]
    document["faults"] = faults or []
    return prepare(document, settings=[], faults=[], duration=DURATION_S, seed=7, speed="max")


def check_split(summary: dict[str, Any]) -> dict[str, Any]:
    """Every request was admitted (and served) or throttled (and rejected by its client)."""
    assert_conserved(summary)
    section = summary["nodes"]["limiter"]["rate_limiter"]
    requests = summary["requests"]
    assert section["admitted"] + section["throttled"] == requests["created"]
    assert requests["rejected"] == section["throttled"] > 0
    assert summary["nodes"]["api"]["processed"] == section["admitted"] == requests["completed"]
    return section


def test_a_token_bucket_admits_its_burst_plus_its_rate(fleet: Any) -> None:
    section = check_split(simulate(limited(algorithm="token_bucket", rate_per_s=10, burst=5)))
    assert 10 * DURATION_S * 0.8 <= section["admitted"] <= 5 + 10 * DURATION_S  # at most the burst + the refill


def test_a_sliding_window_admits_at_most_its_limit_per_window(fleet: Any) -> None:
    section = check_split(simulate(limited(algorithm="sliding_window", rate_per_s=10, window_s=1)))
    assert 10 * DURATION_S * 0.8 <= section["admitted"] <= 10 * DURATION_S  # each window's own count fits


def test_a_per_client_limit_gives_each_client_its_own_budget(fleet: Any) -> None:
    one = check_split(simulate(limited(clients=4, algorithm="token_bucket", rate_per_s=4, burst=1)))
    shared = check_split(simulate(limited(clients=4, algorithm="token_bucket", rate_per_s=4, burst=1, scope="global")))
    assert shared["admitted"] <= 1 + 4 * DURATION_S
    per_client = check_split(
        simulate(limited(clients=4, algorithm="token_bucket", rate_per_s=4, burst=1, scope="per_client"))
    )
    assert per_client["admitted"] > 2 * shared["admitted"]
    assert per_client["admitted"] <= 4 * (1 + 4 * DURATION_S)
    assert one == shared  # global is the default scope


def test_a_limiter_that_is_down_refuses_every_call(fleet: Any) -> None:
    kill = {"at_s": 1, "action": "kill_instance", "target": "limiter", "duration_s": 1}
    summary = simulate(limited(algorithm="token_bucket", rate_per_s=100, burst=100, faults=[kill]))
    assert_conserved(summary)
    assert summary["requests"]["failed"] == summary["nodes"]["limiter"]["errors"] > 20
    assert summary["nodes"]["limiter"]["rate_limiter"]["throttled"] == 0
