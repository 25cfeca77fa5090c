"""Acceptance 12: workers killed with SIGKILL mid-run lose nothing and apply no hop twice."""

import os
import signal
import subprocess
import threading
import time
from typing import Any

import pytest

from apps.engine.simulation import load_topology, prepare, simulate
from apps.runtime.fleet import Fleet, start_worker, wait_for_worker
from apps.runtime.redis import client
from tests.engine.live.conftest import assert_conserved


def children(pid: int) -> list[int]:
    output = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False).stdout
    return [int(line) for line in output.split()]


def run_in_background(document: dict[str, Any]) -> tuple[threading.Thread, dict[str, Any]]:
    box: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: box.update(summary=simulate(document, drain_timeout_s=90)))
    thread.start()
    return thread, box


def wait_until_held(before: set[bytes], timeout_s: float = 20) -> list[bytes]:
    """Tasks a frozen worker holds: delivered, never acknowledged. A task a live worker takes is
    acknowledged within milliseconds; one still unacknowledged after a second is held."""
    r = client()
    first_seen: dict[bytes, float] = {}
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        now = time.monotonic()
        current = set(r.hkeys("unacked")) - before
        first_seen = {tag: first_seen.get(tag, now) for tag in current}
        held = [tag for tag, seen in first_seen.items() if now - seen >= 1.0]
        if held:
            return held
        time.sleep(0.05)
    return []


def wait_until_restored(tags: list[bytes], since: float, timeout_s: float = 60) -> float:
    """Seconds from `since` until the dead worker's unacknowledged tasks are back in the queue."""
    r = client()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not any(r.hexists("unacked", tag) for tag in tags):
            return time.time() - since
        time.sleep(0.1)
    raise AssertionError("tasks of the killed worker were never redelivered")


@pytest.mark.slow
def test_killed_pool_child_and_killed_worker_lose_nothing(fleet: Fleet) -> None:
    victim = start_worker(concurrency=2)
    wait_for_worker()
    document = prepare(load_topology("queue-buffering"), settings=["users.rate=15"], faults=[], duration=30)
    document["faults"] = []
    thread, box = run_in_background(document)
    try:
        time.sleep(5)
        pool = children(victim.pid)
        assert pool, "the worker has no pool processes"
        os.kill(pool[0], signal.SIGKILL)  # one pool child dies mid-run
        time.sleep(5)
        pool = children(victim.pid)
        before = set(client().hkeys("unacked"))
        for pid in pool:
            os.kill(pid, signal.SIGSTOP)  # the pool freezes; the main process still takes tasks...
        held = wait_until_held(before)  # (the other worker races it for each step: wait for one)
        killed_at = time.time()
        for pid in [victim.pid, *pool]:
            os.kill(pid, signal.SIGKILL)  # ...then the whole worker dies holding them
        victim.wait(timeout=10)
        fresh = start_worker(concurrency=2)
        fleet.workers.append(fresh)
        assert held, "the worker held no task when it was killed"
        redelivery_s = wait_until_restored(held, killed_at)
        print(f"{len(held)} tasks of the killed worker redelivered after {redelivery_s:.1f} s")
        assert redelivery_s <= 20  # visibility timeout (10 s) + the sweep
    finally:
        thread.join(timeout=180)
        if victim.poll() is None:
            victim.kill()
    summary = box["summary"]
    assert_conserved(summary)
    assert summary["requests"]["created"] > 200
    assert summary["messages"]["delivered"] == summary["messages"]["published"]
    assert summary["messages"]["duplicates"] == 0
