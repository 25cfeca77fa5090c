"""Acceptance 2 and 3: a bus fans out to every group; a queue buffers while its consumer is away."""

from typing import Any

from tests.engine.live.conftest import assert_conserved


def test_event_bus_fanout_reaches_every_group_and_instances_share(run_template: Any) -> None:
    summary = run_template("event-bus-fanout", duration=10)
    assert_conserved(summary)
    published = summary["messages"]["published"]
    assert published > 50
    for box, stats in summary["nodes"]["bus"]["mailboxes"].items():
        assert stats["delivered"] == published, box
    payments = summary["nodes"]["payments"]["instances"]
    assert len(payments) == 2
    total = sum(i["processed"] for i in payments.values())
    for instance in payments.values():
        assert 0.4 <= instance["processed"] / total <= 0.6


def test_queue_buffers_while_the_consumer_is_stopped_and_drains_after(run_template: Any) -> None:
    summary = run_template("queue-buffering", duration=25)  # the consumer stops at 10 s for 10 s
    assert_conserved(summary)
    rate = 20
    queue = summary["nodes"]["welcome-emails"]
    assert queue["max_queue_depth"] >= 0.8 * rate * 10
    requests = summary["requests"]
    assert requests["failed"] == requests["timed_out"] == requests["rejected"] == 0
    assert summary["messages"]["delivered"] == summary["messages"]["published"]
    [fault] = summary["faults"]
    assert fault["action"] == "stop_consumer" and fault["undone_at_s"] > fault["fired_at_s"]
