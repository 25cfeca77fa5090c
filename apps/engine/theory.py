"""Queueing theory beside the run: what each node's load, waiting and latency should be.

`predict(document)` reads a topology the way the engine will run it (runtime/plan.py fills in
the defaults and classifies the edges) and answers, for every node, the arrival rate the
drawing sends it and — for nodes with instances, slots and a waiting line (service, function,
database, read model) — the utilisation, the probability of waiting, the mean wait, the mean
response time and its p95. `compare(predictions, summary)` puts those figures beside what a
finished run measured. docs/theory.md explains the formulas, the assumptions and how to read
the comparison.

How the flow is followed (mirroring the engine's nodes, apps/runtime/nodes/):

- a client's rate is its mean over the run (pattern and scheduled traffic spikes included, as
  runtime/demand.py computes it); the peak is followed separately. Its operation mix splits it:
  with a `mix`, each operation gets its rate's share of the total (the pattern multiplies every
  entry alike); otherwise `query_ratio` to the queries, the rest to the commands, evenly by
  name. Each operation takes the client's first edge that carries it.
- a service, function, database or read model serves the call, then makes its synchronous
  calls along the edges that carry the operation, one after another, while holding its slot;
  then it publishes its event. Error rates, retries and redeliveries scale the rates.
- a load balancer spreads over the active instances of every target (by edge weight × instance
  weight with the `weighted` strategy, evenly otherwise; a target whose instances it weighs
  unevenly is not predicted); a gateway sends each operation along its first
  matching edge and admits at most its rate limit; a cache or CDN passes its misses on.
- a DNS sends everything to its first target that carries the operation (`failover`), or
  splits by the edges' weights (`weighted`); health checks and cached records only matter
  under faults, which theory does not model.
- a queue gives each message to one consumer (in proportion to the consumers' capacity); a bus
  gives every event to every subscriber group whose edge carries it.
- a domain behaviour that publishes conditionally (inventory: StockReserved or OutOfStock
  depending on the stock left; reservations: only when the slot was still free) makes what it
  feeds "not predicted", with the reason.

The queueing figures (per waiting line, c slots, arrival rate λ, mean slot time S):

- utilisation ρ = λS/c; at ρ ≥ 1 the line has no steady state ("unstable");
- M/M/c (Poisson arrivals, exponential slot time): Erlang C, Wq = C/(cμ − λ), and the exact
  response-time distribution for the p95;
- anything else (fixed or lognormal latency, a slot held over downstream calls, arrivals
  smoothed by round robin): the Allen–Cunneen approximation Wq ≈ C·(ca² + cs²)/2 / (cμ − λ),
  with a wait that is 0 with probability C and exponential otherwise for the p95.
"""

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from functools import lru_cache
from statistics import NormalDist
from typing import Any, Literal

from apps.domain.behaviours import BEHAVIOURS
from apps.runtime.demand import mean_rate, spike_factor
from apps.runtime.nodes.messaging import BUS_MAX_DELIVERIES
from apps.runtime.nodes.worker import DEFAULT_CONCURRENCY
from apps.runtime.physics.arrivals import operation_shares, rate_at
from apps.runtime.physics.balancing import instance_weight
from apps.runtime.physics.queueing import erlang_c, mmc_mean_wait, queue_growth_per_s
from apps.runtime.plan import CONSUMER_KINDS, EdgePlan, NodePlan, Plan, compile_plan

Status = Literal["stable", "unstable", "not_predicted", "pass_through"]

QUEUEING_KINDS = ("service", "function", "database", "read_model")
MAX_DEPTH = 16  # hops followed from a client; a loop through queues is cut there
PERCENTILE = 0.95
QUANTILE_POINTS = 400  # points of a lognormal used to convolve it with the wait
AGREES_WITHIN = 0.15  # sampling luck alone misses ±15% of theory in a fair share of 30 s runs
UNSTABLE = "unstable: the line grows without bound"


# --- distributions of the time a request holds a slot ---------------------------------------


@dataclass(frozen=True)
class Moments:
    """Mean and variance of a time in ms."""

    mean: float
    var: float

    def __add__(self, other: "Moments") -> "Moments":
        return Moments(self.mean + other.mean, self.var + other.var)

    @property
    def second(self) -> float:
        return self.var + self.mean * self.mean


def mixture(parts: Iterable[tuple[float, Moments]]) -> Moments:
    """Moments of a mixture (weights need not sum to 1; they are normalised)."""
    parts = [(w, m) for w, m in parts if w > 0]
    total = sum(w for w, _ in parts)
    if total <= 0:
        return Moments(0.0, 0.0)
    mean = sum(w * m.mean for w, m in parts) / total
    second = sum(w * m.second for w, m in parts) / total
    return Moments(mean, max(0.0, second - mean * mean))


@lru_cache(maxsize=512)
def _lognormal_points(mu: float, sigma: float) -> tuple[float, ...]:
    normal = NormalDist()
    return tuple(math.exp(mu + sigma * normal.inv_cdf((i + 0.5) / QUANTILE_POINTS)) for i in range(QUANTILE_POINTS))


