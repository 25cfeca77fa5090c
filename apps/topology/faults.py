"""The fault types a scenario can schedule (and a live run can fire)."""

from dataclasses import dataclass
from typing import Literal

TargetType = Literal["node", "edge"]


@dataclass(frozen=True)
class FaultType:
    name: str
    label: str
    target: TargetType
    target_kinds: tuple[str, ...] = ()  # node kinds it applies to (empty: any node)
    param: str | None = None  # the extra number it needs, if any
    param_minimum: float = 0
    param_maximum: float = 0
    summary: str = ""


_INSTANCE_KINDS = ("service", "function", "database", "cache", "load_balancer", "api_gateway", "cdn")

FAULT_TYPES: dict[str, FaultType] = {
    fault.name: fault
    for fault in (
        FaultType(
            "kill_instance",
            "Kill instance",
            "node",
            _INSTANCE_KINDS,
            "instance",
            0,
            100,
            "Kill one instance (by index)",
        ),
        FaultType("restore_instance", "Restore instance", "node", _INSTANCE_KINDS, "instance", 0, 100),
        FaultType("kill_zone", "Zone outage", "node", ("zone",), summary="Every instance in the zone fails"),
        FaultType("restore_zone", "Restore zone", "node", ("zone",)),
        FaultType("stop_consumer", "Stop consumer", "node", ("service", "function", "read_model")),
        FaultType("start_consumer", "Start consumer", "node", ("service", "function", "read_model")),
        FaultType("add_latency", "Add latency", "node", _INSTANCE_KINDS, "latency_ms", 0, 120_000),
        FaultType("set_error_rate", "Set error rate", "node", _INSTANCE_KINDS, "error_rate", 0, 1),
        FaultType("cut_edge", "Cut edge", "edge"),
        FaultType("restore_edge", "Restore edge", "edge"),
        FaultType("traffic_spike", "Traffic spike", "node", ("client",), "factor", 1, 50),
    )
}
