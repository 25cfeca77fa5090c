from apps.topology.kinds.base import NodeKind, Prop, Runtime

KIND = NodeKind(
    name="event_bus",
    runtime=Runtime(handler="messaging", mailbox="per_subscriber", badge="waiting"),
    label="Event bus",
    summary="Publish/subscribe: every subscriber group gets every event; a group's instances share them.",
    category="messaging",
    icon="M4 12h16M4 12l3-3M4 12l3 3M20 12l-3-3M20 12l-3 3M12 4v16M12 4l-2 2M12 4l2 2M12 20l-2-2M12 20l2-2",
    color="#db2777",
    messaging=True,
    props=(Prop("topics", "names", ["OrderPlaced"], "Topics", help="Event names carried by this bus"),),
)
