"""Faults reach every kind they target: a zone outage takes down a broker, an event log and a
saga orchestrator placed in the zone; a partition cuts an event log off; a load balancer can
be slowed and made to fail like any node. Short runs at speed max; nothing is lost."""

from typing import Any

from tests.engine.live.test_network_faults import FIXED, consumer, per_second, publishing, run
from tests.factories import edge, node


def test_a_slowed_load_balancer_holds_every_call_and_a_failing_one_fails_them(fleet: Any) -> None:
    def balanced(faults: list[dict[str, Any]]) -> dict[str, Any]:
        return run(
            [
                node("users", "client", 0, 0, rate=30, commands=[], queries=["GetItem"], query_ratio=1),
                node("lb", "load_balancer", 200, 0),
                node("web", "service", 400, 0, replicas=2, concurrency=16, latency={**FIXED, "mean_ms": 5}),
            ],
            [edge("e1", "users", "lb"), edge("e2", "lb", "web")],
            faults,
        )

    calm = balanced([])
    slow = balanced([{"at_s": 0, "action": "add_latency", "target": "lb", "latency_ms": 50}])
    assert 49 < slow["latency_ms"]["mean"] - calm["latency_ms"]["mean"] < 51, (calm["latency_ms"], slow["latency_ms"])
    failing = balanced([{"at_s": 1, "action": "set_error_rate", "target": "lb", "error_rate": 1, "duration_s": 2}])
    created, failed = failing["requests"]["created"], failing["requests"]["failed"]
    assert 0.4 * created < failed < 0.6 * created  # two seconds of four
    assert failing["nodes"]["web"]["processed"] == created - failed  # none reached the servers


def test_a_queue_in_a_failed_zone_is_down_until_the_zone_is_back(fleet: Any) -> None:
    queue = node("jobs", "queue", 400, 0, zone="a")
    outage = {"at_s": 1, "action": "kill_zone", "target": "a", "duration_s": 1.5}
    summary = publishing(queue, [consumer("mailer")], [outage], rate=20, extra=[node("a", "zone", 0, 0)])
    assert 20 <= summary["nodes"]["orders"]["publish_failed"] <= 45  # about 1.5 s at 20 a second
    handled = per_second(summary, "mailer")
    assert handled[2] == 0 and handled[4] >= 15  # nothing delivered while down, then back


def test_an_event_log_in_a_failed_zone_refuses_publishes_and_reads_on_when_back(fleet: Any) -> None:
    log = node("log", "stream", 400, 0, partitions=2, zone="a")
    outage = {"at_s": 1, "action": "kill_zone", "target": "a", "duration_s": 1.5}
    summary = publishing(log, [consumer("billing")], [outage], rate=20, extra=[node("a", "zone", 0, 0)])
    assert 20 <= summary["nodes"]["orders"]["publish_failed"] <= 45
    assert summary["messages"]["delivered"] == summary["messages"]["published"]  # every appended one read
    handled = per_second(summary, "billing")
    assert handled[2] == 0 and handled[4] >= 15


def test_a_partition_cuts_an_event_log_off_its_consumer_until_it_heals(fleet: Any) -> None:
    log = node("log", "stream", 400, 0, partitions=2, zone="a")
    cut = {"at_s": 1, "action": "partition_zone", "target": "a", "duration_s": 1.5}
    zones = [node("a", "zone", 0, 0), node("b", "zone", 0, 300)]
    billing = consumer("billing", zone="b")
    summary = publishing(log, [billing], [cut], rate=20, extra=zones)
    assert summary["messages"]["delivered"] == summary["messages"]["published"]
    handled = per_second(summary, "billing")
    assert handled[2] == 0 and handled[4] >= 15  # nothing across the cut, then the backlog


def test_a_saga_orchestrator_in_a_failed_zone_refuses_new_sagas_and_finishes_the_ones_under_way(fleet: Any) -> None:
    summary = run(
        [
            node("a", "zone", 0, 0),
            node("users", "client", 0, 200, rate=20, commands=["PlaceOrder"], queries=[], query_ratio=0),
            node("saga", "saga", 200, 0, zone="a", steps=["pay", "ship"], operations=["Charge", "Ship"]),
            node("pay", "service", 400, 0, concurrency=16, latency={**FIXED, "mean_ms": 150}),
            node("ship", "service", 400, 200, concurrency=16, latency={**FIXED, "mean_ms": 150}),
        ],
        [edge("e1", "users", "saga"), edge("e2", "saga", "pay"), edge("e3", "saga", "ship")],
        [{"at_s": 1, "action": "kill_zone", "target": "a", "duration_s": 1}],
    )
    saga = summary["nodes"]["saga"]["saga"]
    refused = summary["requests"]["created"] - saga["started"]
    assert 12 <= refused <= 30  # a second of new sagas at 20 a second
    assert summary["requests"]["failed"] == refused, (saga, summary["requests"], summary["unsuccessful"][:6])
    assert saga["started"] == saga["completed"] and saga["stuck"] == 0  # the ones under way went on


def test_a_cut_edge_fails_the_calls_over_it_until_it_is_restored(fleet: Any) -> None:
    summary = run(
        [
            node("users", "client", 0, 0, rate=30, commands=[], queries=["GetItem"], query_ratio=1),
            node("api", "service", 200, 0, concurrency=32, latency={**FIXED, "mean_ms": 5}),
            node("store", "service", 400, 0, concurrency=32, latency={**FIXED, "mean_ms": 5}),
        ],
        [edge("e1", "users", "api"), edge("e2", "api", "store")],
        [{"at_s": 1, "action": "cut_edge", "target": "e2", "duration_s": 2}],
    )
    created, failed = summary["requests"]["created"], summary["requests"]["failed"]
    assert 0.4 * created < failed < 0.6 * created  # the two seconds of four the edge was cut
    served = per_second(summary, "store")
    assert served[2] == 0 and served[1] > 20 and served[4] > 20
    assert summary["faults"][0]["undone_at_s"] == 3.0
