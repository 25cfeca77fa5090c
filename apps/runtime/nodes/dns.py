"""DNS, a global traffic manager: resolve a call's target from a cached record, then forward
the call and relay its reply as the forwarder does.

Health. Every `health_check.interval_s` the DNS checks each target node as a whole, and marks
it unhealthy after `threshold` failed checks in a row (one good check brings it back;
physics/health.py). A target with instances (a service, a database…) is probed like a load
balancer probes: one probe per active instance, and the target passes the check if any of
them answers by the next check. A target without instances (a load balancer, a gateway)
passes while it is up and reachable (no partition between them) and, if it keeps health
checks of its own, while at least one instance it routes to is in its rotation (as Route 53
"evaluates target health" of an alias to a load balancer). Each change of the set of healthy
targets is kept with its run time (`changes`, only as far back as a cached record can reach).

Resolution. Resolvers cache an answer for `ttl_s`, and no state per client is kept: client
`c` refreshes its record at offset_c + k × ttl, with offset_c a stable hash of its id modulo
the TTL. A call from `c` at run time t uses the record resolved at r, the last refresh at or
before t, so it gets the answer the DNS would have given at r: from the healthy set then,
the first target in edge order (`failover`), or one drawn by the edges' weights (`weighted`,
the same draw for the whole life of the record; with a TTL of 0 or no client id, every call
resolves afresh with the hop's rng). With no healthy target, every target counts as healthy.
So after a target dies at D and the checks notice at D + d, clients leave it only as their
records expire: all of them by D + d + ttl. A call sent to a target already known unhealthy
is counted stale.

The DNS adds no latency and is a managed global service: no instance fault reaches it. It
keeps network faults (network.py) and cut edges like the forwarder.
"""

import hashlib
import math
import random
from typing import Any

from apps.runtime.hop import Hop
from apps.runtime.nodes import calls, forwarder, network
from apps.runtime.nodes.instances import instance_key, instances_of
from apps.runtime.physics.health import HealthChecker
from apps.runtime.plan import EdgePlan

FRAME_FIELDS = ("call", "from", "ffid", "rid", "op", "opkind", "client", "corr")
MAX_CHANGES = 100  # health changes kept for resolution (and for the summary's list)


def handle(hop: Hop) -> None:
    event = hop.event
    match event["t"]:
        case "call":
            receive(hop)
        case "reply" | "call_timeout":
            forwarder.relay_answer(hop)
        case "health_tick":
            health_tick(hop)
        case "probe_ok":
            hop.state.setdefault("probes_ok", {})[event["key"]] = event["seq"]
        case "fault":
            apply_fault(hop)


# --- resolution ---------------------------------------------------------------------------


def refreshed_at(client: str, now_ms: float, ttl_ms: float) -> float:
    """When client `client`'s cached record was resolved: the last of its refreshes
    (offset + k × ttl) at or before `now_ms`; `now_ms` itself with no TTL or no client id."""
    if ttl_ms <= 0 or not client:
        return now_ms
    digest = hashlib.blake2b(client.encode(), digest_size=8).digest()
    offset = int.from_bytes(digest, "big") % max(1, int(ttl_ms))
    return offset + math.floor((now_ms - offset) / ttl_ms) * ttl_ms


def healthy_at(hop: Hop, at_ms: float) -> list[str] | None:
    """The targets the checks held healthy at run time `at_ms` (None: all, no change yet)."""
    found: list[str] | None = None
    for change in hop.state.get("changes", []):
        if float(change["t"]) > at_ms:
            break
        found = list(change["healthy"])
    return found


def choose(hop: Hop, edges: list[EdgePlan], healthy: list[str] | None, draw: float) -> EdgePlan:
    """The answer from a healthy set: the first target (failover) or one by weight (weighted).
    No healthy target: every target counts as healthy (fail open)."""
    pool = [e for e in edges if healthy is None or e.target in healthy] or edges
    if hop.node.props["policy"] != "weighted":
        return pool[0]
    weights = [max(0.0, float(e.props.get("weight", 1))) for e in pool]
    total = sum(weights)
    if total <= 0:
        weights, total = [1.0] * len(pool), float(len(pool))
    mark = draw * total
    for edge, weight in zip(pool, weights, strict=True):
        if mark < weight:
            return edge
        mark -= weight
    return pool[-1]


def resolve(hop: Hop, frame: dict[str, Any], edges: list[EdgePlan]) -> EdgePlan:
    ttl_ms = float(hop.node.props["ttl_s"]) * 1000.0
    client = str(frame.get("client") or "")
    resolved = refreshed_at(client, hop.now, ttl_ms)
    if resolved == hop.now:
        draw = hop.rng.random()
    else:  # the same record, the same answer, whichever call of the client reads it
        draw = random.Random(f"{hop.plan.seed}:{hop.node.id}:{client}:{resolved:.3f}").random()
    return choose(hop, edges, healthy_at(hop, resolved), draw)


