"""Network and broker faults, each shown by a short run at speed max: a slow link, packet
loss, reordered deliveries, a broker outage, error bursts, a zone partition, a region outage
and a full disk. Every run conserves its work (lost = 0)."""

from typing import Any

from apps.engine.simulation import prepare, simulate
from apps.runtime.plan import compile_plan
from apps.topology.blank import blank_document
from tests.engine.live.conftest import assert_conserved
from tests.factories import edge, node

FIXED = {"distribution": "fixed"}


def run(
    nodes: list[dict[str, Any]],
    edges: list[dict[str, Any]],
    faults: list[dict[str, Any]],
    *,
    duration: float = 4,
) -> dict[str, Any]:
    document = blank_document(name="Network")
    document["nodes"], document["edges"], document["faults"] = nodes, edges, faults
    summary = simulate(prepare(document, settings=[], faults=[], duration=duration, seed=7, speed="max"))
    assert_conserved(summary)
    assert summary["engine_errors"] == 0
    return summary


def per_second(summary: dict[str, Any], node_id: str, field: str = "processed") -> dict[int, int]:
    """The node's figure in each second of the run (1: the first second)."""
    return {int(point["t"]): point["nodes"][node_id][field] for point in summary["timeline"]}


# --- a slow link, packet loss ----------------------------------------------------------------


def chain(faults: list[dict[str, Any]], *, retries: int = 0) -> dict[str, Any]:
    """users → api → store, both fixed 5 ms: a request takes 4 × 0.5 ms of network + 10 ms."""
    return run(
        [
            node("users", "client", 0, 0, rate=30, commands=[], queries=["GetItem"], query_ratio=1, timeout_ms=10_000),
            node("api", "service", 200, 0, concurrency=32, latency={**FIXED, "mean_ms": 5}),
            node("store", "service", 400, 0, concurrency=32, latency={**FIXED, "mean_ms": 5}),
        ],
        [edge("e1", "users", "api"), edge("e2", "api", "store", timeout_ms=200, retries=retries)],
        faults,
    )


def test_a_slow_link_delays_every_call_and_its_reply(fleet: Any) -> None:
    calm = chain([])
    slow = chain([{"at_s": 0, "action": "edge_latency", "target": "e2", "delay_ms": 40}])
    assert abs(calm["latency_ms"]["mean"] - 12.0) < 0.5, calm["latency_ms"]
    assert abs(slow["latency_ms"]["mean"] - 92.0) < 0.5, slow["latency_ms"]  # 40 ms out, 40 ms back
    client_side = chain([{"at_s": 0, "action": "edge_latency", "target": "e1", "delay_ms": 25}])
    assert abs(client_side["latency_ms"]["mean"] - 62.0) < 0.5, client_side["latency_ms"]
    ended = chain([{"at_s": 0, "action": "edge_latency", "target": "e2", "delay_ms": 40, "duration_s": 2}])
    assert 40 < ended["latency_ms"]["mean"] < 60  # slow for half the run, then back to 12 ms
    assert ended["faults"][0]["undone_at_s"] == 2.0


def test_packet_loss_drops_calls_so_callers_time_out_and_retries_win_them_back(fleet: Any) -> None:
    loss = [{"at_s": 0, "action": "packet_loss", "target": "e2", "loss": 0.5}]
    lossy = chain(loss)
    created = lossy["requests"]["created"]
    dropped = lossy["nodes"]["api"]["dropped_calls"]["e2"]
    assert 0.35 * created < dropped < 0.65 * created
    assert lossy["requests"]["timed_out"] == dropped  # each lost call: the api's timeout, passed on
    assert lossy["nodes"]["store"]["processed"] == created - dropped  # a lost call never arrives
    assert lossy["latency_ms"]["max"] < 30  # the answered ones are as fast as ever
    retried = chain(loss, retries=3)
    assert retried["requests"]["timed_out"] < 0.15 * created  # 0.5^4 of them lose every try
    assert retried["nodes"]["api"]["dropped_calls"]["e2"] > dropped
    assert "dropped_calls" not in chain([])["nodes"]["api"]


# --- messaging: reordering, a broker outage --------------------------------------------------


