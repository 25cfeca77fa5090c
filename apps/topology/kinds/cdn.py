from apps.topology.kinds.base import NodeKind, Prop, Runtime, latency_mean

KIND = NodeKind(
    name="cdn",
    runtime=Runtime(handler="forwarder", section="cache"),
    label="CDN",
    summary="Edge cache close to users; misses go on to the origin behind it.",
    category="routing",
    icon="M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM3 12h18M12 3c2.5 2.7 3.8 5.7 3.8 9s-1.3 6.3-3.8 9c-2.5-2.7-3.8-5.7-3.8-9S9.5 5.7 12 3z",
    color="#0891b2",
    props=(
        Prop("hit_ratio", "number", 0.8, "Hit ratio", minimum=0, maximum=1),
        Prop("ttl_s", "number", 60, "TTL", minimum=0, maximum=86_400, unit="s"),
        latency_mean(5),
    ),
)
