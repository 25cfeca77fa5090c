"""The scheduler: cron-like jobs that are real requests through the graph.

The driver starts its `cron_tick` at the run's start. The first firing is at `start_s`, then
one every `every_s` while traffic lasts. Each firing starts every job: a command named after
the job, sent like a client's request (client.send_attempt: its first edge that carries the
operation, the scheduler's timeout and retries). A job is a request in the run's ledger, so
it ends with exactly one outcome (completed, failed, rejected, timed_out, or cut when the run
is cut short) and the run drains only once it has one. Its duration is measured as the
scheduler's job durations (`job:<node>`), not in the end-to-end latency of the users' requests.

With `overlap` skip, a job still running when it is due again is not started a second time
(counted as skipped); with allow, runs of the same job may overlap.
"""

from typing import Any

from apps.runtime import keys
from apps.runtime.hop import Hop
from apps.runtime.nodes import client, network

KEPT_RUNS = 50  # the last job runs kept in the node's state, for the summary


def handle(hop: Hop) -> None:
    event = hop.event
    match event["t"]:
        case "cron_tick":
            tick(hop)
        case "reply":
            client.handle(hop)
            settle(hop, str(event["fid"]))
        case "req_timeout" | "retry":
            client.handle(hop)
            settle(hop, str(event["rid"]))
        case "fault":
            if network.apply_fault(hop):  # a slow link, packet loss or a partition on its way out
                hop.audit("fault", action=event["action"])


def tick(hop: Hop) -> None:
    if hop.now >= hop.step.end_ms:
        return  # traffic has ended (the run's duration, or Stop): no more firings
    start_ms = float(hop.node.props["start_s"]) * 1000.0
    if hop.now < start_ms:
        hop.at(start_ms, {"node": hop.node.id, "t": "cron_tick"})
        return
    every_ms = float(hop.node.props["every_s"]) * 1000.0
    if hop.now + every_ms < hop.step.end_ms:
        hop.later(every_ms, {"node": hop.node.id, "t": "cron_tick"})
    for job in hop.node.props["jobs"]:
        fire(hop, str(job))


def fire(hop: Hop, job: str) -> None:
    node = hop.node.id
    running: dict[str, list[str]] = hop.state.setdefault("running", {})
    if hop.node.props["overlap"] == "skip" and running.get(job):
        hop.count(f"node:{node}:skipped")
        hop.audit("job_skipped", job=job, running=running[job][0])
        return
    rid = hop.step.next_request_id()
    request: dict[str, Any] = {
        "rid": rid, "client": node, "op": job, "opkind": "command", "node": node, "created": hop.now, "attempt": 0,
        "outcome": None, "job": True,
    }  # fmt: skip
    running.setdefault(job, []).append(rid)
    hop.count("requests:created")
    hop.count(f"node:{node}:processed")
    hop.count(f"node:{node}:fired")
    hop.audit("job_started", corr=rid, job=job)
    client.send_attempt(hop, request)


def settle(hop: Hop, rid: str) -> None:
    """Once a job's request has its outcome: it is no longer running, and it is counted."""
    request: dict[str, Any] | None = hop.records(keys.requests(hop.run), as_json=True).get(rid)
    if request is None or request.get("outcome") is None:
        return
    running: dict[str, list[str]] = hop.state.setdefault("running", {})
    job = str(request["op"])
    if rid not in running.get(job, []):
        return
    running[job] = [r for r in running[job] if r != rid]
    if not running[job]:
        del running[job]
    node = hop.node.id
    outcome = str(request["outcome"])
    duration = float(request["ended"]) - float(request["created"])
    hop.count(f"node:{node}:jobs_{outcome}")
    if outcome == "completed":
        hop.observe_latency(f"job:{node}", duration)
    else:
        hop.count(f"node:{node}:errors")
    runs = hop.state.setdefault("runs", [])
    runs.append(
        {"job": job, "rid": rid, "started_ms": request["created"], "ms": round(duration, 2), "outcome": outcome}
    )
    del runs[:-KEPT_RUNS]
    hop.audit("job_finished", corr=rid, job=job, outcome=outcome, ms=round(duration, 2))
