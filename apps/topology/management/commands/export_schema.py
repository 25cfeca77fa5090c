import json
from typing import Any

from django.core.management.base import BaseCommand

from apps.topology.schema import SCHEMA_PATH, build_schema


def schema_text() -> str:
    return json.dumps(build_schema(), indent=2) + "\n"


class Command(BaseCommand):
    help = "Write the topology JSON Schema (built from the kind declarations) to apps/topology/topology.schema.json."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--check", action="store_true", help="Fail if the committed file is out of date.")

    def handle(self, *args: Any, **options: Any) -> None:
        text = schema_text()
        if options["check"]:
            if not SCHEMA_PATH.exists() or SCHEMA_PATH.read_text() != text:
                self.stderr.write("topology.schema.json is out of date: run `python manage.py export_schema`.")
                raise SystemExit(1)
            self.stdout.write("topology.schema.json is up to date.")
            return
        SCHEMA_PATH.write_text(text)
        self.stdout.write(f"Wrote {SCHEMA_PATH}")
