"""/metrics: Prometheus text with runs by state, the engine's work, its backlog, the runs'
effective speed, websocket connections (this process) and refusals."""

import re
from typing import Any

import pytest
from django.test import Client

from apps.engine.models import Run
from apps.ops import counters
from apps.ops.asgi import viewers
from apps.ops.metrics import PRIORITY_SEPARATOR, broker_backlog
from apps.runtime import keys
from apps.runtime.broker import ENGINE_QUEUE
from apps.runtime.capacity import WORK
from apps.runtime.redis import client

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser() -> Client:
    return Client()


SAMPLE = re.compile(r'^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? (-?[0-9.e+]+|NaN)$')


def scrape(client: Client, **headers: Any) -> dict[str, float]:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for line in response.content.decode().splitlines():
        if line.startswith("#"):
            assert re.match(r"^# (HELP|TYPE) [a-z_]+ ", line), line
            continue
        assert SAMPLE.match(line), line
        name, value = line.rsplit(" ", 1)
        samples[name] = float(value)
    return samples


def a_run(status: str, *, effective: float | None = None) -> Run:
    run = Run(document={}, seed=1, speed=1.0, duration_s=30, status=status)
    run.set_expiry()
    run.save()
    if effective is not None:
        client().hset(keys.clock(run.id), mapping={"effective": effective})
    return run


def test_metrics(browser: Client, quota_settings: Any) -> None:
    a_run(Run.Status.FINISHED)
    a_run(Run.Status.RUNNING, effective=0.5)
    a_run(Run.Status.RUNNING, effective=1.5)
    r = client()
    events_before = int(r.hget(WORK, "events") or 0)
    counters.add("runs:server")
    counters.add("quota:websocket", 2)
    viewers["runs"] += 2
    try:
        samples = scrape(browser)
    finally:
        viewers["runs"] -= 2
    assert samples['playground_runs{state="finished"}'] == 1
    assert samples['playground_runs{state="running"}'] == 2
    assert samples['playground_runs{state="failed"}'] == 0
    assert samples["playground_runs_going"] == 2
    assert samples["playground_engine_backlog"] == broker_backlog(ENGINE_QUEUE)
    assert samples["playground_engine_events_applied"] == events_before
    assert samples['playground_runs_effective_speed{stat="min"}'] == 0.5
    assert samples['playground_runs_effective_speed{stat="mean"}'] == 1.0
    assert samples['playground_runs_effective_speed{stat="max"}'] == 1.5
    assert samples['playground_websocket_connections{kind="runs"}'] == 2
    assert samples['playground_runs_refused_total{by="server"}'] == 1
    assert samples['playground_runs_refused_total{by="quota"}'] == 0
    assert samples['playground_quota_refused_total{action="websocket"}'] == 2


def test_the_backlog_is_the_length_of_the_queue_in_the_broker() -> None:
    r, queue = client(), "ops-test-queue"
    r.delete(queue, f"{queue}{PRIORITY_SEPARATOR}3")
    r.rpush(queue, "a", "b")
    r.rpush(f"{queue}{PRIORITY_SEPARATOR}3", "c")  # kombu keeps one list per priority step
    try:
        assert broker_backlog(queue) == 3
    finally:
        r.delete(queue, f"{queue}{PRIORITY_SEPARATOR}3")


def test_metrics_can_need_a_token(client: Client, settings: Any) -> None:
    settings.PLAYGROUND_METRICS_TOKEN = "s3cret"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert scrape(client, HTTP_AUTHORIZATION="Bearer s3cret")
