"""Queue and event bus: mailboxes that hold messages until a consumer has a free slot.

A queue has one mailbox shared by all its consumers (each message to exactly one); a bus
has a mailbox per subscriber group (every group gets every event, the group's instances
share them). Consumers send credits for their free slots; a message is delivered only
against a credit, so while a consumer is stopped or dead its messages wait here and the
depth grows. Delivery is at least once: an ack settles the message, a failed handling is
retried until `max_deliveries`, then dead-lettered; a delivery to an instance that died is
put back at the head of the mailbox. Every (message, mailbox) pair has a ledger record.

Faults on the broker:
- reorder: each delivery is held back a random 0..`window_ms` (the hop's rng) on top of the
  network latency, so a later message can overtake an earlier one. A delivery that reaches its
  consumer before one sent earlier from the same mailbox is counted as reordered
  (`box:<box>:reordered`): what a consumer that assumes per-key order gets wrong.
- broker_outage: the broker is down until restore_broker (so is a broker placed in a zone
  while its zone, or its region, is out: a zone outage reaches it too). A publish is refused (a publisher
  waiting for an answer gets "broker unavailable"; a service publishing its events is refused
  on connecting and counts `publish_failed`, worker.py); nothing is delivered, so credits wait;
  an ack that arrives meanwhile is lost, so its message is delivered again after the restore
  (at least once). What was stored before the outage stays, and is delivered on restore.
- A partition (network.py): consumers across the cut get nothing until it heals (their
  credits wait), and their acks are lost like a down broker's (the message is delivered again).
  So does a consumer whose delivery edge is cut, until the edge is restored.
"""

import json
from typing import Any

from apps.runtime import keys
from apps.runtime.hop import Hop
from apps.runtime.nodes import network
from apps.runtime.stores import Hash, Line

BUS_MAX_DELIVERIES = 5
EMPTIED_KEPT = 100  # times a mailbox became empty, kept per mailbox (recovery after a fault)


def handle(hop: Hop) -> None:
    match hop.event["t"]:
        case "publish":
            publish(hop)
        case "credit":
            credit(hop)
        case "ack":
            acknowledge(hop)
        case "revoke":
            revoke(hop, hop.event["box"], hop.event["consumer"], hop.event["inst"])
        case "fault":
            apply_fault(hop)


# What takes the broker down, and what brings it back: its own outage, or its zone's (a region
# outage reaches it as its zone's). Down for either, it is back when neither holds.
OUTAGES = {"broker_outage": "broker", "kill_zone": "zone"}
ENDINGS = {"restore_broker": "broker", "restore_zone": "zone"}


def apply_fault(hop: Hop) -> None:
    """duplicate_delivery: from now on, that share of the acknowledgements is lost, so the
    message is delivered again (at least once delivery); a share of 0 ends it. reorder,
    broker_outage and restore_broker: see the module's docstring."""
    event = hop.event
    action = event["action"]
    if action == "duplicate_delivery":
        hop.state["ack_loss"] = float(event.get("share") or 0)
    elif action == "reorder":
        hop.state["reorder_ms"] = float(event.get("window_ms") or 0)
    elif action in OUTAGES or action in ENDINGS:
        if outage(hop, action):
            resume(hop)
    elif network.apply_fault(hop) and action in ("heal_partition", "restore_edge"):
        resume(hop)
    if not event.get("internal"):
        hop.audit("fault", action=event["action"])


def outage(hop: Hop, action: str) -> bool:
    """Take the broker down for an outage (its own or its zone's), or end one; True when it
    is back up (no outage holds any more): the caller resumes its deliveries."""
    causes = set(hop.state.get("down_by", []))
    if action in OUTAGES:
        if not hop.state.get("down"):
            hop.count(f"node:{hop.node.id}:outages")
        hop.state.update(down=True, down_by=sorted(causes | {OUTAGES[action]}))
        return False
    causes.discard(ENDINGS[action])
    hop.state["down_by"] = sorted(causes)
    if hop.state.get("down") and not causes:
        hop.state["down"] = False
        return True
    return False


def boxes_for(hop: Hop, name: str) -> list[str]:
    if hop.node.kind == "queue":
        return [hop.node.id]
    return [f"{hop.node.id}>{edge.target}" for edge in hop.node.out if edge.role == "deliver" and edge.carries(name)]


def max_deliveries(hop: Hop) -> int:
    return int(hop.node.props.get("max_deliveries", BUS_MAX_DELIVERIES))


def dead_letters(hop: Hop) -> bool:
    """Whether a message that failed max_deliveries times goes to the dead-letter queue (a
    queue's `dead_letter`; a bus always has one); else it is dropped."""
    return bool(hop.node.props.get("dead_letter", True))


def mailbox(hop: Hop, box: str) -> Line:
    return hop.line(keys.mailbox(hop.run, box), f"box:{box}")


def listeners(hop: Hop, box: str) -> Line:
    """Credits waiting for a message: `consumer|instance|generation`, oldest first."""
    return hop.line(keys.listeners(hop.run, box))


