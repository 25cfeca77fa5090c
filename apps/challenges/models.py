"""A graded attempt at a challenge: the design as judged, its runs (one a seed) and its grade."""

from django.db import models

from apps.engine.models import new_run_id


class Attempt(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running"  # its runs go one after the other, one a seed
        PASSED = "passed"
        FAILED = "failed"  # a goal missed, or over the budget
        ERROR = "error"  # a run could not be carried out: no grade

    ENDED = (Status.PASSED, Status.FAILED, Status.ERROR)

    id = models.CharField(primary_key=True, max_length=32, default=new_run_id, editable=False)
    challenge = models.CharField(max_length=64, db_index=True)
    name = models.CharField(max_length=40, blank=True, help_text="The participant's display name")
    session = models.ForeignKey(
        "training.Session", null=True, blank=True, on_delete=models.SET_NULL, related_name="attempts"
    )
    participant = models.ForeignKey(
        "training.Participant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attempts",
        help_text="Who submitted it in a training session (its name is theirs)",
    )
    scenario = models.ForeignKey(
        "scenarios.Scenario", null=True, blank=True, on_delete=models.SET_NULL, related_name="attempts"
    )
    document = models.JSONField(help_text="The design as judged (the challenge's traffic and faults put back)")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    cost_per_hour = models.FloatField()
    runs = models.JSONField(default=list, blank=True, help_text="Run ids, one a seed, in order")
    current_run = models.CharField(max_length=32, blank=True, db_index=True)
    result = models.JSONField(null=True, blank=True, help_text="{goals: [...], explanation: [...]}")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.challenge} attempt {self.id} ({self.status})"

    @property
    def ended(self) -> bool:
        return self.status in self.ENDED
