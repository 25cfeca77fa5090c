from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.library.services import templates_load
from apps.topology.validation import TopologyError


class Command(BaseCommand):
    help = "Load (or refresh) the built-in templates from apps/library/scenarios/."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            templates = templates_load()
        except TopologyError as exc:
            raise CommandError(f"a template is invalid: {exc}") from None
        self.stdout.write(f"Loaded {len(templates)} templates.")
