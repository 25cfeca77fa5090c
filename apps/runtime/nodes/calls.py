"""Synchronous calls along an edge: timeout, retries and the optional circuit breaker.

A frame (one call being served at a node) waits on at most one downstream call at a time:
`frame["wait"]` holds that call's id, so a late reply or an expired timeout for an older
call is recognised and ignored.
"""

from typing import Any

from apps.runtime.hop import Hop
from apps.runtime.nodes import network
from apps.runtime.physics.breaker import CircuitBreaker
from apps.runtime.plan import EdgePlan


def _breaker(hop: Hop, edge: EdgePlan) -> CircuitBreaker | None:
    if not edge.props["circuit_breaker"]["enabled"]:
        return None
    saved = hop.state.setdefault("breakers", {}).get(edge.id)
    return CircuitBreaker.from_dict(saved) if saved else CircuitBreaker.from_props(edge.props["circuit_breaker"])


def _save_breaker(hop: Hop, edge: EdgePlan, breaker: CircuitBreaker) -> None:
    before = hop.state["breakers"].get(edge.id, {}).get("transitions", [])
    data = breaker.to_dict()
    data["transitions"] = data.get("transitions", [])[-50:]
    hop.state["breakers"][edge.id] = data
    for t, old, new in data["transitions"][len(before[-50:]) :] if len(data["transitions"]) > len(before) else []:
        hop.count(f"breaker:{edge.id}:{new}")
        hop.audit("breaker", edge=edge.id, frm=old, to=new, at=t)


def call_downstream(
    hop: Hop, frame: dict[str, Any], edge: EdgePlan, *, instance: str | None = None, timeout_ms: float | None = None
) -> None:
    """Send the frame's request along `edge` (or fail fast if the breaker is open or the edge cut).
    The call times out after the edge's `timeout_ms`, or `timeout_ms` when given (a saga's step)."""
    if edge.id in hop.state.get("cut_edges", []):
        hop.count(f"edge:{edge.id}:cut")
        fail_downstream(hop, frame, "edge cut")
        return
    breaker = _breaker(hop, edge)
    probe = False
    if breaker is not None:
        admission = breaker.allow(hop.now / 1000.0)
        _save_breaker(hop, edge, breaker)
        if admission == "reject":
            hop.count(f"edge:{edge.id}:fast_fail")
            fail_downstream(hop, frame, "circuit open")
            return
        probe = admission == "probe"
    call_id = f"{frame['fid']}>{frame.get('calls', 0)}"
    frame["calls"] = frame.get("calls", 0) + 1
    frame["wait"] = call_id
    frame["edge"] = edge.id
    frame["probe"] = probe
    frame["sent"] = hop.now
    frame.setdefault("tries", 0)
    hop.count(f"edge:{edge.id}:calls")
    event = {
        "node": edge.target,
        "t": "call",
        "call": call_id,
        "from": hop.node.id,
        "ffid": frame["fid"],
        "rid": frame["rid"],
        "op": frame["op"],
        "opkind": frame["opkind"],
        "client": frame.get("client", ""),
        "corr": frame.get("corr", ""),
    }
    if instance is not None:
        event["inst"] = instance
    network.send_call(hop, edge, event)  # a partition or packet loss may drop it: the timeout below fires
    frame["timer"] = hop.later(
        float(edge.props["timeout_ms"] if timeout_ms is None else timeout_ms),
        {"node": hop.node.id, "t": "call_timeout", "fid": frame["fid"], "call": call_id},
    )
    hop.put_frame(frame)


def settle_downstream(hop: Hop, frame: dict[str, Any], ok: bool) -> None:
    """Record the outcome of the frame's current call in its edge's breaker."""
    edge = hop.plan.edges[frame["edge"]]
    breaker = _breaker(hop, edge)
    if breaker is not None:
        probe = bool(frame.get("probe"))
        if ok:
            breaker.record_success(hop.now / 1000.0, probe=probe)
        else:
            breaker.record_failure(hop.now / 1000.0, probe=probe)
        _save_breaker(hop, edge, breaker)
    hop.cancel(frame.pop("timer", None))
    latency = hop.now - float(frame.get("sent", hop.now))
    hop.observe_latency(f"edge:{edge.id}", latency)
    if not ok:
        hop.count(f"edge:{edge.id}:errors")
    frame["wait"] = None


def should_retry(hop: Hop, frame: dict[str, Any]) -> bool:
    edge = hop.plan.edges[frame["edge"]]
    if frame.get("tries", 0) < int(edge.props["retries"]):
        frame["tries"] = frame.get("tries", 0) + 1
        return True
    return False


def fail_downstream(hop: Hop, frame: dict[str, Any], why: str) -> None:
    """The call could not even be sent: treat it as an immediate failed reply."""
    frame["wait"] = None
    frame["fail_fast"] = why
    hop.put_frame(frame)
    hop.send(
        {"node": hop.node.id, "t": "reply", "fid": frame["fid"], "call": "", "ok": False, "why": why, "local": True}
    )


def reply_to_caller(hop: Hop, frame: dict[str, Any], ok: bool, why: str = "") -> None:
    reply = {"node": frame["from"], "t": "reply", "fid": frame["ffid"], "call": frame["call"], "ok": ok, "why": why}
    network.send_reply(hop, reply)  # back over the call's edge: slowed by a slow link, lost across a partition


def matching_call_edges(hop: Hop, op: str) -> list[EdgePlan]:
    return [edge for edge in hop.node.calls() if edge.carries(op)]
