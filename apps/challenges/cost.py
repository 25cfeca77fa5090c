"""What a design costs to run for an hour, so a challenge can hold it to a budget.

Every instance, concurrency slot, replica and managed component has an hourly price. The
defaults below are assumptions, not a quote: round figures in the range a small deployment
on a public cloud pays on demand (US regions, 2024), chosen so that the trade-offs the
playground teaches keep their real direction (a replica costs about what its primary does,
an idle standby costs as much as a busy instance, a serverless function busy all hour costs
more than a small server). A challenge overrides any of them by key (see `design_cost`).

| key | USD/h | what it prices | assumption |
|---|---|---|---|
| `service_instance` | 0.05 | each service instance (active) | a 2 vCPU / 4 GB VM; includes 4 slots |
| `service_slot` | 0.01 | each concurrency slot above the 4 included, per instance | bigger VM |
| `service_standby` | 0.05 | each standby instance (plus its extra slots) | a warm standby is the same VM, idle |
| `function_instance` | 0.03 | each instance a function may run at once (`max_instances`) | 512 MB busy for 3,600 s |
| `queue` | 0.02 | a queue | a small managed broker |
| `event_bus` | 0.03 | an event bus | a small managed pub/sub or streaming cluster |
| `stream` | 0.04 | an event log | a small managed partitioned log (a few brokers, shared) |
| `load_balancer` | 0.025 | a load balancer | a managed L7 balancer's hourly charge plus light traffic |
| `dns` | 0.005 | a DNS (global traffic manager) | a hosted zone plus health checks and a few million queries a month |
| `api_gateway` | 0.03 | an API gateway | a managed gateway at a few million requests a day |
| `cdn` | 0.02 | a CDN | one distribution with light traffic |
| `cache` | 0.04 | a cache | a small managed in-memory cache node |
| `database_primary` | 0.10 | a database's primary | a 2 vCPU / 8 GB managed database |
| `database_replica` | 0.10 | each database replica | a replica is the same size as its primary |
| `read_model` | 0.05 | a read model | a small store serving the projection |
| `rate_limiter` | 0.01 | a rate limiter | a small limiting proxy (or a gateway's rate-limit feature) |
| `object_storage` | 0.02 | object storage | a bucket with tens of GB and light request traffic |
| `search_instance` | 0.08 | each search index instance | a small managed search node, 2 vCPU / 4 GB |
| `saga` | 0.03 | a saga orchestrator | a managed workflow service at light traffic, or a small VM |
| `cdc` | 0.03 | a change-data-capture relay | one small connector task reading the change log |

Clients and schedulers (the traffic), zones (placement) and external APIs (a third party's
system, billed by its own plan) cost nothing and get no line.

A fixed design costs the same whatever its traffic. An auto-scaling service is billed, as a
cloud bills it, for the instances it runs: `design_cost` gives the range, from its
`autoscaling.min` to the larger of `replicas` and `autoscaling.max`, and `billed_cost` what a
run used (the time-weighted mean of its instances, from the run's scaling events). A function
is priced at its `max_instances`, as if busy all hour. Requests, storage and data transfer are
not priced separately; they are folded into the flat per-component figures above.
"""

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Any

from apps.runtime.plan import NodePlan, compile_plan

CURRENCY = "USD"
UNIT = "hour"
# Concurrency slots a service instance's price includes; each one above costs `service_slot`.
SLOTS_INCLUDED = 4

DEFAULT_PRICES: Mapping[str, float] = MappingProxyType(
    {
        "service_instance": 0.05,
        "service_slot": 0.01,
        "service_standby": 0.05,
        "function_instance": 0.03,
        "queue": 0.02,
        "event_bus": 0.03,
        "stream": 0.04,
        "load_balancer": 0.025,
        "dns": 0.005,
        "api_gateway": 0.03,
        "cdn": 0.02,
        "cache": 0.04,
        "database_primary": 0.10,
        "database_replica": 0.10,
        "read_model": 0.05,
        "rate_limiter": 0.01,
        "object_storage": 0.02,
        "search_instance": 0.08,
        "saga": 0.03,
        "cdc": 0.03,
    }
)
PRICE_KEYS: frozenset[str] = frozenset(DEFAULT_PRICES)

