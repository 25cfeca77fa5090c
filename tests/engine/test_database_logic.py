"""The database's pure decisions: routing by role, promotion, replication windows, lost writes."""

from typing import Any

from apps.runtime.nodes.database import (
    alive_replicas,
    exposure_ms,
    is_write,
    lost_on_failover,
    promotion_candidate,
    replica_wait_ms,
    route,
    staleness_bound_ms,
)


def cluster(*dead: str, size: int = 3) -> dict[str, dict[str, Any]]:
    """Instances "0".."size-1", alive unless named in `dead`."""
    return {str(i): {"alive": str(i) not in dead, "busy": 0} for i in range(size)}


def test_only_queries_are_reads() -> None:
    assert not is_write("query")
    assert is_write("command")
    assert is_write("event")  # handling an event changes data


def test_writes_go_to_the_primary() -> None:
    chosen = route("command", "0", cluster(), rotation=5)
    assert (chosen.instance, chosen.role, chosen.rotation) == ("0", "primary", 5)


def test_a_write_without_a_primary_is_refused() -> None:
    chosen = route("command", None, cluster("0"), rotation=0)
    assert chosen.instance is None
    assert chosen.why == "no primary"


def test_reads_rotate_over_alive_replicas_only() -> None:
    instances = cluster(size=4) | {"2": {"alive": False, "busy": 0}}
    served = []
    rotation = 0
    for _ in range(4):
        chosen = route("query", "0", instances, rotation)
        assert chosen.role == "replica"
        served.append(chosen.instance)
        rotation = chosen.rotation
    assert served == ["1", "3", "1", "3"]


def test_reads_fall_back_to_the_primary_when_no_replica_is_alive() -> None:
    chosen = route("query", "0", cluster("1", "2"), rotation=0)
    assert (chosen.instance, chosen.role) == ("0", "primary")


def test_reads_during_a_failover_still_reach_replicas() -> None:
    chosen = route("query", None, cluster("0"), rotation=0)
    assert (chosen.instance, chosen.role) == ("1", "replica")
    assert route("query", None, cluster("0", "1", "2"), rotation=0).why == "no primary"


def test_retired_or_dead_instances_are_not_replicas() -> None:
    instances = cluster(size=12) | {"3": {"alive": True, "retired": True, "busy": 0}}
    replicas = alive_replicas(instances, "0")
    assert "3" not in replicas and "0" not in replicas
    assert replicas[:3] == ["1", "2", "4"]
    assert replicas[-2:] == ["10", "11"]  # by instance number, not by text


def test_promotion_picks_the_lowest_numbered_alive_replica() -> None:
    assert promotion_candidate(cluster("0")) == "1"
    assert promotion_candidate(cluster("0", "1")) == "2"
    assert promotion_candidate(cluster("0", "1", "2")) is None
    assert promotion_candidate(cluster("1")) == "0"  # a restored old primary is a replica again


def test_async_writes_are_exposed_for_the_lag_and_sync_ones_never() -> None:
    assert exposure_ms("async", 250) == 250
    assert exposure_ms("sync", 250) == 0
    assert staleness_bound_ms("async", 250) == 250
    assert staleness_bound_ms("sync", 250) == 0


def test_sync_writes_wait_for_the_replicas_unless_none_is_alive() -> None:
    assert replica_wait_ms("sync", 120, replicas_alive=2) == 120
    assert replica_wait_ms("sync", 120, replicas_alive=0) == 0
    assert replica_wait_ms("async", 120, replicas_alive=2) == 0


def test_writes_acknowledged_within_the_window_before_the_crash_are_lost() -> None:
    acks = [("a", 9_000.0), ("b", 9_499.0), ("c", 9_501.0), ("d", 9_999.0), ("e", 10_000.0)]
    assert lost_on_failover(acks, killed_at_ms=10_000.0, window_ms=500.0) == ["c", "d", "e"]


def test_nothing_acknowledged_is_lost_with_a_zero_window() -> None:
    acks = [("a", 9_999.0), ("b", 10_000.0)]
    assert lost_on_failover(acks, killed_at_ms=10_000.0, window_ms=0.0) == []
