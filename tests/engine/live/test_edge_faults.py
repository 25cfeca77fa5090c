"""Edge faults at every kind of sender: a cut edge out of a client fails its calls at once, a
broker holds back what it would deliver over a cut edge, a service or gateway publishing over
one fails the publish, a CDC relay cut off from its database stops reading it, and packet loss
on a broker's session stalls it (retransmissions) without losing a message. Short runs at
speed max; nothing is lost."""

from typing import Any

from tests.engine.live.test_cdc import design as relay_design
from tests.engine.live.test_cdc import run as relay_run
from tests.engine.live.test_network_faults import FIXED, consumer, per_second, publishing, run
from tests.factories import edge, node


def test_a_cut_edge_out_of_a_client_fails_its_calls_at_once_and_retries_win_after_the_restore(fleet: Any) -> None:
    def cut(retries: int) -> dict[str, Any]:
        return run(
            [
                node("users", "client", 0, 0, rate=30, commands=[], queries=["GetItem"], query_ratio=1,
                     retries=retries, retry_backoff_ms=400),
                node("api", "service", 200, 0, concurrency=32, latency={**FIXED, "mean_ms": 5}),
            ],
            [edge("e1", "users", "api")],
            [{"at_s": 1, "action": "cut_edge", "target": "e1", "duration_s": 2}],
        )  # fmt: skip

    bare = cut(retries=0)
    created, failed = bare["requests"]["created"], bare["requests"]["failed"]
    assert 0.4 * created < failed < 0.6 * created  # the two seconds of four the edge was cut
    served = per_second(bare, "api")
    assert served[2] <= 1 and served[3] == 0 and served[1] > 20 and served[4] > 20  # (one sent just before)
    assert bare["latency_ms"]["max"] < 50  # failed at once: no timeout waited for
    retried = cut(retries=3)  # backoff 0.4, 0.8, 1.6 s: a request cut in its last 2.8 s gets through
    assert retried["requests"]["failed"] < 0.5 * failed, (failed, retried["requests"])


def test_a_cut_delivery_edge_holds_the_consumers_messages_until_it_is_restored(fleet: Any) -> None:
    queue = node("jobs", "queue", 400, 0)
    cut = {"at_s": 1, "action": "cut_edge", "target": "d0", "duration_s": 1.5}
    summary = publishing(queue, [consumer("mailer")], [cut], rate=20)
    handled = per_second(summary, "mailer")
    assert handled[2] == 0 and handled[1] >= 10  # nothing delivered over the cut edge
    assert summary["nodes"]["jobs"]["max_queue_depth"] >= 25  # 1.5 s of messages waited in the queue
    assert summary["messages"]["delivered"] == summary["messages"]["published"]  # every one, after the restore
    assert summary["nodes"]["orders"].get("publish_failed", 0) == 0  # publishing was not cut

    log = node("log", "stream", 400, 0, partitions=2)
    streamed = publishing(log, [consumer("mailer")], [cut], rate=20)
    assert per_second(streamed, "mailer")[2] == 0
    assert streamed["messages"]["delivered"] == streamed["messages"]["published"]


def test_a_service_publishing_over_a_cut_edge_fails_the_publish(fleet: Any) -> None:
    cut = {"at_s": 1, "action": "cut_edge", "target": "e2", "duration_s": 2}
    summary = publishing(node("jobs", "queue", 400, 0), [consumer("mailer")], [cut], rate=20)
    failed = summary["nodes"]["orders"]["publish_failed"]
    assert 30 <= failed <= 45  # two seconds at 20 a second
    assert summary["messages"]["published"] == summary["requests"]["created"] - failed
    assert summary["requests"]["failed"] == 0  # the requests were served; their events are gone


def test_a_gateway_publishing_over_a_cut_edge_fails_the_request_at_once(fleet: Any) -> None:
    summary = run(
        [
            node("users", "client", 0, 0, rate=20, commands=["Resize"], queries=[], query_ratio=0),
            node("gateway", "api_gateway", 200, 0),
            node("jobs", "queue", 400, 0),
            consumer("workers"),
        ],
        [edge("e1", "users", "gateway"), edge("e2", "gateway", "jobs"), edge("d0", "jobs", "workers")],
        [{"at_s": 1, "action": "cut_edge", "target": "e2", "duration_s": 2}],
    )
    created, failed = summary["requests"]["created"], summary["requests"]["failed"]
    assert 0.4 * created < failed < 0.6 * created  # two seconds of four
    assert summary["messages"]["published"] == created - failed
    assert summary["latency_ms"]["max"] < 50  # answered at once, not left to time out


def test_packet_loss_on_a_brokers_sessions_stalls_them_and_loses_nothing(fleet: Any) -> None:
    queue = node("jobs", "queue", 400, 0)
    calm = publishing(queue, [consumer("mailer")], [], rate=20)
    lossy_links = [{"at_s": 0, "action": "packet_loss", "target": target, "loss": 0.5} for target in ("e2", "d0")]
    lossy = publishing(queue, [consumer("mailer")], lossy_links, rate=20)
    assert lossy["messages"]["delivered"] == calm["messages"]["delivered"] == calm["requests"]["created"]
    retransmits = lossy["nodes"]["orders"]["retransmits"]["e2"] + lossy["nodes"]["jobs"]["retransmits"]["d0"]
    # Lost half the time, a message is sent again once on average on each of its two edges.
    assert 1.4 * lossy["requests"]["created"] < retransmits < 2.6 * lossy["requests"]["created"]
    assert "retransmits" not in calm["nodes"]["jobs"]


def test_a_relay_cut_off_from_its_database_stops_reading_and_a_slow_link_delays_what_it_reads(fleet: Any) -> None:
    steady = relay_run(relay_design())
    cut = relay_run(relay_design(), ["cut_edge relay-db at=2 for=2"])
    slow = relay_run(relay_design(), ["edge_latency relay-db at=0 delay_ms=300"])
    for summary in (steady, cut, slow):
        assert summary["nodes"]["relay"]["cdc"]["published"] == summary["nodes"]["orders-db"]["database"]["writes"]
    steady_lag, cut_lag, slow_lag = (s["nodes"]["relay"]["cdc"]["lag_ms"] for s in (steady, cut, slow))
    assert steady_lag["max"] < 150 and cut_lag["max"] >= 1900  # the oldest waited the whole cut
    assert 550 <= slow_lag["mean"] - steady_lag["mean"] <= 700, (steady_lag, slow_lag)  # a round trip, 2 × 300 ms
