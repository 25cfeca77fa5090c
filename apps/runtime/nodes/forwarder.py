"""Nodes that route a call and relay its reply: load balancer, API gateway, CDN, cache.

Each incoming call becomes a frame at the node; the node sends the call on (or answers it
itself: a cache hit, a rate-limit rejection) and relays the downstream reply to its caller.
Faults make it fail (down, an error rate, error bursts) or slow: an added latency holds each
call that long before the node routes it (a `route` timer), as a struggling proxy would.
A load balancer routes over the *instances* of its targets that its health checks keep in
rotation; standby instances join only while an active one is out.
"""

from typing import Any

from apps.runtime import keys
from apps.runtime.hop import Hop
from apps.runtime.nodes import calls, errors, impairments, network
from apps.runtime.nodes.instances import instance_key, instances_of, split_key
from apps.runtime.physics.balancing import balancer_from_dict, instance_weight, make_balancer
from apps.runtime.physics.health import HealthChecker
from apps.runtime.plan import EdgePlan


def handle(hop: Hop) -> None:
    event = hop.event
    match event["t"]:
        case "call":
            receive(hop)
        case "reply" | "call_timeout":
            relay_answer(hop)
        case "done":
            answer_locally(hop)
        case "route":
            held = hop.frame(event["fid"])
            if held is not None:
                route(hop, held)
        case "health_tick":
            health_tick(hop)
        case "probe_ok":
            hop.state.setdefault("probes_ok", {})[event["key"]] = event["seq"]
        case "fault":
            apply_fault(hop)


def receive(hop: Hop) -> None:
    event = hop.event
    frame: dict[str, Any] = {
        key: event.get(key, "") for key in ("call", "from", "ffid", "rid", "op", "opkind", "client", "corr")
    }
    frame["fid"] = event["call"]
    frame["arrived"] = hop.now
    hop.count(f"node:{hop.node.id}:processed")
    if hop.state.get("down"):
        hop.count(f"node:{hop.node.id}:errors")
        calls.reply_to_caller(hop, frame, False, "connection refused")
        return
    failing = errors.error_rate(hop)  # a set error rate, or an error burst's storm (errors.py)
    if failing > 0 and hop.rng.random() < failing:
        hop.count(f"node:{hop.node.id}:errors")
        calls.reply_to_caller(hop, frame, False, "error")
        return
    extra_ms = float(hop.state.get("extra_latency_ms") or 0)
    if extra_ms > 0:
        hop.put_frame(frame)
        hop.later(extra_ms, {"node": hop.node.id, "t": "route", "fid": frame["fid"]})
        return
    route(hop, frame)


def route(hop: Hop, frame: dict[str, Any]) -> None:
    """Send the call on, or answer it here (a hit, a rejection, no route)."""
    kind = hop.node.kind
    if kind == "api_gateway" and not take_token(hop):
        hop.count(f"node:{hop.node.id}:rejected")
        calls.reply_to_caller(hop, frame, False, "rate limited")
        return
    if kind in ("cdn", "cache") and is_hit(hop, frame):
        hop.count(f"node:{hop.node.id}:hits")
        hop.put_frame(frame)
        hop.later(float(hop.node.props["latency"]["mean_ms"]), {"node": hop.node.id, "t": "done", "fid": frame["fid"]})
        return
    if kind == "load_balancer":
        route_to_instance(hop, frame)
        return
    edges = calls.matching_call_edges(hop, frame["op"])
    if edges:
        calls.call_downstream(hop, frame, edges[0])
        return
    publish = [e for e in hop.node.publishes_to() if e.carries(frame["op"])]
    if publish:
        publish_for(hop, frame, publish[0])
        return
    if kind in ("cdn", "cache"):  # a miss with no origin drawn: the origin is implicit
        hop.put_frame(frame)
        hop.later(float(hop.node.props["latency"]["mean_ms"]), {"node": hop.node.id, "t": "done", "fid": frame["fid"]})
        return
    hop.count(f"node:{hop.node.id}:errors")
    calls.reply_to_caller(hop, frame, False, f"no route for {frame['op']}")


def is_hit(hop: Hop, frame: dict[str, Any]) -> bool:
    """A cache or CDN holds one entry per operation, filled by the first miss that comes back
    from the origin and good for `ttl_s`. While the entry is fresh, `hit_ratio` of its
    requests are answered here (the rest ask for items it does not hold); once it expires
    every request misses until a miss has refilled it. A CDN only caches queries."""
    if hop.node.kind == "cdn" and frame["opkind"] != "query":
        return False
    filled = hop.state.get("entries", {}).get(frame["op"])
    if filled is None or hop.now - float(filled) > float(hop.node.props["ttl_s"]) * 1000.0:
        hop.count(f"node:{hop.node.id}:cold_misses")
        frame["fill"] = True
        return False
    return hop.rng.random() < float(hop.node.props["hit_ratio"])


