"""Design checks: warnings about the architecture a valid topology draws, shown before a run.

They never block anything: a design that lints still saves and runs (that is how a template
teaches a trap). Each warning names a rule, the JSON path and the node or edge it is about,
says in plain words what to do, and links the lesson of the built-in template that teaches it.

`lint_document(document)` expects a document that `validate_document` accepted without
errors. To add a check, write one function that takes a `Design` and yields `Finding`s,
register it with `@rule("stable-id", lesson="template-slug")`, and add its test to
tests/topology/test_lint.py (a document that fires it and the fixed one that does not).
The rules are described for users in docs/topology-format.md, "Design checks".
"""

from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.urls import reverse

from apps.topology.edges import EDGE_PROPS
from apps.topology.kinds import KINDS
from apps.topology.kinds.base import get_path
from apps.topology.validation import number_text

MAX_WARNINGS = 100  # as many as the validator reports problems; the rest are left out
# A query share above this makes a client read-heavy.
READ_HEAVY_SHARE = 0.5
# Kinds that answer queries so they need not reach the database: caches and CQRS projections.
READ_SHIELDS = ("cache", "cdn", "read_model")


@dataclass(frozen=True)
class DesignWarning:
    rule: str  # stable id, e.g. "single-point-of-failure"
    path: str  # JSON path, as the validator writes them: "$.nodes[3]"
    target: str  # id of the node or edge the warning is about
    message: str
    lesson: str  # URL of the template lesson that teaches the concept

    def as_dict(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "path": self.path,
            "target": self.target,
            "message": self.message,
            "lesson": self.lesson,
        }


@dataclass(frozen=True)
class Finding:
    """What a rule found; `lesson` (a template slug) overrides the rule's own."""

    path: str
    target: str
    message: str
    lesson: str = ""


@dataclass(frozen=True)
class Rule:
    id: str
    lesson: str  # slug of the built-in template whose lesson teaches it
    check: Callable[["Design"], Iterable[Finding]]


RULES: dict[str, Rule] = {}


def rule(rule_id: str, *, lesson: str) -> Callable[[Callable[["Design"], Iterable[Finding]]], Rule]:
    def register(check: Callable[["Design"], Iterable[Finding]]) -> Rule:
        if rule_id in RULES:
            raise ValueError(f"design check {rule_id!r} is registered twice")
        RULES[rule_id] = Rule(rule_id, lesson, check)
        return RULES[rule_id]

    return register


def lesson_url(slug: str) -> str:
    return reverse("template-lesson", kwargs={"slug": slug})


def lint_document(document: dict[str, Any], *, goals: Collection[str] | None = None) -> list[DesignWarning]:
    """Every design warning about a valid document, rule by rule.

    `goals` narrows the single-point-of-failure check to the paths with an availability goal:
    ids of clients (every path from that client) or of any other node (that node). None, the
    default, treats every path from every client as needing availability."""
    design = Design(document, goals)
    found = (
        DesignWarning(each.id, finding.path, finding.target, finding.message, lesson_url(finding.lesson or each.lesson))
        for each in RULES.values()
        for finding in each.check(design)
    )
    return list(islice(found, MAX_WARNINGS))


# --- the document as a graph ----------------------------------------------------------------

_NODE_DEFAULTS = {name: {prop.name: prop.default for prop in kind.props} for name, kind in KINDS.items()}
_EDGE_DEFAULTS = {prop.name: prop.default for prop in EDGE_PROPS}


