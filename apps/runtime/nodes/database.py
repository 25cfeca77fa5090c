"""A database: one primary, its replicas, replication and failover.

The instances are worker instances (slots, waiting lines: worker.py); this module decides
which instance serves a call and what a write's acknowledgement means.

- Roles. Instance "0" starts as the primary, the others are replicas. The node's state keeps
  `primary`: the primary's instance name, or None while a failover is in progress.
- Routing. A write (any call that is not a query) goes to the primary; with no primary it is
  refused at once ("no primary"). A query goes round-robin to the alive replicas, or to the
  primary when no replica is alive. (A load balancer that connects to a dead instance is
  refused as with any worker; a live instance hands the call to the right role.)
- Asynchronous replication. The primary acknowledges a write when its own service time
  ends; the replicas receive it `replication_lag_ms` later. Each acknowledged write is kept
  (correlation id, ack time) in the node's state, trimmed to that window. When the primary
  dies, the writes it acknowledged less than `replication_lag_ms` earlier had reached no
  replica: the promoted replica never saw them. They are *acknowledged writes lost by the
  failover* — the client was told "done" and the data is gone. This is data loss in the
  drawn architecture, not a request the engine lost: every such request still has its
  outcome (completed), and the ledger's `lost` stays 0.
- Synchronous replication. The primary acknowledges a write only once the replicas have it:
  after its service time it holds the slot `replication_lag_ms` longer (waiting for their
  confirmation), unless no replica is alive, when it acknowledges alone. The exposure window
  is then 0 and the same count finds nothing lost.
- Reads from replicas are at most `replication_lag_ms` stale with async replication, never
  with sync: the summary reports that bound and how many reads each role served.
- Failover. When the primary dies (kill_instance, kill_zone), its in-flight calls die with it
  (their callers time out), `primary` becomes None and a `promote` timer is set for
  `failover_s`. Then the alive replica with the lowest instance number becomes the primary;
  if none is alive, promotion is tried again every second. A restored old primary rejoins as
  a replica. Killing a replica only takes it out of the read rotation.

Messages a database consumes from a queue or bus (deliveries, not calls) keep the worker's
credit flow: whichever alive instance offered the credit handles them, and they are not
counted as acknowledged writes.
"""

from dataclasses import dataclass
from typing import Any

from apps.runtime import keys
from apps.runtime.hop import Hop
from apps.runtime.nodes import calls, changelog, errors, worker

RETRY_PROMOTION_MS = 1000.0
MAX_LOST_IDS = 1000  # correlation ids of lost writes kept for the summary
FIRST_PRIMARY = "0"


# --- pure decisions -----------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """Where a call goes inside the database: an instance and its role, or a refusal."""

    instance: str | None
    role: str  # "primary", "replica", or "" when refused
    why: str = ""
    rotation: int = 0  # the read round-robin position after this call


def is_write(opkind: str) -> bool:
    """Commands change data; so does handling an event. Only queries are reads."""
    return opkind != "query"


def by_number(name: str) -> tuple[int, str]:
    return (int(name), name) if name.isdigit() else (1 << 30, name)


def alive_replicas(instances: dict[str, dict[str, Any]], primary: str | None) -> list[str]:
    """Replicas able to serve, lowest instance number first."""
    return sorted((n for n, i in instances.items() if n != primary and worker.usable(i)), key=by_number)


def route(opkind: str, primary: str | None, instances: dict[str, dict[str, Any]], rotation: int) -> Route:
    """Writes to the primary; reads round-robin over alive replicas, else the primary."""
    if is_write(opkind):
        if primary is None:
            return Route(None, "", "no primary", rotation)
        return Route(primary, "primary", "", rotation)
    replicas = alive_replicas(instances, primary)
    if replicas:
        return Route(replicas[rotation % len(replicas)], "replica", "", rotation + 1)
    if primary is not None:
        return Route(primary, "primary", "", rotation)
    return Route(None, "", "no primary", rotation)


def promotion_candidate(instances: dict[str, dict[str, Any]]) -> str | None:
    """The replica a failover promotes: the alive one with the lowest instance number."""
    candidates = alive_replicas(instances, None)
    return candidates[0] if candidates else None


def exposure_ms(replication: str, lag_ms: float) -> float:
    """How long an acknowledged write exists only on the primary: the replication lag with
    async replication, nothing with sync (the acknowledgement waits for the replicas)."""
    return float(lag_ms) if replication == "async" else 0.0


