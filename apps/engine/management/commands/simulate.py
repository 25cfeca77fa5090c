import argparse
import json
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.engine.simulation import SimulationInputError, load_topology, prepare, simulate
from apps.runtime.fleet import ensure_fleet
from apps.topology.validation import TopologyError


def speed_argument(text: str) -> float | str:
    if text == "max":
        return text
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number or 'max' (got {text!r})") from None


class Command(BaseCommand):
    help = "Run a template or a topology file on the live engine and print its summary (docs/cli.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="a template slug (e.g. queue-buffering) or a path to a topology JSON file")
        parser.add_argument(
            "--duration", type=float, help="seconds of traffic (default: the scenario's run.duration_s)"
        )
        parser.add_argument("--seed", type=int, help="random seed (default: the scenario's run.seed)")
        parser.add_argument(
            "--speed",
            type=speed_argument,
            help="a ceiling on run seconds per wall second: 1 = at most real time, 0.5 = slow motion, "
            "max = as fast as the workers can (default: the scenario's run.speed)",
        )
        parser.add_argument("--set", action="append", default=[], metavar="NODE.PROP=VALUE", help="change a property")
        parser.add_argument(
            "--fault", action="append", default=[], metavar="SPEC", help="add a fault: 'ACTION TARGET at=S [for=S] ...'"
        )
        parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            document = load_topology(options["source"])
            document = prepare(
                document,
                settings=options["set"],
                faults=options["fault"],
                duration=options["duration"],
                seed=options["seed"],
                speed=options["speed"],
            )
        except SimulationInputError as exc:
            raise CommandError(str(exc)) from None
        except TopologyError as exc:
            lines = "\n".join(f"  {p.path}: {p.message}" for p in exc.problems[:20])
            raise CommandError(f"the topology is invalid:\n{lines}") from None
        call_command("migrate", interactive=False, verbosity=0)  # domain behaviours write to the database
        fleet = ensure_fleet()
        try:
            summary = simulate(document)
        finally:
            fleet.stop()
        if options["json"]:
            self.stdout.write(json.dumps(summary))
            return
        self.stdout.write(format_summary(summary))


def format_summary(summary: dict[str, Any]) -> str:
    r, m, lat = summary["requests"], summary["messages"], summary["latency_ms"]
    lines = [
        f"Run {summary['run']['id']}: {summary['run']['duration_s']:g} s, seed {summary['run']['seed']}",
        f"Requests  created {r['created']}  completed {r['completed']}  failed {r['failed']}  rejected {r['rejected']}"
        f"  timed out {r['timed_out']}  in flight {r['in_flight']}",
        f"Messages  published {m['published']}  delivered {m['delivered']}  dead-lettered {m['dead_lettered']}"
        f"  pending {m['pending']}  duplicates {m['duplicates']}  handled twice {m.get('duplicates_applied', 0)}",
        f"Lost      {summary['lost']}",
        f"Latency   p50 {lat['p50']} ms  p95 {lat['p95']} ms  p99 {lat['p99']} ms  mean {lat['mean']} ms"
        f"  max {lat['max']} ms",
        f"Availability {summary['availability'] * 100:.3f}%"
        f"  ({summary['downtime_per_year']} of downtime a year at that rate)",
        speed_line(summary.get("clock") or {}),
        "",
        f"{'node':<22} {'kind':<14} {'processed':>9} {'errors':>7} {'p95 ms':>8} {'max depth':>9}",
    ]
    for node_id, node in summary["nodes"].items():
        lines.append(
            f"{node_id:<22} {node['kind']:<14} {node['processed']:>9} {node['errors']:>7} "
            f"{node['latency_ms']['p95']:>8} {node['max_queue_depth']:>9}"
        )
    return "\n".join(lines)


def speed_line(clock: dict[str, Any]) -> str:
    """How fast the run went: its ceiling, the effective speed, and the ordering check."""
    if not clock:
        return ""
    disorder = clock.get("out_of_order", {})
    return (
        f"Speed     {clock.get('text') or clock.get('speed')}  ({clock.get('events', 0)} events in"
        f" {clock.get('steps', 0)} steps, {clock.get('traffic_wall_s', 0):g} s of wall time for the traffic;"
        f" out of order: {disorder.get('events', 0)})"
    )
