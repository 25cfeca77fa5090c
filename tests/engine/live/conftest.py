"""Engine tests run the real thing: the suite's Redis and a Celery worker subprocess."""

from collections.abc import Iterator
from typing import Any

import pytest

from apps.engine.runtime.fleet import Fleet, ensure_fleet
from apps.engine.simulation import load_topology, prepare, simulate


@pytest.fixture(scope="session")
def fleet() -> Iterator[Fleet]:
    running = ensure_fleet()
    yield running
    running.stop()


@pytest.fixture
def run_template(fleet: Fleet) -> Any:
    """Run a template (with --set style changes and extra faults) and return its summary."""

    def run(slug: str, *, duration: float, speed: float | None = None, seed: int | None = None,
            settings: list[str] | None = None, faults: list[str] | None = None) -> dict[str, Any]:  # fmt: skip
        document = prepare(
            load_topology(slug), settings=settings or [], faults=faults or [], duration=duration, seed=seed, speed=speed
        )
        return simulate(document, drain_timeout_s=60)

    return run


def assert_conserved(summary: dict[str, Any]) -> None:
    assert summary["drained"], summary
    assert summary["lost"] == 0
    assert summary["requests"]["in_flight"] == 0
    assert summary["messages"]["pending"] == 0