@dataclass(frozen=True)
class Holding:
    """A slot-holding time: a fixed part `shift` plus a random part, exponential with mean
    `exp_mean` or lognormal with mean `ln_mean` and shape `ln_sigma` (or nothing)."""

    shift: float = 0.0
    exp_mean: float = 0.0
    ln_mean: float = 0.0
    ln_sigma: float = 0.0

    @staticmethod
    def matched(shift: float, random_part: Moments) -> "Holding":
        """A lognormal with the random part's mean and variance (an approximation)."""
        if random_part.mean <= 0 or random_part.var <= 1e-12 * random_part.mean**2:
            return Holding(shift=shift + max(0.0, random_part.mean))
        sigma = math.sqrt(math.log(1.0 + random_part.var / random_part.mean**2))
        return Holding(shift=shift, ln_mean=random_part.mean, ln_sigma=sigma)

    @property
    def moments(self) -> Moments:
        if self.ln_mean > 0:
            var = (math.exp(self.ln_sigma**2) - 1.0) * self.ln_mean**2
            return Moments(self.shift + self.ln_mean, var)
        return Moments(self.shift + self.exp_mean, self.exp_mean**2)

    @property
    def is_exponential(self) -> bool:
        return self.shift == 0 and self.ln_mean == 0 and self.exp_mean > 0

    def tail(self, t: float) -> float:
        """P(H > t)."""
        u = t - self.shift
        if u < 0:
            return 1.0
        if self.ln_mean > 0:
            if u <= 0:
                return 1.0
            mu = math.log(self.ln_mean) - self.ln_sigma**2 / 2.0
            return 0.5 * math.erfc((math.log(u) - mu) / (self.ln_sigma * math.sqrt(2.0)))
        if self.exp_mean > 0:
            return math.exp(-u / self.exp_mean)
        return 0.0

    def tail_after_wait(self, t: float, theta: float) -> float:
        """P(E + H > t) with E exponential at rate `theta` (per ms), independent of H."""
        u = t - self.shift
        if u < 0:
            return 1.0
        if self.ln_mean > 0:
            mu = math.log(self.ln_mean) - self.ln_sigma**2 / 2.0
            points = _lognormal_points(mu, self.ln_sigma)
            return sum(1.0 if p >= u else math.exp(-theta * (u - p)) for p in points) / len(points)
        if self.exp_mean <= 0:
            return math.exp(-theta * u)
        rate = 1.0 / self.exp_mean
        if abs(theta - rate) < 1e-9 * max(theta, rate):
            return math.exp(-rate * u) * (1.0 + rate * u)
        return (theta * math.exp(-rate * u) - rate * math.exp(-theta * u)) / (theta - rate)


def own_service(node: NodePlan, *, opkind: str, via: str) -> Holding:
    """The node's own service time for one piece of work (apps/runtime/nodes/worker.py)."""
    latency = node.props.get("latency") or {}
    mean = float(latency.get("mean_ms", 0.0))
    distribution = str(latency.get("distribution", "exponential"))
    if node.kind in ("database", "read_model"):
        distribution = "exponential"  # these kinds have no distribution prop; the engine uses this
    if mean <= 0:
        base = Holding()
    elif distribution == "fixed":
        base = Holding(shift=mean)
    elif distribution == "lognormal":
        base = Holding(ln_mean=mean, ln_sigma=float(latency.get("sigma", 0.5)))
    else:
        base = Holding(exp_mean=mean)
    if node.kind == "database" and opkind != "query":
        replicas = int(node.props["replicas"])
        if node.props["replication"] == "sync" and replicas > 0 and via == "call":
            return Holding(shift=base.shift + float(node.props["replication_lag_ms"]), exp_mean=base.exp_mean)
    if node.kind == "read_model" and via == "message":
        return _at_least(mean, float(node.props["lag_ms"]))
    return base


def _at_least(mean: float, lag: float) -> Holding:
    """max(S, lag) for S exponential with `mean`: a read model applies an event no sooner than
    `lag_ms` after it was published (the delivery's own few ms in transit are neglected)."""
    if lag <= 0:
        return Holding(exp_mean=mean) if mean > 0 else Holding()
    if mean <= 0:
        return Holding(shift=lag)
    beyond = math.exp(-lag / mean)
    first = lag + mean * beyond
    second = lag * lag + beyond * (2 * lag * mean + 2 * mean * mean)
    return Holding.matched(0.0, Moments(first, max(0.0, second - first * first)))


# --- the shape of a node ---------------------------------------------------------------------


def slots_per_instance(node: NodePlan) -> int:
    value = node.props.get("concurrency")
    return int(value) if value else DEFAULT_CONCURRENCY.get(node.kind, 4)


def group_of(node: NodePlan, *, via: str, opkind: str) -> str:
    """Which kind of waiting line a piece of work joins at a node."""
    if node.kind == "function":
        return "pool"
    if node.kind == "database":
        return "replica" if opkind == "query" and int(node.props["replicas"]) > 0 else "primary"
    if node.kind == "service" and via == "message":
        return "mailbox"
    return "instance"


def lines_of(node: NodePlan, group: str) -> tuple[int, int]:
    """(identical lines, slots per line) of a group."""
    slots = slots_per_instance(node)
    if node.kind == "service":
        replicas = int(node.props["replicas"])
        return (1, replicas * slots) if group == "mailbox" else (replicas, slots)
    if node.kind == "function":
        return 1, int(node.props["max_instances"]) * slots
    if node.kind == "database" and group == "replica":
        return int(node.props["replicas"]), slots
    return 1, slots


def total_slots(node: NodePlan) -> int:
    """Slots over all the node's active instances (a database: the primary and its replicas)."""
    if node.kind == "database":
        return (1 + int(node.props["replicas"])) * slots_per_instance(node)
    lines, slots = lines_of(node, "mailbox" if node.kind == "service" else group_of(node, via="call", opkind=""))
    return lines * slots


def capacity_per_ms(node: NodePlan) -> float:
    """Slots over the mean own service time: how fast a consumer takes messages from a queue."""
    lines, slots = lines_of(node, group_of(node, via="message", opkind="event"))
    mean = own_service(node, opkind="event", via="message").moments.mean
    return lines * slots / max(mean, 1e-3)


def event_name(publishes: list[str], op: str, opkind: str) -> str | None:
    """The node's own event for a piece of work (as apps/runtime/nodes/worker.py chooses it)."""
    if not publishes or opkind == "query":
        return None
    cancelling = "cancel" in op.lower()
    for name in publishes:
        if ("cancel" in name.lower()) == cancelling:
            return name
    return publishes[0]


