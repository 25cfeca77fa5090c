"""A change-data-capture relay: publishes every write a database commits, from its log."""

from apps.topology.kinds.base import ZONE, NodeKind, Prop, Runtime

KIND = NodeKind(
    name="cdc",
    runtime=Runtime(handler="cdc", ticks=("poll_tick",), section="cdc"),
    label="CDC relay",
    summary="Reads a database's change log and publishes one event per committed write.",
    category="messaging",
    icon="M5 4h6v6H5zM8 10v4a3 3 0 0 0 3 3h3M14 14l3 3-3 3M17 4h2v2h-2zM17 9h2v2h-2z",
    color="#9333ea",
    props=(
        Prop(
            "poll_ms",
            "number",
            200,
            "Poll interval",
            minimum=10,
            maximum=60_000,
            unit="ms",
            help="How often it reads the new entries of the change log",
        ),
        Prop(
            "batch",
            "integer",
            100,
            "Batch size",
            minimum=1,
            maximum=10_000,
            help="Changes it publishes per poll at most",
        ),
        Prop(
            "event",
            "string",
            "",
            "Event name",
            max_length=60,
            help="The event it publishes for each change; empty: the write's operation + Changed",
        ),
        ZONE,
    ),
)
