"""Writes for scenarios. Every document passes the one validator before it is stored."""

import secrets
from typing import Any

from django.db import transaction

from apps.live.groups import scenario_saved_notify
from apps.scenarios.models import Revision, Scenario, hash_secret
from apps.topology.blank import blank_document
from apps.topology.validation import TopologyError, validate_document


def _validated(document: Any) -> dict[str, Any]:
    result = validate_document(document)
    if result.errors:
        raise TopologyError(result.errors)
    valid: dict[str, Any] = result.document
    return valid


def scenario_create(
    *,
    document: Any,
    template_slug: str = "",
    forked_from: Scenario | None = None,
    note: str = "Created",
) -> tuple[Scenario, str]:
    """Store a new scenario; return it and its edit secret (shown once, stored hashed)."""
    valid = _validated(document)
    secret = secrets.token_urlsafe(24)
    with transaction.atomic():
        scenario = Scenario.objects.create(
            slug=secrets.token_urlsafe(12),
            edit_secret_hash=hash_secret(secret),
            name=valid["name"],
            template_slug=template_slug,
            forked_from=forked_from,
        )
        Revision.objects.create(scenario=scenario, number=1, document=valid, note=note)
    return scenario, secret


def scenario_create_blank(*, name: str = "Untitled scenario") -> tuple[Scenario, str]:
    return scenario_create(document=blank_document(name=name), note="Blank scenario")


def scenario_update(*, scenario: Scenario, document: Any, note: str = "Saved") -> Revision:
    """Save a new revision (no new revision when nothing changed)."""
    valid = _validated(document)
    with transaction.atomic():
        locked = Scenario.objects.select_for_update().get(pk=scenario.pk)
        current = locked.current
        if current.document == valid:
            return current
        revision = Revision.objects.create(scenario=locked, number=current.number + 1, document=valid, note=note)
        locked.name = valid["name"]
        locked.save(update_fields=["name", "updated_at"])
        transaction.on_commit(
            lambda: scenario_saved_notify(slug=locked.slug, revision=revision.number, name=locked.name)
        )
    scenario.refresh_from_db()
    return revision


def scenario_fork(*, scenario: Scenario) -> tuple[Scenario, str]:
    document = dict(scenario.document)
    name = document["name"]
    document["name"] = (name if name.startswith("Fork of ") else f"Fork of {name}")[:80]
    return scenario_create(
        document=document, forked_from=scenario, note=f"Forked from revision {scenario.current.number}"
    )


def revision_restore(*, scenario: Scenario, number: int) -> Revision:
    old = scenario.revisions.get(number=number)
    return scenario_update(scenario=scenario, document=old.document, note=f"Restored revision {number}")
