"""Object storage: a managed blob store (like S3).

It has no slots to run out of: every request is served at once, in parallel with all the
others. A request takes the time to its first byte (lognormal around `first_byte_ms`: blob
stores have a long tail) plus the transfer, `object_kb` over `throughput_mb_s`. A query is a
GET (the object is read), a command a PUT (it is written). Each second of run time accepts at
most `get_limit_per_s` GETs and `put_limit_per_s` PUTs; a request beyond that is answered at
once with 503 Slow Down, which its caller sees as a failure (and may retry with backoff).

Killing it takes the store down: new requests are refused, and the ones in flight never come
back (their callers time out).
"""

from typing import Any

from apps.runtime.hop import Hop
from apps.runtime.nodes import calls, errors, impairments, network
from apps.runtime.physics.latency import sample_ms

SLOW_DOWN = "slow down (503)"
FIRST_BYTE_SIGMA = 0.6
FRAME_FIELDS = ("call", "from", "ffid", "rid", "op", "opkind", "client", "corr")


def handle(hop: Hop) -> None:
    match hop.event["t"]:
        case "call":
            receive(hop)
        case "done":
            done(hop)
        case "fault":
            apply_fault(hop)


def verb(opkind: str) -> str:
    return "get" if opkind == "query" else "put"


def transfer_ms(props: dict[str, Any]) -> float:
    """The object's size over the throughput: KB / (MB/s × 1024 KB/MB) in ms."""
    return float(props["object_kb"]) / (float(props["throughput_mb_s"]) * 1024.0) * 1000.0


def within_limit(hop: Hop, kind: str) -> bool:
    """Count the request in this second of run time; False once the second's limit is used."""
    limit = float(hop.node.props[f"{kind}_limit_per_s"])
    second = int(hop.now // 1000)
    window = hop.state.get("window")
    if window is None or window["s"] != second:
        window = {"s": second, "get": 0, "put": 0}
    if limit > 0 and window[kind] >= limit:
        hop.state["window"] = window
        return False
    window[kind] += 1
    hop.state["window"] = window
    return True


def receive(hop: Hop) -> None:
    event = hop.event
    frame: dict[str, Any] = {key: event.get(key, "") for key in FRAME_FIELDS}
    frame["arrived"] = hop.now
    node = hop.node.id
    hop.count(f"node:{node}:processed")
    if hop.state.get("down"):
        hop.count(f"node:{node}:errors")
        calls.reply_to_caller(hop, frame, False, "connection refused")
        return
    kind = verb(str(frame["opkind"]))
    if not within_limit(hop, kind):
        hop.count(f"node:{node}:slow_downs")
        hop.count(f"node:{node}:errors")
        calls.reply_to_caller(hop, frame, False, SLOW_DOWN)
        return
    props = hop.node.props
    first_byte = {"distribution": "lognormal", "mean_ms": float(props["first_byte_ms"]), "sigma": FIRST_BYTE_SIGMA}
    latency = sample_ms(hop.rng, first_byte) + float(hop.state.get("extra_latency_ms", 0.0)) + transfer_ms(props)
    hop.later(latency, {"node": node, "t": "done", "frame": frame, "gen": int(hop.state.get("gen", 0))})


def done(hop: Hop) -> None:
    event = hop.event
    frame: dict[str, Any] = event["frame"]
    if int(event.get("gen", 0)) != int(hop.state.get("gen", 0)):
        return  # the store went down meanwhile: this answer never leaves
    node = hop.node.id
    if hop.rng.random() < errors.error_rate(hop):
        hop.count(f"node:{node}:errors")
        calls.reply_to_caller(hop, frame, False, "internal error (500)")
        return
    kind = verb(str(frame["opkind"]))
    size = round(float(hop.node.props["object_kb"]) * 1024)
    hop.count(f"node:{node}:{kind}s")
    hop.count(f"node:{node}:bytes_{'read' if kind == 'get' else 'written'}", size)
    hop.observe_latency(f"node:{node}", hop.now - float(frame["arrived"]))
    calls.reply_to_caller(hop, frame, True)


def apply_fault(hop: Hop) -> None:
    event = hop.event
    action = event["action"]
    if action in ("kill_instance", "kill_zone"):
        if not hop.state.get("down"):
            hop.state["gen"] = int(hop.state.get("gen", 0)) + 1
        hop.state["down"] = True
    elif action in ("restore_instance", "restore_zone"):
        hop.state["down"] = False
    elif not impairments.apply_fault(hop):
        network.apply_fault(hop)  # a partition (network.py)
    hop.audit("fault", action=action)
