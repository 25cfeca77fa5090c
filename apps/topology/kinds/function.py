from apps.topology.kinds.base import (
    ERROR_RATE,
    LATENCY_DISTRIBUTION,
    LATENCY_SIGMA,
    ZONE,
    NodeKind,
    Prop,
    Runtime,
    latency_mean,
)

KIND = NodeKind(
    name="function",
    runtime=Runtime(handler="worker", instances=lambda props: 0, consumer=True, scales=lambda props: True),
    label="Function",
    summary="Serverless: scales from zero per event, pays a cold start, scales back to zero.",
    category="compute",
    icon="M10 4H8a2 2 0 0 0-2 2v3a2 2 0 0 1-2 2 2 2 0 0 1 2 2v3a2 2 0 0 0 2 2h2M14 4h2a2 2 0 0 1 2 2v3a2 2 0 0 0 2 2 2 2 0 0 0-2 2v3a2 2 0 0 1-2 2h-2",
    color="#ea580c",
    props=(
        Prop("cold_start_ms", "number", 300, "Cold start", minimum=0, maximum=60_000, unit="ms"),
        Prop("max_instances", "integer", 10, "Max instances", minimum=1, maximum=100),
        Prop("idle_timeout_s", "number", 10, "Idle before scale-in", minimum=0.1, maximum=3600, unit="s"),
        LATENCY_DISTRIBUTION,
        latency_mean(40),
        LATENCY_SIGMA,
        ERROR_RATE,
        ZONE,
        Prop("behaviour", "choice", "none", "Domain behaviour", choices=("none", "notifications", "images", "reports")),
    ),
)