class Design:
    """Read-only questions about a valid document that the rules share."""

    def __init__(self, document: dict[str, Any], goals: Collection[str] | None = None):
        self.nodes: dict[str, dict[str, Any]] = {n["id"]: n for n in document["nodes"]}
        self.node_index = {n["id"]: index for index, n in enumerate(document["nodes"])}
        self.edges: list[dict[str, Any]] = list(document["edges"])
        self.goals = None if goals is None else frozenset(goals)
        steps = (step for playbook in document.get("playbooks") or [] for step in playbook["steps"])
        played = [fault for step in steps for fault in step.get("faults") or []]
        self.faults: list[dict[str, Any]] = [*(document.get("faults") or []), *played]
        self.out: dict[str, list[dict[str, Any]]] = {node_id: [] for node_id in self.nodes}
        self.into: dict[str, list[dict[str, Any]]] = {node_id: [] for node_id in self.nodes}
        for edge in self.edges:
            self.out[edge["from"]].append(edge)
            self.into[edge["to"]].append(edge)
        self.call_edges = [(index, edge) for index, edge in enumerate(self.edges) if self.is_call(edge)]

    def kind(self, node_id: str) -> str:
        return str(self.nodes[node_id]["kind"])

    def name(self, node_id: str) -> str:
        return str(self.nodes[node_id].get("label") or node_id)

    def node_path(self, node_id: str) -> str:
        return f"$.nodes[{self.node_index[node_id]}]"

    def prop(self, node_id: str, name: str) -> Any:
        value = get_path(self.nodes[node_id].get("props") or {}, tuple(name.split(".")))
        return _NODE_DEFAULTS[self.kind(node_id)].get(name) if value is None else value

    @staticmethod
    def edge_prop(edge: dict[str, Any], name: str) -> Any:
        value = get_path(edge.get("props") or {}, tuple(name.split(".")))
        return _EDGE_DEFAULTS.get(name) if value is None else value

    def is_messaging(self, node_id: str) -> bool:
        return KINDS[self.kind(node_id)].messaging

    def is_call(self, edge: dict[str, Any]) -> bool:
        """A synchronous call: neither end is a queue or a bus."""
        return not self.is_messaging(edge["from"]) and not self.is_messaging(edge["to"])

    def call_targets(self, node_id: str) -> set[str]:
        return {edge["to"] for edge in self.out[node_id] if self.is_call(edge)}

    def feeds(self, node_id: str) -> list[str]:
        """The queues and buses a node consumes from."""
        return [e["from"] for e in self.into[node_id] if self.is_messaging(e["from"])]

    def clients(self) -> list[str]:
        return [node_id for node_id in self.nodes if self.kind(node_id) == "client"]

    def components(self) -> dict[str, int]:
        """Each node's strongly connected component over all edges (Kosaraju): two nodes share
        one when each leads to the other, so an edge lies on a cycle when its ends share one."""
        order: list[str] = []
        visited: set[str] = set()
        for root in self.nodes:
            if root in visited:
                continue
            visited.add(root)
            stack = [(root, iter(self.out[root]))]
            while stack:
                current, pending = stack[-1]
                following = next((e["to"] for e in pending if e["to"] not in visited), None)
                if following is None:
                    order.append(current)
                    stack.pop()
                else:
                    visited.add(following)
                    stack.append((following, iter(self.out[following])))
        component: dict[str, int] = {}
        for root in reversed(order):
            if root in component:
                continue
            component[root] = len(component)
            todo = [root]
            while todo:
                current = todo.pop()
                for edge in self.into[current]:
                    if edge["from"] not in component:
                        component[edge["from"]] = component[root]
                        todo.append(edge["from"])
        return component

    def walk(self, start: str, follow: Callable[[dict[str, Any]], bool]) -> dict[str, str | None]:
        """Nodes reachable from `start` along the edges `follow` accepts, each with the node it
        was first reached from (None for `start`)."""
        parents: dict[str, str | None] = {start: None}
        frontier = deque([start])
        while frontier:
            current = frontier.popleft()
            for edge in self.out[current]:
                if edge["to"] not in parents and follow(edge):
                    parents[edge["to"]] = current
                    frontier.append(edge["to"])
        return parents


def _percent(share: float) -> str:
    return f"{number_text(round(share * 100, 2))}%"


def _names(items: Iterable[str]) -> str:
    listed = list(items)
    return listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " and " + listed[-1]


# --- the rules ------------------------------------------------------------------------------