def published_events(node: NodePlan, op: str, opkind: str) -> list[tuple[str, str]]:
    """The events a successful piece of work publishes: (name, reason it is conditional or "")."""
    if node.kind not in ("service", "function"):
        return []
    publishes = [str(name) for name in node.props.get("publishes") or []]
    behaviour = str(node.props.get("behaviour") or "none")

    def only(*names: str) -> list[str]:
        return [name for name in names if name in publishes]

    if node.kind == "service" and behaviour in BEHAVIOURS:
        if behaviour == "orders":
            if opkind == "query":
                return []
            if opkind == "event":
                if "outofstock" in op.lower().replace("_", ""):
                    return [(name, "") for name in only("OrderCancelled")]
                return []
            if "cancel" in op.lower():
                return [(name, "") for name in only("OrderCancelled")]
            placed = only("OrderPlaced")
            if placed:
                return [(name, "") for name in placed]
        elif behaviour == "payments":
            if opkind == "query" or "cancel" in op.lower():
                return []
            return [(name, "") for name in only("PaymentCaptured")]
        elif behaviour == "inventory":
            if opkind == "query" or "cancel" in op.lower():
                return []
            why = (
                f"{node.label} publishes StockReserved or OutOfStock depending on the stock left "
                "(domain.stock per product), which theory does not follow"
            )
            return [(name, why) for name in only("StockReserved", "OutOfStock")]
        elif behaviour == "reservations":
            if opkind != "command":
                return []
            why = (
                f"{node.label} publishes only when the slot was still free "
                f"(at most domain.slots = {node.props['domain']['slots']} bookings over the run)"
            )
            return [(name, why) for name in (only("SlotReserved") or publishes[:1])]
        elif behaviour != "notifications":
            return [(name, f"{node.label}'s behaviour {behaviour!r} decides what it publishes") for name in publishes]
    name = event_name(publishes, op, opkind)
    if name is None and node.kind == "function":
        name = op  # a function passes on what it handled
    return [(name, "")] if name is not None else []


def _geometric(fail: float, tries: int) -> float:
    """Expected attempts when each fails with probability `fail`, at most `tries` in all."""
    return sum(fail**k for k in range(max(1, tries)))


# --- following the traffic -------------------------------------------------------------------


@dataclass
class _Line:
    rate: float = 0.0  # req/s over the node (all its lines of this group)
    ca2_rate: float = 0.0  # Σ rate × squared coefficient of variation of inter-arrivals
    classes: dict[tuple[str, str, str], float] | None = None  # (op, opkind, via) -> req/s

    def add(self, op: str, opkind: str, via: str, rate: float, ca2: float) -> None:
        if self.classes is None:
            self.classes = defaultdict(float)
        self.classes[(op, opkind, via)] += rate
        self.rate += rate
        self.ca2_rate += rate * ca2


