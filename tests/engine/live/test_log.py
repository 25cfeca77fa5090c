"""The event log (kind `stream`) on real runs: order per partition, consumer groups,
parallelism capped by partitions, rebalancing, replay and retention."""

from collections import defaultdict
from typing import Any

from apps.engine import audit
from apps.engine.simulation import prepare, simulate
from apps.training.measure import read_figure
from tests.engine.live.conftest import assert_conserved
from tests.engine.live.test_lessons import series_of

BOX = "log>billing"


def log_document(
    *,
    rate: float = 20,
    partitions: int = 4,
    log_props: dict[str, Any] | None = None,
    billing: dict[str, Any] | None = None,
    commands: list[str] | None = None,
    second_group: bool = False,
) -> dict[str, Any]:
    """Users publish straight into an event log read by Billing (and Audit, a second group)."""
    consumer = {"replicas": 2, "concurrency": 4, "latency": {"mean_ms": 20}, **(billing or {})}
    nodes: list[dict[str, Any]] = [
        {
            "id": "users",
            "kind": "client",
            "props": {"rate": rate, "clients": 50, "commands": commands or ["PlaceOrder"]},
        },
        {"id": "log", "kind": "stream", "props": {"partitions": partitions, **(log_props or {})}},
        {"id": "billing", "kind": "service", "props": consumer},
    ]
    edges = [
        {"id": "users-log", "from": "users", "to": "log"},
        {"id": "log-billing", "from": "log", "to": "billing"},
    ]
    if second_group:
        nodes.append({"id": "audit", "kind": "service", "props": {"concurrency": 4, "latency": {"mean_ms": 10}}})
        edges.append({"id": "log-audit", "from": "log", "to": "audit"})
    return {"format": "architecture-playground/topology", "version": 1, "name": "log", "nodes": nodes, "edges": edges}


def run(document: dict[str, Any], *, duration: float, faults: list[str] | None = None, **kw: Any) -> dict[str, Any]:
    prepared = prepare(document, settings=[], faults=faults or [], duration=duration, seed=7, speed="max")
    return simulate(prepared, drain_timeout_s=60, **kw)


def group(summary: dict[str, Any], box: str = BOX) -> dict[str, Any]:
    section: dict[str, Any] = summary["nodes"]["log"]["stream"]["groups"][box]
    return section


def handled_out_of_offset_order(summary: dict[str, Any]) -> int:
    """From the audit log: how often Billing finished a message before an earlier offset of
    the same partition (each message's key is its event name here)."""
    run_id = summary["run"]["id"]
    where = {row["corr"]: (row["partition"], row["offset"]) for row in audit.entries(run_id, kind="appended")}
    handled = [row for row in audit.entries(run_id, kind="handled") if row["node"] == "billing"]
    assert len(handled) == len(where)
    latest: dict[int, int] = defaultdict(lambda: -1)
    overtaken = 0
    for row in sorted(handled, key=lambda r: float(r["t"])):
        partition, offset = where[row["corr"]]
        overtaken += offset < latest[partition]
        latest[partition] = max(latest[partition], offset)
    return overtaken


def test_a_group_handles_each_partition_in_offset_order(fleet: Any) -> None:
    commands = ["PlaceOrder", "PayOrder", "ShipOrder"]  # three keys (key = event name)
    document = log_document(rate=30, commands=commands, log_props={"key": "event"}, billing={"replicas": 2})
    summary = run(document, duration=4, keep_records=True)
    assert_conserved(summary)
    assert summary["messages"]["published"] > 80
    assert handled_out_of_offset_order(summary) == 0
    assert group(summary)["out_of_order"] == 0
    lengths = [p["length"] for p in summary["nodes"]["log"]["stream"]["partitions"]]
    assert sum(lengths) == summary["messages"]["published"]
    assert sum(1 for n in lengths if n) <= 3  # one partition per key

    # The same log letting 8 messages of a partition out at once loses the order.
    document = log_document(rate=30, commands=commands, log_props={"key": "event", "max_in_flight": 8})
    loose = run(document, duration=4, keep_records=True)
    assert_conserved(loose)
    assert handled_out_of_offset_order(loose) > 0
    assert group(loose)["out_of_order"] > 0


def test_every_group_gets_every_message(fleet: Any) -> None:
    summary = run(log_document(second_group=True), duration=4)
    assert_conserved(summary)
    published = summary["messages"]["published"]
    assert published > 50
    for box in (BOX, "log>audit"):
        assert group(summary, box)["delivered"] == published, box
        assert group(summary, box)["lag"] == 0
    assert summary["messages"]["delivered"] == 2 * published


