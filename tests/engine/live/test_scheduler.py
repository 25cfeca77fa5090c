"""The scheduler on the live engine: jobs fire on time as real requests with one outcome
each, and a job still running when it is due again is skipped (or overlaps, if allowed)."""

from typing import Any

from apps.engine.simulation import prepare, simulate
from apps.topology.blank import blank_document
from tests.engine.live.conftest import assert_conserved
from tests.factories import edge, node


def cron(job_ms: float, **scheduler: Any) -> dict[str, Any]:
    document = blank_document(name="Cron")
    latency = {"mean_ms": job_ms, "distribution": "fixed"}
    document["nodes"] = [
        node("cron", "scheduler", 0, 0, **scheduler),
        node("reports", "service", 200, 0, replicas=1, concurrency=4, latency=latency),
    ]
    document["edges"] = [edge("e1", "cron", "reports")]
    return prepare(document, settings=[], faults=[], duration=4, seed=1, speed="max")


def test_jobs_fire_every_interval_and_each_ends_once(fleet: Any) -> None:
    summary = simulate(cron(100, every_s=1, start_s=0.5, jobs=["NightlyReport", "Cleanup"]))
    assert_conserved(summary)
    section = summary["nodes"]["cron"]["scheduler"]
    assert section["fired"] == 2 * 4  # at 0.5, 1.5, 2.5 and 3.5 s
    assert section["completed"] == summary["requests"]["completed"] == summary["requests"]["created"] == 8
    assert section["skipped"] == section["failed"] == 0
    assert 100 <= section["duration_ms"]["mean"] <= 110  # the job's work and the network
    assert [run["started_ms"] for run in section["runs"] if run["job"] == "Cleanup"] == [500, 1500, 2500, 3500]
    assert summary["latency_ms"]["max"] == 0  # jobs are not user requests: not in the end-to-end latency


def test_a_job_still_running_is_skipped(fleet: Any) -> None:
    summary = simulate(cron(2500, every_s=1, start_s=0, overlap="skip"))
    assert_conserved(summary)
    section = summary["nodes"]["cron"]["scheduler"]
    assert (section["fired"], section["skipped"]) == (2, 2)  # at 0 and 3 s; at 1 and 2 s it still ran
    assert section["completed"] == summary["requests"]["created"] == 2


def test_overlapping_runs_when_allowed(fleet: Any) -> None:
    summary = simulate(cron(2500, every_s=1, start_s=0, overlap="allow"))
    assert_conserved(summary)
    section = summary["nodes"]["cron"]["scheduler"]
    assert (section["fired"], section["skipped"], section["completed"]) == (4, 0, 4)


def test_a_job_that_times_out_fails_once(fleet: Any) -> None:
    summary = simulate(cron(2500, every_s=10, start_s=0, timeout_ms=1000))
    assert_conserved(summary)
    section = summary["nodes"]["cron"]["scheduler"]
    assert section["fired"] == 1 and section["failed"] == 1
    assert section["outcomes"]["timed_out"] == summary["requests"]["timed_out"] == 1
