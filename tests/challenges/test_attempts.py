"""An attempt through the API, graded by stored runs on the fleet (a control worker drives
them, one a seed): the naive design fails with an explanation and its hints, the reference
passes; a design over the budget fails at once, unrun; a refused design is answered 400."""

import copy
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from apps.challenges.format import catalogue, solution
from apps.runtime.fleet import Fleet, ensure_fleet

pytestmark = [pytest.mark.engine, pytest.mark.django_db(transaction=True)]

SLUG = "buffer-a-burst"


@pytest.fixture(scope="module")
def fleet(django_db_setup: None) -> Iterator[Fleet]:
    running = ensure_fleet(control=True)
    yield running
    running.stop()


def graded(client: Client, attempt_id: str, timeout_s: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state: dict[str, Any] = client.get(f"/api/attempts/{attempt_id}/").json()
        if state["status"] != "running":
            return state
        time.sleep(0.2)
    raise AssertionError(f"attempt {attempt_id} was not graded within {timeout_s} s")


def test_the_naive_design_fails_with_why_and_the_reference_passes(fleet: Fleet, client: Client) -> None:
    listed = client.get("/api/challenges/").json()["challenges"]
    assert SLUG in [c["slug"] for c in listed]
    detail = client.get(f"/api/challenges/{SLUG}/").json()
    assert detail["start"] == catalogue()[SLUG].start and detail["budget"]["per_hour"] > 0

    naive = client.post(f"/api/challenges/{SLUG}/attempts/", detail["start"], content_type="application/json")
    assert naive.status_code == 201, naive.json()
    failed = graded(client, naive.json()["attempt_id"])
    assert failed["status"] == "failed" and failed["passed"] is False, failed
    assert len(failed["runs"]) == len(catalogue()[SLUG].seeds)
    missed = [goal for goal in failed["goals"] if not goal["passed"]]
    assert missed and all(goal["low"] <= goal["measured"] <= goal["high"] for goal in missed)
    assert failed["explanation"][0]["text"].startswith("Missed: ")
    assert any("saturated first" in entry["text"] for entry in failed["explanation"]), failed["explanation"]
    assert all("/s/" in entry["replay_url"] and "run=" in entry["replay_url"] for entry in failed["explanation"])
    assert failed["hints"] == list(catalogue()[SLUG].hints)

    body = {"topology": solution(SLUG, "reference"), "name": "Ada"}
    reference = client.post(f"/api/challenges/{SLUG}/attempts/", body, content_type="application/json")
    passed = graded(client, reference.json()["attempt_id"])
    assert passed["status"] == "passed" and passed["passed"] is True, passed
    assert passed["name"] == "Ada" and passed["explanation"] == [] and passed["hints"] == []
    assert passed["cost"]["per_hour"] <= passed["cost"]["budget_per_hour"]


def test_a_design_over_the_budget_fails_unrun_and_a_refused_one_is_answered_400(client: Client) -> None:
    lavish = copy.deepcopy(solution(SLUG, "reference"))
    for node in lavish["nodes"]:
        if node["kind"] == "service":
            node["props"]["replicas"] = 20
    answer = client.post(f"/api/challenges/{SLUG}/attempts/", lavish, content_type="application/json")
    assert answer.status_code == 201
    state = client.get(f"/api/attempts/{answer.json()['attempt_id']}/").json()
    assert state["status"] == "failed" and state["over_budget"] and state["runs"] == []
    assert "budget" in state["explanation"][0]["text"]

    no_traffic = copy.deepcopy(lavish)
    no_traffic["nodes"] = [n for n in no_traffic["nodes"] if n["kind"] != "client"]
    no_traffic["edges"] = [e for e in no_traffic["edges"] if e["from"] != "users"]
    refused = client.post(f"/api/challenges/{SLUG}/attempts/", no_traffic, content_type="application/json")
    assert refused.status_code == 400
    assert any("users is the traffic" in p["message"] for p in refused.json()["errors"])
    assert client.get("/api/challenges/nope/").status_code == 404
    assert client.get("/api/attempts/nope/").status_code == 404
