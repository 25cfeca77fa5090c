"""The rate limiter: a node in a call path that admits at most a rate of calls.

An admitted call goes on along the first call edge that carries its operation, and the reply
is relayed back (forwarder.relay: timeouts, edge retries, the breaker). A call over the limit
is answered at once with 429 Too Many Requests: it never reaches what is behind the limiter,
and a client records it as rejected. The limit is one for all callers (`scope` global) or one
per client id (`per_client`), with the token bucket or the sliding window counter
(physics/rate_limits.py), decided at the call's arrival time.
"""

from typing import Any

from apps.runtime import keys
from apps.runtime.hop import Hop
from apps.runtime.nodes import calls, errors, forwarder, impairments, network
from apps.runtime.physics.rate_limits import sliding_window, token_bucket

THROTTLED = "rate limited (429)"  # the client counts a reply containing "rate limited" as rejected
FRAME_FIELDS = ("call", "from", "ffid", "rid", "op", "opkind", "client", "corr")


def handle(hop: Hop) -> None:
    event = hop.event
    match event["t"]:
        case "call":
            receive(hop)
        case "forward":
            frame = hop.frame(event["fid"])
            if frame is not None:
                forward(hop, frame)
        case "reply" | "call_timeout":
            forwarder.relay_answer(hop)
        case "fault":
            apply_fault(hop)


def limits_key(hop: Hop) -> str:
    """Per-client limiter states, a field per client id (only the clients seen are stored)."""
    return f"{keys.prefix(hop.run)}limits:{hop.node.id}"


def admit(hop: Hop, client: str) -> bool:
    """Whether the limit lets this call through now (and the limiter's state after it)."""
    props = hop.node.props
    per_client = props["scope"] == "per_client"
    store = hop.records(limits_key(hop), as_json=True) if per_client else None
    field = client or "-"
    saved: dict[str, Any] | None = store.get(field) if store is not None else hop.state.get("limit")
    rate = float(props["rate_per_s"])
    if props["algorithm"] == "sliding_window":
        admitted, state = sliding_window(saved, hop.now, rate, float(props["window_s"]))
    else:
        admitted, state = token_bucket(saved, hop.now, rate, int(props["burst"]))
    if store is not None:
        store.set(field, state)
    else:
        hop.state["limit"] = state
    return admitted


def receive(hop: Hop) -> None:
    event = hop.event
    frame: dict[str, Any] = {key: event.get(key, "") for key in FRAME_FIELDS}
    frame["fid"] = event["call"]
    frame["arrived"] = hop.now
    node = hop.node.id
    hop.count(f"node:{node}:processed")
    if hop.state.get("down"):
        hop.count(f"node:{node}:errors")
        calls.reply_to_caller(hop, frame, False, "connection refused")
        return
    if not admit(hop, str(frame["client"])):
        hop.count(f"node:{node}:throttled")
        calls.reply_to_caller(hop, frame, False, THROTTLED)
        return
    hop.count(f"node:{node}:admitted")
    if hop.rng.random() < errors.error_rate(hop):
        hop.count(f"node:{node}:errors")
        calls.reply_to_caller(hop, frame, False, "error")
        return
    extra_ms = float(hop.state.get("extra_latency_ms", 0.0))
    if extra_ms > 0:
        hop.put_frame(frame)
        hop.later(extra_ms, {"node": node, "t": "forward", "fid": frame["fid"]})
        return
    forward(hop, frame)


def forward(hop: Hop, frame: dict[str, Any]) -> None:
    edges = calls.matching_call_edges(hop, frame["op"])
    if not edges:
        hop.drop_frame(frame["fid"])
        hop.count(f"node:{hop.node.id}:errors")
        calls.reply_to_caller(hop, frame, False, f"no route for {frame['op']}")
        return
    calls.call_downstream(hop, frame, edges[0])


def apply_fault(hop: Hop) -> None:
    event = hop.event
    action = event["action"]
    if action in ("kill_instance", "kill_zone"):
        hop.state["down"] = True
    elif action in ("restore_instance", "restore_zone"):
        hop.state["down"] = False
    elif not impairments.apply_fault(hop):
        network.apply_fault(hop)  # a slow link, packet loss, a cut edge or a partition (network.py)
    hop.audit("fault", action=action)
