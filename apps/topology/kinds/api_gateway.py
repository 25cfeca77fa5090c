from apps.topology.kinds.base import ZONE, NodeKind, Prop, Runtime, latency_mean

KIND = NodeKind(
    name="api_gateway",
    runtime=Runtime(handler="forwarder"),
    label="API gateway",
    summary="Routes each operation to its service (edge filters) and enforces a rate limit.",
    category="routing",
    icon="M4 4h16v6H4zM4 14h16v6H4zM8 7h.01M8 17h.01M12 10v4",
    color="#9333ea",
    required_targets=1,
    props=(
        Prop(
            "rate_limit",
            "number",
            0,
            "Rate limit",
            minimum=0,
            maximum=100_000,
            unit="req/s",
            help="0: unlimited; excess is rejected",
        ),
        latency_mean(2),
        ZONE,
    ),
)
