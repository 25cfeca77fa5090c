"""In a challenge's editor the design checks look for single points of failure only on the
paths a goal asks availability of (`/api/validate/?goals=`)."""

import json
import re

import pytest
from django.test import Client

from apps.challenges.format import catalogue

pytestmark = pytest.mark.django_db


def spof_targets(client: Client, document: dict, query: str = "") -> list[str]:
    answer = client.post(f"/api/validate/{query}", json.dumps(document), content_type="application/json").json()
    return [w["target"] for w in answer.get("warnings", []) if w["rule"] == "single-point-of-failure"]


def test_availability_goals_name_the_paths_the_check_looks_at() -> None:
    assert catalogue()["survive-an-instance-loss"].availability_targets() == ["users"]  # a goal on the whole run
    assert catalogue()["buffer-a-burst"].availability_targets() == []  # no availability goal


def test_validate_narrows_single_points_of_failure_to_the_goals(client: Client) -> None:
    start = catalogue()["survive-an-instance-loss"].start  # one web server: a single point of failure
    assert spof_targets(client, start) == ["web"]
    assert spof_targets(client, start, "?goals=users") == ["web"]
    assert spof_targets(client, start, "?goals=web") == ["web"]
    assert spof_targets(client, start, "?goals=") == []  # no path needs availability
    assert spof_targets(client, start, "?goals=lb") == []


def test_the_challenge_editor_checks_with_the_challenges_goals(client: Client) -> None:
    started = client.post("/challenges/survive-an-instance-loss/start/")
    page = client.get(started["Location"]).content.decode()
    config = json.loads(re.search(r'<script id="editor-config" type="application/json">(.*?)</script>', page).group(1))
    assert config["validate_url"] == "/api/validate/?goals=users"
