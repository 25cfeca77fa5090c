"""The classroom benchmark's own arithmetic (bench/classroom.py): percentiles, what each
participant skipped, the run frames of the measured window, the table and the verdicts."""

import asyncio
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "classroom.py"


@pytest.fixture(scope="module")
def classroom() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_classroom", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def result(classroom: ModuleType, participants: int, p95: float, **answers: Any) -> dict[str, Any]:
    """A scenario's result, every delay's p95 `p95`, its answers all counted in 1 s unless told."""
    figures = {f"{name}_{p}_ms": p95 for name in ("view", "laser", "run") for p in ("p50", "p95", "max")}
    counted = {"sent": participants, "accepted": participants, "counted": participants, "revealed": participants}
    return {
        "participants": participants, **figures, "views_sent": 100, "lasers_sent": 300, "run_frames": 50,
        "view_skipped_mean": 0.0, "view_skipped_max": 0, "laser_skipped_mean": 0.0, "laser_skipped_max": 0,
        "view_undelivered_mean": 0.0, "view_undelivered_max": 0, "laser_undelivered_mean": 0.0,
        "laser_undelivered_max": 0,
        "run_dropped_mean": 0.0, "run_dropped_max": 0,
        "answers": {**counted, "seconds": 1.0, "seen_by_all_s": 1.2, **answers},
    }  # fmt: skip


def test_percentile_is_the_nearest_rank(classroom: ModuleType) -> None:
    values = [float(n) for n in range(1, 101)]
    assert classroom.percentile(values, 50) == 50.0
    assert classroom.percentile(values, 95) == 95.0
    assert classroom.percentile([7.0], 95) == 7.0
    assert classroom.percentile([], 95) == 0.0


def test_summary_counts_what_each_participant_skipped(classroom: ModuleType) -> None:
    everything = classroom.Follower(view_ms=[10.0, 20.0], laser_ms=[1.0, 2.0, 3.0], views={2, 6}, lasers={1, 3, 5})
    slow = classroom.Follower(view_ms=[300.0], laser_ms=[40.0], views={6}, lasers={5})

    summary = classroom.summarise([everything, slow], views_sent={2, 6}, lasers_sent={1, 3, 5}, window=(0.0, 1.0))

    assert summary["participants"] == 2 and summary["views_sent"] == 2 and summary["lasers_sent"] == 3
    assert summary["view_skipped_mean"] == 0.5 and summary["view_skipped_max"] == 1
    assert summary["laser_skipped_mean"] == 1.0 and summary["laser_skipped_max"] == 2
    assert summary["view_p50_ms"] == 20.0 and summary["view_max_ms"] == 300.0
    assert summary["laser_p95_ms"] == 40.0


def test_only_run_frames_computed_in_the_window_count(classroom: ModuleType) -> None:
    # (seq, computed_at, received): seq 1 came before the window, 5 after it
    first = classroom.Follower(run_frames=[(1, 9.0, 9.01), (2, 10.0, 10.02), (3, 10.2, 10.24), (4, 10.4, 10.41)])
    gap = classroom.Follower(run_frames=[(2, 10.0, 10.1), (4, 10.4, 10.5), (5, 11.5, 11.6)])

    summary = classroom.summarise([first, gap], views_sent=set(), lasers_sent=set(), window=(10.0, 11.0))

    assert summary["run_frames"] == 3  # seqs 2 to 4
    assert summary["run_dropped_mean"] == 0.5 and summary["run_dropped_max"] == 1
    assert summary["received"] == 5
    assert summary["run_max_ms"] == pytest.approx(100.0, abs=0.1)


def test_the_table_gives_ratios_against_the_first_scenario(classroom: ModuleType) -> None:
    lines = classroom.table([result(classroom, 1, 10.0), result(classroom, 200, 45.0)])

    assert lines[0].startswith("| participants |") and len(lines) == 4
    assert lines[2].startswith("| 1 (baseline) |") and lines[2].endswith("| 1.00, 1.00, 1.00 |")
    assert lines[3].startswith("| 200 |") and lines[3].endswith("| 4.50, 4.50, 4.50 |")


def test_actions_never_delivered_are_not_skips_and_bound_the_delay(classroom: ModuleType) -> None:
    # 4 of 20 views never arrived (the newest ones): p95 counts them as delays beyond the wait
    slow = classroom.Follower(view_ms=[50.0] * 16, views=set(range(1, 17)))

    summary = classroom.summarise([slow], views_sent=set(range(1, 21)), lasers_sent=set(), window=(0.0, 1.0))

    assert summary["view_skipped_max"] == 0 and summary["view_undelivered_max"] == 4
    assert summary["view_p50_ms"] == 50.0 and summary["view_p95_ms"] == classroom.NEVER
    assert summary["received"] == 16
    row = classroom.table([result(classroom, 1, 10.0), {**result(classroom, 200, 10.0), **summary}])[3]
    assert "**> 15 s**" in row and "| 4.0 (4) / 0.0 (0) |" in row
    verdict = classroom.verdicts([{**summary, "answers": result(classroom, 1, 10.0)["answers"]}])[0]
    assert "p95 < 250 ms: MISSED (worst p95 > 15 s)" in verdict


def test_verdicts_hold_each_scenario_to_the_targets(classroom: ModuleType) -> None:
    met = result(classroom, 200, 249.9)
    slow = result(classroom, 200, 250.0)
    lost = result(classroom, 200, 10.0, counted=199)
    late = result(classroom, 200, 10.0, seconds=10.5)

    lines = classroom.verdicts([met, slow, lost, late])

    assert "MISSED" not in lines[0]
    assert "p95 < 250 ms: MISSED" in lines[1] and "all counted: met" in lines[1]
    assert "all counted: MISSED" in lines[2] and "within 10 s: met" in lines[2]
    assert "all counted: met" in lines[3] and "within 10 s: MISSED" in lines[3]


def test_the_instructor_numbers_every_action_in_its_coordinates(classroom: ModuleType) -> None:
    class Socket:
        def __init__(self) -> None:
            self.sent: list[dict[str, Any]] = []

        async def send(self, text: str) -> None:
            self.sent.append(json.loads(text))

    socket, clock = Socket(), classroom.Clock()

    asyncio.run(classroom.instruct(socket, clock, 0.2))  # 6 ticks of the laser, 2 views

    numbers = [m["x"] if m["type"] == "laser" else m["area"]["x"] for m in socket.sent]
    assert numbers == list(range(1, 9))
    assert clock.lasers == {1, 3, 4, 5, 7, 8} and clock.views == {2, 6}
    assert set(clock.sent_at) == set(range(1, 9))


def test_inbound_is_from_the_action_to_the_servers_stamp(classroom: ModuleType) -> None:
    sent_at = {1: 100.0, 2: 100.1, 3: 100.2}  # seconds; action 3 never reached anyone
    stamped = {1: 100_005.0, 2: 100_300.0}  # milliseconds

    figures = classroom.inbound(sent_at, stamped)

    assert figures == {"inbound_p50_ms": 5.0, "inbound_p95_ms": 200.0, "inbound_max_ms": 200.0}


def test_the_answers_line_names_requests_refused_or_lost(classroom: ModuleType) -> None:
    fine = classroom.answers_line(result(classroom, 200, 10.0, refused=[]))
    lost = classroom.answers_line(result(classroom, 200, 10.0, accepted=198, refused=[0, 409]))

    assert "200 answers sent, 200 accepted" in fine and "statuses" not in fine
    assert "198 accepted" in lost and "(0: no answer): [0, 409]" in lost
