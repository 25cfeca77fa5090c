"""The event log (kind `stream`): a partitioned, append-only log read by consumer groups.

Appending. A publish is appended to one partition, chosen by hashing the message's key (the
node's `key` prop: the correlation id, i.e. the order it is about; the event name; or the
message id), and gets the next offset of that partition. The same key always lands in the
same partition, so the events of one order keep their order.

Consumer groups. Each delivery edge is a group with its own committed offset per partition:
every group reads every message (like a bus), at its own pace. Within a group the partitions
are shared out among the consumer node's live instances (`assignment`: contiguous ranges, or
dealt in turn), and a partition has at most `max_in_flight` messages out at once (1: the
next offset is sent only once the previous one is acknowledged), so a group works on at
most as many messages at once as it has partitions — more instances than partitions idle.
Consumers take deliveries exactly as from a queue or bus (apps/runtime/nodes/worker.py):
they offer credits for free slots, and ack each message.

Rebalancing. The log is its groups' coordinator: at every event it compares a group's members
with the consumer's live instances (an instance that died, came back, was added or retired,
or a consumer that stopped) and, when they differ, deals the partitions out again. A
partition that changed hands starts again from its committed offset: what its old owner had
in flight and not yet acknowledged is delivered again (at least once).

Offsets, replay, retention. An acknowledgement commits the offset once every offset before it
is acknowledged too. The `rewind` fault moves every group's offsets back to the first message
published in the last N seconds that is still retained, and the group reads them again
(an idempotent consumer ignores what it had handled). Once a run second, messages older than
`retention_s` are deleted; a group that had not read them skips ahead and they count as
`expired` — lost work, with its own outcome in the delivery ledger (never `pending`).

Outages. A log placed in a zone is down while its zone (or region) is out: a publish is
refused ("broker unavailable"), nothing is delivered, and an acknowledgement that arrives
meanwhile is lost. A partition cuts it off from the consumers and publishers across the cut
the same way. When it is back (or the partition heals), every partition with messages out
starts again from its committed offset: what was in flight is delivered again (at least once).

The messages of a partition live in a run-wide hash (field `<partition>:<offset>`); the
offsets, members and assignments in the node's state. Each group's lag (messages between its
committed offset and the end of the log) is written as its mailbox depth, which the live
badge and the summary read.
"""

import bisect
import hashlib
from typing import Any

from apps.runtime import keys
from apps.runtime.hop import Hop
from apps.runtime.nodes import network
from apps.runtime.nodes.messaging import (
    BUS_MAX_DELIVERIES,
    ENDINGS,
    OUTAGES,
    attempts,
    deliveries,
    messages,
    note_emptied,
    outage,
    refuse_publish,
    settle,
)
from apps.runtime.nodes.worker import usable
from apps.runtime.plan import CONSUMER_KINDS, EdgePlan
from apps.runtime.stores import Hash

RETENTION_EVERY_MS = 1000.0  # how often old messages are deleted (run time)
HISTORY_KEPT = 50  # rebalances kept per group for the summary
Group = dict[str, Any]


def handle(hop: Hop) -> None:
    match hop.event["t"]:
        case "publish":
            publish(hop)
        case "credit":
            credit(hop)
        case "ack":
            acknowledge(hop)
        case "revoke":
            revoke(hop)
        case "retention_tick":
            retention_tick(hop)
        case "fault":
            apply_fault(hop)


# --- the log ------------------------------------------------------------------------------


def entries_key(run: str, node_id: str) -> str:
    """The log's messages (hash, field `<partition>:<offset>`)."""
    return f"{keys.prefix(run)}log:{node_id}"


def entries(hop: Hop) -> Hash:
    return hop.records(entries_key(hop.run, hop.node.id), as_json=True)


def partitions(hop: Hop) -> int:
    return int(hop.node.props["partitions"])


def bounds(hop: Hop) -> tuple[list[int], list[int]]:
    """Per partition: the first retained offset and the next offset to append."""
    count = partitions(hop)
    start: list[int] = hop.state.setdefault("start", [0] * count)
    end: list[int] = hop.state.setdefault("end", [0] * count)
    return start, end