class Flow:
    """Arrival rates (req/s) at every node for one set of client rates."""

    def __init__(self, plan: Plan, client_rates: Mapping[str, float], admitted: Mapping[str, float]):
        self.plan = plan
        self.admitted = admitted  # gateway -> share its rate limit lets through
        self.rates: dict[str, float] = defaultdict(float)
        self.lines: dict[str, dict[str, _Line]] = defaultdict(lambda: defaultdict(_Line))
        self.reasons: dict[str, set[str]] = defaultdict(set)
        self.cut: set[str] = set()
        self._success: dict[tuple[str, str, str], float] = {}
        for client in plan.clients():
            self._client(client, client_rates.get(client.id, 0.0))

    # the client and its operation mix
    def _client(self, client: NodePlan, rate: float) -> None:
        self.rates[client.id] += rate
        for op, opkind, share in operation_mix(client.props):
            edges = [edge for edge in client.out if edge.carries(op)]
            if not edges or rate * share <= 0:
                continue
            edge = edges[0]
            if edge.role == "publish":
                self._publish(edge.target, op, rate * share, frozenset(), 1)
                continue
            fail = 1.0 - self.success(edge.target, op, opkind)
            attempts = _geometric(fail, int(client.props["retries"]) + 1)
            self._call(edge.target, op, opkind, rate * share * attempts, frozenset(), 1)

    def _call(
        self, target: str, op: str, opkind: str, rate: float, why: frozenset[str], depth: int, ca2: float | None = None
    ) -> None:
        if depth > MAX_DEPTH:
            self.cut.add(target)
            return
        node = self.plan.nodes[target]
        if node.kind in QUEUEING_KINDS:
            self._work(node, op, opkind, "call", rate, why, depth, ca2)
            return
        self.rates[target] += rate
        self.reasons[target] |= why
        if node.kind == "load_balancer":
            for uneven in uneven_instances(self.plan, node):
                self.reasons[uneven].add(
                    f"{node.label} weighs {self.plan.nodes[uneven].label}'s instances unevenly "
                    "(instance_weights), and theory models a node's instances as identical"
                )
            for edge, node_share, instance_share in balancer_shares(self.plan, node):
                line_ca2 = instance_share if node.props["strategy"] in ("round_robin", "weighted") else 1.0
                self._call(edge.target, op, opkind, rate * node_share, why, depth + 1, line_ca2)
            return
        if node.kind == "dns":
            for edge, share in dns_shares(node, op):
                self._call(edge.target, op, opkind, rate * share, why, depth + 1)
            return
        onward = rate
        if node.kind == "api_gateway":
            onward *= self.admitted.get(node.id, 1.0)
        if node.kind in ("cache", "cdn") and is_cacheable(node, opkind):
            onward *= 1.0 - float(node.props["hit_ratio"])
        calls = [edge for edge in node.calls() if edge.carries(op)]
        if calls:
            self._call(calls[0].target, op, opkind, onward, why, depth + 1)
            return
        publish = [edge for edge in node.publishes_to() if edge.carries(op)]
        if publish:
            self._publish(publish[0].target, op, onward, why, depth + 1)

    def _work(
        self,
        node: NodePlan,
        op: str,
        opkind: str,
        via: str,
        rate: float,
        why: frozenset[str],
        depth: int,
        ca2: float | None = None,
    ) -> None:
        group = group_of(node, via=via, opkind=opkind)
        lines, _ = lines_of(node, group)
        if ca2 is None or node.kind != "service":
            # the node itself rotates calls over its instances (or reads over its replicas):
            # every lines-th arrival of a Poisson stream, inter-arrival SCV 1/lines
            ca2 = 1.0 / lines if via == "call" and lines > 1 else 1.0
        self.rates[node.id] += rate
        self.lines[node.id][group].add(op, opkind, via, rate, ca2)
        self.reasons[node.id] |= why
        reach = 1.0 - float(node.props.get("error_rate") or 0.0)
        for edge in node.calls():
            if not edge.carries(op):
                continue
            fail = 1.0 - self.success(edge.target, op, opkind)
            tries = int(edge.props["retries"]) + 1
            self._call(edge.target, op, opkind, rate * reach * _geometric(fail, tries), why, depth + 1)
            reach *= 1.0 - fail**tries
        for event, condition in published_events(node, op, opkind):
            carried = why | {condition} if condition else why
            for edge in node.publishes_to():
                if edge.carries(event):
                    self._publish(edge.target, event, rate * reach, carried, depth + 1)

    def _publish(self, target: str, event: str, rate: float, why: frozenset[str], depth: int) -> None:
        if depth > MAX_DEPTH:
            self.cut.add(target)
            return
        node = self.plan.nodes[target]
        self.rates[target] += rate
        self.reasons[target] |= why
        if node.kind == "queue":
            consumers = [self.plan.nodes[c] for c in self.plan.mailboxes().get(node.id, (node.id, []))[1]]
            capacity = sum(capacity_per_ms(c) for c in consumers)
            for consumer in consumers:
                share = capacity_per_ms(consumer) / capacity if capacity > 0 else 1.0 / len(consumers)
                self._deliver(consumer, event, rate * share, int(node.props["max_deliveries"]), why, depth + 1)
        elif node.kind in ("event_bus", "stream"):  # a log's groups each read every event too
            for edge in node.out:
                if (
                    edge.role == "deliver"
                    and edge.carries(event)
                    and self.plan.nodes[edge.target].kind in CONSUMER_KINDS
                ):
                    self._deliver(self.plan.nodes[edge.target], event, rate, BUS_MAX_DELIVERIES, why, depth + 1)

    def _deliver(
        self, consumer: NodePlan, event: str, rate: float, max_deliveries: int, why: frozenset[str], depth: int
    ) -> None:
        fail = 1.0 - self.success(consumer.id, event, "event")
        self._work(consumer, event, "event", "message", rate * _geometric(fail, max_deliveries), why, depth)

    # how often a call succeeds (error rates and retries; timeouts and faults are not modelled)
    def success(self, node_id: str, op: str, opkind: str, depth: int = 0) -> float:
        key = (node_id, op, opkind)
        if key in self._success:
            return self._success[key]
        node = self.plan.nodes[node_id]
        value = 1.0
        if depth > MAX_DEPTH:
            return value
        if node.kind in QUEUEING_KINDS:
            value = 1.0 - float(node.props.get("error_rate") or 0.0)
            for edge in node.calls():
                if edge.carries(op):
                    fail = 1.0 - self.success(edge.target, op, opkind, depth + 1)
                    value *= 1.0 - fail ** (int(edge.props["retries"]) + 1)
        elif node.kind == "load_balancer":
            shares = balancer_shares(self.plan, node)
            value = sum(share * self.success(e.target, op, opkind, depth + 1) for e, share, _ in shares)
        elif node.kind == "dns":
            value = sum(share * self.success(e.target, op, opkind, depth + 1) for e, share in dns_shares(node, op))
        elif node.kind in ("api_gateway", "cache", "cdn"):
            calls = [edge for edge in node.calls() if edge.carries(op)]
            publish = [edge for edge in node.publishes_to() if edge.carries(op)]
            onward = self.success(calls[0].target, op, opkind, depth + 1) if calls else 1.0
            if not calls and not publish and node.kind == "api_gateway":
                onward = 0.0  # no route
            if node.kind in ("cache", "cdn") and is_cacheable(node, opkind):
                hit = float(node.props["hit_ratio"])
                onward = hit + (1.0 - hit) * onward
            value = onward
        self._success[key] = value
        return value


def operation_mix(props: Mapping[str, Any]) -> list[tuple[str, str, float]]:
    """(operation, command|query, share of the client's requests): a mix's rates over their
    total, or as arrivals.pick_operation draws (arrivals.operation_shares)."""
    return [(op, kind, share) for op, kind, share in operation_shares(props)]


def is_cacheable(node: NodePlan, opkind: str) -> bool:
    """A cache answers any operation it holds; a CDN only queries (forwarder.is_hit)."""
    return node.kind == "cache" or opkind == "query"


def active_instances(node: NodePlan) -> int:
    if node.kind == "service":
        return int(node.props["replicas"])  # standbys take traffic only while an active one is out
    if node.kind == "function":
        return 1
    return node.instance_count()


def instance_weights(node: NodePlan) -> list[float]:
    """The weights of the node's active instances for a weighted balancer (1 each by default)."""
    own = node.props.get("instance_weights") or []
    return [instance_weight(own, str(index)) for index in range(active_instances(node))]


def uneven_instances(plan: Plan, node: NodePlan) -> list[str]:
    """Targets of a weighted balancer whose active instances weigh differently: theory models a
    node's instances as identical lines, so it cannot predict those."""
    if node.props["strategy"] != "weighted":
        return []
    edges = [e for e in node.calls() if float(e.props["weight"]) > 0]
    return [e.target for e in edges if len(set(instance_weights(plan.nodes[e.target]))) > 1]


def balancer_shares(plan: Plan, node: NodePlan) -> list[tuple[EdgePlan, float, float]]:
    """(edge, share of the balancer's calls to its target, mean share to each of its instances).

    A balancer routes over the active instances of all its targets (edge filters do not apply
    to it): evenly, or with the `weighted` strategy by the edge's weight × each instance's own
    (all weights 0: evenly)."""
    edges = node.calls()
    weighted = node.props["strategy"] == "weighted" and any(float(e.props["weight"]) > 0 for e in edges)
    weights = {e.id: float(e.props["weight"]) if weighted else 1.0 for e in edges}
    counts = {e.id: active_instances(plan.nodes[e.target]) for e in edges}
    mass = {e.id: sum(instance_weights(plan.nodes[e.target])) if weighted else counts[e.id] for e in edges}
    total = sum(weights[e.id] * mass[e.id] for e in edges)
    if total <= 0:
        return []
    return [
        (e, weights[e.id] * mass[e.id] / total, weights[e.id] * mass[e.id] / max(counts[e.id], 1) / total)
        for e in edges
    ]


