"""`manage.py simulate` (docs/cli.md): the summary contract, and clear errors, never a traceback."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from apps.runtime.fleet import database_url

ROOT = Path(__file__).resolve().parents[3]


def simulate(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REDIS_URL": settings.REDIS_URL, "DATABASE_URL": database_url(), **(env or {})}
    command = [sys.executable, "manage.py", "simulate", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False)


def test_json_summary_holds_the_contracted_fields(fleet: Any) -> None:
    result = simulate("queue-buffering", "--duration", "3", "--seed", "5", "--set", "users.rate=10", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert set(summary["requests"]) >= {"created", "completed", "failed", "rejected", "timed_out", "in_flight"}
    assert set(summary["messages"]) >= {"published", "delivered", "dead_lettered", "pending", "duplicates"}
    assert set(summary["latency_ms"]) == {"p50", "p95", "p99", "mean", "max"}
    assert summary["lost"] == 0 and 0 <= summary["availability"] <= 1
    node = summary["nodes"]["signup"]
    assert set(node) >= {"kind", "processed", "errors", "latency_ms", "max_queue_depth", "availability", "instances"}
    assert summary["run"]["seed"] == 5 and summary["run"]["duration_s"] == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-template"], "is neither a template"),
        (["queue-buffering", "--set", "nobody.rate=3"], "no node or edge 'nobody'"),
        (["queue-buffering", "--set", "users.rate=-5"], "$.nodes[0].props.rate: must be at least 0"),
        (["queue-buffering", "--fault", "explode users at=1"], "expected 'ACTION TARGET"),
        (["queue-buffering", "--fault", "kill_instance signup for=3"], "at=S is required"),
        (["queue-buffering", "--duration", "soon"], "invalid float value"),
    ],
)
def test_bad_input_is_a_clear_message_and_a_non_zero_exit(args: list[str], message: str, tmp_path: Path) -> None:
    result = simulate(*args)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_broken_file_names_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"format": "architecture-playground/topology", "version": 1, "nodes": [')
    result = simulate(str(path))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "JSON" in result.stderr or "json" in result.stderr


def test_speed_takes_a_number_or_max(fleet: Any) -> None:
    fast = simulate("queue-buffering", "--duration", "2", "--seed", "5", "--speed", "max", "--json")
    assert fast.returncode == 0, fast.stderr
    summary = json.loads(fast.stdout)
    assert summary["run"]["speed"] == "max" and summary["clock"]["speed"] == "max"
    assert summary["clock"]["effective_speed"] > 1  # two run seconds in well under two wall seconds
    wrong = simulate("queue-buffering", "--speed", "fast")
    assert wrong.returncode != 0 and "must be a number or 'max'" in wrong.stderr


AMQP_URL = os.environ.get("CI_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")


def rabbitmq_reachable() -> bool:
    import socket
    from urllib.parse import urlparse

    url = urlparse(AMQP_URL)
    try:
        with socket.create_connection((url.hostname or "127.0.0.1", url.port or 5672), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not rabbitmq_reachable(), reason="no RabbitMQ at CI_AMQP_URL")
def test_rabbitmq_as_the_broker_gives_the_same_figures(fleet: Any) -> None:
    """With RabbitMQ as Celery's broker (Redis keeps the run state), steps are sent through
    Celery after each commit instead of inside it; the run comes out the same."""
    args = ("ha-failover", "--duration", "4", "--seed", "9", "--speed", "max", "--json")
    on_redis = simulate(*args)
    on_rabbitmq = simulate(*args, env={"CELERY_BROKER_URL": AMQP_URL})
    assert on_redis.returncode == 0, on_redis.stderr
    assert on_rabbitmq.returncode == 0, on_rabbitmq.stderr
    redis_summary, rabbit_summary = json.loads(on_redis.stdout), json.loads(on_rabbitmq.stdout)
    assert rabbit_summary["lost"] == 0 and rabbit_summary["requests"]["created"] > 50
    for key in ("requests", "messages", "latency_ms", "availability", "timeline", "faults"):
        assert rabbit_summary[key] == redis_summary[key], key
