"""Clients: the traffic, and each request's life from arrival to exactly one outcome.

A client generates its own arrivals: each `arrive` event creates a request and schedules the
next arrival of the client's Poisson process (physics/arrivals.py), until traffic ends. A
traffic spike changes the rate from that moment: the pending arrival is redrawn (a Poisson
process is memoryless, so this is exact). The client sends a request along its first
outgoing edge that carries the operation, with the client's own timeout; a failed or
timed-out attempt is retried after a backoff while retries remain. The final outcome
(completed, failed, rejected, timed_out) is written once, keyed by the request id.

A client with a `mix` runs one arrival process per entry instead: each `arrive` event names
its entry (`entry`: the index in the mix), creates a request for that entry's operation and
schedules the entry's own next arrival; the pending arrivals are kept per entry (`next_mix`)
and a traffic spike redraws every one of them. An empty mix is the single process above.
"""

import json
import math
from typing import Any

from apps.runtime import keys
from apps.runtime.hop import Hop
from apps.runtime.nodes import network
from apps.runtime.physics.arrivals import client_id, entry_props, mix_entries, next_arrival_s, pick_operation
from apps.runtime.stores import Hash

REJECTIONS = ("rejected", "rate limited", "queue full")


def handle(hop: Hop) -> None:
    event = hop.event
    match event["t"]:
        case "arrive":
            arrive(hop)
        case "reply":
            reply(hop)
        case "req_timeout":
            give_up_or_retry(hop, event["rid"], event["attempt"], "timeout")
        case "retry":
            request = _request(hop, event["rid"])
            if request is not None and request.get("outcome") is None:
                send_attempt(hop, request)
        case "fault":
            apply_fault(hop)


def _requests(hop: Hop) -> Hash:
    return hop.records(keys.requests(hop.run), as_json=True)


def _request(hop: Hop, rid: str) -> dict[str, Any] | None:
    value: dict[str, Any] | None = _requests(hop).get(rid)
    return value


def _save(hop: Hop, request: dict[str, Any]) -> None:
    _requests(hop).set(request["rid"], request)


# --- traffic -------------------------------------------------------------------------------


def schedule_next_arrival(hop: Hop) -> None:
    """The client's next arrival after now, at its current rate (none once traffic has ended)."""
    multiplier = float(hop.state.get("multiplier", 1.0))
    horizon_s = hop.step.end_ms / 1000.0
    next_s = next_arrival_s(hop.rng, hop.now / 1000.0, hop.node.props, multiplier, horizon_s=horizon_s)
    hop.state["next"] = hop.at(next_s * 1000.0, {"node": hop.node.id, "t": "arrive"}) if math.isfinite(next_s) else None


def schedule_next_entry_arrival(hop: Hop, index: int) -> None:
    """The next arrival of mix entry `index` after now, at its current rate (none once traffic
    has ended or the entry's rate is 0)."""
    entry = mix_entries(hop.node.props)[index]
    multiplier = float(hop.state.get("multiplier", 1.0))
    horizon_s = hop.step.end_ms / 1000.0
    props = entry_props(hop.node.props, entry)
    next_s = next_arrival_s(hop.rng, hop.now / 1000.0, props, multiplier, horizon_s=horizon_s)
    pending: dict[str, str | None] = hop.state.setdefault("next_mix", {})
    event = {"node": hop.node.id, "t": "arrive", "entry": index}
    pending[str(index)] = hop.at(next_s * 1000.0, event) if math.isfinite(next_s) else None


def apply_fault(hop: Hop) -> None:
    """A traffic spike (or its end): the rate changes now; the pending arrival is redrawn.
    Network faults on the client's edges (a slow link, packet loss, a cut, a partition) are
    kept by network.py."""
    if network.apply_fault(hop):
        hop.audit("fault", action=hop.event["action"])
        return
    if hop.event.get("action") != "traffic_spike":
        return
    hop.state["multiplier"] = float(hop.event.get("factor", 1.0))
    entries = mix_entries(hop.node.props)
    if entries:
        for handle in (hop.state.get("next_mix") or {}).values():
            hop.cancel(handle)
        if hop.now < hop.step.end_ms:
            for index in range(len(entries)):
                schedule_next_entry_arrival(hop, index)
    else:
        hop.cancel(hop.state.get("next"))
        if hop.now < hop.step.end_ms:
            schedule_next_arrival(hop)
    hop.audit("fault", action="traffic_spike", factor=hop.state["multiplier"])


