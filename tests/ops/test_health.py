"""/healthz: 200 when the database, Redis and a worker on each queue answer; 503 naming what failed."""

from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
import redis
from django.test import Client

from apps.ops import health
from apps.runtime.fleet import Fleet, ensure_fleet

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def fleet(django_db_setup: None) -> Iterator[Fleet]:
    """An engine worker and a control worker (started unless running)."""
    running = ensure_fleet(control=True)
    yield running
    running.stop()


@pytest.mark.engine
def test_healthy_with_the_fleet_running(fleet: Fleet, client: Client) -> None:
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["ok"] and body["failed"] == []
    assert set(body["checks"]) == {"database", "redis", "engine_worker", "control_worker"}
    assert body["checks"]["engine_worker"]["detail"].endswith("answering")


def test_a_missing_control_worker_is_named(client: Client) -> None:
    answering = {"engine-1@host": {"engine", "celery"}}
    with mock.patch.object(health, "worker_queues", autospec=True, return_value=answering):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["control_worker"]
    assert body["checks"]["control_worker"] == {"ok": False, "detail": "no worker on the 'control' queue answered"}


def test_redis_down_fails_redis_and_the_workers(client: Client) -> None:
    broken = mock.create_autospec(redis.Redis, instance=True)
    broken.ping.side_effect = redis.ConnectionError("refused")
    with (
        mock.patch.object(health, "client", autospec=True, return_value=broken),
        mock.patch.object(health, "worker_queues", autospec=True) as asked,
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["redis", "engine_worker", "control_worker"]
    asked.assert_not_called()


def test_the_database_down_is_named(client: Client) -> None:
    answering: dict[str, Any] = {"a@h": {"engine"}, "b@h": {"control"}}
    with (
        mock.patch.object(health, "worker_queues", autospec=True, return_value=answering),
        mock.patch.object(health, "_database", autospec=True, return_value=health.Check(False, "unreachable")),
    ):
        response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["failed"] == ["database"]