def receive(hop: Hop) -> None:
    event = hop.event
    frame: dict[str, Any] = {key: event.get(key, "") for key in FRAME_FIELDS}
    frame["fid"] = event["call"]
    frame["arrived"] = hop.now
    node = hop.node.id
    hop.count(f"node:{node}:processed")
    edges = calls.matching_call_edges(hop, frame["op"])
    if not edges:
        hop.count(f"node:{node}:errors")
        calls.reply_to_caller(hop, frame, False, f"no route for {frame['op']}")
        return
    edge = resolve(hop, frame, edges)
    hop.count(f"dns:{node}:to:{edge.target}")
    now_healthy = healthy_at(hop, hop.now)
    if now_healthy is not None and edge.target not in now_healthy and any(e.target in now_healthy for e in edges):
        hop.count(f"dns:{node}:stale")  # the cached record still names a target known to be down
        hop.count(f"dns:{node}:stale:{edge.target}")
    calls.call_downstream(hop, frame, edge)


# --- health checks ------------------------------------------------------------------------


def targets(hop: Hop) -> list[str]:
    """Target nodes in edge order, each once."""
    return list(dict.fromkeys(edge.target for edge in hop.node.calls()))


def probed_instances(hop: Hop, target: str) -> list[str]:
    """The target's active instances, which a probe goes to (none: it is judged as a whole)."""
    return [
        name
        for name, instance in instances_of(hop, target).items()
        if not instance.get("retired") and not instance.get("standby")
    ]


def answers_as_a_whole(hop: Hop, target: str) -> bool:
    """A target without instances (a load balancer, a gateway): up, reachable, and with an
    instance in its own rotation if it health-checks what it routes to."""
    state = hop.state_of(target)
    if state.get("down") or network.cut_apart(hop, target):
        return False
    saved = state.get("health")
    if not saved:
        return True
    checker = HealthChecker.from_dict(saved)
    behind = [
        instance_key(edge.target, name)
        for edge in hop.plan.nodes[target].calls()
        for name, instance in instances_of(hop, edge.target).items()
        if not instance.get("retired")
    ]
    return not behind or any(checker.is_healthy(key) for key in behind)


def health_tick(hop: Hop) -> None:
    """Judge the last round of checks, then start the next (every interval while traffic lasts)."""
    check = hop.node.props["health_check"]
    interval_ms = float(check["interval_s"]) * 1000.0
    if hop.now + interval_ms < hop.step.end_ms:
        hop.later(interval_ms, {"node": hop.node.id, "t": "health_tick"})
    saved = hop.state.get("health")
    checker = HealthChecker.from_dict(saved) if saved else HealthChecker.from_props(check)
    seq = int(hop.state.get("probe_seq", 0))
    answered: dict[str, int] = hop.state.setdefault("probes_ok", {})
    names = targets(hop)
    changed = False
    if seq > 0:
        for target in names:
            change = checker.observe(target, answered.get(target) == seq, hop.now / 1000.0)
            if change is not None:
                changed = True
                record_change(hop, target, healthy=change.healthy)
    hop.state["health"] = checker.to_dict()
    if changed:
        remember(hop, [target for target in names if checker.is_healthy(target)])
    seq += 1
    hop.state["probe_seq"] = seq
    for target in names:
        instances = probed_instances(hop, target)
        if not instances:
            if answers_as_a_whole(hop, target):
                answered[target] = seq
            continue
        for name in instances:
            hop.send({"node": target, "t": "probe", "lb": hop.node.id, "inst": name, "seq": seq, "key": target})


def record_change(hop: Hop, target: str, *, healthy: bool) -> None:
    verdict = "healthy" if healthy else "unhealthy"
    hop.count(f"dns:{hop.node.id}:health:{verdict}")
    hop.audit("health", target=target, state=verdict, passive=False)
    log = hop.state.setdefault("health_changes", [])  # read by the incidents as the load balancers' are
    log.append({"t": round(hop.now, 1), "target": target, "healthy": healthy, "passive": False})
    del log[:-MAX_CHANGES]


def remember(hop: Hop, healthy: list[str]) -> None:
    """Keep the new healthy set from now on; forget what no cached record can still reach
    (every record was resolved within the last TTL)."""
    changes: list[dict[str, Any]] = hop.state.setdefault("changes", [])
    changes.append({"t": round(hop.now, 3), "healthy": healthy})
    horizon = hop.now - float(hop.node.props["ttl_s"]) * 1000.0
    reaching = [i for i, change in enumerate(changes) if float(change["t"]) <= horizon]
    first = reaching[-1] if reaching else 0  # the set in force at the horizon, and what came after
    del changes[: max(first, len(changes) - MAX_CHANGES)]


# --- faults -------------------------------------------------------------------------------


def apply_fault(hop: Hop) -> None:
    """A managed global service: no instance fault targets it. Network faults and cut edges
    act on the calls it forwards."""
    event = hop.event
    action = event["action"]
    network.apply_fault(hop)  # a slow link, packet loss, a cut edge or a partition (network.py)
    hop.audit("fault", action=action)
