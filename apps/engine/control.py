"""The control task: one run's driver, on the `control` queue, never on a hop worker.

`engine.drive(run_id)` is consumed by its own worker (`-Q control --pool threads
--concurrency PLAYGROUND_MAX_RUNS`, see scripts/run.py and runtime/fleet.py), so a run's
clock can never take a slot the steps need. It claims the queued Run once the fleet has room
for it (apps/engine/admission.py; until then it records why the run waits and looks again
every WAIT_POLL_S), drives it (publishing every sample to the run's websocket group), stores
the summary and the time series (the run has ended then: Stop answers within 2 s), then the
audit log, and releases the run's Redis keys whatever happened.
"""

import logging
import time
import traceback
from datetime import timedelta
from typing import Any

import redis
from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from apps.engine import admission, audit
from apps.engine.models import ACTIVE_GRACE_S, DRAIN_TIMEOUT_S, Run
from apps.engine.signals import run_ended
from apps.engine.stream import RunStream
from apps.runtime import keys
from apps.runtime.clock import speed_value
from apps.runtime.driver import Driver, release
from apps.runtime.redis import client
from apps.runtime.summary import build_summary

log = logging.getLogger(__name__)

STOP_POLL_S = 0.1  # the driver asks "stop?" every tick; Redis is asked at most this often
WAIT_POLL_S = 1.0  # a run waiting for the fleet looks again this often
ALIVE_EVERY_S = 10.0  # a run going pushes its expiry ACTIVE_GRACE_S ahead this often


def stop_key(run_id: str) -> str:
    return f"{keys.prefix(run_id)}stop"


class StopFlag:
    """The driver's `should_stop`: the run's stop key in Redis, polled at most every STOP_POLL_S."""

    def __init__(self, run_id: str):
        self.key = stop_key(run_id)
        self.raised = False
        self.next_poll = 0.0

    def __call__(self) -> bool:
        now = time.monotonic()
        if not self.raised and now >= self.next_poll:
            self.next_poll = now + STOP_POLL_S
            self.raised = bool(client().exists(self.key))
        return self.raised


class RunDriver(Driver):
    """The engine's Driver, telling the run's row and viewers when the drain begins."""

    def __init__(self, run: Run, stop: StopFlag):
        super().__init__(
            run.id,
            run.document,
            duration_s=run.duration_s,
            seed=run.seed,
            drain_timeout_s=DRAIN_TIMEOUT_S,
            should_stop=stop,
        )
        self.stream = RunStream(run.id, self.plan, duration_s=self.duration_s)
        self.on_sample = self.stream.on_sample
        self.alive_next = time.monotonic() + ALIVE_EVERY_S

    def drain(self) -> tuple[bool, float]:
        Run.objects.filter(pk=self.run).update(status=Run.Status.DRAINING)
        self.stream.set_status(Run.Status.DRAINING)
        return super().drain()

    def sample(self, at_ms: float | None = None) -> None:
        super().sample(at_ms)
        now = time.monotonic()
        if now >= self.alive_next:  # a run the fleet slows keeps counting; a dead driver's run soon stops
            self.alive_next = now + ALIVE_EVERY_S
            Run.objects.filter(pk=self.run, status__in=Run.ACTIVE).update(
                expires_at=timezone.now() + timedelta(seconds=ACTIVE_GRACE_S)
            )


@shared_task(name="engine.drive", acks_late=False, ignore_result=True)  # queue "control": CELERY_TASK_ROUTES
def drive(run_id: str) -> None:
    """Acknowledged on receipt: a run is never started twice (a lost control worker leaves
    its run to expire from the cap, see Run.expires_at)."""
    drive_run(run_id)


