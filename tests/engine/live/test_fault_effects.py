"""The faults that change how a node works, each shown by a short run at speed max: a cache
flush (every entry lost, refilled by misses), a noisy neighbour (slots taken), a slow leak
(service time creeping up until a restart), a server that fails fast (least connections' trap),
and duplicate delivery (acks lost, messages delivered again: idempotent consumers ignore them)."""

from typing import Any

from apps.engine.simulation import prepare, simulate
from apps.topology.blank import blank_document
from tests.engine.live.conftest import assert_conserved
from tests.engine.live.test_network_faults import consumer, publishing
from tests.factories import edge, node


def run(
    nodes: list[dict[str, Any]], edges: list[dict[str, Any]], faults: list[dict[str, Any]], *, duration: float = 6
) -> dict[str, Any]:
    document = blank_document(name="Fault")
    document["nodes"], document["edges"] = nodes, edges
    prepared = prepare(document, settings=[], faults=[], duration=duration, seed=5, speed="max")
    prepared["faults"] = faults
    summary = simulate(prepared)
    assert_conserved(summary)
    return summary


def cache_run(faults: list[dict[str, Any]]) -> dict[str, Any]:
    return run(
        [
            node("users", "client", 0, 0, rate=60, commands=[], queries=["ViewProduct"], query_ratio=1),
            node("cache", "cache", 200, 0, hit_ratio=1.0, ttl_s=60, latency={"mean_ms": 1}),
            node("origin", "service", 400, 0, replicas=1, concurrency=8, latency={"mean_ms": 40}),
        ],
        [edge("e1", "users", "cache"), edge("e2", "cache", "origin")],
        faults,
    )


def test_a_cache_flush_sends_requests_to_the_origin_until_a_miss_refills_it(fleet: Any) -> None:
    calm = cache_run([])
    flushed = cache_run([{"at_s": 3, "action": "cache_flush", "target": "cache"}])
    assert calm["nodes"]["cache"]["cache"]["fills"] == 1
    assert flushed["nodes"]["cache"]["cache"]["fills"] == 2  # the start, and after the flush
    assert flushed["nodes"]["origin"]["processed"] > calm["nodes"]["origin"]["processed"]  # the herd
    (fault,) = flushed["faults"]
    assert fault["action"] == "cache_flush" and "undone_at_s" not in fault  # instant: nothing to undo
    assert 0 < fault["recovered_after_s"] < 0.5  # one miss's trip to the origin and back


def service_run(faults: list[dict[str, Any]], *, replicas: int = 1) -> dict[str, Any]:
    return run(
        [
            node("users", "client", 0, 0, rate=30, commands=[], queries=["ViewPage"], query_ratio=1, timeout_ms=60_000),
            node("web", "service", 200, 0, replicas=replicas, concurrency=4, latency={"mean_ms": 100}),
        ],
        [edge("e1", "users", "web")],
        faults,
    )


def test_a_noisy_neighbour_takes_slots_while_it_lasts(fleet: Any) -> None:
    calm = service_run([])
    crowded = service_run([{"at_s": 1, "action": "steal_slots", "target": "web", "slots": 3, "duration_s": 3}])
    assert crowded["nodes"]["web"]["max_queue_depth"] > calm["nodes"]["web"]["max_queue_depth"] + 10
    assert crowded["latency_ms"]["p95"] > 2 * calm["latency_ms"]["p95"]
    (fault,) = crowded["faults"]
    assert fault["undone_at_s"] == 4.0


def test_a_noisy_neighbour_takes_a_functions_instances_while_it_lasts(fleet: Any) -> None:
    """A function has one slot an instance: a neighbour takes its instances (the concurrency
    of the account) instead, so fewer run at once and calls wait for them."""

    def function_run(faults: list[dict[str, Any]]) -> dict[str, Any]:
        return run(
            [
                node("users", "client", 0, 0, rate=40, commands=[], queries=["Resize"], query_ratio=1,
                     timeout_ms=60_000),
                node("resize", "function", 200, 0, max_instances=8, cold_start_ms=0, latency={"mean_ms": 100}),
            ],
            [edge("e1", "users", "resize")],
            faults,
        )  # fmt: skip

    calm = function_run([])
    crowded = function_run([{"at_s": 0, "action": "steal_slots", "target": "resize", "slots": 6}])
    assert len(calm["nodes"]["resize"]["instances"]) >= 5  # about 40/s × 0.1 s busy at once, and spread
    assert len(crowded["nodes"]["resize"]["instances"]) == 2  # 8 less the 6 taken
    assert crowded["latency_ms"]["p95"] > 2 * calm["latency_ms"]["p95"]


