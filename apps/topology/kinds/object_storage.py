"""A managed object store (like S3): no slots to run out of, a latency made of the time to
the first byte plus the object's size over the transfer throughput, and a request-rate limit
per second beyond which it answers 503 Slow Down."""

from apps.topology.kinds.base import ZONE, NodeKind, Prop, Runtime

KIND = NodeKind(
    name="object_storage",
    runtime=Runtime(handler="object_storage", section="object_storage"),
    label="Object storage",
    summary="A managed blob store: first-byte latency plus size over throughput; 503 past its request rate.",
    category="data",
    icon="M4 6c0-1.7 3.6-3 8-3s8 1.3 8 3-3.6 3-8 3-8-1.3-8-3zM4 6l2 13.5c.2 1.4 2.8 2.5 6 2.5s5.8-1.1 6-2.5L20 6",
    color="#a16207",
    sends=False,
    props=(
        Prop("object_kb", "number", 256, "Object size", minimum=0, maximum=5_000_000, unit="KB"),
        Prop(
            "first_byte_ms",
            "number",
            20,
            "First-byte latency",
            minimum=0,
            maximum=60_000,
            unit="ms",
            help="Mean time until the first byte (lognormal: a long tail, as measured on blob stores)",
        ),
        Prop(
            "throughput_mb_s",
            "number",
            80,
            "Throughput",
            minimum=0.01,
            maximum=10_000,
            unit="MB/s",
            help="Transfer rate of one request once the first byte is there",
        ),
        Prop(
            "get_limit_per_s",
            "number",
            5500,
            "Read limit",
            minimum=0,
            maximum=1_000_000,
            unit="req/s",
            help="GETs (queries) it accepts in one second of run time; beyond, 503 Slow Down (0: no limit)",
        ),
        Prop(
            "put_limit_per_s",
            "number",
            3500,
            "Write limit",
            minimum=0,
            maximum=1_000_000,
            unit="req/s",
            help="PUTs (commands) it accepts in one second of run time; beyond, 503 Slow Down (0: no limit)",
        ),
        ZONE,
    ),
)