def message_key(hop: Hop, event: dict[str, Any]) -> str:
    """What the partition is chosen by (the node's `key`)."""
    match hop.node.props["key"]:
        case "event":
            return str(event["name"])
        case "message":
            return str(event["mid"])
        case _:
            return str(event.get("corr") or event["mid"])


def partition_for(key: str, count: int) -> int:
    """A stable hash of the key: the same key always goes to the same partition."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big") % max(1, count)


# --- groups -------------------------------------------------------------------------------


def groups(hop: Hop) -> dict[str, EdgePlan]:
    """The consumer groups: mailbox id (`<log>><consumer>`, as in Plan.mailboxes) -> its
    delivery edge."""
    return {
        f"{hop.node.id}>{edge.target}": edge
        for edge in hop.node.out
        if edge.role == "deliver" and hop.plan.nodes[edge.target].kind in CONSUMER_KINDS
    }


def group(hop: Hop, box: str) -> Group:
    """A group's offsets and assignment (created at its first use, reading from offset 0)."""
    count = partitions(hop)
    table: dict[str, Group] = hop.state.setdefault("groups", {})
    if box not in table:
        table[box] = {
            "members": [], "owner": [""] * count, "credits": {}, "committed": [0] * count, "next": [0] * count,
            "inflight": [{} for _ in range(count)], "acked": [[] for _ in range(count)], "hi": [-1] * count,
            "replay_to": [0] * count, "rebalances": 0, "assigned": False, "history": [], "expired": 0,
            "replayed": 0, "rewound": 0, "out_of_order": 0, "rr": 0,
        }  # fmt: skip
    return table[box]


def _order(member: str) -> tuple[int, str]:
    name = member.split("|", 1)[0]
    return (int(name) if name.isdigit() else 1 << 30, name)


def live_members(hop: Hop, consumer: str) -> list[str]:
    """The consumer's instances that can take messages now, as `instance|generation`."""
    other = hop.state_of(consumer)
    if other.get("stopped"):
        return []
    alive = [f"{name}|{inst['gen']}" for name, inst in other.get("instances", {}).items() if usable(inst)]
    return sorted(alive, key=_order)


def assign(count: int, members: list[str], strategy: str) -> list[str]:
    """Which member owns each partition: contiguous ranges (the first ones get one more when
    it does not divide), or dealt in turn; "" when there is nobody."""
    if not members:
        return [""] * count
    if strategy == "round_robin":
        return [members[p % len(members)] for p in range(count)]
    share, extra = divmod(count, len(members))
    owners: list[str] = []
    for index, member in enumerate(members):
        owners += [member] * (share + (1 if index < extra else 0))
    return owners


def sync(hop: Hop, box: str, consumer: str) -> Group:
    """The coordinator's check: rebalance when the group's members are not the live instances."""
    g = group(hop, box)
    live = live_members(hop, consumer)
    if live != g["members"]:
        rebalance(hop, box, g, live)
    return g


def rebalance(hop: Hop, box: str, g: Group, live: list[str]) -> None:
    """Deal the partitions out again. A partition that changed hands restarts from its
    committed offset: what was in flight and not acknowledged is delivered again."""
    owners = assign(partitions(hop), live, str(hop.node.props["assignment"]))
    for p, owner in enumerate(owners):
        if owner != g["owner"][p]:
            restart_partition(hop, box, g, p, g["committed"][p])
    g["owner"] = owners
    g["members"] = live
    g["credits"] = {member: n for member, n in g["credits"].items() if member in live}
    if g["assigned"]:
        g["rebalances"] += 1
        hop.count(f"stream:{hop.node.id}:rebalances")
        g["history"].append({"at_s": round(hop.now / 1000.0, 3), "members": [m.split("|")[0] for m in live]})
        del g["history"][:-HISTORY_KEPT]
        hop.audit("rebalance", group=box, members=[m.split("|")[0] for m in live])
    g["assigned"] = True
    for p in range(partitions(hop)):
        dispatch(hop, box, g, p)