@rule("single-point-of-failure", lesson="ha-failover")
def single_point_of_failure(design: Design) -> Iterator[Finding]:
    """A node on a client's synchronous path whose failure fails the path: a service with one
    instance, no standby and no auto-scaling that is not one of several targets of a load
    balancer; a database without a replica to fail over to; a load balancer inside a zone."""
    reached_by: dict[str, list[str]] = {}
    for client in design.clients():
        for node_id in design.walk(client, design.is_call):
            if node_id != client:
                reached_by.setdefault(node_id, []).append(client)
    on_path = {*reached_by, *design.clients()}
    for node_id in sorted(reached_by, key=design.node_index.__getitem__):
        clients = reached_by[node_id]
        if design.goals is not None and node_id not in design.goals and not design.goals.intersection(clients):
            continue
        callers = {e["from"] for e in design.into[node_id] if design.is_call(e) and e["from"] in on_path}
        balanced = bool(callers) and all(
            design.kind(c) == "load_balancer" and len(design.call_targets(c)) >= 2 for c in callers
        )
        kind = design.kind(node_id)
        name = design.name(node_id)
        users = _names(design.name(c) for c in clients)
        if kind == "service" and not balanced:
            alone = design.prop(node_id, "replicas") == 1 and design.prop(node_id, "standby") == 0
            if alone and not design.prop(node_id, "autoscaling.enabled"):
                message = (
                    f"{name} is a single point of failure: it runs one instance with no standby, and every "
                    f"request from {users} through it fails while that instance is down. Add a replica or a "
                    "standby, or let auto-scaling replace a lost instance."
                )
                yield Finding(design.node_path(node_id), node_id, message)
        elif kind == "database" and not balanced and design.prop(node_id, "replicas") == 0:
            message = (
                f"{name} is a single point of failure: it has no replica to fail over to, so requests from "
                f"{users} fail for as long as its primary is down. Give it a replica."
            )
            yield Finding(design.node_path(node_id), node_id, message, lesson="db-replication")
        elif kind == "load_balancer" and design.prop(node_id, "zone"):
            zone = design.name(design.prop(node_id, "zone"))
            message = (
                f"{name} runs as one instance inside {zone}: an outage of {zone} takes it down, and every "
                f"request from {users} with it, whatever runs in the other zones. Leave the load balancer "
                "out of the zones so that it spans them."
            )
            yield Finding(design.node_path(node_id), node_id, message, lesson="multi-zone")


@rule("sync-call-cycle", lesson="queue-buffering")
def sync_call_cycle(design: Design) -> Iterator[Finding]:
    """A synchronous call made by a queue or bus consumer that leads back, through any edges, to
    the consumer itself: every message can set off another, and a slow callee stalls the
    consumer. (A cycle of calls alone is refused by the validator.)"""
    seen: set[frozenset[str]] = set()
    walks: dict[str, dict[str, str | None]] = {}
    component = design.components()
    for index, edge in design.call_edges:
        consumer, callee = edge["from"], edge["to"]
        if component[consumer] != component[callee] or not design.feeds(consumer):
            continue
        if callee not in walks:
            walks[callee] = design.walk(callee, lambda _: True)
        parents = walks[callee]
        if consumer not in parents:
            continue
        loop = [consumer]
        step: str | None = parents[consumer]
        while step is not None:
            loop.append(step)
            step = parents[step]
        loop.reverse()  # callee ... consumer's feed, consumer
        key = frozenset(loop)
        if key in seen:
            continue
        seen.add(key)
        through = next((n for n in reversed(loop) if design.is_messaging(n)), None)
        lesson = "event-bus-fanout" if through and design.kind(through) == "event_bus" else "queue-buffering"
        trail = " → ".join(design.name(n) for n in [consumer, *loop])
        via = f"consumes from {design.name(through)} and " if through else ""
        message = (
            f"{design.name(consumer)} {via}calls {design.name(callee)} synchronously, which leads back to it: "
            f"{trail}. Each message can set off another, and a slow {design.name(callee)} stalls the "
            "consumer. Publish an event instead of calling back, or break the loop."
        )
        yield Finding(f"$.edges[{index}]", edge["id"], message, lesson=lesson)


