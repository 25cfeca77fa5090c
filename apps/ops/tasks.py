"""Retention, periodically, from the control worker: there is no `celery beat` process.

Every control worker (a worker consuming the `control` queue) starts a daemon thread that
calls `prune()` every PLAYGROUND_PRUNE_EVERY_S seconds (0: never; then run `manage.py prune`
from cron, docs/limits.md). A claim in Redis makes one worker of the fleet prune per period.
The thread works outside the worker's pool, so pruning never holds a run driver's slot.
"""

import logging
import threading
from typing import Any

from celery.signals import worker_ready, worker_shutdown
from django.conf import settings
from django.db import connections

from apps.runtime.fleet import CONTROL_QUEUE
from apps.runtime.redis import client

log = logging.getLogger(__name__)
CLAIM = "pg:ops:prune-claim"
FIRST_AFTER_S = 60.0


def claim_prune(name: str, every_s: int) -> bool:
    """True for the one worker that prunes this period."""
    return bool(client().set(CLAIM, name, nx=True, ex=max(1, every_s - 5)))


def prune_once(name: str, every_s: int) -> None:
    from apps.ops.services import prune

    try:
        if not claim_prune(name, every_s):
            return
        for line in prune().lines():
            log.info("prune: %s", line)
    except Exception:
        log.exception("prune failed; trying again next period")


class Pruner:
    def __init__(self, name: str, every_s: int):
        self.name, self.every_s = name, every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="ops-pruner", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _loop(self) -> None:
        if self._stop.wait(min(FIRST_AFTER_S, self.every_s)):
            return
        while True:
            prune_once(self.name, self.every_s)
            connections.close_all()  # this thread's own connection: not held between periods
            if self._stop.wait(self.every_s):
                return

    def stop(self) -> None:
        self._stop.set()


_pruner: Pruner | None = None


@worker_ready.connect
def start_pruner(sender: Any, **kwargs: Any) -> None:
    global _pruner
    every_s = int(settings.PLAYGROUND_PRUNE_EVERY_S)
    consumed = set(getattr(sender.app.amqp.queues, "consume_from", None) or {})
    if every_s <= 0 or CONTROL_QUEUE not in consumed or _pruner is not None:
        return
    _pruner = Pruner(str(sender.controller.hostname), every_s)
    _pruner.start()


@worker_shutdown.connect
def stop_pruner(sender: Any, **kwargs: Any) -> None:
    if _pruner is not None:
        _pruner.stop()
