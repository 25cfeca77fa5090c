"""The event log (a Kafka-like stream): an append-only, partitioned, replayable log.

Edges in publish (append), edges out are consumer groups. Every group reads every message,
each at its own committed offset; within a group the partitions are shared out among the
consumer's live instances, so a group never runs more partitions at once than the log has.
The engine side is apps/runtime/nodes/log.py.
"""

from apps.topology.kinds.base import ZONE, NodeKind, Prop, Runtime

KEYS = ("correlation", "event", "message")
ASSIGNMENTS = ("range", "round_robin")

KIND = NodeKind(
    name="stream",
    # Each delivery edge is a consumer group, kept like a bus subscriber's mailbox
    # ("per_subscriber"): the consumers offer their slots to it the same way.
    runtime=Runtime(
        handler="log", mailbox="per_subscriber", badge="waiting", ticks=("retention_tick",), section="stream"
    ),
    label="Event log",
    summary=(
        "Partitioned, ordered, replayable: every group reads every message; a partition goes to one of its instances."
    ),
    category="messaging",
    icon="M3 5h18M3 12h18M3 19h18M7 3v4M11 3v4M15 3v4M9 10v4M13 10v4M6 17v4M10 17v4M14 17v4M18 17v4",
    color="#7c3aed",
    messaging=True,
    props=(
        Prop(
            "partitions",
            "integer",
            4,
            "Partitions",
            minimum=1,
            maximum=64,
            help=(
                "Ordered parts of the log, each read by one instance of a group: a group works on at most "
                "this many at once"
            ),
        ),
        Prop(
            "retention_s",
            "integer",
            600,
            "Retention",
            minimum=1,
            maximum=86_400,
            unit="s",
            help="Messages older than this are deleted; a group that had not read them skips them (expired)",
        ),
        Prop(
            "key",
            "choice",
            "correlation",
            "Partition key",
            choices=KEYS,
            help=(
                "What picks a message's partition (hashed): correlation = the order it is about (all of an "
                "order's events stay in order), event = the event name, message = its own id (spread, no order)"
            ),
        ),
        Prop(
            "max_in_flight",
            "integer",
            1,
            "In flight per partition",
            minimum=1,
            maximum=100,
            help="Messages of one partition a group has out at once; 1 keeps strict order per partition",
        ),
        Prop(
            "assignment",
            "choice",
            "range",
            "Partition assignment",
            choices=ASSIGNMENTS,
            help="How a group shares partitions among its live instances: contiguous ranges, or dealt in turn",
        ),
        ZONE,
    ),
)
