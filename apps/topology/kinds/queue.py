from apps.topology.kinds.base import ZONE, NodeKind, Prop, Runtime

KIND = NodeKind(
    name="queue",
    runtime=Runtime(handler="messaging", mailbox="shared", badge="waiting"),
    label="Queue",
    summary="Point to point: each message goes to exactly one consumer; it buffers while they are away.",
    category="messaging",
    icon="M3 7h18v10H3zM7 7v10M11 7v10M15 7v10",
    color="#ca8a04",
    messaging=True,
    props=(
        Prop("max_depth", "integer", 100_000, "Max depth", minimum=1, maximum=1_000_000),
        Prop("overflow", "choice", "reject", "When full", choices=("reject", "drop_oldest")),
        Prop(
            "max_deliveries",
            "integer",
            5,
            "Dead-letter after",
            minimum=1,
            maximum=100,
            help="Failed deliveries before a message is dead-lettered",
        ),
        Prop(
            "dead_letter",
            "boolean",
            True,
            "Dead-letter queue",
            help="A message that fails max_deliveries times is kept aside (true) or dropped (false)",
        ),
        ZONE,
    ),
)
