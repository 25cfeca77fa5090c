"""`manage.py prune [--dry-run]`: delete runs, ended sessions and old revisions past their ages."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.ops.services import prune


class Command(BaseCommand):
    help = "Delete finished runs, ended training sessions and old scenario revisions past their ages (docs/limits.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count what would be deleted; delete nothing")

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        for line in prune(dry_run=dry_run).lines():
            self.stdout.write(line)
