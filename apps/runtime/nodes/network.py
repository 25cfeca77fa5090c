"""The network between nodes, as faults change it: slow links, packet loss and partitions.

- A slow link (edge_latency) adds its `delay_ms` to every call over the edge and to the reply
  coming back, on top of the network latency (plan.network_ms); over a messaging edge, to each
  publish or delivery. Packet loss drops that share of the calls over the edge on their way
  out (drawn from the hop's rng): the call never arrives, so the caller's timeout fires and it
  retries if it may. A broker's session (a publish, a delivery) loses nothing to it: it
  stalls, as TCP does, one retransmission timeout for each time the loss ate the message
  (200 ms, doubling; `session_delay`). Both are kept by the node
  at the edge's source, in its state under `links` ({edge id: {"delay_ms", "loss"}}), since
  the driver hands an edge fault to that node.
- A cut edge (cut_edge, until restore_edge) is kept by the node at its source too, under
  `cut_edges`: a call over it fails at once ("edge cut", calls.py and client.py), a publish
  over it is not made (worker.py, cdc.py), and a broker delivers nothing over it until it is
  restored (`severed`: its consumer's credits wait, its acks are lost, as across a partition).
- A partition cuts a zone off from the rest of the network. Every executed node is told (the
  fault's reach is "network") and keeps the cut zones in its state (`cut_zones`). Two nodes
  are cut apart when they are not in the same zone and either one's zone is cut; a node
  placed in no zone is outside every zone. Calls, replies, health probes and publishes across
  the cut are lost (the caller times out; a publisher sees its publish fail), and a broker
  holds back deliveries to consumers across the cut (messaging.py) until it heals. Traffic
  inside the zone flows as before.
"""

from typing import Any

from apps.runtime.hop import Event, Hop
from apps.runtime.plan import EdgePlan

EDGE_FAULTS = {"edge_latency": "delay_ms", "packet_loss": "loss"}
RETRANSMIT_MS = 200.0  # a session's first retransmission timeout (TCP's minimum on Linux)
MAX_RETRANSMITS = 6  # then it gets through (200 ms … 6.4 s: 12.6 s at the most)


def apply_fault(hop: Hop) -> bool:
    """Keep an edge fault (at the edge's source: a slow link, packet loss, a cut) or a
    partition (every node); False when the fault is not a network fault."""
    event = hop.event
    action = event["action"]
    if action in EDGE_FAULTS:
        name = EDGE_FAULTS[action]
        links: dict[str, dict[str, float]] = hop.state.setdefault("links", {})
        link = links.setdefault(event["edge"], {})
        link[name] = float(event.get(name) or 0)
        if not any(link.values()):
            links.pop(event["edge"])
        return True
    if action in ("cut_edge", "restore_edge"):
        kept = [edge for edge in hop.state.get("cut_edges", []) if edge != event["edge"]]
        hop.state["cut_edges"] = [*kept, event["edge"]] if action == "cut_edge" else kept
        return True
    if action in ("partition_zone", "heal_partition"):
        cut = [zone for zone in hop.state.get("cut_zones", []) if zone != event["zone"]]
        hop.state["cut_zones"] = [*cut, event["zone"]] if action == "partition_zone" else cut
        if hop.node.zone == event["zone"]:
            hop.count(f"node:{hop.node.id}:partitions" if action == "partition_zone" else f"node:{hop.node.id}:heals")
        return True
    return False


def _own_state(hop: Hop) -> dict[str, Any]:
    """This node's state, to read only (no write is committed for a look)."""
    return hop.state_of(hop.node.id)


def link(hop: Hop, edge: EdgePlan) -> dict[str, float]:
    """The faults on an edge now: {"delay_ms", "loss"} (empty when it is healthy)."""
    owner = _own_state(hop) if edge.source == hop.node.id else hop.state_of(edge.source)
    found: dict[str, float] = owner.get("links", {}).get(edge.id, {})
    return found


def cut_apart(hop: Hop, other: str) -> bool:
    """Whether a partition stands between this node and `other` (as either of them knows it:
    a node whose handler keeps no network state still finds its messages cut)."""
    cut = [*_own_state(hop).get("cut_zones", []), *hop.state_of(other).get("cut_zones", [])]
    if not cut:
        return False
    mine, theirs = hop.node.zone, hop.plan.nodes[other].zone
    return mine != theirs and (mine in cut or theirs in cut)


def severed(hop: Hop, other: str) -> bool:
    """Whether this node cannot reach `other`: a partition between them, or this node's edge
    to it cut."""
    cut = _own_state(hop).get("cut_edges", [])
    return cut_apart(hop, other) or any(edge.target == other and edge.id in cut for edge in hop.node.out)


def session_delay(hop: Hop, edge: EdgePlan | None) -> float:
    """The extra time a message over a broker's session on `edge` takes: its slow link, plus a
    retransmission timeout (doubling) each time packet loss ate it."""
    faults = link(hop, edge) if edge is not None else {}
    extra, loss, timeout = faults.get("delay_ms", 0.0), faults.get("loss", 0.0), RETRANSMIT_MS
    for _ in range(MAX_RETRANSMITS):
        if not loss or hop.rng.random() >= loss:
            break
        hop.count(f"edge:{edge.id if edge else ''}:retransmits")
        extra += timeout
        timeout *= 2
    return extra


def send_delayed(hop: Hop, event: Event, extra_ms: float) -> None:
    """Like hop.send, `extra_ms` later."""
    if extra_ms <= 0:
        hop.send(event)
        return
    hop.at(hop.now + hop.plan.network_ms(hop.node.id, event["node"]) + extra_ms, event)


def send_call(hop: Hop, edge: EdgePlan, event: Event) -> bool:
    """Send a call along `edge`, unless the partition or packet loss drops it on the way
    (counted on the edge: `edge:<id>:dropped`). False when it was dropped."""
    faults = link(hop, edge)
    if cut_apart(hop, edge.target) or (faults.get("loss") and hop.rng.random() < faults["loss"]):
        hop.count(f"edge:{edge.id}:dropped")
        hop.count("network:dropped")
        return False
    send_delayed(hop, event, faults.get("delay_ms", 0.0))
    return True


def send_publish(hop: Hop, edge: EdgePlan, event: Event) -> bool:
    """Send a publish over a broker's session on `edge`: lost across a partition (the
    publisher's timeout fires), slowed by a slow link and by packet loss's retransmissions."""
    if cut_apart(hop, edge.target):
        hop.count(f"edge:{edge.id}:dropped")
        hop.count("network:dropped")
        return False
    send_delayed(hop, event, session_delay(hop, edge))
    return True


def call_edge(hop: Hop, caller: str) -> EdgePlan | None:
    """The call edge from `caller` to this node (the way a reply goes back)."""
    return next((e for e in hop.plan.nodes[caller].out if e.target == hop.node.id and e.role != "deliver"), None)


def send_reply(hop: Hop, event: Event) -> None:
    """Send a reply back to its caller: lost across a partition, slowed by a slow link."""
    caller = event["node"]
    if caller == hop.node.id:
        hop.send(event)
        return
    if cut_apart(hop, caller):
        hop.count("network:dropped")
        return
    edge = call_edge(hop, caller)
    send_delayed(hop, event, link(hop, edge).get("delay_ms", 0.0) if edge is not None else 0.0)