def publishing(
    broker: dict[str, Any], consumers: list[dict[str, Any]], faults: list[dict[str, Any]], **kw: Any
) -> dict[str, Any]:
    """users → orders, which publishes OrderPlaced to `broker`, delivered to `consumers`."""
    return run(
        [
            *kw.pop("extra", []),  # zones, when the test places nodes in them
            node("users", "client", 0, 0, rate=kw.pop("rate", 40), commands=["PlaceOrder"], queries=[], query_ratio=0),
            node(
                "orders", "service", 200, 0, concurrency=16, latency={**FIXED, "mean_ms": 5}, publishes=["OrderPlaced"]
            ),
            broker,
            *consumers,
        ],
        [
            edge("e1", "users", "orders"),
            edge("e2", "orders", broker["id"]),
            *(edge(f"d{i}", broker["id"], c["id"]) for i, c in enumerate(consumers)),
        ],
        faults,
        **kw,
    )


def consumer(node_id: str, *, concurrency: int = 16, mean_ms: float = 5, **props: Any) -> dict[str, Any]:
    return node(node_id, "service", 600, 0, concurrency=concurrency, latency={**FIXED, "mean_ms": mean_ms}, **props)


def test_reordering_lets_later_messages_overtake_and_counts_them_per_mailbox(fleet: Any) -> None:
    bus = node("events", "event_bus", 400, 0)
    calm = publishing(bus, [consumer("mail"), consumer("stats")], [])
    for box in calm["nodes"]["events"]["mailboxes"].values():
        assert box["reordered"] == 0
    shuffled = publishing(
        bus,
        [consumer("mail"), consumer("stats")],
        [{"at_s": 0, "action": "reorder", "target": "events", "window_ms": 300}],
    )
    boxes = shuffled["nodes"]["events"]["mailboxes"]
    assert set(boxes) == {"events>mail", "events>stats"}
    for box in boxes.values():
        assert 0.25 * box["delivered"] < box["reordered"] < box["delivered"], box
    assert shuffled["messages"]["delivered"] == calm["messages"]["delivered"]  # late, not lost


def test_a_broker_outage_refuses_publishes_delivers_nothing_and_keeps_what_it_stored(fleet: Any) -> None:
    queue = node("jobs", "queue", 400, 0)
    slow = consumer("mailer", concurrency=1, mean_ms=100)  # 10 a second against 20 published: a backlog
    outage = {"at_s": 1, "action": "broker_outage", "target": "jobs", "duration_s": 1.5}
    summary = publishing(queue, [slow], [outage], rate=20, duration=4)
    orders = summary["nodes"]["orders"]
    assert 20 <= orders["publish_failed"] <= 45  # about 1.5 s of publishes at 20 a second
    assert summary["messages"]["published"] + orders["publish_failed"] == summary["requests"]["created"]
    handled = per_second(summary, "mailer")
    assert handled[1] >= 3 and handled[4] >= 8
    assert handled[2] <= 1  # the delivery under way at 1 s finishes; nothing more arrives
    assert summary["nodes"]["jobs"]["acks_lost"] >= 1  # its ack found the broker down: delivered again
    assert summary["messages"]["duplicates_applied"] >= 1
    (fault,) = summary["faults"]
    assert fault["undone_at_s"] == 2.5
    assert fault["recovered_after_s"] is not None and fault["recovered_after_s"] > 0  # the stored backlog drained


def test_a_client_publishing_into_a_down_broker_hears_it_failed(fleet: Any) -> None:
    summary = run(
        [
            node("users", "client", 0, 0, rate=20, commands=["PlaceOrder"], queries=[], query_ratio=0),
            node("jobs", "queue", 200, 0),
            consumer("worker"),
        ],
        [edge("e1", "users", "jobs"), edge("e2", "jobs", "worker")],
        [{"at_s": 1, "action": "broker_outage", "target": "jobs", "duration_s": 1}],
        duration=3,
    )
    assert 10 <= summary["requests"]["failed"] <= 35
    assert summary["nodes"]["jobs"]["publishes_refused"] == summary["requests"]["failed"]
    assert summary["messages"]["published"] + summary["requests"]["failed"] == summary["requests"]["created"]


# --- error bursts -----------------------------------------------------------------------------


