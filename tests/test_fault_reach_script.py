"""The fault audit (scripts/fault_reach.py) fires each fault at every place a template offers
for it, and its stronger second try keeps the fault on for the whole run at its full share."""

from scripts.fault_reach import figures, places, strongest
from tests.factories import edge, node, small_document


def test_every_fault_is_placed_at_each_kind_it_targets_and_on_each_kind_of_edge() -> None:
    document = small_document()
    document["nodes"].append(node("jobs", "queue", 600, 0))
    document["edges"].append(edge("e4", "web1", "jobs"))
    placed = dict(places(document, None))  # the last place of each kind
    services = [fault["target"] for place, fault in places(document, "node") if place == ("kill_instance", "service")]

    assert services == ["web1", "web2"]  # each in turn, until one shows it
    assert placed[("traffic_spike", "client")] == {"at_s": 2, "action": "traffic_spike", "target": "users",
                                                  "duration_s": 3, "factor": 3}  # fmt: skip
    assert placed[("broker_outage", "queue")]["target"] == "jobs"
    assert placed[("cut_edge", "service → queue")]["target"] == "e4"
    assert placed[("packet_loss", "client → load_balancer")]["loss"] == 0.5
    assert ("stop_consumer", "client") not in placed  # not a target of it
    assert not any(fault == "restore_instance" for fault, _ in placed)  # endings are not faults to try
    assert all(where.count(" → ") == 1 for _, where in dict(places(document, "edge")))


def test_the_second_try_is_on_all_run_long_at_its_full_share_and_the_comparison_ignores_the_clock() -> None:
    assert strongest({"at_s": 2, "action": "packet_loss", "target": "e1", "duration_s": 3, "loss": 0.5}) == {
        "at_s": 0, "action": "packet_loss", "target": "e1", "loss": 1,
    }  # fmt: skip
    assert strongest({"at_s": 2, "action": "add_latency", "target": "web1", "duration_s": 3, "latency_ms": 300}) == {
        "at_s": 0, "action": "add_latency", "target": "web1", "latency_ms": 300,
    }  # fmt: skip
    assert (
        strongest({"at_s": 2, "action": "cache_flush", "target": "c"})["at_s"] == 2
    )  # an instant fault keeps its time
    calm = {"requests": {"created": 10}, "clock": {"traffic_wall_s": 1.0}, "run": {"id": "a"}}
    assert figures(calm) == figures({**calm, "clock": {"traffic_wall_s": 9.0}, "run": {"id": "b"}})
    assert figures(calm) != figures({**calm, "requests": {"created": 11}})