def fill(hop: Hop, frame: dict[str, Any]) -> None:
    """A miss came back from the origin: the entry is fresh from now (if it was stale)."""
    entries = hop.state.setdefault("entries", {})
    filled = entries.get(frame["op"])
    if filled is None or hop.now - float(filled) > float(hop.node.props["ttl_s"]) * 1000.0:
        entries[frame["op"]] = round(hop.now, 3)
        hop.count(f"node:{hop.node.id}:fills")
        for flushed in hop.state.get("flushes", [])[-1:]:
            if frame["op"] in flushed["lost"]:
                flushed["refilled"].setdefault(frame["op"], round(hop.now, 3))


def answer_locally(hop: Hop) -> None:
    frame = hop.frame(hop.event["fid"])
    if frame is None:
        return
    hop.drop_frame(frame["fid"])
    if frame.get("fill"):
        fill(hop, frame)
    hop.observe_latency(f"node:{hop.node.id}", hop.now - float(frame["arrived"]))
    calls.reply_to_caller(hop, frame, True)


def take_token(hop: Hop) -> bool:
    limit = float(hop.node.props["rate_limit"])
    if limit <= 0:
        return True
    bucket = hop.state.setdefault("bucket", {"tokens": limit, "at": hop.now})
    bucket["tokens"] = min(limit, bucket["tokens"] + (hop.now - bucket["at"]) / 1000.0 * limit)
    bucket["at"] = hop.now
    if bucket["tokens"] >= 1:
        bucket["tokens"] -= 1
        return True
    return False


# --- load balancing ---------------------------------------------------------------------


def _checker(hop: Hop) -> HealthChecker:
    saved = hop.state.get("health")
    return HealthChecker.from_dict(saved) if saved else HealthChecker.from_props(hop.node.props["health_check"])


def candidates(hop: Hop) -> tuple[list[str], dict[str, float]]:
    """Instance keys in rotation (healthy actives, plus standbys while an active is out), and
    their weights: the edge's weight × the instance's own (a service's `instance_weights`)."""
    checker = _checker(hop)
    active: list[str] = []
    standby: list[str] = []
    weights: dict[str, float] = {}
    for edge in hop.node.calls():
        own_weights = hop.plan.nodes[edge.target].props.get("instance_weights") or []
        for name, instance in instances_of(hop, edge.target).items():
            if instance.get("retired"):
                continue
            key = instance_key(edge.target, name)
            weights[key] = float(edge.props["weight"]) * instance_weight(own_weights, name)
            (standby if instance.get("standby") else active).append(key)
    healthy_active = [key for key in active if checker.is_healthy(key)]
    pool = list(healthy_active)
    missing = len(active) - len(healthy_active)
    if missing > 0:
        pool += [key for key in standby if checker.is_healthy(key)][:missing]
    return pool, weights


def route_to_instance(hop: Hop, frame: dict[str, Any]) -> None:
    pool, weights = candidates(hop)
    if not pool:
        hop.count(f"node:{hop.node.id}:errors")
        calls.reply_to_caller(hop, frame, False, "no healthy target")
        return
    saved = hop.state.get("balancer")
    balancer = balancer_from_dict(saved) if saved else make_balancer(hop.node.props["strategy"])
    inflight: dict[str, int] = hop.state.setdefault("inflight", {})
    key = balancer.choose(pool, client_id=frame["client"], in_flight=inflight, weights=weights)
    hop.state["balancer"] = balancer.to_dict()
    inflight[key] = inflight.get(key, 0) + 1
    hop.count(f"lb:{hop.node.id}:to:{key}")
    if frame["client"]:
        sticky = hop.records(keys.sticky(hop.run, hop.node.id))
        previous = sticky.get(frame["client"])
        if previous is not None:
            hop.count(f"lb:{hop.node.id}:repeat")
            if previous == key:
                hop.count(f"lb:{hop.node.id}:same")
        if previous != key:
            sticky.set(frame["client"], key)
    frame["target"] = key
    target_node, instance = split_key(key)
    edge = next(e for e in hop.node.calls() if e.target == target_node)
    calls.call_downstream(hop, frame, edge, instance=instance)


def relay_answer(hop: Hop) -> None:
    """A downstream answer, relayed to the caller: a reply, or the timeout of its call."""
    event = hop.event
    if event["t"] == "call_timeout":
        relay(hop, event["fid"], event["call"], False, "timeout")
    else:
        ok, why = bool(event["ok"]), event.get("why", "")
        relay(hop, event["fid"], event["call"], ok, why, local=event.get("local", False))


def publish_for(hop: Hop, frame: dict[str, Any], edge: EdgePlan) -> None:
    """Hand the request to a broker as a message and answer when it has taken it; over a cut
    edge or to a broker cut off, fail at once."""
    if edge.id in hop.state.get("cut_edges", []) or network.cut_apart(hop, edge.target):
        hop.count(f"edge:{edge.id}:cut")
        calls.reply_to_caller(hop, frame, False, "broker unreachable")
        return
    event = {
        "node": edge.target, "t": "publish", "mid": frame["rid"], "name": frame["op"], "corr": frame["corr"],
        "reply": {"node": hop.node.id, "fid": frame["fid"], "call": "publish"},
    }  # fmt: skip
    network.send_delayed(hop, event, network.session_delay(hop, edge))
    frame["wait"] = "publish"
    hop.put_frame(frame)