def test_a_group_runs_no_more_partitions_than_the_log_has(fleet: Any) -> None:
    """One partition, four instances: one instance works, at one message at a time."""
    billing = {"replicas": 4, "concurrency": 4, "latency": {"distribution": "fixed", "mean_ms": 50}}
    narrow = run(log_document(rate=40, partitions=1, billing=billing), duration=3)
    assert_conserved(narrow)
    working = [i for i in narrow["nodes"]["billing"]["instances"].values() if i["processed"]]
    assert len(working) == 1
    assert group(narrow)["assignment"] == {"0": [0]}
    # 40 a second arrive, 20 a second (one at a time, 50 ms each) are handled: in 3 s about
    # 120 arrive and 60 are handled, so the lag nears 60.
    assert narrow["nodes"]["log"]["mailboxes"][BOX]["max_depth"] >= 45

    wide = run(log_document(rate=40, partitions=4, billing=billing), duration=3)
    assert_conserved(wide)
    assert all(i["processed"] for i in wide["nodes"]["billing"]["instances"].values())
    assert wide["nodes"]["log"]["mailboxes"][BOX]["max_depth"] < narrow["nodes"]["log"]["mailboxes"][BOX]["max_depth"]


def test_a_dead_consumer_instance_rebalances_without_loss(fleet: Any) -> None:
    billing = {"replicas": 2, "concurrency": 2, "latency": {"mean_ms": 40}}
    faults = ["kill_instance billing at=2 instance=1 for=2"]
    summary = run(log_document(billing=billing), duration=6, faults=faults)
    assert_conserved(summary)
    g = group(summary)
    assert g["delivered"] == summary["messages"]["published"]  # at least once: every message handled
    assert g["rebalances"] == 2  # instance 1 left, then came back
    assert [r["members"] for r in g["rebalance_history"]] == [["0"], ["0", "1"]]
    left, back = (r["at_s"] for r in g["rebalance_history"])
    assert 2.0 <= left < 2.1 and 4.0 <= back < 4.1  # noticed at the log's next event
    assert g["redelivered"] >= 1  # what the dead instance had in flight went to instance 0
    assert g["assignment"] == {"0": [0, 1], "1": [2, 3]}
    instances = summary["nodes"]["billing"]["instances"]
    assert instances["1"]["processed"] > 0 and instances["0"]["processed"] > instances["1"]["processed"]


def test_rewind_replays_what_was_already_read(fleet: Any) -> None:
    billing = {"idempotent": True}
    summary = run(log_document(billing=billing), duration=6, faults=["rewind log at=4 seconds=2"])
    assert_conserved(summary)
    g = group(summary)
    assert 25 <= g["rewound"] <= 55  # about two seconds of messages at 20 a second
    assert g["replayed"] == g["rewound"]
    ignored = summary["nodes"]["billing"]["duplicates"]["ignored"]
    assert g["rewound"] <= ignored <= g["rewound"] + 4  # plus what was in flight at the rewind
    assert g["delivered"] == summary["messages"]["published"]


def test_retention_expires_what_a_stopped_group_never_read(fleet: Any) -> None:
    document = log_document(log_props={"retention_s": 1})
    summary = run(document, duration=6, faults=["stop_consumer billing at=1"])  # stopped until traffic ends
    assert_conserved(summary)
    g = group(summary)
    published = summary["messages"]["published"]
    assert g["expired"] >= 40  # published from 1 s to about 4 s, deleted before Billing came back
    assert summary["messages"]["expired"] == g["expired"]
    assert g["delivered"] + g["expired"] == published
    assert summary["lost"] == 0


def test_the_live_frame_shows_the_lag_as_the_logs_waiting_count(fleet: Any) -> None:
    """The canvas badge of a log reads `depth`: the messages its groups have not committed."""
    document = log_document(rate=20)
    document["faults"] = [{"at_s": 1, "action": "stop_consumer", "target": "billing", "duration_s": 2}]
    series = series_of(prepare(document, settings=[], faults=[], duration=5, seed=7, speed="max"))
    while_stopped = next(point for point in series if point["t"] >= 2.5)
    waiting = read_figure(while_stopped, {"metric": "depth", "node": "log"})
    assert waiting is not None and 20 <= waiting <= 50  # ~1.5 s at 20 a second
    after = series[-1]
    assert read_figure(after, {"metric": "depth", "node": "log"}) == 0
