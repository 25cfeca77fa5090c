"""A saga orchestrator: runs a command as a sequence of calls, and undoes them on failure."""

from apps.topology.kinds.base import ZONE, NodeKind, Prop, Runtime

KIND = NodeKind(
    name="saga",
    runtime=Runtime(handler="saga", section="saga"),
    label="Saga",
    summary="Runs its steps in order; when one fails, undoes the completed ones in reverse.",
    category="compute",
    icon="M4 6h4v4H4zM10 8h4M16 6h4v4h-4zM18 10v4M16 14h4v4h-4zM14 16h-4M4 14h4v4H4zM6 14v-2",
    color="#0f766e",
    required_targets=1,
    props=(
        Prop(
            "steps",
            "names",
            [],
            "Steps",
            max_items=20,
            help=(
                "Ids of the nodes it calls, in the order it calls them (each must be the target of one of "
                "its edges); empty: its edges' order"
            ),
        ),
        Prop(
            "operations",
            "names",
            [],
            "Step operations",
            max_items=20,
            help=(
                "The operation each step calls, by position (e.g. ChargePayment); a step without one calls "
                "the saga's own command. Its compensation is the same name prefixed with Undo"
            ),
        ),
        Prop(
            "step_timeout_ms",
            "number",
            1000,
            "Step timeout",
            minimum=1,
            maximum=120_000,
            unit="ms",
            help="How long it waits for each step or compensation (instead of the edge's timeout)",
        ),
        Prop(
            "orchestration_ms",
            "number",
            2,
            "Orchestration latency",
            minimum=0,
            maximum=10_000,
            unit="ms",
            help="Time to record the saga's progress before each call",
        ),
        Prop(
            "compensation_retries",
            "integer",
            2,
            "Compensation retries",
            minimum=0,
            maximum=10,
            help="Attempts added to a failed compensation before the saga is declared stuck",
        ),
        ZONE,
    ),
)