def dns_shares(node: NodePlan, op: str) -> list[tuple[EdgePlan, float]]:
    """(edge, share of the DNS's calls) with every target healthy: the first edge that carries
    the operation (failover), or those edges by weight (weighted; all weights 0: evenly)."""
    edges = [edge for edge in node.calls() if edge.carries(op)]
    if not edges:
        return []
    if node.props["policy"] != "weighted":
        return [(edges[0], 1.0)]
    weights = [max(0.0, float(edge.props["weight"])) for edge in edges]
    total = sum(weights)
    if total <= 0:
        return [(edge, 1.0 / len(edges)) for edge in edges]
    return [(edge, weight / total) for edge, weight in zip(edges, weights, strict=True) if weight > 0]


def client_rates(plan: Plan) -> tuple[dict[str, float], dict[str, float]]:
    """Each client's rate averaged over the run, and its peak (patterns and scheduled spikes)."""
    duration = float(plan.run["duration_s"])
    means, peaks = {}, {}
    steps = max(1, int(duration * 20))
    for client in plan.clients():
        means[client.id] = mean_rate(plan, client, duration)
        times = [i * duration / steps for i in range(steps)]
        peaks[client.id] = max(rate_at(t, client.props, spike_factor(plan, client.id, t)) for t in times)
    return means, peaks


def follow(plan: Plan, rates: Mapping[str, float]) -> Flow:
    """The flow, with each gateway's rate limit applied (a few rounds settle gateways in series)."""
    admitted: dict[str, float] = {}
    flow = Flow(plan, rates, admitted)
    for _ in range(5):
        changed = False
        for node in plan.nodes.values():
            limit = float(node.props.get("rate_limit") or 0.0) if node.kind == "api_gateway" else 0.0
            arriving = flow.rates.get(node.id, 0.0)
            share = min(1.0, limit / arriving) if limit > 0 and arriving > 0 else 1.0
            if abs(share - admitted.get(node.id, 1.0)) > 1e-9:
                admitted[node.id] = share
                changed = True
        if not changed:
            break
        flow = Flow(plan, rates, admitted)
    return flow


# --- the predictions --------------------------------------------------------------------------


def _round(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6) if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _round(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_round(v) for v in value]
    return value


@dataclass(frozen=True)
class LinePrediction:
    """One kind of waiting line at a node: `lines` identical lines of `slots` slots each."""

    name: str  # instance, mailbox, pool, primary, replica
    lines: int
    slots: int
    arrival_rate: float  # req/s into one line
    service_ms: float  # mean time a request holds a slot (own latency + its downstream calls)
    service_scv: float  # squared coefficient of variation of that time
    arrival_scv: float  # of the inter-arrival times (1: Poisson; 1/k: every k-th by round robin)
    model: str
    exact: bool
    utilisation: float
    p_wait: float | None = None
    wait_ms: float | None = None
    response_ms: float | None = None
    p95_ms: float | None = None
    service_p95_ms: float | None = None
    growth_per_s: float = 0.0  # unstable: how fast the line grows

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = _round(asdict(self))
        return out


@dataclass(frozen=True)
class Prediction:
    node: str
    kind: str
    label: str
    status: Status
    arrival_rate: float  # req/s, mean over the run
    peak_arrival_rate: float  # req/s at the clients' peaks (summed, as if they coincide)
    servers: int = 0  # slots in all: instances × concurrency
    utilisation: float | None = None
    peak_utilisation: float | None = None  # the busiest line at the peak rates
    p_wait: float | None = None
    wait_ms: float | None = None
    response_ms: float | None = None  # wait + slot time
    p95_ms: float | None = None
    service_ms: float | None = None  # mean slot time
    latency_ms: float | None = None  # what the run's `nodes.<id>.latency_ms.mean` measures
    latency_p95_ms: float | None = None  # ... and its p95
    waits_in: str = ""  # "node": the wait is in the node's latency; "mailbox": in the queue or bus
    model: str = ""
    approximate: bool = False
    lines: tuple[LinePrediction, ...] = ()
    reason: str = ""
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = _round(asdict(self))
        out["lines"] = [line.as_dict() for line in self.lines]
        return out


def _bisect_tail(tail: Callable[[float], float], level: float, start: float) -> float:
    """The t where the non-increasing `tail` falls to `level`."""
    lo, hi = 0.0, max(start, 1e-6)
    while tail(hi) > level and hi < 1e12:
        lo, hi = hi, hi * 2.0
    for _ in range(80):
        mid = (lo + hi) / 2.0
        if tail(mid) > level:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2.0


@dataclass(frozen=True)
class _Solved:
    """A line's figures and the pieces a caller needs for its own response time."""

    line: LinePrediction
    holdings: dict[tuple[str, str, str], Holding]
    weights: dict[tuple[str, str, str], float]
    theta: float  # rate (per ms) of the exponential wait of those who wait
    p_wait: float

    def wait_moments(self) -> Moments:
        if self.p_wait <= 0 or self.theta <= 0:
            return Moments(0.0, 0.0)
        mean = self.p_wait / self.theta
        return Moments(mean, max(0.0, 2.0 * self.p_wait / self.theta**2 - mean * mean))

    def tail(self, t: float, *, with_wait: bool = True) -> float:
        total = sum(self.weights.values())
        value = 0.0
        for key, holding in self.holdings.items():
            weight = self.weights[key] / total if total > 0 else 1.0 / len(self.holdings)
            plain = holding.tail(t)
            if with_wait and self.p_wait > 0:
                value += weight * ((1.0 - self.p_wait) * plain + self.p_wait * holding.tail_after_wait(t, self.theta))
            else:
                value += weight * plain
        return value


