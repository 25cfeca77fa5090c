"""A run: one execution of a scenario's revision on the live engine, and what it measured."""

import secrets
import string
from datetime import timedelta
from typing import Any

from django.db import models
from django.utils import timezone

RUN_ID_ALPHABET = string.ascii_lowercase + string.digits
RUN_ID_LENGTH = 20  # ~103 bits: the id is the read link, so it must not be guessable

# A run's row counts towards the concurrency cap until it ends, or at the latest until this
# long after its expected end (a control worker killed mid-run never writes the end).
DRAIN_TIMEOUT_S = 60.0
ACTIVE_GRACE_S = 120.0


def new_run_id() -> str:
    return "".join(secrets.choice(RUN_ID_ALPHABET) for _ in range(RUN_ID_LENGTH))


class RunQuerySet(models.QuerySet["Run"]):
    def active(self) -> "RunQuerySet":
        """Runs that hold a slot: queued, running or draining, and not long past their end."""
        return self.filter(status__in=Run.ACTIVE, expires_at__gt=timezone.now())


class Run(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DRAINING = "draining"
        FINISHED = "finished"
        STOPPED = "stopped"
        FAILED = "failed"

    ACTIVE = (Status.QUEUED, Status.RUNNING, Status.DRAINING)
    ENDED = (Status.FINISHED, Status.STOPPED, Status.FAILED)

    id = models.CharField(primary_key=True, max_length=32, default=new_run_id, editable=False)
    scenario = models.ForeignKey(
        "scenarios.Scenario", null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    revision = models.PositiveIntegerField(null=True, blank=True)
    document = models.JSONField(help_text="The topology as it was run (with the run settings applied)")
    seed = models.BigIntegerField()
    speed = models.FloatField(
        null=True, blank=True, help_text="The speed ceiling (null: max, as fast as the workers can)"
    )
    duration_s = models.FloatField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(help_text="After this the run no longer counts towards the cap")
    summary = models.JSONField(null=True, blank=True)
    series = models.JSONField(default=list, blank=True, help_text="Live frames, at most 2 per second")
    error = models.TextField(blank=True)
    demand = models.FloatField(default=0.0, help_text="Events per second of wall time the run is estimated to need")
    waiting = models.JSONField(
        null=True, blank=True, help_text="Why the run waits for the fleet, and when it may start (null once started)"
    )

    objects = RunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "expires_at"], name="run_active")]

    def __str__(self) -> str:
        return f"run {self.id} ({self.status})"

    @property
    def ended(self) -> bool:
        return self.status in self.ENDED

    @property
    def wall_time_s(self) -> float:
        """The longest a run can take in wall-clock seconds: its traffic, then the drain."""
        return self.duration_s / (self.speed or 1.0) + DRAIN_TIMEOUT_S

    def set_expiry(self, start: Any = None) -> None:
        start = start or timezone.now()
        self.expires_at = start + timedelta(seconds=self.wall_time_s + ACTIVE_GRACE_S)


class AuditEvent(models.Model):
    """One entry of a run's audit log: what happened at which node, when (run time, ms), for
    which correlation (order) id. Written to Redis by the hops as they commit, and stored
    here once the run has ended (see apps/engine/audit.py)."""

    run_id = models.CharField(max_length=32)
    seq = models.PositiveIntegerField(help_text="Position in the run's log")
    t_ms = models.FloatField()
    node = models.CharField(max_length=80)
    kind = models.CharField(max_length=32)
    corr = models.CharField(max_length=80, blank=True)
    detail = models.JSONField(default=dict)

    class Meta:
        ordering = ["run_id", "seq"]
        indexes = [
            models.Index(fields=["run_id", "corr"], name="audit_trace"),
            models.Index(fields=["run_id", "kind", "seq"], name="audit_kind"),
        ]
        constraints = [models.UniqueConstraint(fields=["run_id", "seq"], name="audit_seq")]

    def __str__(self) -> str:
        return f"{self.run_id}#{self.seq} {self.kind} at {self.node}"