def admit(run: Run) -> bool:
    """Claim a queued run if the fleet has room for it now (admission.py); else record why it
    waits and look again in WAIT_POLL_S. False when it is not to be driven (yet, or at all)."""
    if run.status != Run.Status.QUEUED:
        log.info("run %s is %s, not queued: nothing to drive", run.id, run.status)
        return False
    if run.expires_at <= timezone.now():
        waited = f" ({run.waiting['reason']})" if run.waiting else ""
        Run.objects.filter(pk=run.id, status=Run.Status.QUEUED).update(
            status=Run.Status.FAILED, ended_at=timezone.now(), error=f"waited too long for the workers{waited}"
        )
        return False
    with admission.start_lock():
        decision = admission.decide(run=run)
        if not decision.admit:
            Run.objects.filter(pk=run.id, status=Run.Status.QUEUED).update(waiting=decision.waiting())
            drive.apply_async((run.id,), countdown=WAIT_POLL_S)
            return False
        started = timezone.now()
        run.set_expiry(started)
        claimed = Run.objects.filter(pk=run.id, status=Run.Status.QUEUED).update(
            status=Run.Status.RUNNING, started_at=started, expires_at=run.expires_at, waiting=None
        )
    if claimed:
        run.status, run.started_at, run.waiting = Run.Status.RUNNING, started, None
    return bool(claimed)


def finished_series(driver: "RunDriver | None", status: str) -> list[dict[str, Any]]:
    """The run's series, and its last frames sent; what cannot be sent (Redis gone) is left."""
    if driver is None:
        return []
    try:
        return driver.stream.finish(status)
    except redis.RedisError:
        log.warning("run %s: could not send its last frames", driver.run, exc_info=True)
        return list(driver.stream.series)


def store_audit(run_id: str, summary: dict[str, Any]) -> None:
    """The ended run's audit log into the database; until it is there, reads come from Redis.
    Should it fail, the summary says how many entries were stored: none."""
    try:
        stored = audit.persist(run_id)
    except (redis.RedisError, DatabaseError):
        log.exception("run %s: could not store its audit log", run_id)
        stored = 0
    if stored != summary["audit"]["stored"]:
        summary["audit"]["stored"] = stored
        Run.objects.filter(pk=run_id).update(summary=summary)


def drive_run(run_id: str) -> None:
    run = Run.objects.filter(pk=run_id).first()
    if run is None:
        log.warning("run %s: no such run (deleted before it started)", run_id)
        return
    if not admit(run):
        return
    stop = StopFlag(run.id)
    driver: RunDriver | None = None
    status, error, summary = Run.Status.FAILED, "interrupted", None
    try:
        driver = RunDriver(run, stop)
        driver.stream.set_status(Run.Status.RUNNING)
        result = driver.execute()
        summary = build_summary(run.id, driver.plan, result, published=audit.published)
        summary["run"] = {
            "id": run.id, "duration_s": driver.duration_s, "seed": driver.seed, "speed": speed_value(driver.speed),
            "stopped": stop.raised,
        }  # fmt: skip
        summary["audit"] = {"stored": audit.to_store(run.id), "limit": audit.MAX_STORED}
        status, error = (Run.Status.STOPPED if stop.raised else Run.Status.FINISHED), ""
    except redis.RedisError as exc:
        log.exception("run %s failed: the engine's Redis went away", run.id)
        error = (
            f"the engine's Redis went away in the middle of the run ({exc}); the run's live state was "
            "there, so it cannot go on. Start it again: the workers reconnect by themselves."
        )[:2000]
    except Exception as exc:
        log.exception("run %s failed", run.id)
        error = "".join(traceback.format_exception_only(exc)).strip()[:2000]
    finally:
        try:
            series = finished_series(driver, status)
            Run.objects.filter(pk=run.id).update(
                status=status, ended_at=timezone.now(), summary=summary, series=series, error=error
            )
            if summary is not None and "audit" in summary:
                store_audit(run.id, summary)
        finally:
            try:
                release(run.id)  # the run's keys (the driver's cleanup is this)
            except redis.RedisError:
                log.warning("run %s: could not release its keys; they expire by themselves", run.id)
    for receiver, outcome in run_ended.send_robust(sender=Run, run_id=run.id, status=status):
        if isinstance(outcome, Exception):
            log.error("run %s: %r failed on its end", run.id, receiver, exc_info=outcome)
