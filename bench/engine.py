"""Engine throughput against the raw Celery ceiling, measured in one run (docs/performance.md).

    python bench/engine.py [--seconds 20] [--concurrency 2]

Starts its own worker (prefork, the given concurrency) on the suite's Redis (REDIS_URL, or the
embedded one), then measures, with the same worker and the same Redis:

  (a) the raw ceiling, twice: a bare chain of no-op tasks each publishing the next (with as
      many chains in flight as the engine has), and the drain rate of pre-queued no-ops;
  (b) the engine's sustained hop rate at saturation: a 10-hop zero-latency chain of services,
      and the e-commerce template, both driven well above what the worker can carry;
  (c) the ratios b/chain and b/drain;
  (d) the engine's own cost per hop in ms: 1000/b - 1000/drain.
"""

import argparse
import os
import sys
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

from apps.engine.runtime import keys  # noqa: E402
from apps.engine.runtime.fleet import ensure_fleet, start_worker, wait_for_worker  # noqa: E402
from apps.engine.runtime.redis import client  # noqa: E402
from apps.engine.simulation import load_topology, prepare  # noqa: E402
from apps.engine.tasks import chain_step, noop  # noqa: E402
from apps.topology.blank import blank_document  # noqa: E402

BENCH_QUEUE = "engine"
ZERO = {"distribution": "fixed", "mean_ms": 0}


def drain_rate(count: int) -> float:
    r = client()
    for _ in range(count):
        noop.apply_async(queue=BENCH_QUEUE)  # queued faster than drained? measure from full
    started = time.perf_counter()
    while r.llen(BENCH_QUEUE) > 0:
        time.sleep(0.005)
    return count / (time.perf_counter() - started)


def chain_rate(chains: int, steps: int) -> float:
    """`chains` bare chains of `steps` no-op tasks each, run to the end; tasks per second."""
    r = client()
    r.delete("bench:chains-done")
    started = time.perf_counter()
    for _ in range(chains):
        chain_step.apply_async((steps, BENCH_QUEUE), queue=BENCH_QUEUE)
    while int(r.get("bench:chains-done") or 0) < chains:
        time.sleep(0.005)
    return chains * steps / (time.perf_counter() - started)


def chain_document(hops: int, rate: float) -> dict[str, Any]:
    document = blank_document(name=f"{hops}-hop chain")
    document["nodes"] = [
        {"id": "users", "kind": "client", "props": {"rate": rate, "commands": ["Go"], "timeout_ms": 120000}}
    ] + [
        {
            "id": f"s{i}",
            "kind": "service",
            "props": {"concurrency": 64, "latency": {"distribution": "fixed", "mean_ms": 0}},
        }
        for i in range(1, hops)
    ]
    names = ["users", *(f"s{i}" for i in range(1, hops))]
    document["edges"] = [
        {"id": f"e{i}", "from": names[i], "to": names[i + 1], "props": {"timeout_ms": 120000}}
        for i in range(len(names) - 1)
    ]
    return document


def engine_rate(document: dict[str, Any], seconds: float) -> tuple[float, dict[str, Any]]:
    from apps.domain.services import records_delete
    from apps.engine.runtime.driver import Driver

    run_id = f"bench{uuid.uuid4().hex[:8]}"  # domain records (stock, outbox) start empty
    driver = Driver(run_id, document, duration_s=seconds, drain_timeout_s=0.5)
    r = client()
    try:
        driver.setup()
        time.sleep(0)
        t0 = time.perf_counter()
        driver.run_traffic()
        elapsed = time.perf_counter() - t0
        hops = int(r.hget(keys.stats(run_id), "hops") or 0)
        return hops / elapsed, {"hops": hops, "seconds": round(elapsed, 2)}
    finally:
        driver.cleanup()
        records_delete(run_id=run_id)
        r.delete(BENCH_QUEUE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    call_command("migrate", interactive=False, verbosity=0)  # domain behaviours write to the database
    fleet = ensure_fleet(start_worker_if_missing=False)
    worker = start_worker(concurrency=args.concurrency)
    fleet.workers.append(worker)
    wait_for_worker()
    try:
        print(f"worker: prefork, concurrency {args.concurrency}; Redis {fleet.redis_url}; {os.cpu_count()} cores")
        drain = drain_rate(int(args.seconds * 300))
        print(f"(a) drain of pre-queued no-ops:        {drain:8.0f} tasks/s")
        chain = chain_rate(chains=16, steps=max(10, int(drain * args.seconds / 16)))
        print(f"(a) bare chain, 16 in flight:          {chain:8.0f} tasks/s")
        chain10, info10 = engine_rate(chain_document(10, rate=200), args.seconds)
        print(f"(b) engine, 10-hop zero-latency chain: {chain10:8.0f} hops/s   {info10}")
        shop = prepare(load_topology("ecommerce-platform"), settings=["users.rate=150"], faults=[])
        shop["faults"] = []
        ecommerce, info_shop = engine_rate(shop, args.seconds)
        print(f"(b) engine, e-commerce template:       {ecommerce:8.0f} hops/s   {info_shop}")
        for name, value in (("10-hop chain", chain10), ("e-commerce", ecommerce)):
            print(f"(c) {name:<13} b/chain {value / chain:5.2f}   b/drain {value / drain:5.2f}")
            print(f"(d) {name:<13} engine cost per hop {1000 / value - 1000 / drain:6.2f} ms")
    finally:
        fleet.stop()


if __name__ == "__main__":
    main()
