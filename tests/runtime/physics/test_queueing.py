import random
import statistics

import pytest

from apps.runtime.physics.queueing import (
    erlang_c,
    fifo_replay,
    fifo_replay_per_instance,
    mmc_mean_response,
    mmc_mean_wait,
    queue_growth_per_s,
)


def poisson_trace(n: int, lam: float, mean_service_s: float, seed: int) -> tuple[list[float], list[float]]:
    rng = random.Random(seed)
    arrivals, t = [], 0.0
    for _ in range(n):
        t += rng.expovariate(lam)
        arrivals.append(t)
    return arrivals, [rng.expovariate(1 / mean_service_s) for _ in range(n)]


def test_the_reference_case_of_the_fidelity_test() -> None:
    assert mmc_mean_response(4, 28.0, 10.0) == pytest.approx(0.1357, abs=0.0005)
    assert erlang_c(4, 28.0, 10.0) == pytest.approx(0.4287, abs=0.0001)


def test_single_server_reduces_to_m_m_1() -> None:
    assert erlang_c(1, 7.0, 10.0) == pytest.approx(0.7)
    assert mmc_mean_response(1, 7.0, 10.0) == pytest.approx(1 / (10 - 7))
    assert mmc_mean_wait(1, 7.0, 10.0) == pytest.approx(0.7 / (10 - 7))


def test_no_steady_state_at_or_above_utilisation_one() -> None:
    with pytest.raises(ValueError, match="unstable"):
        erlang_c(4, 40.0, 10.0)
    assert queue_growth_per_s(4, 50.0, 10.0) == 10.0
    assert queue_growth_per_s(4, 30.0, 10.0) == 0.0


def test_hand_checked_trace() -> None:
    arrivals = [0.0, 0.0, 0.0, 1.0, 5.0]
    services = [3.0, 2.0, 4.0, 1.0, 1.0]
    assert fifo_replay(arrivals, services, servers=2) == [3.0, 2.0, 6.0, 3.0, 1.0]
    assert fifo_replay(arrivals, services, servers=1) == [3.0, 5.0, 9.0, 9.0, 6.0]
    assert fifo_replay(arrivals, services, servers=5) == services


def test_unsorted_input_is_replayed_in_arrival_order_and_answered_in_input_order() -> None:
    assert fifo_replay([5.0, 0.0, 1.0], [1.0, 3.0, 1.0], servers=1) == [1.0, 3.0, 3.0]


def test_per_instance_replay_queues_each_instance_separately() -> None:
    arrivals = [0.0, 0.0, 0.0, 1.0]
    services = [2.0, 2.0, 2.0, 2.0]
    assert fifo_replay_per_instance(arrivals, services, ["a", "a", "b", "a"], slots=1) == [2.0, 4.0, 2.0, 5.0]
    assert fifo_replay_per_instance(arrivals, services, ["a", "a", "b", "a"], slots={"a": 2, "b": 1}) == [
        2.0,
        2.0,
        2.0,
        3.0,
    ]
    with pytest.raises(ValueError):
        fifo_replay_per_instance(arrivals, services, ["a"], slots=1)


def test_long_replay_approaches_erlang_c() -> None:
    arrivals, services = poisson_trace(200_000, lam=28.0, mean_service_s=0.1, seed=11)
    mean = statistics.fmean(fifo_replay(arrivals, services, servers=4))
    assert mean == pytest.approx(mmc_mean_response(4, 28.0, 10.0), rel=0.05)


def test_random_split_over_single_slot_instances_is_m_m_1_not_m_m_4() -> None:
    arrivals, services = poisson_trace(200_000, lam=28.0, mean_service_s=0.1, seed=12)
    rng = random.Random(13)
    assignment = [f"i{rng.randrange(4)}" for _ in arrivals]
    mean = statistics.fmean(fifo_replay_per_instance(arrivals, services, assignment, slots=1))
    assert mean == pytest.approx(mmc_mean_response(1, 7.0, 10.0), rel=0.05)
    assert mean > 2 * mmc_mean_response(4, 28.0, 10.0)
