"""Engine tests run the real thing: the suite's Redis and a Celery worker subprocess."""

from collections.abc import Iterator
from typing import Any

import pytest

from apps.engine.simulation import load_topology, prepare, simulate
from apps.runtime.fleet import Fleet, ensure_fleet


@pytest.fixture(scope="session")
def fleet(django_db_setup: None) -> Iterator[Fleet]:
    """Redis and an engine worker on the test database (domain behaviours write to it)."""
    running = ensure_fleet()
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def database(transactional_db: None) -> None:
    """The test database, shared with the engine worker: summaries read the domain records the
    workers wrote and committed (so not inside a test's transaction)."""


@pytest.fixture
def run_template(fleet: Fleet) -> Any:
    """Run a template (with --set style changes and extra faults) and return its summary: at
    speed `max` unless told otherwise (the figures are the same at any speed)."""

    def run(slug: str, *, duration: float, speed: float | str = "max", seed: int | None = None,
            settings: list[str] | None = None, faults: list[str] | None = None,
            keep_records: bool = False) -> dict[str, Any]:  # fmt: skip
        document = prepare(
            load_topology(slug), settings=settings or [], faults=faults or [], duration=duration, seed=seed, speed=speed
        )
        return simulate(document, drain_timeout_s=60, keep_records=keep_records)

    return run


def assert_conserved(summary: dict[str, Any]) -> None:
    assert summary["drained"], summary
    assert summary["lost"] == 0
    assert summary["requests"]["in_flight"] == 0
    assert summary["messages"]["pending"] == 0
