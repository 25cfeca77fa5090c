"""Engine throughput against the raw Celery ceiling, with 1 and 2 worker processes, in one run
(docs/performance.md).

    python bench/engine.py [--seconds 60] [--runs 2]

For each fleet — one engine worker process, then two worker processes with distinct node
names (as on two hosts) — it starts the workers on the suite's Redis (REDIS_URL, or the
embedded one) and measures, with those workers and that Redis:

  (a) the raw ceiling: the drain rate of pre-queued no-op tasks;
  (b) the engine at speed `max`: the e-commerce template (its own traffic, domain behaviours
      included) and a chain of 20 services, `--runs` runs of each at the same time, in applied
      events per second of wall time across the fleet;
  (c) the ratio b / drain;

then (d) scale-out: events/s with 2 processes against 1, and whether every run's figures came
out the same with 1 and 2 processes (they must: a run's figures depend on its events only).
"""

import argparse
import json
import os
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playground.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from apps.engine.simulation import load_topology, prepare, simulate  # noqa: E402
from apps.engine.tasks import noop  # noqa: E402
from apps.runtime.broker import task_message  # noqa: E402
from apps.runtime.fleet import Fleet, ensure_fleet, start_worker, wait_for_worker  # noqa: E402
from apps.runtime.redis import client  # noqa: E402
from apps.topology.blank import blank_document  # noqa: E402

QUEUE = "engine"
FIGURES = ("requests", "messages", "lost", "latency_ms", "availability")


def drain_rate(count: int) -> float:
    """Queue `count` no-op tasks at once (one pipelined push), then time how fast the workers
    empty the queue."""
    r = client()
    pipe = r.pipeline(transaction=False)
    for _ in range(count):
        pipe.lpush(QUEUE, task_message([], task=noop.name))
    started = time.perf_counter()
    pipe.execute()
    while r.llen(QUEUE) > 0:
        time.sleep(0.002)
    return count / (time.perf_counter() - started)


def chain_document(services: int, rate: float) -> dict[str, Any]:
    """A client calling a chain of services, each a fixed 5 ms (item 3's chain)."""
    document = blank_document(name=f"{services}-service chain")
    names = [f"s{i}" for i in range(1, services + 1)]
    fixed = {"concurrency": 64, "latency": {"distribution": "fixed", "mean_ms": 5}}
    document["nodes"] = [
        {"id": "users", "kind": "client", "props": {"rate": rate, "commands": ["Go"], "timeout_ms": 120000}}
    ] + [{"id": name, "kind": "service", "props": fixed} for name in names]
    chain = ["users", *names]
    document["edges"] = [
        {"id": f"e{i}", "from": chain[i], "to": chain[i + 1], "props": {"timeout_ms": 120000}}
        for i in range(len(chain) - 1)
    ]
    return document


def run_together(documents: list[dict[str, Any]]) -> tuple[float, list[dict[str, Any]]]:
    """Run the documents at the same time (each its own run); fleet events/s and the summaries."""
    summaries: list[dict[str, Any]] = [{} for _ in documents]

    def one(index: int) -> None:
        summaries[index] = simulate(documents[index], run_id=f"bench{uuid.uuid4().hex[:8]}", drain_timeout_s=300)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(documents))]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    events = sum(int(summary["clock"]["events"]) for summary in summaries)
    return events / elapsed, summaries


def figures(summary: dict[str, Any]) -> str:
    return json.dumps({key: summary[key] for key in FIGURES}, sort_keys=True)


def measure(fleet: Fleet, processes: int, workloads: dict[str, list[dict[str, Any]]], drain_n: int) -> dict[str, Any]:
    workers = [start_worker(concurrency=1) for _ in range(processes)]
    fleet.workers.extend(workers)
    for _ in workers:
        wait_for_worker()
    time.sleep(1.0)  # let every worker finish starting
    out: dict[str, Any] = {"drain": drain_rate(drain_n)}
    for name, documents in workloads.items():
        rate, summaries = run_together(documents)
        out[name] = rate
        out[f"{name}:figures"] = [figures(summary) for summary in summaries]
        out[f"{name}:events"] = sum(int(summary["clock"]["events"]) for summary in summaries)
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.wait(timeout=30)
        fleet.workers.remove(worker)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60, help="run seconds of traffic per run")
    parser.add_argument("--runs", type=int, default=2, help="runs of each workload at the same time")
    args = parser.parse_args()
    call_command("migrate", interactive=False, verbosity=0)  # domain behaviours write to the database
    fleet = ensure_fleet(start_worker_if_missing=False)
    shop = prepare(load_topology("ecommerce-platform"), settings=[], faults=[], duration=args.seconds, speed="max")
    shop["faults"] = []
    chain = prepare(chain_document(20, 20), settings=[], faults=[], duration=args.seconds, speed="max")
    workloads = {"e-commerce": [shop] * args.runs, "20-service chain": [chain] * args.runs}
    try:
        print(f"Redis {fleet.redis_url}; {os.cpu_count()} cores; {args.runs} runs at a time, {args.seconds:g} s each")
        results = {}
        for processes in (1, 2):
            result = measure(fleet, processes, workloads, drain_n=int(3000 * processes))
            results[processes] = result
            print(f"\n{processes} engine worker process{'es' if processes > 1 else ''} (prefork, concurrency 1 each)")
            print(f"(a) drain of pre-queued no-ops:   {result['drain']:8.0f} tasks/s")
            for name in workloads:
                rate = result[name]
                events = result[f"{name}:events"]
                ratio = rate / result["drain"]
                print(f"(b) {name:<18} {rate:8.0f} events/s  ({events} events)   (c) b/drain {ratio:5.2f}")
        print("\n(d) scale-out, 2 processes against 1")
        print(f"    drain        {results[2]['drain'] / results[1]['drain']:5.2f}×")
        for name in workloads:
            same = "yes" if results[1][f"{name}:figures"] == results[2][f"{name}:figures"] else "NO"
            print(f"    {name:<18} {results[2][name] / results[1][name]:5.2f}×   figures identical: {same}")
    finally:
        fleet.stop()


if __name__ == "__main__":
    main()
