"""The search index: a consumer that indexes the events it is fed and answers searches.

It runs on worker.py's instances, slots and waiting lines: indexing a document (a delivered
event) and running a search (a call) each take a slot for the node's service time. What it
adds is near-real-time search, as in Elasticsearch: a document indexed is not searchable yet;
it becomes searchable at the next refresh, which happens every `refresh_ms` of run time (at
once when 0). Its indexing lag is the time from the event's publication to that refresh.

A search is *stale* when it arrives while a document published before it cannot be found yet:
one still waiting in the index's mailboxes (or unacknowledged in an event log it reads), one on
its way here (a slow link, a retransmission, a reordering window), one being indexed, or one
indexed since the last refresh. Those searches answered without the newest writes; their share is what the refresh
interval (and a backlog) costs the readers.
"""

import math
from typing import Any

from apps.runtime import keys
from apps.runtime.hop import Hop
from apps.runtime.nodes import errors, messaging, worker


def handle(hop: Hop) -> None:
    event = hop.event
    if event["t"] == "call":
        stale = unsearchable_documents(hop)
        worker.handle(hop)
        if hop.frame(event["call"]) is not None:  # admitted (served now or waiting for a slot)
            hop.count(f"node:{hop.node.id}:searches")
            if stale:
                hop.count(f"node:{hop.node.id}:stale_searches")
        return
    if event["t"] == "done":
        frame, instance = worker.current(hop, event["fid"])
        if frame is not None and instance is not None and frame["kind"] == "msg":
            indexed(hop, frame, instance)
            return
    worker.handle(hop)


def searchable_at(now_ms: float, refresh_ms: float) -> float:
    """The refresh that makes a document indexed at `now_ms` searchable."""
    if refresh_ms <= 0:
        return now_ms
    return math.ceil(now_ms / refresh_ms) * refresh_ms


def unsearchable_documents(hop: Hop) -> bool:
    """Whether some document published before now cannot be found by a search now."""
    if hop.now < float(hop.state.get("visible_at", 0.0)):
        return True  # indexed, waiting for the next refresh
    if any(not_arrived(hop, box) for box in worker.consumed_boxes(hop)):
        return True  # published, waiting in a mailbox or on its way
    return any(frame.get("kind") == "msg" for _, frame in hop.all_frames())  # being indexed


def not_arrived(hop: Hop, box: str) -> bool:
    """Whether a document published to mailbox `box` has not reached the index yet: an event
    log's group still has unacknowledged messages (its lag); a queue or bus holds one, or has
    one on the way (sent to arrive later than now)."""
    owner = hop.plan.mailboxes()[box][0]
    state = hop.state_of(owner)
    if hop.plan.nodes[owner].runtime.handler == "log":
        return int(state.get("lag", {}).get(box, 0)) > 0
    on_the_way = hop.now < float(state.get("latest_arrival", {}).get(box, 0.0))
    return on_the_way or len(messaging.mailbox(hop, box)) > 0


def published_at(hop: Hop, frame: dict[str, Any]) -> float:
    """When the document's event was published: the run's message record (a delivery's own
    `at` is the time it arrived here, not when it was published)."""
    record: dict[str, Any] | None = hop.records(keys.messages(hop.run), as_json=True).get(str(frame["mid"]))
    return float(record["t"]) if record is not None else float(frame.get("at", hop.now))


def indexed(hop: Hop, frame: dict[str, Any], instance: dict[str, Any]) -> None:
    """A document's indexing is done: it is searchable from the next refresh."""
    if hop.rng.random() < errors.error_rate(hop):
        worker.finish(hop, frame, instance, False, "error")  # not acknowledged: delivered again
        return
    node = hop.node.id
    visible = searchable_at(hop.now, float(hop.node.props["refresh_ms"]))
    published = published_at(hop, frame)
    hop.state["visible_at"] = max(float(hop.state.get("visible_at", 0.0)), visible)
    hop.count(f"node:{node}:indexed")
    hop.observe_latency(f"lag:{node}", visible - published)
    hop.audit("indexed", corr=frame.get("corr", ""), event=frame["name"], lag_ms=round(visible - published, 1))
    worker.finish(hop, frame, instance, True, "")
