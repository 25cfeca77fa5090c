"""Reads for scenarios."""

from django.db.models import QuerySet

from apps.scenarios.models import Revision, Scenario


def scenario_get(*, slug: str) -> Scenario | None:
    return Scenario.objects.filter(slug=slug).first()


def scenarios_by_slugs(*, slugs: list[str]) -> QuerySet[Scenario]:
    return Scenario.objects.filter(slug__in=slugs).order_by("-updated_at")


def revision_list(*, scenario: Scenario) -> QuerySet[Revision]:
    return scenario.revisions.order_by("-number")
