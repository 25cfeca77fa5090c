"""How many events a run needs per second of run time, estimated from its topology.

Admission (apps/engine/admission.py) compares what the runs need with what the fleet can
carry. Before a run starts, its need is estimated here by following each operation from its
client along the edges that carry it, counting the events the engine will apply:

- a call crossing an edge: the call and its reply, plus what the target does with it;
- a node with instances (service, function, database, read model): the end of its service
  time, then its downstream calls in turn and the event it publishes;
- a load balancer: the relay, plus the average of its targets; a gateway likewise; a cache or
  a CDN answers `hit_ratio` of its queries itself; a saga calls every step in turn;
- a publication: the publish, then for each mailbox that gets it (one for a queue, one per
  subscriber group of a bus) a credit, the delivery and its ack, plus the consumer's work;
- the client's rate is its pattern's, averaged over the run, scheduled traffic spikes included
  (a client with a mix: the total of its entries' rates, split by their shares);
- and, per second, health checks (a tick, then a probe and its answer per instance) and
  scaling ticks.

It is an estimate (retries, timeouts and faults add events); once a run goes, its measured
events per run second replace it (driver.py writes them in the run's clock).
"""

from statistics import mean

from apps.runtime.physics.arrivals import operation_shares, rate_at
from apps.runtime.plan import CONSUMER_KINDS, NodePlan, Plan

MAX_DEPTH = 16  # deeper call chains are cut short (a cycle through a queue, say)


def _calls(node: NodePlan, op: str) -> list[str]:
    return [edge.target for edge in node.calls() if edge.carries(op)]


def _published(node: NodePlan, opkind: str) -> str | None:
    names = list(node.props.get("publishes") or [])
    return names[0] if names and opkind != "query" else None


def call_cost(plan: Plan, node_id: str, op: str, opkind: str, depth: int = 0) -> float:
    """Events from a call's arrival at `node_id` until its reply has reached the caller."""
    node = plan.nodes[node_id]
    if depth > MAX_DEPTH:
        return 2.0
    if node.kind in CONSUMER_KINDS:
        cost = 3.0  # the call, the end of its service time, the reply
        for target in _calls(node, op):
            cost += call_cost(plan, target, op, opkind, depth + 1)
        event = _published(node, opkind)
        if event is not None:
            cost += sum(publish_cost(plan, edge.target, event, depth + 1) for edge in node.publishes_to())
        return cost
    targets = _calls(node, op)
    weighted_dns = node.kind == "dns" and node.props["policy"] == "weighted"
    if (node.kind == "load_balancer" or weighted_dns) and targets:
        return 2.0 + mean(call_cost(plan, t, op, opkind, depth + 1) for t in targets)
    if node.kind in ("cache", "cdn") and (node.kind == "cache" or opkind == "query"):
        hit = float(node.props.get("hit_ratio", 0.0))
        onward = call_cost(plan, targets[0], op, opkind, depth + 1) if targets else 1.0
        return 2.0 + hit * 1.0 + (1.0 - hit) * onward
    if node.runtime.handler == "saga":  # every step in turn, each with its progress record
        steps = [edge.target for edge in node.calls()]
        return 2.0 + sum(1.0 + call_cost(plan, t, op, opkind, depth + 1) for t in steps)
    if targets:
        return 2.0 + call_cost(plan, targets[0], op, opkind, depth + 1)
    published = [e for e in node.publishes_to() if e.carries(op)]
    if published:
        return 2.0 + publish_cost(plan, published[0].target, op, depth + 1)
    return 2.0


def publish_cost(plan: Plan, node_id: str, name: str, depth: int = 0) -> float:
    """Events from a publication reaching a queue, bus or log until every mailbox has handled it."""
    node = plan.nodes[node_id]
    if depth > MAX_DEPTH or not node.runtime.mailbox:
        return 1.0
    groups = [e.target for e in node.out if e.role == "deliver" and e.carries(name)]
    if node.runtime.mailbox == "shared":
        groups = groups[:1]  # a queue: one consumer handles each message
    cost = 1.0
    for consumer in groups:
        cost += 3.0 + consumer_cost(plan, consumer, name, depth + 1)  # credit, delivery, ack
    return cost


def consumer_cost(plan: Plan, node_id: str, name: str, depth: int) -> float:
    node = plan.nodes[node_id]
    cost = 1.0  # the end of its service time
    for target in _calls(node, name):
        cost += call_cost(plan, target, name, "event", depth + 1)
    event = _published(node, "event")
    if event is not None:
        cost += sum(publish_cost(plan, edge.target, event, depth + 1) for edge in node.publishes_to())
    return cost


def request_cost(plan: Plan, client: NodePlan, op: str, opkind: str) -> float:
    """Events of one request: its arrival and outcome, plus its first hop's."""
    for edge in client.out:
        if edge.carries(op):
            if edge.role == "publish":
                return 2.0 + publish_cost(plan, edge.target, op)
            return 1.0 + call_cost(plan, edge.target, op, opkind)
    return 2.0


def spike_factor(plan: Plan, client: str, t_s: float) -> float:
    """The multiplier the scheduled traffic spikes on `client` put on its rate at `t_s`."""
    factor = 1.0
    for fault in plan.faults:
        if fault.get("action") == "traffic_spike" and fault.get("target") == client:
            start = float(fault["at_s"])
            end = start + float(fault.get("duration_s") or 1e9)
            if start <= t_s < end:
                factor = float(fault.get("factor", 1.0))
    return factor


def mean_rate(plan: Plan, client: NodePlan, duration_s: float) -> float:
    """The client's arrival rate averaged over the run (its pattern and scheduled spikes included)."""
    steps = max(1, int(duration_s * 2))
    times = [(i + 0.5) * duration_s / steps for i in range(steps)]
    return mean(rate_at(t, client.props, spike_factor(plan, client.id, t)) for t in times)


def events_per_run_second(plan: Plan, duration_s: float | None = None) -> float:
    duration = float(duration_s if duration_s is not None else plan.run["duration_s"])
    total = 0.0
    for client in plan.clients():
        shares = operation_shares(client.props)  # a mix's rates over their total, or the query share
        per_request = sum(share * request_cost(plan, client, op, kind) for op, kind, share in shares)
        total += mean_rate(plan, client, duration) * per_request
    for node in plan.nodes.values():
        if "health_tick" in node.runtime.ticks:
            instances = sum(plan.nodes[t].instance_count() for t in _calls(node, ""))
            total += (1 + 2 * instances) / float(node.props["health_check"]["interval_s"])
        if node.scales():
            total += 1.0
    return total
