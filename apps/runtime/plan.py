"""A topology compiled for running: defaults filled in, edges classified, instances named."""

import copy
from dataclasses import dataclass, field
from typing import Any, Literal

from apps.topology.edges import EDGE_PROPS, RUN_PROPS
from apps.topology.kinds import KINDS
from apps.topology.kinds.base import Prop, Runtime, get_path, set_path

Role = Literal["call", "publish", "deliver"]

# Kinds that can consume messages (they have instances with slots), from their declarations.
CONSUMER_KINDS = tuple(name for name, kind in KINDS.items() if kind.runtime and kind.runtime.consumer)
# The traits of a kind that is drawn but not executed (a zone): no handler, nothing runs.
LAYOUT = Runtime(handler="")
# One-way network latency between two nodes with no `network_ms` on the edge between them.
WITHIN_ZONE_MS = 0.5
ACROSS_ZONES_MS = 1.0
ACROSS_REGIONS_MS = 30.0  # between zones whose regions are named and differ


def _with_defaults(props: dict[str, Any] | None, specs: tuple[Prop, ...]) -> dict[str, Any]:
    merged = copy.deepcopy(props or {})
    for spec in specs:
        if get_path(merged, spec.path) is None:
            set_path(merged, spec.path, copy.deepcopy(spec.default))
    return merged


@dataclass
class EdgePlan:
    id: str
    source: str
    target: str
    role: Role
    props: dict[str, Any]

    def carries(self, name: str) -> bool:
        names = self.props.get("filter") or []
        return not names or name in names


@dataclass
class NodePlan:
    id: str
    kind: str
    label: str
    props: dict[str, Any]
    out: list[EdgePlan] = field(default_factory=list)
    inbound: list[EdgePlan] = field(default_factory=list)

    @property
    def zone(self) -> str:
        return str(self.props.get("zone") or "")

    def calls(self) -> list[EdgePlan]:
        return [e for e in self.out if e.role == "call"]

    def publishes_to(self) -> list[EdgePlan]:
        return [e for e in self.out if e.role == "publish"]

    @property
    def runtime(self) -> Runtime:
        """The kind's run-time traits (apps/topology/kinds/base.py); a zone's are empty."""
        return KINDS[self.kind].runtime or LAYOUT

    def instance_count(self) -> int:
        """Instances that exist at the start (active + standby)."""
        return self.runtime.instances(self.props)

    def active_count(self) -> int:
        """Of those, the ones that take traffic from the start."""
        active = self.runtime.active
        return active(self.props) if active else self.instance_count()

    def scales(self) -> bool:
        """An auto-scaler resizes it during the run."""
        return self.runtime.scales(self.props)


def zone_latency_ms(a: NodePlan, b: NodePlan, regions: dict[str, str] | None = None) -> float:
    """The default one-way latency: across zones when both are placed in different zones,
    across regions when those zones' regions (`regions`: zone id -> region) are named and differ."""
    if not (a.zone and b.zone and a.zone != b.zone):
        return WITHIN_ZONE_MS
    region_a, region_b = (regions or {}).get(a.zone, ""), (regions or {}).get(b.zone, "")
    return ACROSS_REGIONS_MS if region_a and region_b and region_a != region_b else ACROSS_ZONES_MS


@dataclass
class Plan:
    nodes: dict[str, NodePlan]
    edges: dict[str, EdgePlan]
    run: dict[str, Any]
    faults: list[dict[str, Any]]
    trace: bool = False  # record each call's arrival and sampled service time (fidelity checks)
    seed: int = 0
    _network: dict[tuple[str, str], float] = field(default_factory=dict)

    def network_ms(self, source: str, target: str) -> float:
        """One-way latency of a message from `source` to `target`: the edge's `network_ms`
        when drawn (either direction), else 0.5 ms within a zone and 1 ms across zones; 0 to
        itself. Calls, replies, publications, deliveries, credits and probes all pay it."""
        if source == target:
            return 0.0
        value = self._network.get((source, target))
        if value is None:
            a, b = self.nodes[source], self.nodes[target]
            value = zone_latency_ms(a, b, self.regions())
            for edge in (*a.out, *b.out):
                if {edge.source, edge.target} == {source, target} and edge.props.get("network_ms") is not None:
                    value = float(edge.props["network_ms"])
                    break
            self._network[(source, target)] = value
        return value

    def regions(self) -> dict[str, str]:
        """Zone id -> its region ("" when it names none)."""
        return {n.id: str(n.props.get("region") or "") for n in self.nodes.values() if n.kind == "zone"}

    def zones_reached(self, zone_id: str, reach: str) -> set[str]:
        """The zones a zone fault reaches: with reach "region", every zone of the target's
        region (only the target when it names no region); otherwise the target alone."""
        region = self.regions().get(zone_id, "")
        if reach != "region" or not region:
            return {zone_id}
        return {zone for zone, named in self.regions().items() if named == region}

    def mailboxes(self) -> dict[str, tuple[str, list[str]]]:
        """Message buffers: mailbox id -> (messaging node, consumer node ids).

        A queue has one mailbox whose consumers compete; a bus has one per subscriber group
        (each delivery edge), so every group gets every event.
        """
        out: dict[str, tuple[str, list[str]]] = {}
        for node in self.nodes.values():
            deliveries = [e for e in node.out if e.role == "deliver" and self.nodes[e.target].kind in CONSUMER_KINDS]
            mailbox = node.runtime.mailbox
            if mailbox == "shared":
                out[node.id] = (node.id, [e.target for e in deliveries])
            elif mailbox == "per_subscriber":
                for edge in deliveries:
                    out[f"{node.id}>{edge.target}"] = (node.id, [edge.target])
        return out

    def clients(self) -> list[NodePlan]:
        return [n for n in self.nodes.values() if n.kind == "client"]


def compile_plan(document: dict[str, Any]) -> Plan:
    nodes: dict[str, NodePlan] = {}
    for raw in document["nodes"]:
        kind = KINDS[raw["kind"]]
        nodes[raw["id"]] = NodePlan(
            raw["id"], raw["kind"], raw.get("label") or raw["id"], _with_defaults(raw.get("props"), kind.props)
        )
    edges: dict[str, EdgePlan] = {}
    for raw in document["edges"]:
        source, target = nodes[raw["from"]], nodes[raw["to"]]
        role: Role = "call"
        if KINDS[target.kind].messaging:
            role = "publish"
        elif KINDS[source.kind].messaging:
            role = "deliver"
        edge = EdgePlan(raw["id"], source.id, target.id, role, _with_defaults(raw.get("props"), EDGE_PROPS))
        edges[edge.id] = edge
        source.out.append(edge)
        target.inbound.append(edge)
    run = _with_defaults(document.get("run"), RUN_PROPS)
    return Plan(nodes, edges, run, list(document.get("faults") or []))