ASSUMPTIONS = (
    "Hourly on-demand prices in USD, round figures for a small deployment on a public cloud. "
    f"A service instance includes {SLOTS_INCLUDED} concurrency slots; each slot above costs service_slot. "
    "A standby instance is priced like an active one of the same size. "
    "An auto-scaling service is billed for the instances it runs: from its min to its max, and in a challenge "
    "what its runs used on average. "
    "A function costs its max instances busy all hour. "
    "Requests, storage and data transfer are folded into the flat prices. "
    "Clients and zones cost nothing. A challenge may override any price."
)


@dataclass(frozen=True)
class CostLine:
    """One priced node: what it runs (`quantity`, in words) and what that costs an hour."""

    node: str
    label: str
    kind: str
    quantity: str
    per_hour: float
    floor_per_hour: float  # the least it can cost (auto-scaled in to its min); else per_hour

    def as_dict(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "label": self.label,
            "kind": self.kind,
            "quantity": self.quantity,
            "per_hour": self.per_hour,
            "floor_per_hour": self.floor_per_hour,
        }


@dataclass(frozen=True)
class DesignCost:
    """A design's hourly cost (rounded to cents) and the lines it adds up from: `per_hour` at
    its peak, `floor_per_hour` with every auto-scaling service at its min (equal without one)."""

    per_hour: float
    floor_per_hour: float
    lines: list[CostLine]

    def fits(self, budget_per_hour: float) -> bool:
        """Whether the design stays within a budget (a cost equal to the budget fits)."""
        return self.per_hour <= budget_per_hour

    def as_dict(self) -> dict[str, Any]:
        return {
            "per_hour": self.per_hour,
            "floor_per_hour": self.floor_per_hour,
            "lines": [line.as_dict() for line in self.lines],
        }


def price_list() -> dict[str, float]:
    """The default prices, USD per hour, by key."""
    return dict(DEFAULT_PRICES)