def replica_wait_ms(replication: str, lag_ms: float, replicas_alive: int) -> float:
    """Extra time a write holds the primary's slot before it is acknowledged: with sync
    replication the replicas' confirmation (one lag), unless no replica is alive."""
    return float(lag_ms) if replication == "sync" and replicas_alive > 0 else 0.0


def staleness_bound_ms(replication: str, lag_ms: float) -> float:
    """How far behind the primary a replica read can be."""
    return exposure_ms(replication, lag_ms)


def lost_on_failover(acks: list[tuple[str, float]], killed_at_ms: float, window_ms: float) -> list[str]:
    """Writes acknowledged less than `window_ms` before the primary died (and not after it):
    they had not reached any replica. `acks` is (correlation id, ack time in ms)."""
    return [corr for corr, at in acks if killed_at_ms - window_ms < at <= killed_at_ms]


# --- state --------------------------------------------------------------------------------


def primary(hop: Hop) -> str | None:
    """The primary's instance name (None during a failover). Instance 0 starts as primary."""
    if "primary" not in hop.state:
        hop.state["primary"] = FIRST_PRIMARY if FIRST_PRIMARY in worker.instances(hop) else None
    value = hop.state["primary"]
    return str(value) if value is not None else None


def replication(hop: Hop) -> tuple[str, float]:
    return str(hop.node.props.get("replication", "async")), float(hop.node.props.get("replication_lag_ms", 0))


def db_state(hop: Hop) -> dict[str, Any]:
    """Failover records and the lost-write total (the lost ids are in a Redis list)."""
    result: dict[str, Any] = hop.state.setdefault("db", {"failovers": [], "lost": 0, "rr": 0})
    return result


# --- the handler ---------------------------------------------------------------------------


def handle(hop: Hop) -> None:
    """Calls are routed by role, write completions replicate, faults can start a failover,
    promotion timers end it; everything else is ordinary worker behaviour."""
    primary(hop)
    match hop.event["t"]:
        case "call":
            receive_call(hop)
        case "done":
            service_done(hop)
        case "promote":
            promote(hop)
        case "fault":
            apply_fault(hop)
        case _:
            worker.handle(hop)


def receive_call(hop: Hop) -> None:
    event = hop.event
    targeted = event.get("inst")
    if targeted and not worker.usable(worker.instances(hop).get(targeted)):
        worker.receive_call(hop)  # a connection to a dead instance is refused
        return
    if hop.state.get("disk_full") and is_write(event.get("opkind", "")):
        refuse(hop, "disk full")  # the primary cannot write; reads go on below
        return
    state = db_state(hop)
    chosen = route(event.get("opkind", ""), primary(hop), worker.instances(hop), int(state["rr"]))
    if chosen.rotation != state["rr"]:
        state["rr"] = chosen.rotation
    if chosen.instance is None:
        refuse(hop, chosen.why)
        return
    if not is_write(event.get("opkind", "")):
        hop.count(f"db:{hop.node.id}:reads_{'replicas' if chosen.role == 'replica' else 'primary'}")
    hop.event = {**event, "inst": chosen.instance}
    worker.receive_call(hop)


def refuse(hop: Hop, why: str) -> None:
    """Answer at once: no instance can take this call (a write during a failover). A live
    instance gave that answer, so it counts as a call processed, and failed."""
    event = hop.event
    hop.count(f"node:{hop.node.id}:processed")
    hop.count(f"node:{hop.node.id}:refused")
    hop.count(f"node:{hop.node.id}:errors")
    hop.count(f"db:{hop.node.id}:refused")
    calls.reply_to_caller(hop, {"from": event["from"], "ffid": event["ffid"], "call": event["call"]}, False, why)


def service_done(hop: Hop) -> None:
    """A call's service time ended. A write on the primary is acknowledged here — after the
    replicas confirmed it with sync replication — and remembered until it has replicated."""
    frame, instance = worker.current(hop, hop.event["fid"])
    if (
        frame is None
        or instance is None
        or frame["kind"] != "call"
        or not is_write(frame.get("opkind", ""))
        or frame["inst"] != primary(hop)
    ):
        worker.service_done(hop)
        return
    if not frame.get("executed"):
        if fails(hop):
            worker.finish(hop, frame, instance, False, "error")
            return
        mode, lag = replication(hop)
        wait = replica_wait_ms(mode, lag, len(alive_replicas(worker.instances(hop), frame["inst"])))
        if wait > 0:
            frame["executed"] = True
            hop.put_frame(frame)
            hop.later(wait, {"node": hop.node.id, "t": "done", "fid": frame["fid"]})
            return
    acknowledge(hop, frame)
    worker.next_step(hop, frame, instance)


