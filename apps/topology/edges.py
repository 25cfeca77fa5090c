"""Edge properties. What an edge means depends on its ends (see docs/topology-format.md):
into a queue or bus it publishes, out of one it delivers, otherwise it is a synchronous call.
"""

from apps.topology.kinds.base import Prop

EDGE_PROPS: tuple[Prop, ...] = (
    Prop("timeout_ms", "number", 1000, "Timeout", minimum=1, maximum=120_000, unit="ms", help="Synchronous calls only"),
    Prop("retries", "integer", 0, "Retries", minimum=0, maximum=10),
    Prop(
        "network_ms",
        "number",
        None,
        "Network latency",
        minimum=0,
        maximum=10_000,
        unit="ms",
        help="One way, each crossing; empty: 0.5 ms within a zone, 1 ms across zones",
    ),
    Prop("weight", "number", 1, "Weight", minimum=0, maximum=1000, help="Share for a weighted load balancer or DNS"),
    Prop("filter", "names", [], "Only", help="Operations or event names this edge carries (empty: all)"),
    Prop("circuit_breaker.enabled", "boolean", False, "Circuit breaker"),
    Prop(
        "circuit_breaker.failure_threshold",
        "integer",
        5,
        "Opens after",
        minimum=1,
        maximum=1000,
        help="Failures in a row",
    ),
    Prop("circuit_breaker.reset_timeout_s", "number", 5, "Half-open after", minimum=0.1, maximum=600, unit="s"),
)

RUN_PROPS: tuple[Prop, ...] = (
    Prop("duration_s", "number", 30, "Duration", minimum=1, maximum=600, unit="s"),
    Prop("seed", "integer", 42, "Seed", minimum=0, maximum=2**31 - 1),
    Prop(
        "speed",
        "number",
        1,
        "Speed",
        minimum=0.1,
        maximum=10,
        unit="×",
        special=("max",),
        help="A ceiling: 1 = at most real time, 0.25 = slow motion, max = as fast as the workers can",
    ),
)
