from apps.topology.kinds.base import NodeKind

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
)
