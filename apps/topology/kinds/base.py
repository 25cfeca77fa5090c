"""The shape every node kind module shares.

A kind is data: its properties (with types, defaults and ranges), where edges may go, and
its icon. The JSON Schema, the validator, the property panel and the palette are all built
from these declarations, so adding a kind is one new module (see CONTRIBUTING.md).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

# "names": a list of event or operation names; "numbers": a list of numbers, each within
# minimum (exclusive when `exclusive_minimum`) and maximum; "mix": a client's operations, a list
# of at most `max_items` {"operation": a name, "kind": one of MIX_KINDS, "rate": a number within
# minimum and maximum, in `unit`}.
PropType = Literal["integer", "number", "string", "boolean", "choice", "names", "numbers", "mix"]
MIX_KINDS = ("command", "query")


@dataclass(frozen=True)
class Prop:
    """One property of a node or an edge. `name` may be dotted: `latency.mean_ms`."""

    name: str
    type: PropType
    default: Any
    label: str
    help: str = ""
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False  # the value (or each item) must be above `minimum`
    choices: tuple[str, ...] = ()
    unit: str = ""
    max_length: int = 80
    max_items: int = 50
    special: tuple[str, ...] = ()  # words accepted besides a number (a run's speed: "max")

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.name.split("."))


def _one(props: Mapping[str, Any]) -> int:
    return 1


def _never(props: Mapping[str, Any]) -> bool:
    return False


Badge = Literal["latency", "waiting"]


@dataclass(frozen=True)
class Runtime:
    """How a kind takes part in a run. The engine's plan, driver, demand estimate, summary and
    stream, and the live view (through the kind catalogue), read these traits instead of
    naming kinds, so a new kind only declares them.

    `handler` names the engine's handler for the node's events (a key of
    apps/runtime/nodes HANDLERS; tests/runtime/test_kind_registry.py checks every kind has one).
    """

    handler: str
    instances: Callable[[Mapping[str, Any]], int] = _one  # instances at the start (active + standby)
    active: Callable[[Mapping[str, Any]], int] | None = None  # of those, the active ones (None: all)
    consumer: bool = False  # runs instances with slots that can take messages from a queue, bus or log
    scales: Callable[[Mapping[str, Any]], bool] = _never  # an auto-scaler resizes it during the run
    ticks: tuple[str, ...] = ()  # periodic events the driver starts for it (e.g. "health_tick")
    mailbox: Literal["", "shared", "per_subscriber"] = ""  # messaging: one line for all, or one per subscriber
    badge: Badge = "latency"  # the live canvas's second line: p95 latency, or messages waiting
    section: str = ""  # the summary section of its own figures (a key of apps/runtime/sections.py SECTIONS)


@dataclass(frozen=True)
class NodeKind:
    name: str
    label: str
    summary: str
    category: Literal["traffic", "routing", "compute", "messaging", "data", "layout"]
    icon: str  # SVG path data in a 24x24 box, drawn with a stroke
    color: str
    props: tuple[Prop, ...] = ()
    receives: bool = True  # may be the target of an edge
    sends: bool = True  # may be the source of an edge
    is_group: bool = False  # drawn as a container (zones)
    messaging: bool = False  # edges in publish, edges out deliver
    required_targets: int = 0  # edges out that must exist for the node to run
    extra: dict[str, Any] = field(default_factory=dict)
    runtime: Runtime | None = None  # None: drawn only (a layout group), not executed as a node
    edge_weights: bool = False  # its edges out carry a `weight`: their share of its traffic

    def defaults(self) -> dict[str, Any]:
        """The kind's default props, nested by dotted names."""
        out: dict[str, Any] = {}
        for prop in self.props:
            set_path(out, prop.path, prop.default)
        return out


def get_path(data: dict[str, Any], path: tuple[str, ...]) -> Any:
    current: Any = data
    for key in path:
        if not isinstance(current, dict) or key not in current:
            return None
        current = current[key]
    return current


def set_path(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    current = data
    for key in path[:-1]:
        current = current.setdefault(key, {})
    current[path[-1]] = value


# Properties several kinds share.
ZONE = Prop("zone", "string", "", "Zone", help="Id of the zone node this runs in (empty: no zone)")
LATENCY_DISTRIBUTION = Prop(
    "latency.distribution",
    "choice",
    "exponential",
    "Latency distribution",
    choices=("fixed", "exponential", "lognormal"),
)
ERROR_RATE = Prop("error_rate", "number", 0.0, "Error rate", minimum=0, maximum=1, help="Share of requests that fail")


def latency_mean(default: float) -> Prop:
    return Prop("latency.mean_ms", "number", default, "Mean latency", minimum=0, maximum=60_000, unit="ms")


LATENCY_SIGMA = Prop(
    "latency.sigma", "number", 0.5, "Lognormal sigma", minimum=0.01, maximum=3, help="Spread of a lognormal latency"
)
