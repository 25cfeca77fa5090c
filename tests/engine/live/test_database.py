"""Database replication and failover on real workers (template `db-replication`).

The primary (instance 0) dies at 10 s; a replica is promoted `failover_s` (5 s) later. With
async replication the writes it acknowledged in its last `replication_lag_ms` are lost with
it; with sync replication none are, and each write waits one lag for the replicas.
"""

from typing import Any

import pytest

from apps.engine.simulation import load_topology, prepare, simulate
from apps.runtime.fleet import Fleet
from tests.engine.live.conftest import assert_conserved

KILLED_AT_S = 10.0  # the template's scheduled fault
FAILOVER_S = 5.0  # the template's failover_s
DURATION_S = 20.0
SPEED = "max"  # the figures are the same at any speed
TOLERANCE_S = 1.0  # engine hand-over delays: timers fire every 2 ms, hops take a few ms
ASYNC_LAG_MS = 500.0
WRITE_RATE = 20.0  # the template's users.rate: every request is one write


def _run(settings: list[str]) -> dict[str, Any]:
    document = prepare(
        load_topology("db-replication"), settings=settings, faults=[], duration=DURATION_S, seed=42, speed=SPEED
    )
    return simulate(document, drain_timeout_s=60)


@pytest.fixture(scope="module")
def async_run(fleet: Fleet) -> dict[str, Any]:
    return _run([f"orders-db.replication_lag_ms={ASYNC_LAG_MS:g}"])


@pytest.fixture(scope="module")
def sync_run(fleet: Fleet) -> dict[str, Any]:
    # Half the traffic reads, so the replicas' read rotation is exercised too.
    return _run(["orders-db.replication=sync", 'users.queries=["GetOrder"]', "users.query_ratio=0.5"])


def failover(summary: dict[str, Any]) -> dict[str, Any]:
    failovers = summary["nodes"]["orders-db"]["database"]["failovers"]
    assert len(failovers) == 1, failovers
    return dict(failovers[0])


def test_async_failover_promotes_a_replica_within_the_failover_time(async_run: dict[str, Any]) -> None:
    assert_conserved(async_run)
    record = failover(async_run)
    assert KILLED_AT_S <= record["killed_at_s"] <= KILLED_AT_S + TOLERANCE_S
    assert record["old_primary"] == "0" and record["new_primary"] == "1"  # lowest alive replica
    assert FAILOVER_S <= record["took_s"] <= FAILOVER_S + TOLERANCE_S
    database = async_run["nodes"]["orders-db"]["database"]
    assert database["primary"] == "1"


def test_async_writes_are_refused_during_the_failover_and_resume_after_it(async_run: dict[str, Any]) -> None:
    record = failover(async_run)
    promoted = record["promoted_at_s"]
    unsuccessful = async_run["unsuccessful"]
    assert unsuccessful, "writes during the failover should fail"
    # Once a replica is promoted, writes succeed again: no request sent after that fails.
    late = [item for item in unsuccessful if item["created_s"] > promoted + 0.5]
    assert not late, late
    database = async_run["nodes"]["orders-db"]["database"]
    assert database["writes_refused"] > 0
    after = [p for p in async_run["timeline"] if promoted + 1 <= p["t"] <= DURATION_S]
    assert after and all(p["requests"]["completed"] > 0 for p in after), after
    assert async_run["nodes"]["orders-db"]["instances"]["1"]["processed"] > 0  # the new primary


def test_async_replication_loses_the_writes_acknowledged_just_before_the_crash(async_run: dict[str, Any]) -> None:
    database = async_run["nodes"]["orders-db"]["database"]
    lost = database["lost_acknowledged_writes"]
    expected = WRITE_RATE * ASYNC_LAG_MS / 1000.0  # writes acknowledged within one lag
    assert 0 < lost < 3 * expected, lost
    assert failover(async_run)["lost_acknowledged_writes"] == lost
    assert async_run["lost_acknowledged_writes"] == lost
    assert len(database["lost_writes"]) == lost
    # The clients were told these writes succeeded: none of them is among the failures.
    failed = {item["rid"] for item in async_run["unsuccessful"]}
    assert not failed & set(database["lost_writes"])
    assert database["read_staleness_bound_ms"] == ASYNC_LAG_MS
    assert async_run["lost"] == 0  # data lost by the architecture, not by the engine


def test_sync_replication_loses_nothing_and_writes_wait_one_lag(
    async_run: dict[str, Any], sync_run: dict[str, Any]
) -> None:
    assert_conserved(sync_run)
    database = sync_run["nodes"]["orders-db"]["database"]
    record = failover(sync_run)
    assert FAILOVER_S <= record["took_s"] <= FAILOVER_S + TOLERANCE_S
    assert database["lost_acknowledged_writes"] == 0
    assert database["lost_writes"] == []
    assert sync_run["lost_acknowledged_writes"] == 0
    assert database["writes"] > 0
    lag_ms = database["replication_lag_ms"]
    added = (
        database["write_latency_ms"]["mean"] - async_run["nodes"]["orders-db"]["database"]["write_latency_ms"]["mean"]
    )
    assert 0.8 * lag_ms <= added <= 1.3 * lag_ms, (added, lag_ms)


def test_sync_reads_are_served_by_replicas_and_never_stale(sync_run: dict[str, Any]) -> None:
    database = sync_run["nodes"]["orders-db"]["database"]
    # Replica 2 stays alive throughout, so no read ever falls back to the primary.
    assert database["reads_replicas"] > 0
    assert database["reads_primary"] == 0
    assert database["read_staleness_bound_ms"] == 0
    assert sync_run["nodes"]["orders-db"]["instances"]["2"]["processed"] > 0
