"""What retention leaves behind: a tombstone per deleted run, so its report link says so."""

from django.db import models


class PrunedRun(models.Model):
    """A run deleted by `manage.py prune` (apps/ops/services.py): its id, and after how long."""

    id = models.CharField(primary_key=True, max_length=32)
    ended_at = models.DateTimeField(null=True, blank=True)
    kept_days = models.PositiveIntegerField(help_text="The retention age it was deleted at")
    pruned_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"pruned run {self.id}"
