from typing import Any

from django.db import models


class Template(models.Model):
    """A built-in scenario, loaded from apps/library/scenarios/<slug>.json."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=80)
    document = models.JSONField()
    position = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.slug

    @property
    def description(self) -> str:
        value: Any = self.document.get("description", "")
        return str(value)
