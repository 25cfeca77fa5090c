"""Live stream fan-out: how late a run's frames reach N websocket viewers (docs/performance.md).

    REDIS_URL=redis://127.0.0.1:6379/8 .venv/bin/python bench/viewers.py [--seconds 10] [--rate 5]

Starts daphne (the project's ASGI app, a real channels-redis layer on REDIS_URL, a temporary
SQLite database) and, for each scenario, a run with N viewers connected to /ws/runs/<id>/. A
publisher process then emits frames of the e-commerce template's size through the driver's
own path (apps/engine/stream.py: `RunStream.emit`, which stamps `computed_at`, keeps the latest
frame in Redis and hands it to the Publisher's group_send) at `--rate` frames a second for
`--seconds`. Every viewer records, for each frame, receipt time − `computed_at` (one clock: all
on loopback) and which `seq`s it never got (dropped: the server keeps only the newest frame
waiting for a slow viewer).

Scenarios: 1 viewer (the baseline), 50 and 200 viewers, each acknowledging every message as the
editor does (`{"type": "ack", "seq"}` every 4th message: the server paces them), then the 200 again without
acknowledgements (what the acks cost); each is reported with p50/p95/max of
the delay over all viewers' frames, frames dropped per viewer, and p95 as a ratio of the
baseline's p95 from this same run. Targets: 50 viewers p95 < 100 ms, 200 viewers p95 < 250 ms.

Then (unless --no-browser, or without /usr/bin/chromium) a page in Chromium watches a run that
streams the busiest rate (`--browser-rate`, default 20 frames/s): its requestAnimationFrame
rate, longest gap between two animation frames, and its DOM node count at the start and end.
"""

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playground.local_daphne import local_daphne  # noqa: E402

TEMPLATE = "ecommerce-platform"
CHROMIUM = "/usr/bin/chromium"
CONNECT_BATCH = 25  # viewers connecting at once
ACK_EVERY = 4  # as the editor (static/live/run-stream.js): acknowledge every 4th message
SETTLE_S = 15.0  # after the last frame is published, how long viewers may take to receive it


# --- statistics (pure) ----------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0–100) by the nearest-rank method; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil without floats
    return ordered[int(rank) - 1]


@dataclass
class Viewer:
    """What one viewer saw: the delay of each frame (ms) and the seqs it received."""

    delays_ms: list[float] = field(default_factory=list)
    seqs: set[int] = field(default_factory=set)

    def dropped(self, first_seq: int, last_seq: int) -> int:
        return sum(1 for seq in range(first_seq, last_seq + 1) if seq not in self.seqs)


def summarise(viewers: list[Viewer], first_seq: int, last_seq: int) -> dict[str, float]:
    delays = [delay for viewer in viewers for delay in viewer.delays_ms]
    dropped = [viewer.dropped(first_seq, last_seq) for viewer in viewers]
    return {
        "viewers": len(viewers),
        "frames": last_seq - first_seq + 1,
        "received": len(delays),
        "p50_ms": round(percentile(delays, 50), 1),
        "p95_ms": round(percentile(delays, 95), 1),
        "max_ms": round(max(delays, default=0.0), 1),
        "dropped_mean": round(statistics.fmean(dropped), 2) if dropped else 0.0,
        "dropped_max": max(dropped, default=0),
    }


# --- frames ---------------------------------------------------------------------------------