def arrive(hop: Hop) -> None:
    if hop.now >= hop.step.end_ms:
        return  # traffic has ended (the run's duration, or Stop)
    if "entry" in hop.event:
        index = int(hop.event["entry"])
        schedule_next_entry_arrival(hop, index)
        entry = mix_entries(hop.node.props)[index]
        op, kind = entry.operation, entry.kind
    else:
        schedule_next_arrival(hop)
        op, kind = pick_operation(hop.rng, hop.node.props)
    rid = hop.step.next_request_id()
    request: dict[str, Any] = {
        "rid": rid,
        "client": client_id(hop.rng, int(hop.node.props["clients"])),
        "op": op,
        "opkind": kind,
        "node": hop.node.id,
        "created": hop.now,
        "attempt": 0,
        "outcome": None,
    }
    hop.count("requests:created")
    hop.count(f"node:{hop.node.id}:processed")
    hop.audit("request", corr=rid, op=op, client=request["client"])
    send_attempt(hop, request)


# --- one request ---------------------------------------------------------------------------


def send_attempt(hop: Hop, request: dict[str, Any]) -> None:
    request["attempt"] += 1
    attempt = request["attempt"]
    edges = [edge for edge in hop.node.out if edge.carries(request["op"])]
    call_id = f"{request['rid']}#{attempt}"
    if not edges:
        fail_at_once(hop, request, call_id, "no route")
        return
    edge = edges[0]
    if edge.id in hop.state.get("cut_edges", []):  # the link is down
        hop.count(f"edge:{edge.id}:cut")
        fail_at_once(hop, request, call_id, "edge cut")
        return
    if edge.role == "publish":
        network.send_publish(
            hop,
            edge,
            {
                "node": edge.target,
                "t": "publish",
                "mid": request["rid"],
                "name": request["op"],
                "corr": request["rid"],
                "reply": {"node": hop.node.id, "fid": request["rid"], "call": call_id},
            },
        )
    else:  # a slow link, packet loss or a partition may delay or drop it: the timeout below fires
        network.send_call(
            hop,
            edge,
            {
                "node": edge.target,
                "t": "call",
                "call": call_id,
                "from": hop.node.id,
                "ffid": request["rid"],
                "rid": request["rid"],
                "op": request["op"],
                "opkind": request["opkind"],
                "client": request["client"],
                "corr": request["rid"],
            },
        )
    timeout = float(hop.node.props["timeout_ms"])
    timer = {"node": hop.node.id, "t": "req_timeout", "rid": request["rid"], "attempt": attempt}
    request["timer"] = hop.later(timeout, timer)
    _save(hop, request)


def fail_at_once(hop: Hop, request: dict[str, Any], call_id: str, why: str) -> None:
    """The attempt fails without leaving the client (its reply comes back at once); a retry
    may follow."""
    _save(hop, request)
    hop.send({"node": hop.node.id, "t": "reply", "fid": request["rid"], "call": call_id, "ok": False, "why": why})


def reply(hop: Hop) -> None:
    event = hop.event
    request = _request(hop, event["fid"])
    if request is None or request.get("outcome") is not None:
        return
    if event["call"] != f"{request['rid']}#{request['attempt']}":
        return  # a reply to an attempt we already gave up on
    hop.cancel(request.pop("timer", None))
    if event["ok"]:
        finish(hop, request, "completed")
    else:
        give_up_or_retry(hop, request["rid"], request["attempt"], event.get("why", "error"), request)


def give_up_or_retry(hop: Hop, rid: str, attempt: int, why: str, request: dict[str, Any] | None = None) -> None:
    request = request or _request(hop, rid)
    if request is None or request.get("outcome") is not None or request["attempt"] != attempt:
        return
    if request["attempt"] <= int(hop.node.props["retries"]):
        hop.count("requests:retries")
        backoff = float(hop.node.props["retry_backoff_ms"]) * (2 ** (request["attempt"] - 1))
        _save(hop, request)
        hop.later(backoff, {"node": hop.node.id, "t": "retry", "rid": rid})
        return
    if why == "timeout":
        finish(hop, request, "timed_out")
    elif any(word in why for word in REJECTIONS):
        finish(hop, request, "rejected")
    else:
        finish(hop, request, "failed")


def finish(hop: Hop, request: dict[str, Any], outcome: str) -> None:
    request["outcome"] = outcome
    request["ended"] = hop.now
    request.pop("timer", None)
    _save(hop, request)
    latency = hop.now - float(request["created"])
    record = json.dumps(
        {
            "outcome": outcome, "created": request["created"], "ended": hop.now, "op": request["op"],
            "kind": request["opkind"], "node": hop.node.id,
        }
    )  # fmt: skip
    hop.records(keys.outcomes(hop.run)).setnx(request["rid"], record)
    hop.count(f"requests:{outcome}")
    if outcome == "completed" and not request.get("job"):  # a scheduler's job: its own durations (scheduler.py)
        hop.observe_latency("e2e", latency)
    hop.audit("outcome", corr=request["rid"], outcome=outcome, latency_ms=round(latency, 2))