@rule("read-heavy-without-read-model", lesson="cqrs-reservations")
def read_heavy_without_read_model(design: Design) -> Iterator[Finding]:
    """A client sending mostly queries (query share above 0.5, or over half its mix's rate) whose
    queries reach a database through synchronous calls with no cache, CDN or read model in between."""
    for client in design.clients():
        share = float(design.prop(client, "query_ratio"))
        queries = design.prop(client, "queries") or []
        mix = design.prop(client, "mix") or []
        if mix:
            total = sum(float(entry["rate"]) for entry in mix)
            queries = [entry["operation"] for entry in mix if entry["kind"] == "query"]
            share = sum(float(e["rate"]) for e in mix if e["kind"] == "query") / total if total > 0 else 0.0
        if share <= READ_HEAVY_SHARE or not queries:
            continue
        reached: set[str] = set()
        for query in queries:

            def carries(edge: dict[str, Any], query: str = query) -> bool:
                names = design.edge_prop(edge, "filter") or []
                shielded = design.kind(edge["from"]) in READ_SHIELDS
                return design.is_call(edge) and not shielded and (not names or query in names)

            reached.update(n for n in design.walk(client, carries) if design.kind(n) == "database")
        for database in sorted(reached, key=design.node_index.__getitem__):
            name = design.name(database)
            message = (
                f"{design.name(client)} sends mostly queries ({_percent(share)}) and they reach {name} with "
                f"no cache or read model in between, so every read loads the database that takes the writes. "
                f"Put a cache in front of {name}, or answer the queries from a read model fed by events (CQRS)."
            )
            yield Finding(design.node_path(database), database, message)


@rule("queue-without-dead-letter", lesson="queue-buffering")
def queue_without_dead_letter(design: Design) -> Iterator[Finding]:
    """A queue with consumers and `dead_letter` off: a message its consumers fail
    `max_deliveries` times is dropped for good. (An event bus always dead-letters.)"""
    for node_id in design.nodes:
        if design.kind(node_id) != "queue" or design.prop(node_id, "dead_letter"):
            continue
        consumers = [e["to"] for e in design.out[node_id]]
        if not consumers:
            continue  # the validator already warns that nothing consumes it
        name = design.name(node_id)
        attempts = design.prop(node_id, "max_deliveries")
        message = (
            f"{name} has no dead-letter queue: a message that fails {attempts} deliveries is dropped and "
            "its work is lost."
        )
        failing = [c for c in consumers if _flaky(design, c, timeout_ms=None)]
        if failing:
            verb = "fails" if len(failing) == 1 else "fail"
            message += f" {_names(design.name(c) for c in failing)} {verb} messages in this scenario."
        message += " Turn on its dead-letter queue to keep failed messages aside."
        yield Finding(design.node_path(node_id), node_id, message)


@rule("call-without-breaker", lesson="circuit-breaker")
def call_without_breaker(design: Design) -> Iterator[Finding]:
    """A synchronous call without a circuit breaker into a flaky dependency: one with an error
    rate above 0, or that a scheduled or playbook fault makes fail (`set_error_rate` above 0) or
    hang past the call's timeout (`add_latency`). Calls from clients (no breaker there) and from
    load balancers (their health checks do that job) are left out."""
    for index, edge in design.call_edges:
        caller, callee = edge["from"], edge["to"]
        if design.kind(caller) in ("client", "load_balancer") or design.edge_prop(edge, "circuit_breaker.enabled"):
            continue
        why = _flaky(design, callee, timeout_ms=float(design.edge_prop(edge, "timeout_ms")))
        if why is None:
            continue
        message = (
            f"{design.name(caller)} calls {design.name(callee)} without a circuit breaker, and "
            f"{design.name(callee)} {why}. {design.name(caller)} keeps calling it while it fails, its slots "
            "tied up by calls that fail or time out, and the failure spreads upstream. Turn on the circuit "
            "breaker on this edge so that those calls fail fast while it recovers."
        )
        yield Finding(f"$.edges[{index}]", edge["id"], message)


def _flaky(design: Design, node_id: str, *, timeout_ms: float | None) -> str | None:
    """Why calls into a node fail, in words, or None: its error rate, or a fault in the document
    (scheduled or in a playbook) that raises its error rate or, given the caller's timeout, adds
    latency past it."""
    rate = float(design.prop(node_id, "error_rate") or 0)
    if rate > 0:
        return f"fails {_percent(rate)} of its work (error rate)"
    for fault in design.faults:
        if fault["target"] != node_id:
            continue
        if fault["action"] == "set_error_rate" and fault.get("error_rate", 0) > 0:
            return f"has a fault that makes it fail {_percent(fault['error_rate'])} of its work"
        added = fault.get("latency_ms", 0)
        if fault["action"] == "add_latency" and timeout_ms is not None and added >= timeout_ms:
            limit = number_text(timeout_ms)
            return f"has a fault that slows it by {number_text(added)} ms, past the {limit} ms timeout"
    return None
