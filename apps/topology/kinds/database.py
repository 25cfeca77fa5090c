from apps.topology.kinds.base import ZONE, NodeKind, Prop, Runtime, latency_mean

KIND = NodeKind(
    name="database",
    runtime=Runtime(
        handler="database", instances=lambda props: 1 + int(props["replicas"]), consumer=True, section="database"
    ),
    label="Database",
    summary="A primary with replicas; failover promotes a replica.",
    category="data",
    icon="M12 8c4.4 0 8-1.3 8-3s-3.6-3-8-3-8 1.3-8 3 3.6 3 8 3zM4 5v14c0 1.7 3.6 3 8 3s8-1.3 8-3V5M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3",
    color="#475569",
    sends=False,
    props=(
        Prop("replicas", "integer", 1, "Replicas", minimum=0, maximum=10),
        Prop("replication", "choice", "async", "Replication", choices=("sync", "async")),
        Prop("replication_lag_ms", "number", 100, "Replication lag", minimum=0, maximum=600_000, unit="ms"),
        Prop("failover_s", "number", 5, "Failover time", minimum=0, maximum=600, unit="s"),
        latency_mean(5),
        ZONE,
    ),
)
