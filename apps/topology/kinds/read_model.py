from apps.topology.kinds.base import ZONE, NodeKind, Prop, Runtime, latency_mean

KIND = NodeKind(
    name="read_model",
    runtime=Runtime(handler="worker", consumer=True),
    label="Read model",
    summary="CQRS projection: fed by events, serves queries, lags behind the write model.",
    category="data",
    icon="M2 12s3.6-7 10-7 10 7 10 7-3.6 7-10 7S2 12 2 12zM12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6z",
    color="#0d9488",
    sends=False,
    props=(
        Prop("lag_ms", "number", 200, "Projection lag", minimum=0, maximum=600_000, unit="ms"),
        Prop(
            "projection", "string", "availability", "Projection", help="What the read model keeps (e.g. availability)"
        ),
        latency_mean(2),
        ZONE,
    ),
)
