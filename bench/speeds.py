"""Every built-in template at speed 1, 0.25, max, and 1 beside a neighbour, with the same seed
(docs/performance.md, "Same figures at any speed").

    python bench/speeds.py [--seconds 20] [--seed 5] [--only slug ...]

For each template it prints, per variant: requests created, completed, timed out, p50, p95,
availability, and the effective speed (run seconds per wall second); then whether the figures
were the same. The neighbour is the e-commerce template running as fast as it can on the same
workers. Starts a worker (prefork, concurrency 2) on the suite's Redis when none is running.
"""

import argparse
import json
import os
import sys
import threading
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

FIGURES = ("requests", "messages", "lost", "latency_ms", "availability", "timeline")


def run(slug: str, speed: float | str, seconds: float, seed: int) -> dict[str, Any]:
    return simulate(prepare(load_topology(slug), settings=[], faults=[], duration=seconds, seed=seed, speed=speed))


def beside_a_neighbour(slug: str, seconds: float, seed: int) -> dict[str, Any]:
    neighbour = prepare(load_topology("ecommerce-platform"), settings=[], faults=[], duration=600, speed="max")
    stop = threading.Event()

    def keep_busy() -> None:
        while not stop.is_set():
            simulate(neighbour)

    thread = threading.Thread(target=keep_busy, daemon=True)
    thread.start()
    try:
        return run(slug, 1, seconds, seed)
    finally:
        stop.set()
        thread.join(timeout=300)


def row(name: str, summary: dict[str, Any]) -> str:
    r, lat, clock = summary["requests"], summary["latency_ms"], summary["clock"]
    return (
        f"  {name:<16} {r['created']:>7} {r['completed']:>9} {r['timed_out']:>9} {lat['p50']:>9.2f} {lat['p95']:>9.2f}"
        f" {summary['availability'] * 100:>8.3f}% {clock['effective_speed']:>8.2f}×"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    call_command("migrate", interactive=False, verbosity=0)
    fleet = ensure_fleet()
    try:
        header = f"  {'variant':<16} {'created':>7} {'completed':>9} {'timed out':>9} {'p50 ms':>9} {'p95 ms':>9}"
        print(f"{args.seconds:g} s of traffic per run, seed {args.seed}; {os.cpu_count()} cores")
        for slug in args.only or ORDER:
            variants = {
                "1×": run(slug, 1, args.seconds, args.seed),
                "0.25×": run(slug, 0.25, args.seconds, args.seed),
                "max": run(slug, "max", args.seconds, args.seed),
                "1× + neighbour": beside_a_neighbour(slug, args.seconds, args.seed),
            }
            print(f"\n{slug}")
            print(f"{header} {'avail.':>9} {'speed':>9}")
            for name, summary in variants.items():
                print(row(name, summary))
            same = {json.dumps({k: s[k] for k in FIGURES}, sort_keys=True) for s in variants.values()}
            print(f"  figures identical in all four: {'yes' if len(same) == 1 else 'NO'}", flush=True)
    finally:
        fleet.stop()


if __name__ == "__main__":
    main()
