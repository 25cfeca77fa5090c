"""Load the built-in templates from apps/library/scenarios/*.json into the database."""

import json
from pathlib import Path

from django.db import transaction

from apps.library.models import Template
from apps.topology.validation import TopologyError, validate_document

SCENARIOS_DIR = Path(__file__).with_name("scenarios")

# Gallery order: from the first concept to the whole platform.
ORDER = (
    "event-bus-fanout",
    "queue-buffering",
    "queue-vs-bus",
    "queue-bus-log",
    "idempotent-consumers",
    "outbox-cdc",
    "cqrs-reservations",
    "saga-compensation",
    "lb-round-robin",
    "lb-least-connections",
    "lb-ip-hash",
    "lb-weighted",
    "ha-failover",
    "multi-zone",
    "dns-failover",
    "unreliable-network",
    "db-replication",
    "circuit-breaker",
    "cold-cache",
    "broker-trouble",
    "rate-limiting",
    "autoscaling",
    "tired-servers",
    "search-and-storage",
    "ecommerce-platform",
)


def template_files() -> dict[str, Path]:
    return {path.stem: path for path in sorted(SCENARIOS_DIR.glob("*.json"))}


def templates_load() -> list[Template]:
    """Upsert every template file; refuse the whole load if any file is invalid."""
    loaded = []
    documents = {}
    for slug, path in template_files().items():
        document = json.loads(path.read_text())
        result = validate_document(document)
        if result.errors:
            raise TopologyError([p for p in result.errors])
        documents[slug] = document
    with transaction.atomic():
        for slug, document in documents.items():
            position = ORDER.index(slug) if slug in ORDER else len(ORDER)
            template, _ = Template.objects.update_or_create(
                slug=slug, defaults={"name": document["name"], "document": document, "position": position}
            )
            loaded.append(template)
        Template.objects.exclude(slug__in=documents).delete()
    return loaded
