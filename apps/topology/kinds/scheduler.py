"""A scheduler (cron): it starts its jobs at fixed intervals, each a real call through the
graph, and skips a job still running when it is due again (or starts it anyway)."""

from apps.topology.kinds.base import NodeKind, Prop, Runtime

KIND = NodeKind(
    name="scheduler",
    runtime=Runtime(handler="scheduler", ticks=("cron_tick",), section="scheduler"),
    label="Scheduler",
    summary="Cron-like jobs: each is a command sent to its targets every interval.",
    category="traffic",
    icon="M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM12 6v6l4 2M2 5l3-3M22 5l-3-3",
    color="#0e7490",
    receives=False,
    required_targets=1,
    props=(
        Prop("jobs", "names", ["NightlyReport"], "Jobs", max_items=10, help="Commands it sends each time it fires"),
        Prop("every_s", "number", 10, "Every", minimum=0.1, maximum=86_400, unit="s", help="Interval between firings"),
        Prop(
            "start_s", "number", 5, "First at", minimum=0, maximum=86_400, unit="s", help="Run time of the first firing"
        ),
        Prop(
            "overlap",
            "choice",
            "skip",
            "Overlap",
            choices=("skip", "allow"),
            help="skip: a job still running when it is due again is not started again; allow: it is",
        ),
        Prop("timeout_ms", "number", 30_000, "Timeout", minimum=1, maximum=600_000, unit="ms"),
        Prop("retries", "integer", 0, "Retries", minimum=0, maximum=10, help="Attempts again after a failure"),
        Prop("retry_backoff_ms", "number", 1000, "Retry backoff", minimum=0, maximum=60_000, unit="ms"),
    ),
)