def bench_frame(plan: Any, i: int, rate: float) -> dict[str, Any]:
    """A frame of the template's real shape (every node, its instances, every call edge),
    with figures that change from frame to frame."""
    t = round(i / rate, 3)
    nodes: dict[str, Any] = {}
    for node in plan.nodes.values():
        count = node.instance_count()
        nodes[node.id] = {
            "kind": node.kind, "processed": 40 * i, "errors": i // 50, "rps": 40.0 + i % 7,
            "errors_per_s": 0.0, "depth": i % 13, "p50": 12.5, "p95": 48.0 + i % 9, "p99": 80.0,
            "busy": i % 5, "replicas": count,
            "instances": {
                str(n): {"alive": (i // 25 + n) % 7 != 0, "standby": False, "busy": (i + n) % 3, "waiting": n % 2}
                for n in range(count)
            },
        }  # fmt: skip
    edges = {
        edge.id: {"calls": 40 * i, "errors": 0, "rps": 40.0, "p95": 30.0, "breaker": "closed"}
        for edge in plan.edges.values()
        if edge.role == "call"
    }
    return {
        "type": "delta", "t": t, "duration_s": 600.0,
        "requests": {"created": 40 * i, "completed": 39 * i, "failed": 0, "rejected": 0, "timed_out": 0,
                     "in_flight": 12, "rps": 40.0},
        "messages": {"published": 20 * i, "delivered": 20 * i, "dead_lettered": 0, "rejected": 0, "dropped": 0,
                     "duplicates": 0, "redelivered": 0, "queued": i % 11, "rps": 20.0},
        "latency_ms": {"p50": 21.0, "p95": 60.0 + i % 10, "p99": 90.0},
        "nodes": nodes, "edges": edges, "events": [], "events_skipped": 0,
    }  # fmt: skip


def publish(run_id: str, rate: float, seconds: float) -> None:
    """The publisher process: frames through RunStream.emit at `rate` a second; prints the
    seqs published as JSON."""
    from apps.engine.simulation import load_topology
    from apps.engine.stream import RunStream, publisher
    from apps.runtime.plan import compile_plan

    plan = compile_plan(load_topology(TEMPLATE))
    stream = RunStream(run_id, plan, duration_s=600.0)
    count = int(rate * seconds)
    started = time.perf_counter()
    for i in range(1, count + 1):
        delay = started + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        stream.emit(bench_frame(plan, i, rate))
    publisher.flush()
    size = len(json.dumps(stream.last))
    print(json.dumps({"first_seq": 1, "last_seq": stream.seq, "frame_bytes": size}))


# --- the server, the runs, the viewers ------------------------------------------------------


def create_run(*, scenario: Any = None) -> str:
    """A run row, `running`, that viewers may connect to (nothing drives it: the publisher does)."""
    from django.utils import timezone

    from apps.engine.models import Run
    from apps.engine.simulation import load_topology

    now = timezone.now()
    run = Run(
        scenario=scenario, revision=1 if scenario else None, document=load_topology(TEMPLATE), seed=1, speed=1.0,
        duration_s=600.0, status=Run.Status.RUNNING, started_at=now,
    )  # fmt: skip
    run.set_expiry(now)
    run.save()
    return run.id


async def watch(url: str, viewer: Viewer, connected: asyncio.Event, stop: asyncio.Event, *, ack: bool) -> None:
    """One viewer; with `ack` it acknowledges every ACK_EVERY-th message as the editor does (the
    server paces it)."""
    from websockets.asyncio.client import connect

    async with connect(url, origin=url.replace("ws://", "http://").split("/ws/")[0], max_size=None) as socket:  # type: ignore[arg-type]
        first = json.loads(await socket.recv())  # the snapshot
        viewer.seqs.add(int(first.get("seq", 0)))
        connected.set()
        handled = 0
        while not stop.is_set():
            try:
                raw = await asyncio.wait_for(socket.recv(), timeout=0.2)
            except TimeoutError:
                continue
            received = time.time()
            frame = json.loads(raw)
            handled += 1
            if ack and handled % ACK_EVERY == 0:
                await socket.send(json.dumps({"type": "ack", "seq": frame["seq"]}))
            if frame.get("type") == "snapshot" or "computed_at" not in frame:
                continue
            viewer.seqs.add(int(frame["seq"]))
            viewer.delays_ms.append((received - float(frame["computed_at"])) * 1000)


async def fan_out(base_url: str, viewers: int, rate: float, seconds: float, *, ack: bool) -> dict[str, Any]:
    from asgiref.sync import sync_to_async

    run_id = await sync_to_async(create_run)()
    ws_url = base_url.replace("http://", "ws://") + f"/ws/runs/{run_id}/"
    seen = [Viewer() for _ in range(viewers)]
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    connect_started = time.perf_counter()
    for start in range(0, viewers, CONNECT_BATCH):
        batch = [asyncio.Event() for _ in seen[start : start + CONNECT_BATCH]]
        for viewer, connected in zip(seen[start : start + CONNECT_BATCH], batch, strict=True):
            tasks.append(asyncio.create_task(watch(ws_url, viewer, connected, stop, ack=ack)))
        await asyncio.wait_for(asyncio.gather(*(event.wait() for event in batch)), timeout=30)
    connect_s = time.perf_counter() - connect_started
    publisher = await asyncio.create_subprocess_exec(
        sys.executable, str(Path(__file__).resolve()), "--publish", run_id, "--rate", str(rate),
        "--seconds", str(seconds), stdout=asyncio.subprocess.PIPE, cwd=ROOT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(publisher.communicate(), timeout=seconds + 30)
    published = json.loads(out.decode().strip().splitlines()[-1])
    published_at = time.perf_counter()
    # every viewer gets the last frame (the newest waiting frame is never dropped): wait for it
    while time.perf_counter() - published_at < SETTLE_S:
        if all(published["last_seq"] in viewer.seqs for viewer in seen):
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    result = summarise(seen, published["first_seq"], published["last_seq"])
    result.update(connect_s=round(connect_s, 2), frame_bytes=published["frame_bytes"])
    return result


# --- a page watching the busiest stream -----------------------------------------------------

PAGE_PROBE = """() => {
  const count = () => document.getElementsByTagName("*").length;
  window.__bench = { stamps: [], nodes: count(), samples: [] };
  window.__bench.timer = setInterval(() => window.__bench.samples.push(count()), 1000);
  const loop = (now) => { window.__bench.stamps.push(now); window.__bench.raf = requestAnimationFrame(loop); };
  window.__bench.raf = requestAnimationFrame(loop);
}"""

PAGE_RESULT = """() => {
  cancelAnimationFrame(window.__bench.raf);
  clearInterval(window.__bench.timer);
  const stamps = window.__bench.stamps;
  let longest = 0;
  for (let i = 1; i < stamps.length; i += 1) longest = Math.max(longest, stamps[i] - stamps[i - 1]);
  const seconds = (stamps[stamps.length - 1] - stamps[0]) / 1000;
  return {
    fps: Math.round((stamps.length - 1) / seconds * 10) / 10,
    longest_frame_ms: Math.round(longest * 10) / 10,
    dom_nodes_start: window.__bench.nodes,
    dom_nodes_end: document.getElementsByTagName("*").length,
    dom_nodes_max: Math.max(...window.__bench.samples),
    dom_nodes_each_second: window.__bench.samples,
    live: window.playgroundLive.stats(),
  };
}"""


async def busy_page(base_url: str, rate: float, seconds: float) -> dict[str, Any]:
    from asgiref.sync import sync_to_async
    from playwright.async_api import async_playwright

    from apps.engine.simulation import load_topology
    from apps.scenarios.services import scenario_create

    scenario, _ = await sync_to_async(scenario_create)(document=load_topology(TEMPLATE))
    run_id = await sync_to_async(create_run)(scenario=scenario)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await page.goto(f"{base_url}/s/{scenario.slug}/?run={run_id}")
        await page.wait_for_function("window.playgroundLive && window.playgroundLive.isActive()")
        publisher = await asyncio.create_subprocess_exec(
            sys.executable, str(Path(__file__).resolve()), "--publish", run_id, "--rate", str(rate),
            "--seconds", str(seconds), stdout=asyncio.subprocess.PIPE, cwd=ROOT,
        )  # fmt: skip
        await asyncio.sleep(1.0)  # the first frames: the canvas layers and charts are built
        await page.evaluate(PAGE_PROBE)
        await asyncio.wait_for(publisher.communicate(), timeout=seconds + 30)
        result: dict[str, Any] = await page.evaluate(PAGE_RESULT)
        await browser.close()
    result["rate"] = rate
    return result


# --- main -----------------------------------------------------------------------------------


def load_average() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "?"


async def run_all(args: argparse.Namespace) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--no-input", "-v", "0"], check=True, cwd=ROOT)
    print(f"{os.cpu_count()} cores; load average {load_average()}; Redis {os.environ['REDIS_URL']}")
    print(f"{args.rate:g} frames/s for {args.seconds:g} s per scenario; template {TEMPLATE}")
    log_path = Path(tempfile.gettempdir()) / f"bench-viewers-daphne-{os.getpid()}.log"
    with local_daphne(log_path=log_path) as server:
        base_url = server.url
        baseline: dict[str, Any] | None = None
        # Viewers acknowledge frames as the editor does; the largest count once more without
        # acknowledgements, for what they cost.
        scenarios = [(viewers, True) for viewers in args.viewers] + [(args.viewers[-1], False)]
        for viewers, ack in scenarios:
            cpu = server.cpu_seconds()
            result = await fan_out(base_url, viewers, args.rate, args.seconds, ack=ack)
            result["daphne_cpu_s"] = round(server.cpu_seconds() - cpu, 2)
            baseline = baseline or result
            ratio = result["p95_ms"] / baseline["p95_ms"] if baseline["p95_ms"] else float("nan")
            print(
                f"{viewers:4d} viewers{'' if ack else ' (no acks)'}: p50 {result['p50_ms']:6.1f} ms"
                f"  p95 {result['p95_ms']:6.1f} ms"
                f"  max {result['max_ms']:6.1f} ms  p95/baseline {ratio:5.2f}"
                f"  dropped/viewer mean {result['dropped_mean']} max {result['dropped_max']}"
                f"  ({result['received']} frames received of {result['frames'] * viewers};"
                f" frame {result['frame_bytes']} B; connected in {result['connect_s']} s;"
                f" daphne CPU {result['daphne_cpu_s']} s)"
            )
        print(f"load average {load_average()}")
        if args.browser and os.path.exists(CHROMIUM):
            page = await busy_page(base_url, args.browser_rate, args.seconds)
            live = page["live"]
            print(
                f"page at {page['rate']:g} frames/s: {page['fps']} animation frames/s, longest frame"
                f" {page['longest_frame_ms']} ms; DOM nodes {page['dom_nodes_start']} → {page['dom_nodes_end']}"
                f" (max {page['dom_nodes_max']}; each second {page['dom_nodes_each_second']});"
                f" frames received {live.get('frames')}, seq gaps {live.get('gaps')}, chart points"
                f" {live.get('chartPoints')}"
            )
        elif args.browser:
            print(f"no Chromium at {CHROMIUM}: page check skipped")


def setup_django() -> None:
    """Settings for the bench's processes (this one, the publisher, daphne): the shared Redis's
    database 8 unless REDIS_URL says otherwise, and a fresh SQLite database."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playground.settings")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/8")
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='bench-viewers-')}/db.sqlite3"
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ.setdefault("PLAYGROUND_QUOTAS", "0")  # one machine plays every viewer: no per-client quotas
    django.setup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0, help="frames published per scenario, in seconds")
    parser.add_argument("--rate", type=float, default=5.0, help="frames a second (the driver's rate is 5)")
    parser.add_argument("--viewers", type=int, nargs="+", default=[1, 50, 200], help="the first is the baseline")
    parser.add_argument("--browser-rate", type=float, default=20.0)
    parser.add_argument("--no-browser", dest="browser", action="store_false")
    parser.add_argument("--publish", metavar="RUN_ID", help=argparse.SUPPRESS)
    args = parser.parse_args()
    setup_django()
    if args.publish:
        publish(args.publish, args.rate, args.seconds)
        return
    asyncio.run(run_all(args))


if __name__ == "__main__":
    main()