def test_error_bursts_come_as_two_second_storms_every_five_seconds(fleet: Any) -> None:
    summary = run(
        [
            node("users", "client", 0, 0, rate=30, commands=[], queries=["GetItem"], query_ratio=1),
            node("web", "service", 200, 0, concurrency=8, latency={**FIXED, "mean_ms": 5}),
        ],
        [edge("e1", "users", "web")],
        [{"at_s": 0, "action": "error_burst", "target": "web", "error_rate": 1}],
        duration=10,
    )
    processed, errors = per_second(summary, "web"), per_second(summary, "web", "errors")
    for second in (1, 2, 6, 7):  # storms: 0-2 s and 5-7 s
        assert processed[second] > 15 and errors[second] == processed[second], (second, processed, errors)
    for second in (3, 4, 5, 8, 9, 10):
        assert processed[second] > 15 and errors[second] == 0, (second, processed, errors)


# --- zones and regions ------------------------------------------------------------------------


def zoned(faults: list[dict[str, Any]], *, regions: tuple[str, str, str] = ("", "", "")) -> dict[str, Any]:
    """users → lb → web-a, web-b, web-c, one in each of zones a, b, c."""
    return run(
        [
            *(node(z, "zone", 0, 0, region=region) for z, region in zip("abc", regions, strict=True)),
            node("users", "client", 0, 0, rate=30, commands=[], queries=["GetItem"], query_ratio=1),
            node("lb", "load_balancer", 200, 0),
            *(
                node(f"web-{z}", "service", 400, 0, concurrency=8, latency={**FIXED, "mean_ms": 5}, zone=z)
                for z in "abc"
            ),
        ],
        [edge("e1", "users", "lb"), *(edge(f"to-{z}", "lb", f"web-{z}", timeout_ms=300) for z in "abc")],
        faults,
        duration=7,
    )


def test_a_partition_cuts_the_zone_off_until_the_load_balancer_ejects_it(fleet: Any) -> None:
    summary = zoned([{"at_s": 2, "action": "partition_zone", "target": "a", "duration_s": 3}])
    (fault,) = summary["faults"]
    assert fault["detected_after_s"] is not None and 0 < fault["detected_after_s"] < 4
    assert fault["recovered_after_s"] is not None
    assert all(i["alive"] for i in summary["nodes"]["web-a"]["instances"].values())  # alive, unreachable
    assert summary["requests"]["timed_out"] + summary["requests"]["failed"] > 0  # before the ejection
    assert summary["nodes"]["lb"]["dropped_calls"]["to-a"] > 0
    handled = per_second(summary, "web-a")
    assert handled[1] > 0 and handled[5] == 0 and handled[7] > 0  # cut off from 2 s to 5 s
    assert per_second(summary, "web-b")[5] > 0
    assert summary["nodes"]["web-a"].get("errors", 0) == 0  # the zone itself had nothing wrong


def test_inside_a_partitioned_zone_traffic_flows_and_across_it_nothing_does(fleet: Any) -> None:
    summary = run(
        [
            node("a", "zone", 0, 0),
            node("b", "zone", 0, 0),
            node("users", "client", 0, 0, rate=40, commands=["PlaceOrder"], queries=[], query_ratio=0),
            node(
                "orders",
                "service",
                200,
                0,
                concurrency=16,
                latency={**FIXED, "mean_ms": 5},
                publishes=["OrderPlaced"],
                zone="b",
            ),
            node("jobs", "queue", 400, 0, zone="a"),
            consumer("worker-a", concurrency=1, mean_ms=100, zone="a"),  # 10 a second each: a backlog builds
            consumer("worker-b", concurrency=1, mean_ms=100, zone="b"),
        ],
        [
            edge("e1", "users", "orders"),
            edge("e2", "orders", "jobs"),
            edge("d1", "jobs", "worker-a"),
            edge("d2", "jobs", "worker-b"),
        ],
        [{"at_s": 1, "action": "partition_zone", "target": "a", "duration_s": 2}],
        duration=4,
    )
    assert summary["nodes"]["orders"]["publish_failed"] > 50  # the queue is across the cut
    assert per_second(summary, "worker-a")[3] >= 8  # the backlog inside the zone is worked off
    assert per_second(summary, "worker-b")[3] == 0  # nothing crosses to the consumer outside
    assert per_second(summary, "worker-b")[4] > 0  # healed


