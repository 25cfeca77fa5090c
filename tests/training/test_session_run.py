"""A class on a real run: the playbook's steps fire into the run, and the revealed answer is the
figure the run's frame showed (the fleet: a control worker and an engine worker)."""

import time
from collections.abc import Iterator
from typing import Any

import pytest

from apps.engine.models import Run
from apps.engine.selectors import run_live
from apps.runtime.fleet import Fleet, ensure_fleet
from apps.training.models import Answer
from tests.training.helpers import Member, join, queued_document, start_session

pytestmark = [pytest.mark.engine, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def fleet(django_db_setup: None) -> Iterator[Fleet]:
    running = ensure_fleet(control=True)
    yield running
    running.stop()


def wait_for(check: Any, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_a_playbook_drives_the_run_and_the_reveal_reads_the_run(fleet: Fleet) -> None:
    instructor, session = start_session(queued_document(duration_s=6, speed=1))
    code = session["code"]
    ada, _ = join(code, "Ada")
    grace, _ = join(code, "Grace")
    playbook = f"/api/sessions/{code}/playbook/"
    instructor.post(playbook, {"action": "load", "name": "Worker outage"})
    started = instructor.post(f"/api/sessions/{code}/runs/", {})
    assert started.status_code == 201, started.content
    run_id = started.json()["run_id"]
    state = Member().get(f"/api/sessions/{code}/").json()
    assert state["run"]["run_id"] == run_id and state["playbook"]["run_id"] == run_id

    def frame_t() -> float:
        frame = run_live(run=Run.objects.get(pk=run_id))
        return float(frame["t"]) if frame else -1.0

    wait_for(lambda: frame_t() >= 0)
    assert instructor.post(playbook, {"action": "fire", "index": 0}).status_code == 200
    state = instructor.post(playbook, {"action": "fire", "index": 1}).json()["state"]
    question = state["question"]
    for member, guess in ((ada, 40), (grace, 200)):
        url = f"/api/sessions/{code}/questions/{question['id']}/answers/"
        assert member.post(url, {"value": guess}).status_code == 201
    wait_for(lambda: frame_t() >= 1)
    fired = instructor.post(playbook, {"action": "fire", "index": 2})  # stop the worker, live
    assert fired.status_code == 200, fired.content
    wait_for(lambda: frame_t() >= 2)
    assert instructor.post(playbook, {"action": "fire", "index": 3}).status_code == 200  # restore all
    wait_for(lambda: frame_t() >= 3)
    before = run_live(run=Run.objects.get(pk=run_id))
    assert before is not None
    revealed = instructor.post(playbook, {"action": "fire", "index": 4}).json()["state"]["revealed"][0]
    after = run_live(run=Run.objects.get(pk=run_id))
    assert after is not None
    # the measured value is the run's own figure at that moment: between the frames around it
    assert before["requests"]["created"] <= revealed["measured"] <= after["requests"]["created"]
    assert revealed["measured"] > 0 and revealed["measured_t"] >= 3
    scores = {a["name"]: a["score"] for a in revealed["answers"]}
    expected = {name: max(0, round(100 * (1 - abs(guess - revealed["measured"]) / revealed["measured"])))
                for name, guess in (("Ada", 40), ("Grace", 200))}  # fmt: skip
    assert scores == expected
    assert Answer.objects.filter(score__isnull=True).count() == 0

    run = wait_for(lambda: (r := Run.objects.get(pk=run_id)).ended and r, timeout=60)
    live = [f for f in run.summary["faults"] if f.get("live")]
    assert [(f["action"], f["target"]) for f in live] == [("stop_consumer", "worker"), ("start_consumer", "worker")]
    assert run.summary["lost"] == 0
    fired_steps = Member().get(f"/api/sessions/{code}/").json()["playbook"]["fired"]
    assert [step["index"] for step in fired_steps] == [0, 1, 2, 3, 4]
    assert all(step["t"] is not None for step in fired_steps)


def test_a_participants_fork_runs_and_shows_on_the_class_board(fleet: Fleet) -> None:
    instructor, session = start_session(queued_document(duration_s=2, speed="max"))
    code = session["code"]
    ada, _ = join(code, "Ada")
    fork = ada.post(f"/api/sessions/{code}/fork/").json()
    own = Member()
    started = own.client.post(
        f"/api/scenarios/{fork['slug']}/runs/",
        "{}",
        content_type="application/json",
        HTTP_X_EDIT_SECRET=fork["edit_secret"],
    )
    assert started.status_code == 201, started.content

    def board_run() -> dict[str, Any] | None:
        row = instructor.get(f"/api/sessions/{code}/board/").json()["participants"][0]
        return row["run"] if row["run"] and row["run"]["status"] == "finished" else None

    headline = wait_for(board_run, timeout=60)
    assert headline["run_id"] == started.json()["run_id"]
    assert headline["lost"] == 0 and headline["p95_ms"] > 0 and 0 < headline["availability"] <= 1
    # the participant cannot drive the session's run
    assert ada.post(f"/api/sessions/{code}/runs/", {}).status_code == 403


def test_rewind_stops_the_run_and_plays_the_playbook_again_on_a_new_one(fleet: Fleet) -> None:
    instructor, session = start_session(queued_document(duration_s=8, speed=1))
    code = session["code"]
    playbook = f"/api/sessions/{code}/playbook/"
    instructor.post(playbook, {"action": "load", "name": "Worker outage"})
    first = instructor.post(f"/api/sessions/{code}/runs/", {"speed": 1, "duration_s": 8}).json()["run_id"]
    assert instructor.post(playbook, {"action": "fire", "index": 0}).status_code == 200
    state = instructor.post(playbook, {"action": "rewind"}).json()["state"]
    second = state["run"]["run_id"]
    assert second != first
    assert state["playbook"]["index"] == 0 and state["playbook"]["playing"] is True
    assert state["playbook"]["fired"] == [] and state["playbook"]["run_id"] == second
    wait_for(lambda: Run.objects.get(pk=first).ended)
    assert Run.objects.get(pk=first).status == "stopped"
    new_run = Run.objects.get(pk=second)
    assert (new_run.speed, new_run.duration_s) == (1.0, 8.0)  # the same settings
    instructor.post(f"/api/sessions/{code}/runs/{second}/stop/")
    wait_for(lambda: Run.objects.get(pk=second).ended)