class _NotPredicted(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Theory:
    """Predictions for one plan: the mean flow, the peak flow, and the lines solved lazily
    (a caller's slot time needs its callees' response times first)."""

    def __init__(self, plan: Plan):
        self.plan = plan
        means, peaks = client_rates(plan)
        self.flow = follow(plan, means)
        self.peak = follow(plan, peaks)
        self._solved: dict[str, dict[str, _Solved] | _NotPredicted] = {}
        self._solving: set[str] = set()

    # the slot time of one class of work at a node
    def holding(self, node: NodePlan, op: str, opkind: str, via: str) -> Holding:
        """The node's own service time, plus its synchronous calls made while it holds the slot:
        each a network round trip and the callee's response, times the attempts its retries
        make, counted only when the work gets that far (an error ends it early)."""
        own = own_service(node, opkind=opkind, via=via)
        calls = [edge for edge in node.calls() if edge.carries(op)]
        if not calls:
            return own
        fixed = own.shift
        random_part = Moments(own.moments.mean - own.shift, own.moments.var)
        reach = 1.0 - float(node.props.get("error_rate") or 0.0)
        for edge in calls:
            response = self.response(edge.target, op, opkind)
            fail = 1.0 - self.flow.success(edge.target, op, opkind)
            tries = int(edge.props["retries"]) + 1
            attempts = _geometric(fail, tries)
            network = attempts * 2.0 * self.plan.network_ms(node.id, edge.target)
            step = Moments(attempts * response.mean, attempts * response.var)
            fixed += reach * network
            # included with probability `reach`: a Bernoulli mixture's variance
            random_part = random_part + Moments(
                reach * step.mean, reach * step.var + reach * (1.0 - reach) * (network + step.mean) ** 2
            )
            reach *= 1.0 - fail**tries
        return Holding.matched(fixed, random_part)

    def response(self, node_id: str, op: str, opkind: str) -> Moments:
        """Time from a call's arrival at `node_id` until its reply leaves it."""
        node = self.plan.nodes[node_id]
        if node.kind in QUEUEING_KINDS:
            if self.flow.reasons.get(node_id):
                raise _NotPredicted(f"it calls {node.label}, whose load is not predicted")
            solved = self.solve(node_id)
            group = group_of(node, via="call", opkind=opkind)
            line = solved.get(group) or next(iter(solved.values()))
            if line.line.utilisation >= 1.0:
                raise _NotPredicted(f"it calls {node.label}, which is unstable (calls wait until they time out)")
            return line.wait_moments() + self.holding(node, op, opkind, "call").moments
        if node.kind == "load_balancer":
            parts = []
            for edge, share, _ in balancer_shares(self.plan, node):
                network = Moments(2.0 * self.plan.network_ms(node.id, edge.target), 0.0)
                parts.append((share, network + self.response(edge.target, op, opkind)))
            return mixture(parts)
        if node.kind == "dns" and dns_shares(node, op):
            return mixture(
                (
                    share,
                    Moments(2.0 * self.plan.network_ms(node.id, edge.target), 0.0)
                    + self.response(edge.target, op, opkind),
                )
                for edge, share in dns_shares(node, op)
            )
        hit = float(node.props["hit_ratio"]) if node.kind in ("cache", "cdn") and is_cacheable(node, opkind) else 0.0
        local = Moments(float((node.props.get("latency") or {}).get("mean_ms", 0.0)), 0.0)
        calls = [edge for edge in node.calls() if edge.carries(op)]
        publish = [edge for edge in node.publishes_to() if edge.carries(op)]
        if calls:
            onward = Moments(2.0 * self.plan.network_ms(node.id, calls[0].target), 0.0)
            onward = onward + self.response(calls[0].target, op, opkind)
        elif publish:  # answered once the queue or bus has the message
            onward = Moments(2.0 * self.plan.network_ms(node.id, publish[0].target), 0.0)
        else:
            onward = local  # a cache or CDN with no origin drawn answers after its latency
        return mixture([(hit, local), (1.0 - hit, onward)]) if hit > 0 else onward

    # the lines of a node
    def solve(self, node_id: str) -> dict[str, _Solved]:
        known = self._solved.get(node_id)
        if isinstance(known, _NotPredicted):
            raise known
        if known is not None:
            return known
        node = self.plan.nodes[node_id]
        if node_id in self._solving:
            raise _NotPredicted(f"a cycle of calls through {node.label}")
        self._solving.add(node_id)
        result: dict[str, _Solved] | _NotPredicted
        try:
            result = {name: self._solve_line(node, name, group) for name, group in self.groups(node).items()}
        except _NotPredicted as exc:
            result = exc
        finally:
            self._solving.discard(node_id)
        self._solved[node_id] = result
        if isinstance(result, _NotPredicted):
            raise result
        return result

    def groups(self, node: NodePlan, flow: "Flow | None" = None) -> dict[str, _Line]:
        groups = dict((flow or self.flow).lines.get(node.id, {}))
        if node.kind == "service" and "mailbox" in groups and "instance" in groups:
            # calls and messages on the same instances: one line per instance for both
            merged = _Line()
            for group in (groups.pop("mailbox"), groups["instance"]):
                for (op, opkind, via), rate in (group.classes or {}).items():
                    merged.add(op, opkind, via, rate, group.ca2_rate / group.rate if group.rate else 1.0)
            groups["instance"] = merged
        if not groups:
            groups[group_of(node, via="call", opkind="command")] = _Line()
        return groups

    def _solve_line(self, node: NodePlan, name: str, group: _Line) -> _Solved:
        lines, slots = lines_of(node, name)
        classes = dict(group.classes or {}) or {("", "command", "call"): 0.0}
        holdings = {key: self.holding(node, *key) for key in classes}
        weights = {key: rate if group.rate > 0 else 1.0 for key, rate in classes.items()}
        service = mixture((weights[key], holding.moments) for key, holding in holdings.items())
        per_line = group.rate / max(1, lines)  # req/s into one line
        ca2 = group.ca2_rate / group.rate if group.rate > 0 else 1.0
        cs2 = service.var / service.mean**2 if service.mean > 0 else 0.0
        exact = (
            abs(ca2 - 1.0) < 1e-9
            and all(holding.is_exponential for holding in holdings.values())
            and len({round(holding.exp_mean, 9) for holding in holdings.values()}) == 1
        )
        line = LinePrediction(
            name=name, lines=lines, slots=slots, arrival_rate=per_line, service_ms=service.mean, service_scv=cs2,
            arrival_scv=ca2, model=f"M/M/{slots}" if exact else f"G/G/{slots} (Allen–Cunneen)", exact=exact,
            utilisation=per_line * service.mean / 1000.0 / slots,
        )  # fmt: skip
        if line.utilisation >= 1.0:
            growth = queue_growth_per_s(slots, per_line, 1000.0 / service.mean)
            return _Solved(_replace(line, growth_per_s=growth), holdings, weights, 0.0, 1.0)
        p_wait = wait = theta = 0.0
        if per_line > 0 and service.mean > 0:
            lam, mu = per_line / 1000.0, 1.0 / service.mean  # per ms
            p_wait = erlang_c(slots, lam, mu)
            wait = mmc_mean_wait(slots, lam, mu) if exact else p_wait / (slots * mu - lam) * (ca2 + cs2) / 2.0
            theta = p_wait / wait if wait > 0 else 0.0
        waiting = p_wait if wait > 0 else 0.0  # no spread at all (D/D/c): nobody waits
        solved = _Solved(line, holdings, weights, theta, waiting)
        p95 = _bisect_tail(solved.tail, 1.0 - PERCENTILE, service.mean + wait)
        hold95 = _bisect_tail(lambda t: solved.tail(t, with_wait=False), 1.0 - PERCENTILE, service.mean)
        line = _replace(
            line, p_wait=p_wait, wait_ms=wait, response_ms=wait + service.mean, p95_ms=p95, service_p95_ms=hold95
        )
        return _Solved(line, holdings, weights, theta, waiting)

    # a node's prediction
    def predict_node(self, node: NodePlan) -> Prediction:
        rate = self.flow.rates.get(node.id, 0.0)
        base: dict[str, Any] = {
            "node": node.id, "kind": node.kind, "label": node.label, "arrival_rate": rate,
            "peak_arrival_rate": self.peak.rates.get(node.id, 0.0),
        }  # fmt: skip
        notes = list(self._notes(node))
        if node.kind not in QUEUEING_KINDS:
            return Prediction(status="pass_through", notes=tuple(notes), **base)
        base["servers"] = total_slots(node)
        reasons = sorted(self.flow.reasons.get(node.id, set()))
        if node.id in self.flow.cut:
            reasons.append(f"the flow loops through queues or buses beyond {MAX_DEPTH} hops")
        if reasons:
            notes.append(f"at least {rate:.3g} req/s arrive from the flows theory can follow")
            return Prediction(status="not_predicted", reason="; ".join(reasons), notes=tuple(notes), **base)
        try:
            solved = self.solve(node.id)
        except _NotPredicted as exc:
            return Prediction(status="not_predicted", reason=exc.reason, notes=tuple(notes), **base)
        parts = list(solved.values())
        lines = tuple(part.line for part in parts)
        weights = [line.arrival_rate * line.lines for line in lines]
        total = sum(weights)
        if total <= 0:
            weights, total = [1.0] + [0.0] * (len(lines) - 1), 1.0

        def mean_of(values: list[float | None]) -> float:
            return sum(w * float(v or 0.0) for w, v in zip(weights, values, strict=True)) / total

        def tail(t: float, with_wait: bool = True) -> float:
            return sum(w * p.tail(t, with_wait=with_wait) for w, p in zip(weights, parts, strict=True)) / total

        service = mean_of([line.service_ms for line in lines])
        busy = sum(line.arrival_rate * line.lines * line.service_ms / 1000.0 for line in lines)
        peak = self._peak_utilisation(node, solved)
        if peak is not None and peak >= 1.0 and all(line.utilisation < 1.0 for line in lines):
            notes.append(
                f"at the peak rate the busiest line is {peak:.0%} busy: it grows while the peak lasts and "
                "drains after, so the run's latency will be well above the steady-state figures"
            )
        waits_in = "mailbox" if all(_only_messages(part) for part in parts) else "node"
        common: dict[str, Any] = {
            **base, "utilisation": busy / base["servers"], "peak_utilisation": peak, "service_ms": service,
            "lines": lines, "approximate": not all(line.exact for line in lines), "waits_in": waits_in,
            "model": ", ".join(sorted({line.model for line in lines})),
        }  # fmt: skip
        unstable = [line for line in lines if line.utilisation >= 1.0]
        if unstable:
            worst = max(line.utilisation for line in unstable)
            growth = sum(line.growth_per_s * line.lines for line in unstable)
            reason = f"{UNSTABLE} (utilisation {worst:.2f} ≥ 1; the backlog grows by about {growth:.3g} req/s)"
            return Prediction(status="unstable", reason=reason, notes=tuple(notes), **common)
        response = mean_of([line.response_ms for line in lines])
        p95 = _bisect_tail(tail, 1.0 - PERCENTILE, response)
        in_node = waits_in == "node"
        return Prediction(
            status="stable", p_wait=mean_of([line.p_wait for line in lines]),
            wait_ms=mean_of([line.wait_ms for line in lines]), response_ms=response, p95_ms=p95,
            latency_ms=response if in_node else service,
            latency_p95_ms=p95 if in_node else _bisect_tail(lambda t: tail(t, with_wait=False), 0.05, service),
            notes=tuple(notes), **common,
        )  # fmt: skip

    def _peak_utilisation(self, node: NodePlan, solved: Mapping[str, _Solved]) -> float | None:
        """The busiest line's utilisation at the peak rates (with the mean-rate slot times)."""
        peak_groups = self.groups(node, self.peak)
        values = [
            peak_groups[name].rate / part.line.lines * part.line.service_ms / 1000.0 / part.line.slots
            for name, part in solved.items()
            if name in peak_groups
        ]
        return max(values) if values else None

    def _notes(self, node: NodePlan) -> Iterable[str]:
        if node.kind == "api_gateway":
            share = self.flow.admitted.get(node.id, 1.0)
            if share < 1.0:
                rejected = self.flow.rates.get(node.id, 0.0) * (1.0 - share)
                yield f"its rate limit turns away about {rejected:.3g} req/s"
        if node.kind == "load_balancer" and node.props["strategy"] == "least_connections":
            yield "least connections sends work to the emptiest instance: the per-instance figures are an upper bound"
        if node.kind == "queue" and any(edge.props.get("filter") for edge in node.out):
            yield "a queue gives each message to whichever consumer has a free slot: its edge filters do not apply"
        behind = [self.plan.nodes[edge.source] for edge in node.inbound]
        if any(lb.kind == "load_balancer" and lb.props["strategy"] == "least_connections" for lb in behind):
            yield "behind a least-connections balancer, which sends less to a slower instance: an upper bound"
        if node.kind == "service" and node.props["autoscaling"]["enabled"]:
            yield f"auto-scaling is on: predicted with the starting {node.props['replicas']} replicas"
        if node.kind == "function":
            yield "predicted with all max_instances warm (cold starts add to the first calls)"
        if node.kind in QUEUEING_KINDS and self.flow.lines.get(node.id, {}).keys() >= {"instance", "mailbox"}:
            yield "serves calls and messages on the same slots: one line per instance is assumed for both"


def _only_messages(solved: _Solved) -> bool:
    return all(via == "message" for (_, _, via) in solved.holdings) and any(w > 0 for w in solved.weights.values())


def _replace(line: LinePrediction, **changes: Any) -> LinePrediction:
    return LinePrediction(**{**asdict(line), **changes})


def predict(document: Mapping[str, Any]) -> dict[str, Prediction]:
    """A prediction for every node of a valid topology document (zones left out)."""
    plan = compile_plan(dict(document))
    theory = Theory(plan)
    return {node.id: theory.predict_node(node) for node in plan.nodes.values() if node.kind != "zone"}


# --- beside a run --------------------------------------------------------------------------


def _figure(name: str, unit: str, predicted: float | None, measured: float | None, how: str) -> dict[str, Any]:
    error = None
    if predicted is not None and measured is not None and predicted > 0:
        error = (measured - predicted) / predicted
    verdict = None if error is None else ("close" if abs(error) <= AGREES_WITHIN else "off")
    return {
        "figure": name, "unit": unit, "predicted": _round(predicted), "measured": _round(measured),
        "measured_how": how, "error": _round(error), "verdict": verdict,
    }  # fmt: skip


def _duration(summary: Mapping[str, Any], duration_s: float | None) -> float | None:
    if duration_s:
        return float(duration_s)
    run = summary.get("run") or {}
    if run.get("duration_s"):
        return float(run["duration_s"])
    return None


def compare(
    predictions: Mapping[str, Prediction], summary: Mapping[str, Any], *, duration_s: float | None = None
) -> list[dict[str, Any]]:
    """One row per predicted node that the run measured: each figure predicted and measured.

    Measured figures come from `summary["nodes"][id]` (runtime/summary.py): throughput is
    `processed` over the run's duration (`summary["run"]["duration_s"]`, or `duration_s`);
    latency is the node's `latency_ms` (mean, p95). The summary has no utilisation or wait of
    its own yet, so unless it carries `utilisation` / `wait_ms`, those are derived and say so:
    utilisation = throughput × the mean slot time ÷ slots; wait = measured mean latency − the
    mean slot time (only where the wait is inside the node's latency)."""
    nodes = summary.get("nodes") or {}
    duration = _duration(summary, duration_s)
    rows = []
    for node_id, prediction in predictions.items():
        measured = nodes.get(node_id)
        if measured is None:
            continue
        processed = measured.get("processed")
        throughput = processed / duration if processed is not None and duration else None
        latency = measured.get("latency_ms") or {}
        has_latency = bool(latency) and float(processed or 0) > 0
        figures = [_figure("arrival rate", "req/s", prediction.arrival_rate, throughput, "processed ÷ run duration")]
        notes = list(prediction.notes)
        if prediction.kind in QUEUEING_KINDS and prediction.status != "not_predicted":
            if measured.get("utilisation") is not None:
                util, how = float(measured["utilisation"]), "measured busy slot time"
            elif throughput is not None and prediction.service_ms is not None and prediction.servers:
                util = throughput * prediction.service_ms / 1000.0 / prediction.servers
                how = "derived: measured throughput × predicted mean slot time ÷ slots"
            else:
                util, how = None, "not measured"
            figures.append(_figure("utilisation", "", prediction.utilisation, util, how))
            mean = float(latency["mean"]) if has_latency else None
            p95 = float(latency["p95"]) if has_latency else None
            figures.append(_figure("mean latency", "ms", prediction.latency_ms, mean, "node latency_ms.mean"))
            figures.append(_figure("p95 latency", "ms", prediction.latency_p95_ms, p95, "node latency_ms.p95"))
            wait_measured: float | None = None
            wait_how = "not measured"
            if isinstance(measured.get("wait_ms"), dict) and measured["wait_ms"].get("mean") is not None:
                wait_measured, wait_how = float(measured["wait_ms"]["mean"]), "measured wait"
            elif prediction.waits_in == "node" and mean is not None and prediction.service_ms is not None:
                wait_measured = max(0.0, mean - prediction.service_ms)
                wait_how = "derived: measured mean latency − predicted mean slot time"
            elif prediction.waits_in == "mailbox":
                wait_how = "waits in the queue or bus, which the node's latency does not include"
            figures.append(_figure("mean wait", "ms", prediction.wait_ms, wait_measured, wait_how))
            if prediction.status == "unstable" and mean is not None:
                notes.append("theory has no steady state here: the measured latency is bounded by the run's length")
        if summary.get("faults"):
            notes.append("the run had faults; the predictions are for the fault-free steady state")
        rows.append(
            {
                "node": node_id, "kind": prediction.kind, "label": prediction.label, "status": prediction.status,
                "reason": prediction.reason, "model": prediction.model, "approximate": prediction.approximate,
                "figures": figures, "notes": notes,
            }
        )  # fmt: skip
    return rows