def relay(hop: Hop, fid: str, call_id: str, ok: bool, why: str, *, local: bool = False) -> None:
    frame = hop.frame(fid)
    if frame is None:
        return
    if frame.get("wait") == "publish" and call_id == "publish":
        hop.drop_frame(fid)
        calls.reply_to_caller(hop, frame, ok, why)
        return
    if not local and frame.get("wait") != call_id:
        return  # a late reply or an expired timeout for a call already settled
    if not local:
        calls.settle_downstream(hop, frame, ok)
    if hop.node.kind == "load_balancer" and frame.get("target"):
        inflight = hop.state.setdefault("inflight", {})
        inflight[frame["target"]] = max(0, inflight.get(frame["target"], 0) - 1)
        if why == "connection refused" and eject(hop, frame["target"]):
            # Passive health check: a refused connection takes the instance out of rotation
            # at once, and the request is tried on another one (as nginx's next upstream).
            hop.count(f"node:{hop.node.id}:rerouted")
            route_to_instance(hop, frame)
            return
    if not ok and not local and calls.should_retry(hop, frame):
        hop.count(f"node:{hop.node.id}:retries")
        if hop.node.kind == "load_balancer":
            route_to_instance(hop, frame)
        else:
            calls.call_downstream(hop, frame, hop.plan.edges[frame["edge"]])
        return
    hop.drop_frame(fid)
    if not ok:
        hop.count(f"node:{hop.node.id}:errors")
    elif frame.get("fill"):
        fill(hop, frame)
    hop.observe_latency(f"node:{hop.node.id}", hop.now - float(frame["arrived"]))
    calls.reply_to_caller(hop, frame, ok, why)


def eject(hop: Hop, key: str) -> bool:
    """Mark an instance unhealthy now (until a probe succeeds). False if it already was."""
    checker = _checker(hop)
    if not checker.is_healthy(key):
        return True
    for _ in range(int(hop.node.props["health_check"]["threshold"])):
        change = checker.observe(key, False, hop.now / 1000.0)
        if change is not None:
            record_health_change(hop, key, healthy=False, passive=True)
    hop.state["health"] = checker.to_dict()
    return True


def record_health_change(hop: Hop, key: str, *, healthy: bool, passive: bool = False) -> None:
    verdict = "healthy" if healthy else "unhealthy"
    hop.count(f"lb:{hop.node.id}:health:{verdict}")
    hop.audit("health", target=key, state=verdict, passive=passive)
    changes = hop.state.setdefault("health_changes", [])
    changes.append({"t": round(hop.now, 1), "target": key, "healthy": healthy, "passive": passive})


def health_tick(hop: Hop) -> None:
    """Judge the last round of probes, then send the next round (every interval while the
    traffic lasts)."""
    interval_ms = float(hop.node.props["health_check"]["interval_s"]) * 1000.0
    if hop.now + interval_ms < hop.step.end_ms:
        hop.later(interval_ms, {"node": hop.node.id, "t": "health_tick"})
    checker = _checker(hop)
    seq = int(hop.state.get("probe_seq", 0))
    answered: dict[str, int] = hop.state.get("probes_ok", {})
    keys_now: list[str] = []
    for edge in hop.node.calls():
        for name, instance in instances_of(hop, edge.target).items():
            if not instance.get("retired"):
                keys_now.append(instance_key(edge.target, name))
    if seq > 0:
        for key in keys_now:
            change = checker.observe(key, answered.get(key) == seq, hop.now / 1000.0)
            if change is not None:
                record_health_change(hop, key, healthy=change.healthy)
    hop.state["health"] = checker.to_dict()
    seq += 1
    hop.state["probe_seq"] = seq
    for key in keys_now:
        target_node, name = split_key(key)
        hop.send({"node": target_node, "t": "probe", "lb": hop.node.id, "inst": name, "seq": seq, "key": key})


def apply_fault(hop: Hop) -> None:
    event = hop.event
    action = event["action"]
    if action in ("kill_instance", "kill_zone"):
        hop.state["down"] = True
    elif action in ("restore_instance", "restore_zone"):
        hop.state["down"] = False
    elif action == "cache_flush":
        flush(hop)
    elif not impairments.apply_fault(hop):
        network.apply_fault(hop)  # a slow link, packet loss, a cut edge or a partition (network.py)
    hop.audit("fault", action=action)


def flush(hop: Hop) -> None:
    """Every entry is gone: each operation misses until a miss refills it. The flush is kept
    with the entries it lost, and each is marked when it is refilled (its recovery)."""
    lost = sorted(hop.state.get("entries", {}))
    hop.state["entries"] = {}
    hop.state.setdefault("flushes", []).append({"at": round(hop.now, 3), "lost": lost, "refilled": {}})
    hop.count(f"node:{hop.node.id}:flushes")
