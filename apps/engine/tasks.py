"""The fleet's one hot task: apply an event at a node (see apps/engine/runtime/hop.py).

The run driver task, `engine.drive`, lives in apps/engine/control.py (queue `control`); it
is imported here so every worker registers it."""

import json

from celery import shared_task

from apps.engine.control import drive
from apps.engine.runtime.apply import apply_event


@shared_task(name="engine.hop", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def hop(run: str, event: str) -> None:
    apply_event(run, json.loads(event))


__all__ = ["drive", "hop"]


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
        from apps.engine.runtime.redis import client

        client().incr("bench:chains-done")
