import hashlib
import hmac
from typing import Any

from django.db import models


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Scenario(models.Model):
    """A user's topology, shared read-only by its slug; edited with its secret."""

    slug = models.CharField(max_length=32, unique=True)
    edit_secret_hash = models.CharField(max_length=64)
    name = models.CharField(max_length=80)
    forked_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="forks")
    template_slug = models.SlugField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.slug

    def secret_matches(self, secret: str) -> bool:
        return bool(secret) and hmac.compare_digest(self.edit_secret_hash, hash_secret(secret))

    @property
    def current(self) -> "Revision":
        revision = self.revisions.order_by("-number").first()
        assert revision is not None, "every scenario has at least one revision"
        return revision

    @property
    def document(self) -> dict[str, Any]:
        return self.current.document


class Revision(models.Model):
    """One saved state of a scenario. Restoring an old one saves it again as the newest."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    document = models.JSONField()
    note = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["scenario", "number"], name="unique_revision_number")]

    def __str__(self) -> str:
        return f"{self.scenario.slug}@{self.number}"