def restart_partition(hop: Hop, box: str, g: Group, p: int, offset: int) -> None:
    """Read partition `p` again from `offset`: nothing is in flight any more (late answers
    from before are ignored), and what comes next is delivered afresh. A message that was in
    flight and that retention has deleted meanwhile cannot be read again: it expires."""
    start, _ = bounds(hop)
    for key, (_, _, mid) in sorted(g["inflight"][p].items()):
        if int(key) < start[p]:
            expire(hop, box, g, mid, messages(hop).get(mid) or {})
        else:
            hop.count("messages:redelivered")  # it will be delivered again
            hop.count(f"box:{box}:redelivered")
    g["committed"][p] = offset
    g["next"][p] = offset
    g["inflight"][p] = {}
    g["acked"][p] = []
    g["hi"][p] = offset - 1


# --- delivering ---------------------------------------------------------------------------


def dispatch(hop: Hop, box: str, g: Group, p: int) -> None:
    """Send partition `p`'s next messages to its owner, within its credits and the
    partition's in-flight limit, in offset order."""
    member = g["owner"][p]
    if not member or hop.state.get("down"):
        return
    edge = groups(hop)[box]
    if network.severed(hop, edge.target):
        return
    start, end = bounds(hop)
    limit = int(hop.node.props["max_in_flight"])
    inflight: dict[str, list[Any]] = g["inflight"][p]
    while g["credits"].get(member, 0) > 0 and len(inflight) < limit and g["next"][p] < end[p]:
        offset = max(g["next"][p], start[p])
        g["next"][p] = offset + 1
        if str(offset) in inflight or offset in g["acked"][p]:
            continue
        entry = entries(hop).get(f"{p}:{offset}")
        if entry is None:
            continue
        if not edge.carries(entry["name"]):
            mark_acked(g, p, offset)  # not this group's: passed over, committed
            continue
        attempt = deliver(hop, box, edge.target, member, entry)
        inflight[str(offset)] = [member, attempt, entry["mid"]]
        g["credits"][member] -= 1


def deliver(hop: Hop, box: str, consumer: str, member: str, entry: dict[str, Any]) -> int:
    """Send one message to an instance (against its credit); returns the delivery's number."""
    instance, gen = member.split("|")
    record = messages(hop).get(entry["mid"]) or {}
    attempt = attempts(hop).incr(f"{entry['mid']}|{box}|sent")
    network.send_delayed(
        hop,
        {
            "node": consumer, "t": "deliver", "box": box, "mid": entry["mid"], "name": entry["name"],
            "corr": entry.get("corr", ""), "inst": instance, "gen": int(gen), "n": attempt,
            "data": record.get("data") or {}, "at": entry["t"],
        },
        network.session_delay(hop, groups(hop)[box]),  # a slow link, packet loss's retransmissions
    )  # fmt: skip
    hop.count(f"box:{box}:deliveries")
    return attempt


def mark_acked(g: Group, p: int, offset: int) -> None:
    """Acknowledged: the committed offset moves past every acknowledged offset in a row."""
    if offset < g["committed"][p]:
        return
    acked: list[int] = g["acked"][p]
    if offset not in acked:
        bisect.insort(acked, offset)
    advance(g, p)


def advance(g: Group, p: int) -> None:
    """Move the committed offset past the acknowledged offsets that follow it in a row."""
    acked: list[int] = g["acked"][p]
    while acked and acked[0] <= g["committed"][p]:
        if acked.pop(0) == g["committed"][p]:
            g["committed"][p] += 1


def wake_demand(hop: Hop, box: str, g: Group, p: int) -> None:
    """A function consumer with nobody free to take partition `p` scales out (as from a
    queue), up to one instance per partition: more could only idle."""
    consumer = groups(hop)[box].target
    if hop.plan.nodes[consumer].kind != "function" or len(g["members"]) >= partitions(hop):
        return
    member = g["owner"][p]
    if not member or g["credits"].get(member, 0) == 0:
        hop.send({"node": consumer, "t": "demand", "box": box})


