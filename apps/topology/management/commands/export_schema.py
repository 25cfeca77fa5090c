import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from apps.topology.reference import replace_reference
from apps.topology.schema import SCHEMA_PATH, build_schema

DOC_PATH = Path(__file__).resolve().parents[4] / "docs" / "topology-format.md"


def schema_text() -> str:
    return json.dumps(build_schema(), indent=2) + "\n"


class Command(BaseCommand):
    help = "Write the topology JSON Schema and the reference in docs/topology-format.md from the declarations."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--check", action="store_true", help="Fail if the committed file is out of date.")

    def handle(self, *args: Any, **options: Any) -> None:
        outputs = {SCHEMA_PATH: schema_text(), DOC_PATH: replace_reference(DOC_PATH.read_text())}
        if options["check"]:
            stale = [path.name for path, text in outputs.items() if not path.exists() or path.read_text() != text]
            if stale:
                self.stderr.write(f"{', '.join(stale)} out of date: run `python manage.py export_schema`.")
                raise SystemExit(1)
            self.stdout.write("The schema and the format reference are up to date.")
            return
        for path, text in outputs.items():
            path.write_text(text)
            self.stdout.write(f"Wrote {path}")
