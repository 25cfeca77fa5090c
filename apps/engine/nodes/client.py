"""Clients: each request's life, from arrival to exactly one outcome in the ledger.

A request is created by the driver (an `arrive` event). The client sends it along its
first outgoing edge that carries the operation, with the client's own timeout; a failed
or timed-out attempt is retried after a backoff while retries remain. The final outcome
(completed, failed, rejected, timed_out) is written once, keyed by the request id.
"""

import json
from typing import Any

from apps.engine.runtime import keys
from apps.engine.runtime.hop import Hop

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
            pass  # traffic spikes are the driver's business (it generates the arrivals)


def _request(hop: Hop, rid: str) -> dict[str, Any] | None:
    raw = hop.r.hget(keys.requests(hop.run), rid)
    return json.loads(raw) if raw else None


def _save(hop: Hop, request: dict[str, Any]) -> None:
    data = json.dumps(request)
    hop.write(lambda p: p.hset(keys.requests(hop.run), request["rid"], data))


def arrive(hop: Hop) -> None:
    event = hop.event
    if hop.r.hexists(keys.requests(hop.run), event["rid"]):
        return
    request = {
        "rid": event["rid"],
        "client": event["client"],
        "op": event["op"],
        "opkind": event["opkind"],
        "created": hop.now,
        "attempt": 0,
        "outcome": None,
    }
    hop.count("requests:created")
    hop.count(f"node:{hop.node.id}:processed")
    hop.audit("request", corr=event["rid"], op=event["op"], client=event["client"])
    send_attempt(hop, request)


def send_attempt(hop: Hop, request: dict[str, Any]) -> None:
    request["attempt"] += 1
    attempt = request["attempt"]
    _save(hop, request)
    edges = [edge for edge in hop.node.out if edge.carries(request["op"])]
    call_id = f"{request['rid']}#{attempt}"
    if not edges:
        hop.send(
            {"node": hop.node.id, "t": "reply", "fid": request["rid"], "call": call_id, "ok": False, "why": "no route"}
        )
        return
    edge = edges[0]
    if edge.role == "publish":
        hop.send(
            {
                "node": edge.target,
                "t": "publish",
                "mid": request["rid"],
                "name": request["op"],
                "corr": request["rid"],
                "reply": {"node": hop.node.id, "fid": request["rid"], "call": call_id},
            }
        )
    else:
        hop.send(
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
            }
        )
    timeout = float(hop.node.props["timeout_ms"])
    timer = {"node": hop.node.id, "t": "req_timeout", "rid": request["rid"], "attempt": attempt}
    request["timer"] = hop.later(timeout, timer)
    _save(hop, request)


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
    _save(hop, request)
    latency = hop.now - float(request["created"])
    record = json.dumps({"outcome": outcome, "created": request["created"], "ended": hop.now, "op": request["op"]})
    hop.write(lambda p: p.hsetnx(keys.outcomes(hop.run), request["rid"], record))
    hop.count(f"requests:{outcome}")
    if outcome == "completed":
        hop.observe_latency("e2e", latency)
    hop.audit("outcome", corr=request["rid"], outcome=outcome, latency_ms=round(latency, 2))
