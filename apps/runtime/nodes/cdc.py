"""A CDC (change data capture) relay: the outbox pattern without the writer's help.

The relay has a call edge to each database it reads and a publish edge to each queue or bus
it feeds. It reads nothing through the database's instances: it tails the database's change
log (changelog.py), where the primary appends every write it commits. Every `poll_ms` of run
time (a `poll_tick`) it reads the entries past its own position in each database's log — at
most `batch` per poll — and publishes one event per entry along every publish edge that
carries the event's name (`event`, or the write's operation + "Changed"), keyed by the write's
correlation id. Its position advances as it publishes, so each change is published once.

- Relay lag: commit time → publish time of each change. It is the node's latency (the live
  canvas's p95) and the summary's `cdc.lag_ms`; with a steady write rate it is about half a
  poll interval plus the network hop to the database's log.
- Down (kill_instance, kill_zone): it stops polling; the writes go on being committed and
  their entries wait in the log. Restored, it polls at once and publishes the whole backlog
  (`batch` per poll), oldest first: the lag of those changes is the outage, and nothing is
  lost. Each outage is kept with its backlog and when the relay had caught up.
- A cut publish edge holds the relay at the first change that edge carries (order is kept)
  until the edge is restored; a cut edge to the database (or a partition) stops it reading
  that log. A slow link to the database shows the relay the log as it was a round trip ago
  (2 × the delay: its lag grows by that); packet loss on it loses that share of the polls'
  reads (the next poll reads on). On a publish edge they act as on any broker's session
  (network.py).
- Each change is open work until the broker has confirmed its publication (its reply), so
  the run drains only once every committed change is on the bus. After traffic ends the
  relay polls while something is left, then sleeps; a write committed later wakes it.
"""

import hashlib
from typing import Any

from apps.runtime.hop import Hop
from apps.runtime.nodes import changelog, network
from apps.runtime.plan import EdgePlan


def handle(hop: Hop) -> None:
    match hop.event["t"]:
        case "poll_tick":
            poll(hop, tick=True)
        case "poll":
            poll(hop, tick=False)
        case "wake":
            wake(hop)
        case "reply":
            confirmed(hop)
        case "fault":
            apply_fault(hop)


def event_name(props: dict[str, Any], operation: str) -> str:
    """The event a change becomes: the relay's `event`, else the operation + "Changed"."""
    return str(props.get("event") or "") or f"{operation}Changed"


def message_id(relay: str, database: str, sequence: int, edge: str) -> str:
    return hashlib.blake2b(f"{relay}|{database}|{sequence}|{edge}".encode(), digest_size=8).hexdigest()


def positions(hop: Hop) -> dict[str, int]:
    result: dict[str, int] = hop.state.setdefault("position", {})
    return result


def unpublished(heads: dict[str, int], position: dict[str, int]) -> int:
    """Committed changes not published yet: each log's last sequence number past the position."""
    return sum(max(0, head - int(position.get(db, 0))) for db, head in heads.items())


def backlog(hop: Hop) -> int:
    """This relay's unpublished changes, over all the databases it reads."""
    heads = {db: changelog.head(hop, db) for db in changelog.sources(hop.plan, hop.node.id)}
    return unpublished(heads, positions(hop))


def poll(hop: Hop, *, tick: bool) -> None:
    """Publish the new entries of each database's log (a tick also schedules the next one)."""
    interval = float(hop.node.props["poll_ms"])
    if not hop.state.get("down"):
        publish_new(hop)
    if tick:
        open_work = backlog(hop) > 0 or int(hop.state.get("inflight", 0)) > 0
        if hop.now < hop.step.end_ms or open_work:
            hop.later(interval, {"node": hop.node.id, "t": "poll_tick"})
        else:
            hop.state["asleep"] = True  # traffic is over and nothing is left: a new write wakes it


def wake(hop: Hop) -> None:
    """A database committed a write while the relay slept (after traffic ended): poll again."""
    if hop.state.get("asleep"):
        hop.state["asleep"] = False
        hop.later(float(hop.node.props["poll_ms"]), {"node": hop.node.id, "t": "poll_tick"})