def messages(hop: Hop) -> Hash:
    return hop.records(keys.messages(hop.run), as_json=True)


def deliveries(hop: Hop) -> Hash:
    return hop.records(keys.deliveries(hop.run))


def attempts(hop: Hop) -> Hash:
    return hop.records(keys.attempts(hop.run))


def publish(hop: Hop) -> None:
    event = hop.event
    mid, name = event["mid"], event["name"]
    reply = event.get("reply")
    if messages(hop).exists(mid):
        return
    if hop.state.get("down"):
        refuse_publish(hop)
        return
    boxes = boxes_for(hop, name)
    data = event.get("data") or {}
    record = {
        "name": name,
        "corr": event.get("corr", ""),
        "t": hop.now,
        "node": hop.node.id,
        "boxes": boxes,
        "data": data,
    }
    messages(hop).set(mid, record)
    hop.count("messages:published")
    hop.count(f"node:{hop.node.id}:processed")
    hop.audit("published", corr=event.get("corr", ""), event=name, mid=mid, data=data)
    accepted = True
    for box in boxes:
        line = mailbox(hop, box)
        if hop.node.kind == "queue" and len(line) >= int(hop.node.props["max_depth"]):
            if hop.node.props["overflow"] == "reject":
                settle(hop, mid, box, "rejected")
                accepted = False
                continue
            oldest = line.pop()
            if oldest is not None:
                settle(hop, json.loads(oldest)["mid"], box, "dropped")
        deliveries(hop).set(f"{mid}|{box}", "pending")
        hop.count("deliveries:open")
        enqueue(
            hop, box, {"mid": mid, "name": name, "corr": event.get("corr", ""), "data": data, "at": hop.now}, head=False
        )
    if reply:
        why = "" if accepted else "queue full"
        network.send_reply(
            hop,
            {
                "node": reply["node"],
                "t": "reply",
                "fid": reply["fid"],
                "call": reply["call"],
                "ok": accepted,
                "why": why,
            },
        )


def accepts_publish(hop: Hop, broker: str) -> bool:
    """Whether a publisher can hand `broker` a message now: the broker is up and no
    partition stands between them (a publisher connecting to a down broker is refused)."""
    return not hop.state_of(broker).get("down") and not network.cut_apart(hop, broker)


def refuse_publish(hop: Hop) -> None:
    """The broker is down: the message is not taken (no ledger record: it never entered the
    broker). A publisher waiting for an answer hears "broker unavailable"."""
    event = hop.event
    hop.count(f"node:{hop.node.id}:publishes_refused")
    hop.audit("publish_refused", corr=event.get("corr", ""), event=event["name"], mid=event["mid"])
    reply = event.get("reply")
    if reply:
        answer = {"node": reply["node"], "t": "reply", "fid": reply["fid"], "call": reply["call"], "ok": False}
        network.send_reply(hop, {**answer, "why": "broker unavailable"})


def delivers_to(hop: Hop, consumer: str) -> bool:
    """Whether the broker can deliver to `consumer` now: it is up, and neither a partition nor
    a cut edge stands between them."""
    return not hop.state.get("down") and not network.severed(hop, consumer)


def resume(hop: Hop) -> None:
    """The broker is back (or a partition healed): the credits that waited meet the messages
    that waited, oldest first."""
    for box, (owner, _) in hop.plan.mailboxes().items():
        if owner != hop.node.id:
            continue
        waiting, line = listeners(hop, box), mailbox(hop, box)
        for entry in waiting.items():
            if len(line) == 0:
                break
            if not delivers_to(hop, entry.split("|", 1)[0]):
                continue
            raw = line.pop()
            if raw is None:
                break
            waiting.remove(entry)
            if len(line) == 0:
                note_emptied(hop, box)
            deliver(hop, box, json.loads(raw), entry)


def settle(hop: Hop, mid: str, box: str, outcome: str) -> None:
    """A delivery's final outcome (from pending): delivered, dead_lettered, rejected, dropped."""
    if deliveries(hop).get(f"{mid}|{box}") == "pending":
        hop.count("deliveries:open", -1)
    deliveries(hop).set(f"{mid}|{box}", outcome)
    hop.count(f"messages:{outcome}")
    hop.count(f"box:{box}:{outcome}")


def enqueue(hop: Hop, box: str, message: dict[str, Any], *, head: bool, skip: str = "") -> None:
    """Deliver at once against a waiting credit, else keep it in the mailbox."""
    waiting = listeners(hop, box)
    entry = next(
        (e for e in waiting.items() if (not skip or not e.startswith(skip)) and delivers_to(hop, e.split("|", 1)[0])),
        None,
    )
    if entry is not None:
        waiting.remove(entry)
        deliver(hop, box, message, entry)
        return
    data = json.dumps(message)
    line = mailbox(hop, box)
    if head:
        line.push_front(data)
    else:
        line.push(data)
    for consumer in hop.plan.mailboxes()[box][1]:
        if hop.plan.nodes[consumer].kind == "function":
            hop.send({"node": consumer, "t": "demand", "box": box})


