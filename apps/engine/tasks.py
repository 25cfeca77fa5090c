"""The fleet's one hot task: apply an event at a node (see apps/engine/runtime/hop.py)."""

import json

from celery import shared_task

from apps.engine.runtime.apply import apply_event


@shared_task(name="engine.hop", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def hop(run: str, event: str) -> None:
    apply_event(run, json.loads(event))