def test_a_region_outage_fails_every_zone_of_the_region(fleet: Any) -> None:
    summary = zoned([{"at_s": 2, "action": "kill_region", "target": "a", "duration_s": 3}], regions=("eu", "eu", "us"))
    (fault,) = summary["faults"]
    assert fault["detected_after_s"] is not None and fault["recovered_after_s"] is not None
    for web in ("web-a", "web-b"):
        assert per_second(summary, web)[5] == 0 and per_second(summary, web)[7] > 0
    assert per_second(summary, "web-c")[5] > 20  # the other region takes everything
    unhealthy = {c["target"] for c in summary["nodes"]["lb"]["load_balancer"]["health_changes"] if not c["healthy"]}
    assert unhealthy == {"web-a/0", "web-b/0"}
    alone = zoned([{"at_s": 2, "action": "kill_region", "target": "a", "duration_s": 3}])  # no regions named
    assert per_second(alone, "web-a")[5] == 0 and per_second(alone, "web-b")[5] > 0


def test_zones_of_different_regions_are_further_apart() -> None:
    document = blank_document(name="Regions")
    document["nodes"] = [
        node("a", "zone", region="eu"),
        node("b", "zone", region="eu"),
        node("c", "zone", region="us"),
        node("d", "zone"),
        *(node(f"s-{z}", "service", zone=z) for z in "abcd"),
        node("free", "service"),
    ]
    plan = compile_plan(document)
    assert plan.network_ms("s-a", "s-b") == 1.0  # zones of one region
    assert plan.network_ms("s-a", "s-c") == 30.0  # across regions
    assert plan.network_ms("s-a", "s-d") == 1.0  # a zone without a region: as before
    assert plan.network_ms("s-a", "free") == 0.5
    assert plan.zones_reached("a", "region") == {"a", "b"}
    assert plan.zones_reached("d", "region") == {"d"}
    assert plan.zones_reached("a", "") == {"a"}


# --- a full disk ------------------------------------------------------------------------------


def test_a_full_disk_fails_writes_and_serves_reads(fleet: Any) -> None:
    summary = run(
        [
            node("users", "client", 0, 0, rate=30, commands=["PlaceOrder"], queries=["GetOrder"], query_ratio=0.5),
            node("db", "database", 200, 0, replicas=1),
        ],
        [edge("e1", "users", "db")],
        [{"at_s": 1, "action": "disk_full", "target": "db", "duration_s": 2}],
        duration=4,
    )
    database = summary["nodes"]["db"]["database"]
    assert database["writes_refused"] > 5
    assert summary["requests"]["failed"] == database["writes_refused"]
    assert database["reads_replicas"] + database["reads_primary"] > 40  # every read answered
    assert database["writes"] > 20  # before and after


def test_a_slow_link_to_a_consumer_holds_each_delivery_and_its_slot(fleet: Any) -> None:
    """A delivery in transit holds the consumer's credit: one slot, 300 ms more a delivery."""
    queue = node("jobs", "queue", 400, 0)
    calm = publishing(queue, [consumer("worker", concurrency=1)], [], rate=20, duration=3)
    slow_link = {"at_s": 0, "action": "edge_latency", "target": "d0", "delay_ms": 300}
    slow = publishing(queue, [consumer("worker", concurrency=1)], [slow_link], rate=20, duration=3)
    assert calm["nodes"]["jobs"]["max_queue_depth"] < 5
    assert slow["nodes"]["jobs"]["max_queue_depth"] > 25  # about 3 a second get through, 20 arrive
    assert slow["messages"]["delivered"] == calm["messages"]["delivered"]
    log = node("jobs", "stream", 400, 0, partitions=1, max_in_flight=1)  # one at a time, as the slot
    calm_log = publishing(log, [consumer("worker", concurrency=1)], [], rate=20, duration=3)
    slow_log = publishing(log, [consumer("worker", concurrency=1)], [slow_link], rate=20, duration=3)
    assert calm_log["nodes"]["jobs"]["max_queue_depth"] < 5
    assert slow_log["nodes"]["jobs"]["max_queue_depth"] > 25  # the log's deliveries pay the slow link too