# --- events -------------------------------------------------------------------------------


def publish(hop: Hop) -> None:
    event = hop.event
    mid, name = event["mid"], event["name"]
    if messages(hop).exists(mid):
        return  # the same publication again: appended once
    if hop.state.get("down"):
        refuse_publish(hop)
        return
    _, end = bounds(hop)
    p = partition_for(message_key(hop, event), partitions(hop))
    offset = end[p]
    end[p] = offset + 1
    corr = event.get("corr", "")
    entries(hop).set(f"{p}:{offset}", {"mid": mid, "name": name, "corr": corr, "t": round(hop.now, 3)})
    table = groups(hop)
    data = event.get("data") or {}
    record = {
        "name": name, "corr": corr, "t": hop.now, "node": hop.node.id, "data": data, "log": [p, offset],
        "boxes": [box for box, edge in table.items() if edge.carries(name)],
    }  # fmt: skip
    messages(hop).set(mid, record)
    hop.count("messages:published")
    hop.count(f"node:{hop.node.id}:processed")
    hop.audit("published", corr=corr, event=name, mid=mid, data=data)
    hop.audit("appended", corr=corr, event=name, mid=mid, partition=p, offset=offset)
    for box in record["boxes"]:
        deliveries(hop).set(f"{mid}|{box}", "pending")
        hop.count("deliveries:open")
    reply = event.get("reply")
    if reply:
        hop.send(
            {"node": reply["node"], "t": "reply", "fid": reply["fid"], "call": reply["call"], "ok": True, "why": ""}
        )
    for box, edge in table.items():
        g = sync(hop, box, edge.target)
        dispatch(hop, box, g, p)
        if box in record["boxes"]:
            wake_demand(hop, box, g, p)
    note_lag(hop)


def credit(hop: Hop) -> None:
    """A consumer instance offers a free slot to a group; it takes the next message of one of
    the partitions it owns (in turn)."""
    event = hop.event
    box = event["box"]
    g = sync(hop, box, event["consumer"])
    member = f"{event['inst']}|{event['gen']}"
    if member not in g["members"]:
        return  # from an incarnation that has since died or left: the consumer dropped it too
    g["credits"][member] = g["credits"].get(member, 0) + 1
    owned = [p for p, owner in enumerate(g["owner"]) if owner == member]
    for index in range(len(owned)):
        if g["credits"][member] == 0:
            break
        dispatch(hop, box, g, owned[(g["rr"] + index) % len(owned)])
    g["rr"] += 1
    note_lag(hop)


def revoke(hop: Hop) -> None:
    """An instance took back its slots (it stopped, died or is leaving)."""
    event = hop.event
    box = event["box"]
    g = sync(hop, box, event["consumer"])
    prefix = f"{event['inst']}|"
    g["credits"] = {member: n for member, n in g["credits"].items() if not member.startswith(prefix)}


def acknowledge(hop: Hop) -> None:
    event = hop.event
    box, mid = event["box"], event["mid"]
    if hop.state.get("down") or network.severed(hop, event["consumer"]):
        return  # lost on the way: the message is delivered again once the log is reachable
    g = sync(hop, box, event["consumer"])
    record = messages(hop).get(mid) or {}
    if "log" not in record:
        return
    p, offset = int(record["log"][0]), int(record["log"][1])
    current = g["inflight"][p].get(str(offset))
    if current is None or int(current[1]) != int(event.get("n", 0)):
        return  # an answer from before a rebalance or a rewind: that delivery is void
    del g["inflight"][p][str(offset)]
    start, _ = bounds(hop)
    if event["ok"]:
        acknowledged(hop, box, g, p, offset, record)
    elif offset < start[p]:  # to read again, but retention has deleted it meanwhile
        expire(hop, box, g, mid, record)
        mark_acked(g, p, offset)
    elif event["requeue"] or attempts(hop).incr(f"{mid}|{box}|failed") < BUS_MAX_DELIVERIES:
        hop.count("messages:redelivered")
        hop.count(f"box:{box}:redelivered")
        g["next"][p] = min(g["next"][p], offset)  # the same offset again: the partition waits for it
    else:
        if deliveries(hop).get(f"{mid}|{box}") == "pending":
            settle(hop, mid, box, "dead_lettered")
            hop.audit("dead_letter", corr=record.get("corr", ""), event=record.get("name", ""), mid=mid)
        mark_acked(g, p, offset)  # set aside so the partition moves on
    dispatch(hop, box, g, p)
    note_lag(hop)


