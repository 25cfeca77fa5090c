from apps.topology.kinds.base import NodeKind, Prop, Runtime

KIND = NodeKind(
    name="client",
    runtime=Runtime(handler="client"),
    label="Clients",
    summary="A traffic source: many distinct users sending commands and queries.",
    category="traffic",
    icon="M8 8a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM2 20v-2a5 5 0 0 1 10 0v2M17 9a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5zM14 20h8v-1.5a4 4 0 0 0-6-3.4",
    color="#2563eb",
    receives=False,
    required_targets=1,
    props=(
        Prop(
            "rate",
            "number",
            20,
            "Rate",
            minimum=0,
            maximum=5000,
            unit="req/s",
            help="Mean arrivals per second (Poisson)",
        ),
        Prop(
            "pattern",
            "choice",
            "constant",
            "Pattern",
            choices=("constant", "spike", "ramp", "wave", "steps", "diurnal"),
            help=(
                "From the pattern start on: spike (the peak for the duration); ramp (a linear rise to "
                "the peak over the duration, then held); wave (rate to peak and back, a period per "
                "duration); steps (the ramp in equal steps, then held); diurnal (a day per duration from "
                "midnight: night at the rate to 6:00, the peak at noon, 60% from 17:00 to 20:00, night "
                "again by midnight)"
            ),
        ),
        Prop(
            "pattern_factor",
            "number",
            5,
            "Peak factor",
            minimum=1,
            maximum=50,
            help="Peak of every pattern but constant as a multiple of the rate",
        ),
        Prop("pattern_start_s", "number", 10, "Pattern start", minimum=0, maximum=3600, unit="s"),
        Prop(
            "pattern_duration_s",
            "number",
            10,
            "Pattern duration",
            minimum=0,
            maximum=3600,
            unit="s",
            help="The spike, ramp or steps window; the wave's period; the diurnal day's length",
        ),
        Prop(
            "pattern_steps",
            "integer",
            4,
            "Steps",
            minimum=2,
            maximum=20,
            help="The steps pattern's equal rises to the peak, one every duration/steps",
        ),
        Prop(
            "clients",
            "integer",
            100,
            "Distinct clients",
            minimum=1,
            maximum=100_000,
            help="Client ids (IP hash keys on them)",
        ),
        Prop("commands", "names", ["PlaceOrder"], "Commands", help="Write operations this traffic sends"),
        Prop("queries", "names", [], "Queries", help="Read operations this traffic sends"),
        Prop(
            "query_ratio", "number", 0.0, "Query share", minimum=0, maximum=1, help="Share of requests that are queries"
        ),
        Prop(
            "mix",
            "mix",
            [],
            "Operation mix",
            minimum=0,
            maximum=5000,
            unit="req/s",
            max_items=20,
            help=(
                "Operations each sent at its own rate, each a Poisson process following the pattern; "
                "when not empty it replaces the rate, commands, queries and query share"
            ),
        ),
        Prop("timeout_ms", "number", 5000, "Timeout", minimum=1, maximum=120_000, unit="ms"),
        Prop("retries", "integer", 0, "Retries", minimum=0, maximum=10),
        Prop("retry_backoff_ms", "number", 100, "Retry backoff", minimum=0, maximum=60_000, unit="ms"),
    ),
)
