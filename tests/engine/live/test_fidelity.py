"""Acceptance 11: the engine's queueing matches theory (M/M/c) and an exact replay.

One instance, 4 slots, exponential service with mean 100 ms, Poisson arrivals at 28/s
(utilisation 0.7): Erlang C predicts a mean response of 135.7 ms. The replay feeds the very
arrival and service times the run sampled through a textbook FIFO multi-server queue, so
it isolates what the engine adds from sampling luck: nothing, since every event is applied at
its own run time.
"""

import statistics
from typing import Any

import pytest

from apps.engine.simulation import simulate
from apps.runtime.physics.queueing import fifo_replay, mmc_mean_response
from apps.topology.blank import blank_document
from tests.engine.live.conftest import assert_conserved

RATE, SLOTS, MEAN_S = 28.0, 4, 0.1


def mmc_document(seed: int, duration: float) -> dict[str, Any]:
    document = blank_document(name="M/M/4 at utilisation 0.7")
    document["nodes"] = [
        {
            "id": "users",
            "kind": "client",
            "props": {"rate": RATE, "clients": 1000, "commands": ["Work"], "timeout_ms": 60000},
        },
        {
            "id": "server",
            "kind": "service",
            "props": {
                "replicas": 1,
                "concurrency": SLOTS,
                "latency": {"distribution": "exponential", "mean_ms": MEAN_S * 1000},
            },
        },
    ]
    document["edges"] = [{"id": "e1", "from": "users", "to": "server", "props": {"timeout_ms": 60000}}]
    document["run"] = {"duration_s": duration, "seed": seed, "speed": "max"}
    return document


def test_mean_response_matches_the_replay_and_erlang_c(fleet: Any) -> None:
    measured: list[float] = []
    replayed: list[float] = []
    for seed in (1, 2):
        summary = simulate(mmc_document(seed, 45), trace=True)
        assert_conserved(summary)
        trace = sorted(summary["trace"], key=lambda item: item["arrived"])
        arrivals = [item["arrived"] / 1000 for item in trace]
        services = [item["service_ms"] / 1000 for item in trace]
        run_replay = fifo_replay(arrivals, services, SLOTS)
        run_mean = summary["nodes"]["server"]["latency_ms"]["mean"] / 1000
        replay_mean = statistics.mean(run_replay)
        print(f"seed {seed}: {len(trace)} requests, measured {run_mean:.4f} s, replay {replay_mean:.4f} s")
        # The engine adds nothing: measured at the server = the exact replay (to rounding).
        assert run_mean == pytest.approx(replay_mean, rel=1e-4)
        measured.extend([run_mean] * len(trace))
        replayed.extend(run_replay)
    theory = mmc_mean_response(SLOTS, RATE, 1 / MEAN_S)
    overall = statistics.mean(measured)
    print(f"measured {overall * 1000:.1f} ms over {len(replayed)} requests; Erlang C {theory * 1000:.1f} ms")
    assert abs(overall - theory) <= 0.15 * theory
