"""A third-party API: someone else's service, seen from our side of the wire.

It has no slots and no waiting line that we could size: every call it accepts is served at
once, each taking its own latency (the `latency` props, like a service's service time, plus
any add_latency fault). What limits it is the provider's rate limit: a token bucket that
refills at `rate_limit_per_s` and holds at most `burst` tokens (it starts full). A call that
finds no token is answered at once with 429 ("rate limited (429)", counted as `throttled`);
a client sees it as a rejection. An accepted call fails with the `error_rate` (or a
set_error_rate fault) after its latency ("error (500)"). While the API is down
(kill_instance, kill_zone) every call fails at once ("unavailable (503)") until it is
restored.

It teaches "protect yourself from a dependency": its limit and its outages are not yours to
fix, so the caller needs a timeout, a circuit breaker on the edge and a fallback.
"""

from typing import Any

from apps.runtime.hop import Hop
from apps.runtime.nodes import calls, errors, impairments, network
from apps.runtime.physics.latency import sample_ms

THROTTLED = "rate limited (429)"
UNAVAILABLE = "unavailable (503)"
FAILED = "error (500)"


def handle(hop: Hop) -> None:
    match hop.event["t"]:
        case "call":
            receive(hop)
        case "done":
            done(hop)
        case "fault":
            apply_fault(hop)


def take_token(bucket: dict[str, float], now_ms: float, rate_per_s: float, burst: float) -> bool:
    """Refill the bucket for the time since it was last used, then take a token if one is left."""
    bucket["tokens"] = min(burst, bucket["tokens"] + (now_ms - bucket["at"]) / 1000.0 * rate_per_s)
    bucket["at"] = now_ms
    if bucket["tokens"] >= 1.0:
        bucket["tokens"] -= 1.0
        return True
    return False


def count(hop: Hop, what: str) -> None:
    hop.count(f"api:{hop.node.id}:{what}")


def receive(hop: Hop) -> None:
    event = hop.event
    frame: dict[str, Any] = {
        key: event.get(key, "") for key in ("call", "from", "ffid", "rid", "op", "opkind", "client", "corr")
    }
    frame.update(fid=event["call"], arrived=hop.now)
    count(hop, "calls")
    if hop.state.get("down"):
        answer(hop, frame, False, UNAVAILABLE)
        return
    props = hop.node.props
    burst = float(props["burst"])
    bucket = hop.state.setdefault("bucket", {"tokens": burst, "at": hop.now})
    if not take_token(bucket, hop.now, float(props["rate_limit_per_s"]), burst):
        count(hop, "throttled")
        answer(hop, frame, False, THROTTLED)
        return
    latency = {"distribution": "exponential", "sigma": 0.5, **props.get("latency", {})}
    delay = sample_ms(hop.rng, latency) + float(hop.state.get("extra_latency_ms", 0))
    hop.put_frame(frame)
    hop.later(delay, {"node": hop.node.id, "t": "done", "fid": frame["fid"]})


def done(hop: Hop) -> None:
    frame = hop.frame(hop.event["fid"])
    if frame is None:
        return  # the API went down while the call was in flight: its caller times out
    hop.drop_frame(frame["fid"])
    if hop.rng.random() < errors.error_rate(hop):
        answer(hop, frame, False, FAILED)
        return
    answer(hop, frame, True, "")


def answer(hop: Hop, frame: dict[str, Any], ok: bool, why: str) -> None:
    hop.count(f"node:{hop.node.id}:processed")
    if not ok:
        hop.count(f"node:{hop.node.id}:errors")
        if why != THROTTLED:
            count(hop, "errors")
    hop.observe_latency(f"node:{hop.node.id}", hop.now - float(frame["arrived"]))
    calls.reply_to_caller(hop, frame, ok, why)


def apply_fault(hop: Hop) -> None:
    """Outages (kill/restore) and impairments (added latency, an error rate, error bursts); an
    outage drops the calls in flight (their callers time out, as with a provider that stops
    answering)."""
    event = hop.event
    action = event["action"]
    if action in ("kill_instance", "kill_zone"):
        hop.state["down"] = True
        for fid, _ in list(hop.all_frames()):
            hop.drop_frame(fid)
    elif action in ("restore_instance", "restore_zone"):
        hop.state["down"] = False
    elif not impairments.apply_fault(hop):
        network.apply_fault(hop)  # a partition (network.py)
    hop.audit("fault", action=action)