def fails(hop: Hop) -> bool:
    """The node's error rate (or a set_error_rate fault, or a storm of an error burst:
    errors.py) fails this write on the primary."""
    return hop.rng.random() < errors.error_rate(hop)


def acknowledge(hop: Hop, frame: dict[str, Any]) -> None:
    """Count the write and keep it, with its ack time, for as long as it exists only on the
    primary (the set is trimmed to that window on each write). A committed write is also
    appended to the change log when a CDC relay reads it (changelog.py)."""
    mode, lag = replication(hop)
    window = exposure_ms(mode, lag)
    member = frame.get("corr") or frame.get("rid") or frame["fid"]
    now = hop.now
    acks = db_state(hop).setdefault("acks", [])
    acks.append([member, now])
    db_state(hop)["acks"] = [ack for ack in acks if ack[1] >= now - window]
    hop.count(f"db:{hop.node.id}:writes")
    hop.observe_latency(f"db:{hop.node.id}:write", now - float(frame["arrived"]))
    changelog.record(hop, frame)  # for the CDC relays that read this database's log


# --- failover -----------------------------------------------------------------------------


def apply_fault(hop: Hop) -> None:
    """Instance faults are the worker's; what they mean for the roles is decided here. A full
    disk (disk_full, until free_disk) refuses every write call at once ("disk full"); reads go on."""
    before = {name: bool(instance["alive"]) for name, instance in worker.instances(hop).items()}
    if hop.event["action"] in ("disk_full", "free_disk"):
        hop.state["disk_full"] = hop.event["action"] == "disk_full"
    worker.handle(hop)
    current = primary(hop)
    instances = worker.instances(hop)
    if current is not None and not instances[current]["alive"]:
        primary_lost(hop, current)
    for name, instance in instances.items():
        if instance["alive"] and not before.get(name, True):
            hop.audit("replica_rejoined", instance=name)


def primary_lost(hop: Hop, name: str) -> None:
    """The primary died: writes acknowledged within the exposure window never reached a
    replica. Count and name them, and start the failover clock."""
    mode, lag = replication(hop)
    state = db_state(hop)
    recent = [(str(corr), float(at)) for corr, at in state.pop("acks", [])]
    lost = lost_on_failover(recent, hop.now, exposure_ms(mode, lag))  # the next primary starts afresh
    state["lost"] = int(state["lost"]) + len(lost)
    state["failovers"].append(
        {"killed_at": hop.now, "old_primary": name, "promoted_at": None, "new_primary": None, "lost": len(lost)}
    )
    hop.state["primary"] = None
    record_lost(hop, lost)
    hop.count(f"db:{hop.node.id}:failovers")
    hop.audit("primary_lost", instance=name, lost_acknowledged_writes=len(lost))
    delay_ms = float(hop.node.props.get("failover_s", 0)) * 1000.0
    hop.later(delay_ms, {"node": hop.node.id, "t": "promote", "failover": len(state["failovers"]) - 1})


def record_lost(hop: Hop, lost: list[str]) -> None:
    if not lost:
        return
    listed = keys.db_lost(hop.run, hop.node.id)
    hop.command("rpush", listed, *lost)
    hop.command("ltrim", listed, 0, MAX_LOST_IDS - 1)
    for corr in lost:
        hop.audit("write_lost", corr=corr)


def promote(hop: Hop) -> None:
    """The failover time is up: the first alive replica becomes the primary (or, with none
    alive, try again in a second)."""
    failovers = db_state(hop)["failovers"]
    index = int(hop.event.get("failover", len(failovers) - 1))
    if primary(hop) is not None or not 0 <= index < len(failovers) or failovers[index]["promoted_at"] is not None:
        return
    candidate = promotion_candidate(worker.instances(hop))
    if candidate is None:
        hop.later(RETRY_PROMOTION_MS, {"node": hop.node.id, "t": "promote", "failover": index})
        return
    record = failovers[index]
    record.update(promoted_at=hop.now, new_primary=candidate)
    hop.state["primary"] = candidate
    hop.audit("promoted", instance=candidate, took_s=round((hop.now - record["killed_at"]) / 1000.0, 3))