def deliver(hop: Hop, box: str, message: dict[str, Any], entry: str) -> None:
    consumer, instance, gen = entry.split("|")
    attempt = attempts(hop).incr(f"{message['mid']}|{box}|sent")
    edge = next((e for e in hop.node.out if e.target == consumer and e.role == "deliver"), None)
    extra = network.session_delay(hop, edge)  # a slow link, packet loss's retransmissions
    window = float(hop.state.get("reorder_ms") or 0)
    if window > 0:
        extra += hop.rng.uniform(0.0, window)
    note_arrival(hop, box, hop.now + hop.plan.network_ms(hop.node.id, consumer) + extra)
    network.send_delayed(
        hop,
        {
            "node": consumer, "t": "deliver", "box": box, "mid": message["mid"], "name": message["name"],
            "corr": message.get("corr", ""), "inst": instance, "gen": int(gen), "n": attempt,
            "data": message.get("data") or {}, "at": message.get("at", hop.now),
        },
        extra,
    )  # fmt: skip
    hop.count(f"box:{box}:deliveries")


def note_arrival(hop: Hop, box: str, arrival: float) -> None:
    """Count a delivery that reaches its consumer before one sent earlier from the same
    mailbox (it overtook it: delivered out of order)."""
    latest: dict[str, float] = hop.state.setdefault("latest_arrival", {})
    if arrival < latest.get(box, 0.0) - 1e-9:
        hop.count(f"box:{box}:reordered")
    else:
        latest[box] = round(arrival, 3)


def note_emptied(hop: Hop, box: str) -> None:
    """Remember when a mailbox's backlog was gone (how long a stopped consumer took to recover)."""
    emptied = hop.state.setdefault("emptied", {}).setdefault(box, [])
    emptied.append(round(hop.now, 1))
    del emptied[:-EMPTIED_KEPT]


def credit(hop: Hop) -> None:
    event = hop.event
    box = event["box"]
    entry = f"{event['consumer']}|{event['inst']}|{event['gen']}"
    if not delivers_to(hop, event["consumer"]):  # the broker is down, or the consumer cut off: it waits
        listeners(hop, box).push(entry)
        return
    line = mailbox(hop, box)
    raw = line.pop()
    if raw is not None:
        if len(line) == 0:
            note_emptied(hop, box)
        deliver(hop, box, json.loads(raw), entry)
        return
    listeners(hop, box).push(entry)


def acknowledge(hop: Hop) -> None:
    event = hop.event
    box, mid = event["box"], event["mid"]
    outcome = deliveries(hop).get(f"{mid}|{box}")
    message = messages(hop).get(mid) or {"name": "", "corr": ""}
    body = {
        "mid": mid, "name": message["name"], "corr": message.get("corr", ""), "data": message.get("data") or {},
        "at": message.get("t", hop.now),
    }  # fmt: skip
    if outcome == "pending" and not delivers_to(hop, event["consumer"]):
        # The ack never reaches the broker (down, or across a partition): the message is still
        # unacknowledged, so it is delivered again once the broker can (at least once).
        hop.count("messages:redelivered")
        hop.count(f"box:{box}:acks_lost")
        enqueue(hop, box, body, head=True)
        return
    if event["ok"]:
        if outcome == "delivered":
            hop.count("messages:duplicates")
            return
        settle(hop, mid, box, "delivered")
        if hop.rng.random() < float(hop.state.get("ack_loss") or 0):  # the broker never got the ack
            hop.count("messages:redelivered")
            hop.count(f"box:{box}:acks_lost")
            hop.audit("ack_lost", corr=message.get("corr", ""), event=message["name"], mid=mid)
            enqueue(hop, box, body, head=False)
        return
    if outcome not in ("pending", None):
        return
    if event["requeue"]:
        hop.count("messages:redelivered")
        skip = f"{event['consumer']}|{event['inst']}|"
        enqueue(hop, box, body, head=True, skip=skip)
        return
    failures = attempts(hop).incr(f"{mid}|{box}|failed")
    if failures >= max_deliveries(hop):
        if dead_letters(hop):
            settle(hop, mid, box, "dead_lettered")
            hop.audit("dead_letter", corr=message.get("corr", ""), event=message["name"], mid=mid)
        else:  # no dead-letter queue: the message is gone
            settle(hop, mid, box, "dropped")
            hop.audit("dropped", corr=message.get("corr", ""), event=message["name"], mid=mid, failures=failures)
        return
    hop.count("messages:redelivered")
    enqueue(hop, box, body, head=True)


def revoke(hop: Hop, box: str, consumer: str, instance: str) -> None:
    """Forget the credits of an instance that stopped, died or was scaled in."""
    prefix = f"{consumer}|{instance}|"
    waiting = listeners(hop, box)
    for entry in [e for e in waiting.items() if e.startswith(prefix)]:
        waiting.remove(entry)