def acknowledged(hop: Hop, box: str, g: Group, p: int, offset: int, record: dict[str, Any]) -> None:
    mid = hop.event["mid"]
    if offset < g["hi"][p]:
        g["out_of_order"] += 1  # a later offset of this partition finished first
    g["hi"][p] = max(g["hi"][p], offset)
    if deliveries(hop).get(f"{mid}|{box}") == "pending":
        settle(hop, mid, box, "delivered")
    elif offset < g["replay_to"][p]:
        g["replayed"] += 1  # read again after a rewind
        hop.count(f"stream:{hop.node.id}:replayed")
    else:
        hop.count("messages:duplicates")  # delivered again after a rebalance (at least once)
        hop.count(f"box:{box}:duplicates")
    mark_acked(g, p, offset)


def expire(hop: Hop, box: str, g: Group, mid: str, record: dict[str, Any]) -> None:
    """Deleted by retention before this group had read it: lost work, counted as expired."""
    if deliveries(hop).get(f"{mid}|{box}") != "pending":
        return
    settle(hop, mid, box, "expired")
    g["expired"] += 1
    hop.audit("expired", corr=record.get("corr", ""), event=record.get("name", ""), mid=mid, group=box)


def retention_tick(hop: Hop) -> None:
    """Once a run second while traffic lasts: delete what is older than the retention."""
    if hop.now + RETENTION_EVERY_MS < hop.step.end_ms:
        hop.later(RETENTION_EVERY_MS, {"node": hop.node.id, "t": "retention_tick"})
    cutoff = hop.now - float(hop.node.props["retention_s"]) * 1000.0
    start, end = bounds(hop)
    table = {box: sync(hop, box, edge.target) for box, edge in groups(hop).items()}
    for p in range(partitions(hop)):
        while start[p] < end[p]:
            field = f"{p}:{start[p]}"
            entry = entries(hop).get(field)
            if entry is not None and float(entry["t"]) >= cutoff:
                break
            if entry is not None:
                for box, g in table.items():
                    offset = start[p]
                    unread = offset >= g["committed"][p] and offset not in g["acked"][p]
                    if unread and str(offset) not in g["inflight"][p]:
                        expire(hop, box, g, entry["mid"], entry)
                entries(hop).delete(field)
            start[p] += 1
        for g in table.values():
            if g["committed"][p] < start[p]:
                g["committed"][p] = start[p]
                advance(g, p)
            g["next"][p] = max(g["next"][p], start[p])
    note_lag(hop)


def apply_fault(hop: Hop) -> None:
    """rewind: every group reads again from the first retained message published in the
    last `seconds`."""
    event = hop.event
    action = event["action"]
    if action == "rewind":
        rewind(hop, float(event.get("seconds") or 0))
    elif action in OUTAGES or action in ENDINGS:
        if outage(hop, action):
            resume(hop)
    elif network.apply_fault(hop) and action in ("heal_partition", "restore_edge"):
        resume(hop)
    if not event.get("internal"):
        hop.audit("fault", action=event["action"])


def resume(hop: Hop) -> None:
    """Reachable again: each partition with messages out (their acks may have been lost)
    starts again from its committed offset, and every group reads on."""
    for box, edge in groups(hop).items():
        g = sync(hop, box, edge.target)
        for p in range(partitions(hop)):
            if g["inflight"][p]:
                restart_partition(hop, box, g, p, g["committed"][p])
            dispatch(hop, box, g, p)
    note_lag(hop)


