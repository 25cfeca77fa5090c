"""`manage.py challenge_check [slug ...] [--design reference|naive|start|<file>]`: judge designs
on the engine (a worker fleet must be up, or `--fleet` starts one) and print each goal."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.challenges.checking import check_design
from apps.challenges.format import catalogue, solution
from apps.runtime.fleet import ensure_fleet


class Command(BaseCommand):
    help = "Judge challenge designs on the engine and print their goals' measured values."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slugs", nargs="*", help="challenges to check (all by default)")
        parser.add_argument("--design", action="append", help="reference, naive, start or a file (repeatable)")
        parser.add_argument("--fleet", action="store_true", help="start an engine worker for the check")

    def handle(self, *args: Any, **options: Any) -> None:
        challenges = catalogue()
        slugs = options["slugs"] or list(challenges)
        unknown = [slug for slug in slugs if slug not in challenges]
        if unknown:
            raise CommandError(f"no challenge {', '.join(unknown)}; there are {', '.join(challenges)}")
        fleet = ensure_fleet() if options["fleet"] else None
        try:
            for slug in slugs:
                for which in options["design"] or ["reference", "naive"]:
                    self.judge(challenges[slug], which)
        finally:
            if fleet is not None:
                fleet.stop()

    def judge(self, challenge: Any, which: str) -> None:
        if which == "start":
            document = challenge.start
        elif which in ("reference", "naive"):
            document = solution(challenge.slug, which)
        else:
            document = json.loads(Path(which).read_text())
        verdict = check_design(challenge, document)
        word = "PASSED" if verdict["passed"] else "failed"
        budget = f"${verdict['cost_per_hour']:.2f}/h of ${challenge.budget_per_hour:.2f}"
        self.stdout.write(f"{challenge.slug} {which}: {word} ({budget}; {verdict['seconds']} s)")
        if verdict["over_budget"]:
            self.stdout.write("  over the budget" + ("" if verdict["goals"] else ": not run"))
        for goal in verdict["goals"]:
            mark = "ok " if goal["passed"] else "MISS"
            bound = f"≤ {goal['at_most']:g}" if "at_most" in goal else f"≥ {goal['at_least']:g}"
            measured = (
                "not measured"
                if goal["measured"] is None
                else (f"{goal['measured']:.4g} [{goal['low']:.4g}, {goal['high']:.4g}]")
            )
            self.stdout.write(f"  {mark} {goal['name']}: {measured} {bound}")
