"""A rate limiter in a call path: it admits at most `rate_per_s` calls and rejects the rest
at once with 429 Too Many Requests, before they cost anything behind it."""

from apps.topology.kinds.base import ZONE, NodeKind, Prop, Runtime

ALGORITHMS = ("token_bucket", "sliding_window")
SCOPES = ("global", "per_client")

KIND = NodeKind(
    name="rate_limiter",
    runtime=Runtime(handler="rate_limiter", section="rate_limiter"),
    label="Rate limiter",
    summary="Admits at most a rate of calls (token bucket or sliding window); the rest get 429.",
    category="routing",
    icon="M6 3h12M6 21h12M7 3v3a5 5 0 0 0 10 0V3M7 21v-3a5 5 0 0 1 10 0v3",
    color="#e11d48",
    required_targets=1,
    props=(
        Prop(
            "algorithm",
            "choice",
            "token_bucket",
            "Algorithm",
            choices=ALGORITHMS,
            help=(
                "token_bucket: a bucket of `burst` tokens refilled at the rate, one token per call; "
                "sliding_window: at most rate × window calls in any window, counted over the current "
                "and the previous window"
            ),
        ),
        Prop(
            "rate_per_s",
            "number",
            20,
            "Rate",
            minimum=0.01,
            maximum=100_000,
            unit="req/s",
            help="Calls admitted per second in the long run; the excess is rejected with 429",
        ),
        Prop(
            "burst",
            "integer",
            20,
            "Burst",
            minimum=1,
            maximum=100_000,
            help="Token bucket: calls admitted at once after a quiet spell (the bucket's size)",
        ),
        Prop(
            "window_s",
            "number",
            1,
            "Window",
            minimum=0.01,
            maximum=3600,
            unit="s",
            help="Sliding window: its length; rate × window calls fit in one",
        ),
        Prop(
            "scope",
            "choice",
            "global",
            "Scope",
            choices=SCOPES,
            help="global: one limit for all callers; per_client: one limit per client id",
        ),
        ZONE,
    ),
)
