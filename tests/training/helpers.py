"""A small scenario with a playbook, and clients for an instructor and participants."""

import json
from typing import Any

from django.test import Client

from apps.topology.blank import blank_document
from tests.factories import edge, node


def queued_document(duration_s: float = 4, speed: float | str = 1) -> dict[str, Any]:
    """client → api → queue → worker, with a playbook that stops the worker and asks about it."""
    doc = blank_document(name="Queued class")
    doc["nodes"] = [
        node("users", "client", 0, 0, rate=20),
        node("api", "service", 200, 0, replicas=1, publishes=["JobQueued"]),
        node("jobs", "queue", 400, 0),
        node("worker", "service", 600, 0, replicas=1, latency={"mean_ms": 20}),
    ]
    doc["edges"] = [edge("e1", "users", "api"), edge("e2", "api", "jobs"), edge("e3", "jobs", "worker")]
    doc["run"] = {"duration_s": duration_s, "seed": 7, "speed": speed}
    doc["playbooks"] = [
        {
            "name": "Worker outage",
            "steps": [
                {"title": "Steady state", "at_s": 0, "say": "Jobs wait in the queue.", "watch": "the queue"},
                {
                    "title": "Predict",
                    "wait": True,
                    "question": {
                        "prompt": "How many requests will the users have sent?",
                        "kind": "number",
                        "figure": {"metric": "created"},
                    },
                },
                {"title": "Stop the worker", "at_s": 1, "faults": [{"action": "stop_consumer", "target": "worker"}]},
                {"title": "Restore all", "at_s": 2, "restore": True},
                {"title": "Reveal", "at_s": 3, "reveal": True},
            ],
        }
    ]
    return doc


class Member:
    """One browser: JSON calls with its own cookies (and a header credential when given)."""

    def __init__(self, headers: dict[str, str] | None = None) -> None:
        self.client = Client()
        self.headers = headers or {}

    def get(self, url: str) -> Any:
        return self.client.get(url, headers=self.headers)

    def post(self, url: str, data: Any = None) -> Any:
        body = data if isinstance(data, (bytes, str)) else json.dumps(data if data is not None else {})
        return self.client.post(url, body, content_type="application/json", headers=self.headers)


def start_session(document: dict[str, Any]) -> tuple[Member, dict[str, Any]]:
    """The owner creates the scenario and starts a session; the instructor uses the secret header."""
    owner = Member()
    created = owner.post("/api/scenarios/", document)
    assert created.status_code == 201, created.content
    slug, secret = created.json()["slug"], created.json()["edit_secret"]
    answer = owner.client.post(
        f"/api/scenarios/{slug}/sessions/", "{}", content_type="application/json", HTTP_X_EDIT_SECRET=secret
    )
    assert answer.status_code == 201, answer.content
    session = answer.json()
    instructor = Member({"X-Instructor-Secret": session["instructor_secret"]})
    return instructor, session


def join(code: str, name: str) -> tuple[Member, dict[str, Any]]:
    member = Member()
    answer = member.post(f"/api/sessions/{code}/participants/", {"name": name})
    assert answer.status_code == 201, answer.content
    joined = answer.json()
    member.headers = {"X-Participant-Token": joined["token"]}
    return member, joined
