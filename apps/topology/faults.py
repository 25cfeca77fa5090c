"""The fault types a scenario can schedule (and a live run can fire), each declaring how it
ends and how a run measures it.

A fault ends in one of two ways. A *pair* names the action that ends it (`undo`):
kill_instance is ended by restore_instance. A *setting* ends by firing the same action again
with its `reset` values: add_latency with latency_ms 0 (None means "the node's own value").
After its `duration_s`, or when the traffic ends, the engine fires the ending (the driver);
a training session's playbook does the same live.

A third kind, *instant*, is a one-off event with nothing to end (a cache flush).

A fault aimed at a zone reaches the nodes placed in it; `reach` widens that: "region" (every
zone of the target zone's region, and their nodes) or "network" (every node of the run is
told, and each decides what the fault means for it: a partition cuts traffic across the
zone's border wherever it starts). `acts_as` names the action those nodes apply when it is
another's: at each node a region outage is a zone outage.

`measured` says what a run measures about it, in the summary and the live incidents:
"health" (the load balancers' health checks detect it, and see it recover), "backlog"
(recovered when the backlog it caused has drained), "refill" (recovered when the cache has
refilled every entry it lost), or "" (its effect shows in the figures).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

TargetType = Literal["node", "edge"]
Measured = Literal["health", "backlog", "refill", ""]
Reach = Literal["", "region", "network"]


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
    undo: str = ""  # the action that ends it (a pair), or "" (a setting, or itself an ending)
    reset: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))  # a setting's ending
    measured: Measured = ""
    instant: bool = False  # a one-off event: nothing to end
    reach: Reach = ""  # a zone fault's reach: its own nodes (""), its region's, or every node
    acts_as: str = ""  # the action its nodes apply, when another's (a region outage: a zone outage at each)

    @property
    def ends_itself(self) -> bool:
        """A setting: the same action with its `reset` values ends it."""
        return bool(self.reset)

    def ending(self, fault: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
        """The action and values that end `fault` (None: nothing to end, e.g. a restore)."""
        if self.undo:
            return self.undo, dict(fault)
        if self.reset:
            return self.name, {**fault, **self.reset}
        return None


def _reset(**values: Any) -> Mapping[str, Any]:
    return MappingProxyType(values)


_INSTANCE_KINDS = (
    "service", "function", "database", "cache", "load_balancer", "api_gateway", "cdn", "rate_limiter",
    "object_storage", "search_index",
)  # fmt: skip
# A third-party API goes down, slows and fails too; a CDC relay can only be down (and restored).
_SLOWING_KINDS = (*_INSTANCE_KINDS, "external_api")
_KILLABLE_KINDS = (*_SLOWING_KINDS, "cdc")

FAULT_TYPES: dict[str, FaultType] = {
    fault.name: fault
    for fault in (
        FaultType(
            "kill_instance",
            "Kill instance",
            "node",
            _KILLABLE_KINDS,
            "instance",
            0,
            100,
            "Kill one instance (by index)",
            undo="restore_instance",
            measured="health",
        ),
        FaultType("restore_instance", "Restore instance", "node", _KILLABLE_KINDS, "instance", 0, 100),
        FaultType(
            "kill_zone",
            "Zone outage",
            "node",
            ("zone",),
            summary="Every instance in the zone fails",
            undo="restore_zone",
            measured="health",
        ),
        FaultType("restore_zone", "Restore zone", "node", ("zone",)),
        FaultType(
            "stop_consumer",
            "Stop consumer",
            "node",
            ("service", "function", "read_model", "search_index"),
            undo="start_consumer",
            measured="backlog",
        ),
        FaultType("start_consumer", "Start consumer", "node", ("service", "function", "read_model", "search_index")),
        FaultType(
            "add_latency", "Add latency", "node", _SLOWING_KINDS, "latency_ms", 0, 120_000, reset=_reset(latency_ms=0)
        ),
        FaultType(
            "set_error_rate",
            "Set error rate",
            "node",
            _SLOWING_KINDS,
            "error_rate",
            0,
            1,
            reset=_reset(error_rate=None),
        ),
        FaultType(
            "duplicate_delivery",
            "Duplicate delivery",
            "node",
            ("queue", "event_bus"),
            "share",
            0,
            1,
            "Acks get lost: this share of the messages handled is delivered again",
            reset=_reset(share=0),
        ),
        FaultType(
            "steal_slots",
            "Noisy neighbour",
            "node",
            ("service", "function"),
            "slots",
            1,
            64,
            "A neighbour takes this many slots of every instance, or of a function's instances (one is left)",
            reset=_reset(slots=0),
        ),
        FaultType(
            "fail_fast",
            "Fails fast",
            "node",
            ("service", "function"),
            "error_rate",
            0,
            1,
            "This share of the calls and messages fail at once, without the work: least connections sees it idle",
            reset=_reset(error_rate=None),
        ),
        FaultType(
            "slow_leak",
            "Slow leak",
            "node",
            ("service", "function"),
            "leak_ms_per_s",
            0,
            1000,
            "Each instance's service time grows by this many ms every second until the instance restarts",
            reset=_reset(leak_ms_per_s=0),
        ),
        FaultType(
            "cache_flush",
            "Cache flush",
            "node",
            ("cache", "cdn"),
            summary="The cache loses every entry: requests miss and go to the origin until it refills",
            measured="refill",
            instant=True,
        ),
        FaultType(
            "rewind",
            "Rewind the log",
            "node",
            ("stream",),
            "seconds",
            0,
            3600,
            "Every consumer group reads again from the first message published in the last N seconds (still retained)",
            instant=True,
        ),
        FaultType(
            "cut_edge",
            "Cut edge",
            "edge",
            summary="The link is down: calls over it fail at once; a broker holds back what it would deliver over it",
            undo="restore_edge",
        ),
        FaultType("restore_edge", "Restore edge", "edge"),
        FaultType("traffic_spike", "Traffic spike", "node", ("client",), "factor", 1, 50, reset=_reset(factor=1)),
        # Network and broker faults (apps/runtime/nodes/network.py, messaging.py, errors.py).
        FaultType(
            "edge_latency",
            "Slow link",
            "edge",
            param="delay_ms",
            param_minimum=0,
            param_maximum=60_000,
            summary="Every call over the edge, and its reply, takes this much longer on top of the network latency",
            reset=_reset(delay_ms=0),
        ),
        FaultType(
            "packet_loss",
            "Packet loss",
            "edge",
            param="loss",
            param_minimum=0,
            param_maximum=1,
            summary="This share of the calls over the edge never arrive: the caller times out, and retries if it may"
            " (a broker's session sends it again after a timeout)",
            reset=_reset(loss=0),
        ),
        FaultType(
            "reorder",
            "Reorder deliveries",
            "node",
            ("queue", "event_bus"),
            "window_ms",
            0,
            10_000,
            "Each delivery is held back a random 0 to this many ms, so later messages overtake earlier ones",
            reset=_reset(window_ms=0),
        ),
        FaultType(
            "broker_outage",
            "Broker outage",
            "node",
            ("queue", "event_bus"),
            summary="The broker is down: publishes fail and nothing is delivered; what it stored is delivered after",
            undo="restore_broker",
            measured="backlog",
        ),
        FaultType("restore_broker", "Restore broker", "node", ("queue", "event_bus")),
        FaultType(
            "error_burst",
            "Error bursts",
            "node",
            _SLOWING_KINDS,
            "error_rate",
            0,
            1,
            "Storms of errors: 2 s at this error rate, then 3 s calm, over and over",
            reset=_reset(error_rate=None),
        ),
        FaultType(
            "partition_zone",
            "Partition zone",
            "node",
            ("zone",),
            summary="The zone is cut off: its instances live on, but traffic across its border is lost",
            undo="heal_partition",
            measured="health",
            reach="network",
        ),
        FaultType("heal_partition", "Heal partition", "node", ("zone",), reach="network"),
        FaultType(
            "kill_region",
            "Region outage",
            "node",
            ("zone",),
            summary="Every zone of the zone's region fails (without a region: the zone alone)",
            undo="restore_region",
            measured="health",
            reach="region",
            acts_as="kill_zone",
        ),
        FaultType("restore_region", "Restore region", "node", ("zone",), reach="region", acts_as="restore_zone"),
        FaultType(
            "disk_full",
            "Disk full",
            "node",
            ("database",),
            summary="The database's disk is full: writes fail, reads keep working",
            undo="free_disk",
            measured="",
        ),
        FaultType("free_disk", "Free disk", "node", ("database",)),
    )
}
# The endings of pairs, and what each ends: restore_instance -> kill_instance, …
UNDO: Mapping[str, str] = MappingProxyType({f.name: f.undo for f in FAULT_TYPES.values() if f.undo})
RESTORES: Mapping[str, str] = MappingProxyType({undo: action for action, undo in UNDO.items()})
