"""`manage.py simulate` (docs/cli.md): the summary contract, and clear errors, never a traceback."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from apps.engine.runtime.fleet import database_url

ROOT = Path(__file__).resolve().parents[3]


def simulate(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REDIS_URL": settings.REDIS_URL, "DATABASE_URL": database_url()}
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
