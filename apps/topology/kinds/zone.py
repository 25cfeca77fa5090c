from apps.topology.kinds.base import NodeKind, Prop

KIND = NodeKind(
    name="zone",
    label="Zone",
    summary="An availability zone: a group of nodes that fail together.",
    category="layout",
    icon="M3 3h18v18H3zM3 9h18M9 21V9",
    color="#64748b",
    receives=False,
    sends=False,
    is_group=True,
    props=(
        Prop(
            "region",
            "string",
            "",
            "Region",
            help=(
                "Short name of the region this zone is in (empty: no region). Zones of different regions are "
                "30 ms apart one way; a region outage fails every zone of its region"
            ),
            max_length=20,
        ),
    ),
)