def test_a_server_failing_fast_draws_a_least_connections_balancers_traffic(fleet: Any) -> None:
    """A broken server answers errors at once: it never has a request in progress, so least
    connections sends it more and more, and its errors grow past its third of the traffic;
    round robin keeps giving it a third. Its health checks pass: it is up, only broken."""

    def balanced(strategy: str) -> dict[str, Any]:
        return run(
            [
                node("users", "client", 0, 0, rate=120, commands=[], queries=["ViewPage"], query_ratio=1),
                node("lb", "load_balancer", 200, 0, strategy=strategy),
                *(node(f"s{i}", "service", 400, 100 * i, concurrency=4, latency={"mean_ms": 50}) for i in (1, 2, 3)),
            ],
            [edge("e0", "users", "lb"), *(edge(f"e{i}", "lb", f"s{i}") for i in (1, 2, 3))],
            [{"at_s": 0, "action": "fail_fast", "target": "s1", "error_rate": 1}],
        )

    def share_of_s1(summary: dict[str, Any]) -> float:
        shares = summary["nodes"]["lb"]["load_balancer"]["shares"]  # per instance: "s1/0"
        return sum(share for target, share in shares.items() if target.startswith("s1/"))

    rotating, least = balanced("round_robin"), balanced("least_connections")
    assert 0.3 < share_of_s1(rotating) < 0.37
    assert share_of_s1(least) > 0.6  # the trap (measured: 68 %)
    assert least["requests"]["failed"] > 1.8 * rotating["requests"]["failed"]  # measured: 480 against 235
    assert least["nodes"]["s1"]["failed_fast"] == least["nodes"]["s1"]["errors"] > 0
    assert least["nodes"]["s1"]["latency_ms"]["max"] < 1  # no work done
    assert least["nodes"]["lb"]["load_balancer"]["health_changes"] == []  # up, so never ejected


def test_a_consumer_failing_fast_fails_each_delivery_at_once_until_it_is_dead_lettered(fleet: Any) -> None:
    queue = node("jobs", "queue", 400, 0, max_deliveries=3)
    broken = {"at_s": 1, "action": "fail_fast", "target": "mailer", "error_rate": 1, "duration_s": 1}
    summary = publishing(queue, [consumer("mailer", mean_ms=50)], [broken], rate=20)
    mailer = summary["nodes"]["mailer"]
    dead = summary["messages"]["dead_lettered"]
    assert 15 <= dead <= 25  # the second's 20 messages, each failed three times at once
    assert mailer["failed_fast"] == 3 * dead and mailer["errors"] == mailer["failed_fast"]
    assert summary["messages"]["delivered"] == summary["messages"]["published"] - dead


def test_a_slow_leak_grows_until_a_restart_clears_it(fleet: Any) -> None:
    leak = {"at_s": 0, "action": "slow_leak", "target": "web", "leak_ms_per_s": 15}
    calm = service_run([])
    leaking = service_run([leak])
    restarted = service_run([leak, {"at_s": 3, "action": "kill_instance", "target": "web", "instance": 0,
                                    "duration_s": 0.1}])  # fmt: skip
    node_p95 = {name: s["nodes"]["web"]["latency_ms"]["p95"] for name, s in
                (("calm", calm), ("leaking", leaking), ("restarted", restarted))}  # fmt: skip
    assert node_p95["leaking"] > node_p95["calm"] + 40, node_p95  # about 15 ms more every second
    assert node_p95["restarted"] < node_p95["leaking"], node_p95  # the restart started it from nothing


def consumer_run(*, idempotent: bool, share: float) -> dict[str, Any]:
    return run(
        [
            node("users", "client", 0, 0, rate=20, commands=["PlaceOrder"], queries=[], query_ratio=0),
            node(
                "orders",
                "service",
                200,
                0,
                concurrency=8,
                latency={"mean_ms": 10},
                behaviour="orders",
                publishes=["OrderPlaced"],
            ),
            node("charges", "queue", 400, 0),
            node(
                "payments",
                "service",
                600,
                0,
                concurrency=8,
                latency={"mean_ms": 10},
                behaviour="payments",
                idempotent=idempotent,
            ),
        ],
        [edge("e1", "users", "orders"), edge("e2", "orders", "charges"), edge("e3", "charges", "payments")],
        [{"at_s": 0, "action": "duplicate_delivery", "target": "charges", "share": share}],
        duration=4,
    )


def test_lost_acks_deliver_messages_again_and_only_idempotent_consumers_ignore_them(fleet: Any) -> None:
    naive = consumer_run(idempotent=False, share=1.0)
    published = naive["messages"]["published"]
    assert published > 40
    assert naive["messages"]["duplicates_applied"] == published  # every ack lost once: each handled twice
    assert naive["nodes"]["payments"]["duplicates"] == {"applied": published, "ignored": 0}
    assert naive["nodes"]["charges"]["acks_lost"] == published
    careful = consumer_run(idempotent=True, share=1.0)
    assert careful["messages"]["duplicates_applied"] == 0
    assert careful["nodes"]["payments"]["duplicates"] == {"applied": 0, "ignored": careful["messages"]["published"]}
    assert consumer_run(idempotent=False, share=0.0)["messages"]["duplicates_applied"] == 0