def resolve_prices(overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """The defaults with `overrides` applied; an unknown key or a price that is not a finite
    number ≥ 0 is a ValueError naming the key."""
    prices = price_list()
    for key, value in (overrides or {}).items():
        if key not in PRICE_KEYS:
            raise ValueError(f"unknown price key {key!r}; the keys are {', '.join(sorted(PRICE_KEYS))}")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            raise ValueError(f"price {key!r} must be a finite number ≥ 0 (got {value!r})")
        prices[key] = float(value)
    return prices


def design_cost(document: dict[str, Any], prices: Mapping[str, float] | None = None) -> DesignCost:
    """The hourly cost of a valid topology document (validate it first), at the default
    prices with `prices` overriding them by key. Props left out take their kind's defaults."""
    table = resolve_prices(prices)
    plan = compile_plan(document)
    lines = [line for node in plan.nodes.values() if (line := _line(node, table)) is not None]
    return _total(lines)


def billed_cost(
    document: dict[str, Any],
    summaries: Iterable[dict[str, Any]],
    *,
    duration_s: float,
    prices: Mapping[str, float] | None = None,
) -> DesignCost:
    """What a design's runs used, an hour: `design_cost`, except that each auto-scaling service
    is billed for the instances it ran on average over the traffic's `duration_s`, the most of
    any of the runs (`summaries`, the engine's run summaries of that document)."""
    table = resolve_prices(prices)
    plan = compile_plan(document)
    runs = list(summaries)
    lines = []
    for node in plan.nodes.values():
        if _autoscales(node) and runs:
            used = max(mean_instances(run["nodes"].get(node.id, {}), node.props, duration_s) for run in runs)
            lines.append(_billed_service_line(node, table, used))
        elif (line := _line(node, table)) is not None:
            lines.append(line)
    return _total(lines)


def mean_instances(node_summary: dict[str, Any], props: dict[str, Any], duration_s: float) -> float:
    """The time-weighted mean of an auto-scaling service's active instances over a run's first
    `duration_s`: it starts at its `replicas` and follows its `scaling_events` ({t (ms), to})."""
    end_ms = max(1.0, duration_s * 1000.0)
    count, since, area = float(props["replicas"]), 0.0, 0.0
    for event in sorted(node_summary.get("scaling_events") or [], key=lambda e: float(e["t"])):
        at = min(float(event["t"]), end_ms)
        area += count * (at - since)
        count, since = float(event["to"]), at
    area += count * (end_ms - since)
    return area / end_ms


def _total(lines: list[CostLine]) -> DesignCost:
    return DesignCost(
        per_hour=_total_in_cents(line.per_hour for line in lines),
        floor_per_hour=_total_in_cents(line.floor_per_hour for line in lines),
        lines=lines,
    )


def _total_in_cents(amounts: Iterable[float]) -> float:
    """The sum rounded half up to cents, in decimal (binary floats would make 0.225 round down)."""
    total = sum((Decimal(str(amount)) for amount in amounts), Decimal(0))
    return float(total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


# --- one pricing rule per node kind -----------------------------------------------------

# (quantity in words, USD per hour), or with the least it can cost an hour when that is less
Priced = tuple[str, float] | tuple[str, float, float]
Pricer = Callable[[dict[str, Any], Mapping[str, float]], Priced | None]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _autoscales(node: NodePlan) -> bool:
    return node.kind == "service" and bool(node.props["autoscaling"]["enabled"])


def _service_prices(props: dict[str, Any], prices: Mapping[str, float]) -> tuple[float, float]:
    """(one active instance, all the standby instances), USD per hour, slots included."""
    extra_slots = max(0, int(props["concurrency"]) - SLOTS_INCLUDED) * prices["service_slot"]
    return prices["service_instance"] + extra_slots, int(props["standby"]) * (prices["service_standby"] + extra_slots)


def _service_quantity(instances: str, props: dict[str, Any]) -> str:
    standby = int(props["standby"])
    return f"{instances} × {_plural(int(props['concurrency']), 'slot')}" + (f" + {standby} standby" if standby else "")


def _service(props: dict[str, Any], prices: Mapping[str, float]) -> Priced:
    instance, standby = _service_prices(props, prices)
    active = int(props["replicas"])
    if not props["autoscaling"]["enabled"]:
        return _service_quantity(_plural(active, "instance"), props), active * instance + standby
    low, high = int(props["autoscaling"]["min"]), max(active, int(props["autoscaling"]["max"]))
    quantity = _service_quantity(f"{low}–{high} instances", props) + " (auto-scaling: billed as used)"
    return quantity, high * instance + standby, low * instance + standby


def _billed_service_line(node: NodePlan, prices: Mapping[str, float], used: float) -> CostLine:
    instance, standby = _service_prices(node.props, prices)
    per_hour = round(used * instance + standby, 4)
    quantity = _service_quantity(f"{used:.2f} instances on average", node.props) + " (auto-scaled, as used)"
    return CostLine(node.id, node.label, node.kind, quantity, per_hour, per_hour)


def _function(props: dict[str, Any], prices: Mapping[str, float]) -> Priced:
    count = int(props["max_instances"])
    return f"{_plural(count, 'instance')} at peak", count * prices["function_instance"]


def _database(props: dict[str, Any], prices: Mapping[str, float]) -> Priced:
    replicas = int(props["replicas"])
    quantity = "primary" + (f" + {_plural(replicas, 'replica')}" if replicas else "")
    return quantity, prices["database_primary"] + replicas * prices["database_replica"]


def _search_index(props: dict[str, Any], prices: Mapping[str, float]) -> Priced:
    count = int(props["instances"])
    return _plural(count, "instance"), count * prices["search_instance"]


def _flat(key: str) -> Pricer:
    def price(props: dict[str, Any], prices: Mapping[str, float]) -> Priced:
        return "1 managed component", prices[key]

    return price


def _free(props: dict[str, Any], prices: Mapping[str, float]) -> None:
    return None


PRICERS: Mapping[str, Pricer] = MappingProxyType(
    {
        "client": _free,
        "zone": _free,
        "service": _service,
        "function": _function,
        "database": _database,
        "queue": _flat("queue"),
        "event_bus": _flat("event_bus"),
        "stream": _flat("stream"),
        "load_balancer": _flat("load_balancer"),
        "dns": _flat("dns"),
        "api_gateway": _flat("api_gateway"),
        "cdn": _flat("cdn"),
        "cache": _flat("cache"),
        "read_model": _flat("read_model"),
        "rate_limiter": _flat("rate_limiter"),
        "object_storage": _flat("object_storage"),
        "search_index": _search_index,
        "scheduler": _free,
        "saga": _flat("saga"),
        "cdc": _flat("cdc"),
        "external_api": _free,
    }
)


def _line(node: NodePlan, prices: Mapping[str, float]) -> CostLine | None:
    priced = PRICERS[node.kind](node.props, prices)
    if priced is None:
        return None
    quantity, per_hour = priced[0], round(priced[1], 4)
    floor = round(priced[2], 4) if len(priced) == 3 else per_hour
    return CostLine(node.id, node.label, node.kind, quantity, per_hour, floor)
