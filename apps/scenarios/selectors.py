"""Reads for scenarios."""

import re

from django.db.models import QuerySet

from apps.scenarios.models import Revision, Scenario

# What services.scenario_create issues (secrets.token_urlsafe), within the column's length.
SLUG_RE = re.compile(r"[A-Za-z0-9_-]{1,32}")


def scenario_get(*, slug: str) -> Scenario | None:
    if not SLUG_RE.fullmatch(slug):
        return None  # no such slug was ever issued; and PostgreSQL refuses NUL in a query
    return Scenario.objects.filter(slug=slug).first()


def scenarios_by_slugs(*, slugs: list[str]) -> QuerySet[Scenario]:
    return Scenario.objects.filter(slug__in=slugs).order_by("-updated_at")


def revision_list(*, scenario: Scenario) -> QuerySet[Revision]:
    return scenario.revisions.order_by("-number")