def publish_new(hop: Hop) -> None:
    budget = int(hop.node.props["batch"])
    waiting = backlog(hop)
    if waiting > int(hop.state.get("max_backlog", 0)):
        hop.state["max_backlog"] = waiting
    cut = set(hop.state.get("cut_edges", []))
    for database in changelog.sources(hop.plan, hop.node.id):
        if network.severed(hop, database):
            continue  # a partition or a cut edge between them: the log cannot be read until then
        read = network.link(hop, reading_edge(hop, database))
        if read.get("loss") and hop.rng.random() < read["loss"]:
            hop.count(f"cdc:{hop.node.id}:reads_lost")
            continue  # this poll's read was lost on the way: the next poll reads on
        seen_until = hop.now - 2 * read.get("delay_ms", 0.0)  # a slow link: the log as it was a round trip ago
        position = positions(hop).get(database, 0)
        top = changelog.head(hop, database)
        while position < top and budget > 0:
            change = changelog.entry(hop, database, position + 1)
            if change is None or float(change["at"]) > seen_until:
                break
            name = event_name(hop.node.props, change["op"])
            edges = [edge for edge in hop.node.publishes_to() if edge.carries(name)]
            if any(edge.id in cut or network.cut_apart(hop, edge.target) for edge in edges):
                break  # in order: wait for the edge (or the network) to come back
            position += 1
            budget -= 1
            publish(hop, database, position, change, name, edges)
        positions(hop)[database] = position
    if backlog(hop) == 0:
        for outage in hop.state.get("outages", []):
            if outage.get("up_at") is not None and outage.get("caught_up_at") is None:
                outage["caught_up_at"] = round(hop.now, 3)


def reading_edge(hop: Hop, database: str) -> EdgePlan:
    """The call edge the relay reads `database` over (its sources are the targets of those)."""
    return next(edge for edge in hop.node.calls() if edge.target == database)


def publish(hop: Hop, database: str, sequence: int, change: dict[str, Any], name: str, edges: list[EdgePlan]) -> None:
    """One change, on every edge that carries its event. It stays open work (counted once when
    committed) until each broker has confirmed it."""
    lag = hop.now - float(change["at"])
    hop.count(f"node:{hop.node.id}:processed")
    hop.count(f"cdc:{hop.node.id}:published")
    hop.observe_latency(f"node:{hop.node.id}", lag)
    hop.observe_latency(f"cdc:{hop.node.id}:lag", lag)
    if not edges:
        hop.count(f"cdc:{hop.node.id}:unrouted")
        hop.count(changelog.OPEN, -1)
        return
    hop.count(changelog.OPEN, len(edges) - 1)
    hop.state["inflight"] = int(hop.state.get("inflight", 0)) + len(edges)
    data = {"key": change["key"], "operation": change["op"], "database": database, "sequence": sequence}
    for edge in edges:
        mid = message_id(hop.node.id, database, sequence, edge.id)
        reply = {"node": hop.node.id, "fid": mid, "call": "publish"}
        event = {"node": edge.target, "t": "publish", "mid": mid, "name": name, "corr": change["key"]}
        network.send_delayed(hop, {**event, "data": data, "reply": reply}, network.session_delay(hop, edge))
        hop.audit("publish", corr=change["key"], event=name, to=edge.target, mid=mid, lag_ms=round(lag, 2))


def confirmed(hop: Hop) -> None:
    """The broker took the event (or refused it: a full queue that rejects): no longer open."""
    hop.state["inflight"] = max(0, int(hop.state.get("inflight", 0)) - 1)
    hop.count(changelog.OPEN, -1)
    if not hop.event.get("ok"):
        hop.count(f"cdc:{hop.node.id}:refused")
        hop.count(f"node:{hop.node.id}:errors")


def apply_fault(hop: Hop) -> None:
    action = hop.event["action"]
    if action in ("kill_instance", "kill_zone") and not hop.state.get("down"):
        hop.state["down"] = True
        outages = hop.state.setdefault("outages", [])
        outages.append({"down_at": round(hop.now, 3), "up_at": None, "backlog_at_restore": None, "caught_up_at": None})
    elif action in ("restore_instance", "restore_zone") and hop.state.get("down"):
        hop.state["down"] = False
        outages = hop.state.get("outages", [])
        if outages:
            outages[-1].update(up_at=round(hop.now, 3), backlog_at_restore=backlog(hop))
        hop.later(0.0, {"node": hop.node.id, "t": "poll"})  # resume at once, from its position
    else:
        network.apply_fault(hop)  # a slow link, packet loss, a cut edge or a partition (network.py)
    hop.audit("fault", action=action)
