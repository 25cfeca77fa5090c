"""The lean publish path: a run's next step written straight into the broker's Redis list.

When the Celery broker is the run's Redis (the default), the next `engine.step` task is
pushed as an ordinary Celery task message (protocol 2, the exact envelope kombu's Redis
transport writes) *inside the step's own commit*: the step's effects and the hand-over to
the next step happen together or not at all, at no extra round trip. With another broker
(e.g. RabbitMQ) the step is sent with `apply_async` after the commit instead; a step lost
between the two is queued again by the run's driver (its `busy` mark goes stale).
"""

import base64
import json
import os
import socket
import uuid
from functools import cache
from typing import Any

from django.conf import settings

ENGINE_QUEUE = "engine"
TASK_NAME = "engine.step"
_EMBED = {"callbacks": None, "errbacks": None, "chain": None, "chord": None}


@cache
def _origin() -> str:
    return f"{os.getpid()}@{socket.gethostname()}"


def lean() -> bool:
    """True when the broker is the engine's Redis, so events can ride in the hop's commit."""
    broker = getattr(settings, "CELERY_BROKER_URL", "") or settings.REDIS_URL
    return bool(broker == settings.REDIS_URL and broker.startswith("redis://"))


def task_message(args: list[Any], task: str = TASK_NAME, queue: str = ENGINE_QUEUE) -> str:
    """One task message (`engine.step(run)` by default) as kombu's Redis transport stores it."""
    task_id = str(uuid.uuid4())
    body = json.dumps([args, {}, _EMBED])
    message: dict[str, Any] = {
        "body": base64.b64encode(body.encode()).decode(),
        "content-encoding": "utf-8",
        "content-type": "application/json",
        "headers": {
            "lang": "py", "task": task, "id": task_id, "shadow": None, "eta": None, "expires": None,
            "group": None, "group_index": None, "retries": 0, "timelimit": [None, None], "root_id": task_id,
            "parent_id": None, "argsrepr": repr(tuple(args)), "kwargsrepr": "{}", "origin": _origin(),
            "ignore_result": True, "replaced_task_nesting": 0, "stamped_headers": None, "stamps": {},
        },
        "properties": {
            "correlation_id": task_id, "reply_to": "", "delivery_mode": 2,
            "delivery_info": {"exchange": "", "routing_key": queue}, "priority": 0,
            "body_encoding": "base64", "delivery_tag": str(uuid.uuid4()),
        },
    }  # fmt: skip
    return json.dumps(message)


def step_message(run: str) -> str:
    return task_message([run])


def send_step(run: str) -> None:
    """Queue the run's next step through Celery (any broker), by the task's name: the runtime
    does not import the run features that define it."""
    from celery import current_app

    current_app.send_task(TASK_NAME, (run,), queue=ENGINE_QUEUE)