def first_offset_since(hop: Hop, p: int, since_ms: float) -> int:
    """The first retained offset of partition `p` published at or after `since_ms` (the
    offsets are in time order, so a binary search)."""
    start, end = bounds(hop)
    low, high = start[p], end[p]
    while low < high:
        middle = (low + high) // 2
        entry = entries(hop).get(f"{p}:{middle}")
        if entry is not None and float(entry["t"]) >= since_ms:
            high = middle
        else:
            low = middle + 1
    return low


def rewind(hop: Hop, seconds: float) -> None:
    since = hop.now - seconds * 1000.0
    targets = [first_offset_since(hop, p, since) for p in range(partitions(hop))]
    total = 0
    for box, edge in groups(hop).items():
        g = sync(hop, box, edge.target)
        for p, target in enumerate(targets):
            if target >= g["committed"][p]:
                continue
            g["rewound"] += g["committed"][p] - target
            total += g["committed"][p] - target
            g["replay_to"][p] = max(g["replay_to"][p], g["committed"][p])
            restart_partition(hop, box, g, p, target)
            dispatch(hop, box, g, p)
    hop.count(f"stream:{hop.node.id}:rewound", total)
    hop.audit("rewind", seconds=seconds, messages=total)
    note_lag(hop)


# --- figures ------------------------------------------------------------------------------


def lag(hop: Hop, g: Group) -> int:
    """Messages between the group's committed offsets and the end of the log."""
    _, end = bounds(hop)
    return sum(max(0, e - c) for e, c in zip(end, g["committed"], strict=True))


def note_lag(hop: Hop) -> None:
    """Write each group's lag as its mailbox depth (the live badge, the backlog measures)."""
    written: dict[str, int] = hop.state.setdefault("lag", {})
    for box in groups(hop):
        value = lag(hop, group(hop, box))
        if written.get(box) == value:
            continue
        if value == 0 and written.get(box, 0) > 0:
            note_emptied(hop, box)
        written[box] = value
        hop.command("hset", keys.depths(hop.run), f"box:{box}", value)
        hop.command("zadd", keys.max_depths(hop.run), "GT", value, f"box:{box}")


def summary_section(node_props: dict[str, Any], state: dict[str, Any], stats: dict[str, float]) -> dict[str, Any]:
    """The summary's `stream` section: each partition's length and, per group, its committed
    offsets, lag, rebalances, expired and replayed messages."""
    count = int(node_props["partitions"])
    start, end = state.get("start", [0] * count), state.get("end", [0] * count)
    out_groups: dict[str, Any] = {}
    for box, g in sorted(state.get("groups", {}).items()):
        owners: dict[str, list[int]] = {}
        for p, owner in enumerate(g["owner"]):
            if owner:
                owners.setdefault(owner.split("|")[0], []).append(p)
        out_groups[box] = {
            "consumer": box.split(">", 1)[1],
            "committed": list(g["committed"]),
            "lag": sum(max(0, e - c) for e, c in zip(end, g["committed"], strict=True)),
            "lag_per_partition": [max(0, e - c) for e, c in zip(end, g["committed"], strict=True)],
            "delivered": int(stats.get(f"box:{box}:delivered", 0)),
            "deliveries": int(stats.get(f"box:{box}:deliveries", 0)),
            "duplicates": int(stats.get(f"box:{box}:duplicates", 0)),
            "redelivered": int(stats.get(f"box:{box}:redelivered", 0)),
            "rebalances": int(g["rebalances"]),
            "rebalance_history": list(g["history"]),
            "assignment": owners,
            "expired": int(g["expired"]),
            "rewound": int(g["rewound"]),
            "replayed": int(g["replayed"]),
            "out_of_order": int(g["out_of_order"]),
        }
    return {
        "partitions": [{"start": s, "end": e, "length": e - s} for s, e in zip(start, end, strict=True)],
        "retention_s": int(node_props["retention_s"]),
        "key": str(node_props["key"]),
        "groups": out_groups,
        "rebalances": sum(g["rebalances"] for g in out_groups.values()),
        "expired": sum(g["expired"] for g in out_groups.values()),
    }
