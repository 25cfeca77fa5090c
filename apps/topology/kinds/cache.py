from apps.topology.kinds.base import ZONE, NodeKind, Prop, Runtime, latency_mean

KIND = NodeKind(
    name="cache",
    runtime=Runtime(handler="forwarder", section="cache"),
    label="Cache",
    summary="In-memory cache; a miss is passed to the store behind it.",
    category="data",
    icon="M13 2 4 14h7l-1 8 9-12h-7l1-8z",
    color="#dc2626",
    props=(
        Prop("hit_ratio", "number", 0.9, "Hit ratio", minimum=0, maximum=1),
        Prop("ttl_s", "number", 30, "TTL", minimum=0, maximum=86_400, unit="s"),
        latency_mean(1),
        ZONE,
    ),
)
