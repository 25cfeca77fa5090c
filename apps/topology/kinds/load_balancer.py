from apps.topology.kinds.base import ZONE, NodeKind, Prop, Runtime, latency_mean

KIND = NodeKind(
    name="load_balancer",
    edge_weights=True,
    runtime=Runtime(handler="forwarder", ticks=("health_tick",), section="load_balancer"),
    label="Load balancer",
    summary="Spreads requests over healthy targets; health checks take failed ones out.",
    category="routing",
    icon="M12 3v6M12 9l-7 6M12 9v6M12 9l7 6M3 15h4v5H3zM10 15h4v5h-4zM17 15h4v5h-4zM9 2h6v4H9z",
    color="#7c3aed",
    required_targets=1,
    props=(
        Prop(
            "strategy",
            "choice",
            "round_robin",
            "Strategy",
            choices=("round_robin", "least_connections", "ip_hash", "weighted"),
        ),
        Prop("health_check.interval_s", "number", 1, "Health-check interval", minimum=0.1, maximum=300, unit="s"),
        Prop(
            "health_check.threshold",
            "integer",
            2,
            "Unhealthy after",
            minimum=1,
            maximum=20,
            help="Failed checks in a row",
        ),
        latency_mean(1),
        ZONE,
    ),
)
