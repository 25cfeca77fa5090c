"""A search for the limit on the real fleet: a control worker drives each step's run and hands
its end to the search, which starts the next (docs/challenges.md, "Find the limit")."""

import time
from collections.abc import Iterator
from typing import Any

import pytest

from apps.engine.simulation import load_topology
from apps.runtime.fleet import Fleet, ensure_fleet
from tests.conftest import Api

pytestmark = [pytest.mark.engine, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def fleet(django_db_setup: None) -> Iterator[Fleet]:
    """An engine worker and a control worker on the test database (started unless running)."""
    running = ensure_fleet(control=True)
    yield running
    running.stop()


def searched(api: Api, url: str, timeout_s: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state: dict[str, Any] = api.get(url).json()
        if state["status"] != "running":
            return state
        time.sleep(0.2)
    raise AssertionError(f"the search {url} did not end within {timeout_s} s")


def test_the_email_queue_of_queue_buffering_holds_up_to_about_twice_its_traffic(fleet: Fleet, api: Api) -> None:
    """Email takes 40 messages/s (4 slots of 100 ms); sign-ups come at 20/s: at ×4 its queue
    grows by 40 a second, past the goal's 30 within the 3 s of a run."""
    created = api.post("/api/scenarios/", load_topology("queue-buffering")).json()
    body = {"goals": ["max_queue_depth:welcome-emails<=30"], "seconds": 3, "seeds": 1}
    answer = api.post(f"/api/scenarios/{created['slug']}/limit/", body, created["edit_secret"])
    assert answer.status_code == 201, answer.content
    state = searched(api, answer.json()["url"])

    assert state["status"] == "done", state
    steps = state["steps"]
    assert steps[0] == steps[0] | {"factor": 1, "rate": 20, "held": True}
    assert any(not step["held"] for step in steps) and len(steps) <= state["max_steps"]
    result = state["result"]
    assert 40 <= result["sustained_rate"] < 80 and not result["capped"], steps
    assert result["bottleneck"]["longest_line"]["node"] == "welcome-emails"
    assert result["bottleneck"]["node"] in {"signup", "email"}
    for step in steps:
        assert len(step["runs"]) == 1
        report = api.get(step["runs"][0]["report_url"])
        assert report.status_code == 200
        assert step["held"] or step["failed_goals"] == ["max_queue_depth:welcome-emails<=30"]
