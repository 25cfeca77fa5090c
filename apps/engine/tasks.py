"""The fleet's one hot task: a step of a run, applying its next events (apps/runtime/step.py).

The run driver task, `engine.drive`, lives in apps/engine/control.py (queue `control`); it
is imported here so every worker registers it."""

import logging
import time
from typing import Any

from celery import shared_task
from celery.signals import worker_ready, worker_shutdown
from django.db import DatabaseError, close_old_connections

from apps.engine.control import drive
from apps.runtime.broker import ENGINE_QUEUE
from apps.runtime.capacity import Announcer
from apps.runtime.step import run_step

log = logging.getLogger(__name__)


DATABASE_ATTEMPTS = 3  # a domain behaviour's database may be busy for a moment (a lock, a reconnect)


@shared_task(name="engine.step", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def step(run: str) -> None:
    """Apply the run's next events; a database error is retried from the start (a step is
    applied whole or not at all, and domain behaviours are idempotent)."""
    for attempt in range(DATABASE_ATTEMPTS):
        try:
            run_step(run)
            return
        except DatabaseError:
            if attempt == DATABASE_ATTEMPTS - 1:
                raise
            log.warning("run %s: database error in a step, trying again", run, exc_info=True)
            close_old_connections()
            time.sleep(0.05 * 2**attempt)


__all__ = ["drive", "step"]


# --- the fleet's register of engine workers (apps/runtime/capacity.py) --------------

_announcer: Announcer | None = None


@worker_ready.connect
def announce_engine_worker(sender: Any, **kwargs: Any) -> None:
    """An engine worker tells admission it is here, with its pool size, while it runs."""
    global _announcer
    consumed = set(getattr(sender.app.amqp.queues, "consume_from", None) or {})
    if ENGINE_QUEUE not in consumed:
        return
    controller = sender.controller
    _announcer = Announcer(str(controller.hostname), int(getattr(controller, "concurrency", 1) or 1))
    _announcer.start()


@worker_shutdown.connect
def retire_engine_worker(sender: Any, **kwargs: Any) -> None:
    if _announcer is not None:
        _announcer.stop()


# --- the raw Celery ceiling, measured by bench/engine.py ----------------------------------


@shared_task(name="engine.noop", acks_late=True, ignore_result=True)
def noop() -> None:
    """Does nothing: its drain rate is the broker and worker's own per-task cost."""


@shared_task(name="engine.chain_step", acks_late=True, ignore_result=True)
def chain_step(remaining: int, queue: str) -> None:
    """Publishes the next step of a bare chain (the cost of a hop that does no engine work)."""
    if remaining > 1:
        chain_step.apply_async((remaining - 1, queue), queue=queue)
    else:
        from apps.runtime.redis import client

        client().incr("bench:chains-done")
