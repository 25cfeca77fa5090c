"""A search for a design's limit: its traffic ramped step by step on the engine's workers until
a goal fails (apps/challenges/limit.py decides each step; services.py runs them)."""

from django.db import models

from apps.engine.models import new_run_id


class LimitSearch(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running"  # its runs go one after the other: a step's seeds, then the next step
        DONE = "done"  # the highest sustained rate is known (or the design fails at its own traffic)
        STOPPED = "stopped"  # stopped by the owner
        ERROR = "error"  # a run could not be carried out: `error` says why

    ENDED = (Status.DONE, Status.STOPPED, Status.ERROR)

    id = models.CharField(primary_key=True, max_length=32, default=new_run_id, editable=False)
    scenario = models.ForeignKey("scenarios.Scenario", on_delete=models.CASCADE, related_name="limit_searches")
    revision = models.PositiveIntegerField(help_text="The scenario's revision searched")
    runner = models.ForeignKey(
        "scenarios.Scenario",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Holds the design at each step's traffic (one revision a step); its runs are the search's",
    )
    document = models.JSONField(help_text="The design searched (the scenario at `revision`)")
    goals = models.JSONField(help_text="[{name, metric, node?, at_most | at_least}]")
    seconds = models.FloatField(help_text="Run time of each run")
    seeds = models.JSONField(help_text="One run a seed at every step")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    steps = models.JSONField(default=list, blank=True, help_text="[{factor, rate, held, goals, runs}], judged")
    current = models.JSONField(null=True, blank=True, help_text="{factor, rate, runs}: the step under way")
    current_run = models.CharField(max_length=32, blank=True, db_index=True)
    waiting_since = models.DateTimeField(
        null=True, blank=True, help_text="Since when the search has had no run under way"
    )
    result = models.JSONField(null=True, blank=True, help_text="{sustained_factor, sustained_rate, capped, bottleneck}")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["scenario"], condition=models.Q(status="running"), name="one_running_limit_search_per_scenario"
            )
        ]

    def __str__(self) -> str:
        return f"limit search {self.id} of {self.scenario_id} ({self.status})"

    @property
    def ended(self) -> bool:
        return self.status in self.ENDED
