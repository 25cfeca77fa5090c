"""Queue and event bus: mailboxes that hold messages until a consumer has a free slot.

A queue has one mailbox shared by all its consumers (each message to exactly one); a bus
has a mailbox per subscriber group (every group gets every event, the group's instances
share them). Consumers send credits for their free slots; a message is delivered only
against a credit, so while a consumer is stopped or dead its messages wait here and the
depth grows. Delivery is at least once: an ack settles the message, a failed handling is
retried until `max_deliveries`, then dead-lettered; a delivery to an instance that died is
put back at the head of the mailbox. Every (message, mailbox) pair has a ledger record.
"""

import json
from typing import Any

from apps.engine.runtime import keys
from apps.engine.runtime.hop import Hop

BUS_MAX_DELIVERIES = 5


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
            pass


def boxes_for(hop: Hop, name: str) -> list[str]:
    if hop.node.kind == "queue":
        return [hop.node.id]
    return [f"{hop.node.id}>{edge.target}" for edge in hop.node.out if edge.role == "deliver" and edge.carries(name)]


def max_deliveries(hop: Hop) -> int:
    return int(hop.node.props.get("max_deliveries", BUS_MAX_DELIVERIES))


def publish(hop: Hop) -> None:
    event = hop.event
    mid, name = event["mid"], event["name"]
    reply = event.get("reply")
    if hop.r.hexists(keys.messages(hop.run), mid):
        return
    boxes = boxes_for(hop, name)
    data = event.get("data") or {}
    record = json.dumps(
        {"name": name, "corr": event.get("corr", ""), "t": hop.now, "node": hop.node.id, "boxes": boxes, "data": data}
    )
    hop.write(lambda p: p.hset(keys.messages(hop.run), mid, record))
    hop.count("messages:published")
    hop.count(f"node:{hop.node.id}:processed")
    hop.audit("published", corr=event.get("corr", ""), event=name, mid=mid, data=data)
    accepted = True
    for box in boxes:
        if hop.node.kind == "queue" and hop.r.llen(keys.mailbox(hop.run, box)) >= int(hop.node.props["max_depth"]):
            if hop.node.props["overflow"] == "reject":
                settle(hop, mid, box, "rejected")
                accepted = False
                continue
            oldest = hop.r.lindex(keys.mailbox(hop.run, box), 0)
            if oldest is not None:
                hop.command("lpop", keys.mailbox(hop.run, box))
                settle(hop, json.loads(oldest)["mid"], box, "dropped")
        hop.command("hset", keys.deliveries(hop.run), f"{mid}|{box}", "pending")
        enqueue(
            hop, box, {"mid": mid, "name": name, "corr": event.get("corr", ""), "data": data, "at": hop.now}, head=False
        )
    if reply:
        why = "" if accepted else "queue full"
        hop.send(
            {
                "node": reply["node"],
                "t": "reply",
                "fid": reply["fid"],
                "call": reply["call"],
                "ok": accepted,
                "why": why,
            }
        )


def settle(hop: Hop, mid: str, box: str, outcome: str) -> None:
    hop.write(lambda p: p.hset(keys.deliveries(hop.run), f"{mid}|{box}", outcome))
    hop.count(f"messages:{outcome}")
    hop.count(f"box:{box}:{outcome}")


def _listeners(hop: Hop, box: str) -> list[str]:
    return [raw.decode() for raw in hop.r.lrange(keys.listeners(hop.run, box), 0, -1)]


def enqueue(hop: Hop, box: str, message: dict[str, Any], *, head: bool, skip: str = "") -> None:
    """Deliver at once against a waiting credit, else keep it in the mailbox."""
    listeners = [entry for entry in _listeners(hop, box) if not skip or not entry.startswith(skip)]
    if listeners:
        entry = listeners[0]
        hop.write(lambda p: p.lrem(keys.listeners(hop.run, box), 1, entry))
        deliver(hop, box, message, entry)
        return
    data = json.dumps(message)
    hop.write(lambda p: (p.lpush if head else p.rpush)(keys.mailbox(hop.run, box), data))
    for consumer in hop.plan.mailboxes()[box][1]:
        if hop.plan.nodes[consumer].kind == "function":
            hop.send({"node": consumer, "t": "demand", "box": box})


def deliver(hop: Hop, box: str, message: dict[str, Any], entry: str) -> None:
    consumer, instance, gen = entry.split("|")
    attempt = int(hop.r.hincrby(keys.attempts(hop.run), f"{message['mid']}|{box}|sent", 0)) + 1
    hop.write(lambda p: p.hincrby(keys.attempts(hop.run), f"{message['mid']}|{box}|sent", 1))
    hop.send(
        {
            "node": consumer, "t": "deliver", "box": box, "mid": message["mid"], "name": message["name"],
            "corr": message.get("corr", ""), "inst": instance, "gen": int(gen), "n": attempt,
            "data": message.get("data") or {}, "at": message.get("at", hop.now),
        }
    )  # fmt: skip
    hop.count(f"box:{box}:deliveries")


def credit(hop: Hop) -> None:
    event = hop.event
    box = event["box"]
    entry = f"{event['consumer']}|{event['inst']}|{event['gen']}"
    raw = hop.r.lindex(keys.mailbox(hop.run, box), 0)
    if raw is not None:
        hop.write(lambda p: p.lpop(keys.mailbox(hop.run, box)))
        deliver(hop, box, json.loads(raw), entry)
        return
    hop.write(lambda p: p.rpush(keys.listeners(hop.run, box), entry))


def acknowledge(hop: Hop) -> None:
    event = hop.event
    box, mid = event["box"], event["mid"]
    outcome = hop.r.hget(keys.deliveries(hop.run), f"{mid}|{box}")
    message_raw = hop.r.hget(keys.messages(hop.run), mid)
    message = json.loads(message_raw) if message_raw else {"name": "", "corr": ""}
    body = {
        "mid": mid, "name": message["name"], "corr": message.get("corr", ""), "data": message.get("data") or {},
        "at": message.get("t", hop.now),
    }  # fmt: skip
    if event["ok"]:
        if outcome == b"delivered":
            hop.count("messages:duplicates")
            return
        settle(hop, mid, box, "delivered")
        return
    if outcome not in (b"pending", None):
        return
    if event["requeue"]:
        hop.count("messages:redelivered")
        skip = f"{event['consumer']}|{event['inst']}|"
        enqueue(hop, box, body, head=True, skip=skip)
        return
    failures = int(hop.r.hincrby(keys.attempts(hop.run), f"{mid}|{box}|failed", 0)) + 1
    hop.write(lambda p: p.hincrby(keys.attempts(hop.run), f"{mid}|{box}|failed", 1))
    if failures >= max_deliveries(hop):
        settle(hop, mid, box, "dead_lettered")
        hop.audit("dead_letter", corr=message.get("corr", ""), event=message["name"], mid=mid)
        return
    hop.count("messages:redelivered")
    enqueue(hop, box, body, head=True)


def revoke(hop: Hop, box: str, consumer: str, instance: str) -> None:
    """Forget the credits of an instance that stopped, died or was scaled in."""
    prefix = f"{consumer}|{instance}|"
    for entry in _listeners(hop, box):
        if entry.startswith(prefix):
            hop.command("lrem", keys.listeners(hop.run, box), 1, entry)
