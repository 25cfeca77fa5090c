"""DNS, a global traffic manager: it answers each client with one of its targets (a region's
load balancer, say) and health-checks them, but resolvers cache an answer for its TTL, so
after a target dies its clients keep going to it until their cached record expires.

A managed global service: it stands in no zone and no instance fault reaches it. It adds no
latency to a call (the answer is cached by the client's resolver); see
apps/runtime/nodes/dns.py for how a call is resolved and forwarded.
"""

from apps.topology.kinds.base import NodeKind, Prop, Runtime

POLICIES = ("failover", "weighted")

KIND = NodeKind(
    name="dns",
    edge_weights=True,
    runtime=Runtime(handler="dns", ticks=("health_tick",), section="dns"),
    label="DNS",
    summary="Global traffic manager: answers each client with a healthy target; resolvers cache it for the TTL.",
    category="routing",
    icon="M12 2v20M12 5h7l2 2.5-2 2.5h-7M12 12H5l-2 2.5L5 17h7M8 22h8",
    color="#0284c7",
    required_targets=1,
    props=(
        Prop(
            "policy",
            "choice",
            "failover",
            "Routing policy",
            choices=POLICIES,
            help=(
                "failover: the first healthy target in edge order; weighted: a healthy target drawn by the "
                "edges' weights (all unhealthy: every target counts as healthy, as Route 53 does)"
            ),
        ),
        Prop(
            "ttl_s",
            "number",
            60,
            "TTL",
            minimum=0,
            maximum=3600,
            unit="s",
            help=(
                "How long resolvers cache an answer: each client re-resolves once per TTL, so it keeps "
                "going to a dead target until its record expires (0: every call resolves afresh)"
            ),
        ),
        Prop(
            "health_check.interval_s",
            "number",
            10,
            "Health-check interval",
            minimum=0.1,
            maximum=300,
            unit="s",
        ),
        Prop(
            "health_check.threshold",
            "integer",
            3,
            "Unhealthy after",
            minimum=1,
            maximum=20,
            help="Failed checks in a row",
        ),
    ),
)
