"""A search index (like Elasticsearch): it consumes events to index documents and answers
search queries, and a document becomes searchable only at the next refresh after it was
indexed (near-real-time search)."""

from apps.topology.kinds.base import ZONE, NodeKind, Prop, Runtime, latency_mean

KIND = NodeKind(
    name="search_index",
    runtime=Runtime(
        handler="search_index", instances=lambda props: int(props["instances"]), consumer=True, section="search_index"
    ),
    label="Search index",
    summary="Indexes events, answers searches; a document is searchable only after the next refresh.",
    category="data",
    icon="M10 17a7 7 0 1 0 0-14 7 7 0 0 0 0 14zM21 21l-6-6M7 8h6M7 11.5h4",
    color="#4f46e5",
    sends=False,
    props=(
        Prop(
            "instances", "integer", 1, "Instances", minimum=1, maximum=10, help="Index nodes; each indexes and searches"
        ),
        Prop("concurrency", "integer", 16, "Concurrency", minimum=1, maximum=256, help="Slots per instance"),
        Prop(
            "refresh_ms",
            "number",
            1000,
            "Refresh interval",
            minimum=0,
            maximum=60_000,
            unit="ms",
            help="Documents indexed since the last refresh become searchable at the next one (0: at once)",
        ),
        latency_mean(5),
        ZONE,
    ),
)
