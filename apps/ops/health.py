"""Is the playground able to run scenarios? The database, Redis, and at least one worker on
each of the `engine` and `control` queues answering (asked over the broker, with a short timeout)."""

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection

from apps.runtime.broker import ENGINE_QUEUE
from apps.runtime.fleet import CONTROL_QUEUE
from apps.runtime.redis import client
from playground.celery import app

log = logging.getLogger(__name__)


@dataclass
class Check:
    ok: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "detail": self.detail}


def _database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure is the answer
        return Check(False, f"unreachable: {type(exc).__name__}")
    return Check(True, connection.vendor)


def _redis() -> Check:
    try:
        client().ping()
    except Exception as exc:  # noqa: BLE001 - any failure is the answer
        return Check(False, f"unreachable: {type(exc).__name__}")
    return Check(True, "answers")


def worker_queues(timeout_s: float) -> dict[str, set[str]]:
    """Each answering worker's name and the queues it consumes."""
    replies = app.control.inspect(timeout=timeout_s).active_queues() or {}
    return {name: {queue["name"] for queue in queues} for name, queues in replies.items()}


def _workers(redis_ok: bool) -> tuple[Check, Check]:
    if not redis_ok:
        down = Check(False, "not asked: the broker (Redis) is unreachable")
        return down, down
    try:
        answering = worker_queues(float(settings.PLAYGROUND_HEALTH_TIMEOUT_S))
    except Exception as exc:  # noqa: BLE001 - any failure is the answer
        down = Check(False, f"could not ask the workers: {type(exc).__name__}")
        return down, down
    checks = []
    for queue in (ENGINE_QUEUE, CONTROL_QUEUE):
        names = sorted(name for name, queues in answering.items() if queue in queues)
        if names:
            checks.append(Check(True, f"{len(names)} answering"))
        else:
            checks.append(Check(False, f"no worker on the {queue!r} queue answered"))
    return checks[0], checks[1]


def health() -> dict[str, Any]:
    redis_check = _redis()
    engine, control = _workers(redis_check.ok)
    checks = {"database": _database(), "redis": redis_check, "engine_worker": engine, "control_worker": control}
    failed = [name for name, check in checks.items() if not check.ok]
    if failed:
        log.warning("health check failing: %s", ", ".join(failed))
    return {
        "ok": not failed,
        "failed": failed,
        "checks": {name: check.as_dict() for name, check in checks.items()},
    }
