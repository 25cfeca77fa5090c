"""Does every fault change something wherever it can be fired? An audit over the templates.

    python scripts/fault_reach.py [--seconds 8] [--only node|edge]

A fault that the editor and the Chaos tab offer on a kind (or on an edge between two kinds)
but whose handler ignores there would change nothing, and a user would conclude the design
survives it. For every node fault and every kind it targets, and every edge fault and every
pair of kinds an edge joins (its source → its target), this finds a template that has such a
node or edge, runs it at speed max with its own faults removed, once calm and once with the
fault fired at 2 s for 3 s, and compares the two summaries (everything but the clock, the
run's id and the fault log). One template where they differ is enough; otherwise the next
template with such a place is tried. It prints each place with the template where the fault
showed, and lists the places where it never did (the exit status is 1 when there are any)
and the kinds a node fault targets that no template has (it cannot tell about those).

A place can show nothing for a reason of the templates, not of the engine (an edge no traffic
crosses in 8 s, a scheduler that fires less often): look at such a place before fixing it.
It found that a cut edge out of a client, packet loss on a broker's session, a slow link on an
event log's delivery and a noisy neighbour on a function did nothing (all fixed). About four
minutes on two cores. Starts a worker on the suite's Redis (REDIS_URL, or the embedded one).
"""

import argparse
import copy
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playground.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from apps.engine.simulation import load_topology, prepare, simulate  # noqa: E402
from apps.library.services import ORDER  # noqa: E402
from apps.runtime.fleet import ensure_fleet  # noqa: E402
from apps.topology.faults import FAULT_TYPES, RESTORES, FaultType  # noqa: E402

# A strong setting of each fault's parameter: the point is whether it acts, not how much.
STRONG = {
    "latency_ms": 300, "error_rate": 1, "factor": 3, "share": 0.5, "slots": 64, "leak_ms_per_s": 200,
    "seconds": 5, "delay_ms": 300, "loss": 0.5, "window_ms": 300,
}  # fmt: skip
VOLATILE = ("clock", "run", "faults", "drain_s")  # wall time, ids, the fault log itself

Place = tuple[str, str]  # (fault, kind) or (fault, "source kind → target kind")


def figures(summary: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in summary.items() if k not in VOLATILE}, sort_keys=True, default=str)


def fault_at(fault_type: FaultType, target: str) -> dict[str, Any]:
    fault: dict[str, Any] = {"at_s": 2, "action": fault_type.name, "target": target}
    if not fault_type.instant:
        fault["duration_s"] = 3
    if fault_type.param and fault_type.param != "instance":
        fault[fault_type.param] = STRONG[fault_type.param]
    return fault


def strongest(fault: dict[str, Any]) -> dict[str, Any]:
    """The fault on for the whole run, a share (a loss, an error rate) at its maximum."""
    fault_type = FAULT_TYPES[fault["action"]]
    out = dict(fault)
    if not fault_type.instant:
        out["at_s"] = 0
        out.pop("duration_s", None)
    if fault_type.param in out and fault_type.param_maximum <= 1:
        out[fault_type.param] = fault_type.param_maximum
    return out


def places(document: dict[str, Any], only: str | None) -> Iterator[tuple[Place, dict[str, Any]]]:
    """Every place in the document a fault can be fired at, with the fault."""
    kinds = {node["id"]: node["kind"] for node in document["nodes"]}
    for fault_type in FAULT_TYPES.values():
        if fault_type.name in RESTORES or (only and fault_type.target != only):
            continue
        if fault_type.target == "node":
            for node_id, kind in kinds.items():
                if not fault_type.target_kinds or kind in fault_type.target_kinds:
                    yield (fault_type.name, kind), fault_at(fault_type, node_id)
        else:
            for edge in document["edges"]:
                where = f"{kinds[edge['from']]} → {kinds[edge['to']]}"
                yield (fault_type.name, where), fault_at(fault_type, edge["id"])


def run(document: dict[str, Any], faults: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    changed = {**copy.deepcopy(document), "faults": faults, "playbooks": []}
    return simulate(prepare(changed, settings=[], faults=[], duration=seconds, seed=7, speed="max"))


class Audit:
    """The places found so far: where each fault showed, and the templates each was tried in."""

    def __init__(self, only: str | None) -> None:
        self.only = only
        self.shown: dict[Place, str] = {}
        self.tried: dict[Place, list[str]] = {}

    def silent(self) -> list[Place]:
        return sorted(place for place in self.tried if place not in self.shown)

    def round(self, slugs: list[str], seconds: float, *, again: bool = False) -> None:
        """Try, in each template, the places not shown yet (with `again`: only those already
        tried there)."""
        for slug in slugs:
            document = load_topology(slug)
            todo = [
                (place, fault)
                for place, fault in places(document, self.only)
                if place not in self.shown and (not again or slug in self.tried.get(place, []))
            ]
            if not todo:
                continue
            calm = figures(run(document, [], seconds))
            for place, fault in todo:
                if place in self.shown:
                    continue  # two such places in one template: the first showed it
                self.tried.setdefault(place, []).append(slug)
                if again:
                    fault = strongest(fault)
                if figures(run(document, [fault], seconds)) != calm:
                    self.shown[place] = f"{slug} ({seconds:g} s)" if again else slug
                    print(f"  acts    {place[0]:<20} {place[1]:<32} {self.shown[place]}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--only", choices=("node", "edge"))
    args = parser.parse_args()
    call_command("migrate", interactive=False, verbosity=0)
    fleet = ensure_fleet()
    audit = Audit(args.only)
    try:
        audit.round(list(ORDER), args.seconds)
        # What showed nothing gets a longer run where it was tried, with the fault on from the
        # start: a scheduler that fires rarely, a function that needs more traffic to scale out.
        retry = sorted({slug for place in audit.silent() for slug in audit.tried[place]})
        audit.round(retry, 3 * args.seconds, again=True)
    finally:
        fleet.stop()
    silent = audit.silent()
    for fault, where in silent:
        tried = ", ".join(sorted(set(audit.tried[(fault, where)])))
        print(f"  SILENT  {fault:<20} {where:<32} tried: {tried}")
    unplaced = [
        (fault_type.name, kind)
        for fault_type in FAULT_TYPES.values()
        if fault_type.target == "node" and fault_type.name not in RESTORES and args.only != "edge"
        for kind in fault_type.target_kinds
        if (fault_type.name, kind) not in audit.tried
    ]
    for fault, kind in unplaced:
        print(f"  UNSEEN  {fault:<20} {kind:<32} no template has one")
    print(f"{len(audit.shown)} places where a fault acts, {len(silent)} where it showed nothing")
    return 1 if silent else 0


if __name__ == "__main__":
    sys.exit(main())
