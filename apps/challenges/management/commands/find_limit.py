"""`manage.py find_limit <template | file> [--goal METRIC<=N | METRIC>=N ...] [--seconds 10]
[--seeds 1 2] [--fleet]`: ramp a design's traffic on the engine until a goal fails; print each
step, the highest sustained rate and the bottleneck (apps/challenges/limit.py)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.challenges.goals import Goal
from apps.challenges.limit import DEFAULT_GOALS, find_limit, goal_from_text
from apps.engine.simulation import SimulationInputError, load_topology, simulate
from apps.runtime.fleet import ensure_fleet
from apps.topology.validation import validate_document


def parse_goal(text: str) -> Goal:
    """ "p95_ms<=200", "availability>=0.999", "p95_ms:signup<=100" """
    try:
        return goal_from_text(text)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


class Command(BaseCommand):
    help = "Ramp a design's traffic until a goal fails: the highest sustained rate and the bottleneck."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="a template slug or a topology file")
        parser.add_argument("--goal", action="append", help="METRIC[:NODE]<=N or >=N (default: p95 ≤ 1 s, ≤ 1 %% fail)")
        parser.add_argument("--seconds", type=float, default=10.0, help="run time of each run")
        parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
        parser.add_argument("--fleet", action="store_true", help="start an engine worker for the search")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            document = load_topology(options["source"])
        except SimulationInputError as exc:
            raise CommandError(str(exc)) from None
        if not validate_document(document).ok:
            raise CommandError(f"{options['source']} is not a valid topology")
        goals = tuple(parse_goal(text) for text in options["goal"] or []) or DEFAULT_GOALS
        fleet = ensure_fleet() if options["fleet"] else None
        try:
            limit = find_limit(
                document, lambda doc: simulate(doc), seeds=tuple(options["seeds"]), duration_s=options["seconds"],
                goals=goals,
            )  # fmt: skip
        finally:
            if fleet is not None:
                fleet.stop()
        for step in limit.steps:
            missed = [g["name"] for g in step.goals if not g["passed"]]
            verdict = "held" if step.held else f"failed: {', '.join(missed)}"
            self.stdout.write(f"  ×{step.factor:g} ({step.rate:g} req/s): {verdict}")
        if limit.sustained_rate is None:
            self.stdout.write("Fails at its own traffic.")
        else:
            more = " (where the search stops: it may hold more)" if limit.capped else ""
            self.stdout.write(f"Sustains {limit.sustained_rate:g} req/s (×{limit.sustained_factor:g}){more}.")
        if limit.bottleneck:
            node = limit.bottleneck
            line = node.get("longest_line")
            util = node.get("predicted_utilisation")
            p95 = node["p95_ms"]
            self.stdout.write(
                f"Bottleneck: {node['node']}, its p95 {p95['held']:g} → {p95['failed']:g} ms"
                + (f" (predicted utilisation {util:.2f})" if util is not None else "")
                + (f"; longest waiting line: {line['node']}, {line['depth']}" if line else "")
            )
