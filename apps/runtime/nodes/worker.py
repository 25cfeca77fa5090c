"""Nodes that do work on instances: service, function, database, read model.

Each instance has `concurrency` slots and a FIFO waiting line (a Redis list). A call or a
message takes a slot for its service time — a timer, so no worker process is held — then
makes the node's synchronous downstream calls one after another, publishes its event, and
answers (a reply to a call, an ack to a mailbox). A freed slot serves the waiting line
first, then is offered as a credit to the mailboxes the node consumes: messages are pushed
to consumers only against credits, so a stopped or dead consumer receives nothing and its
messages wait in the mailbox.
"""

import hashlib
import json
from typing import Any

from apps.runtime import keys
from apps.runtime.hop import Hop
from apps.runtime.nodes import behaviour, calls, errors, impairments, messaging, network
from apps.runtime.physics.autoscaling import decide, metric_from_counts
from apps.runtime.physics.latency import sample_ms
from apps.runtime.stores import Line

WAITING_LIMIT = 10_000
DEFAULT_CONCURRENCY = {"database": 64, "read_model": 64, "function": 1}


def handle(hop: Hop) -> None:
    event = hop.event
    match event["t"]:
        case "call":
            receive_call(hop)
        case "deliver":
            receive_message(hop)
        case "done":
            service_done(hop)
        case "reply":
            downstream_reply(
                hop, event["fid"], event["call"], bool(event["ok"]), event.get("why", ""), event.get("local")
            )
        case "call_timeout":
            downstream_reply(hop, event["fid"], event["call"], False, "timeout", False)
        case "probe":
            probe(hop)
        case "demand":
            demand(hop)
        case "scale_tick":
            scale_tick(hop)
        case "fault":
            apply_fault(hop)


# --- instances --------------------------------------------------------------------------


def concurrency(hop: Hop) -> int:
    """Slots per instance: the node's, less what a noisy neighbour took (one is always left; a
    function's one slot is never taken: a neighbour takes its instances instead)."""
    value = hop.node.props.get("concurrency")
    slots = int(value) if value else DEFAULT_CONCURRENCY.get(hop.node.kind, 4)
    return max(1, slots - int(hop.state.get("stolen_slots", 0)))


def instances(hop: Hop) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = hop.state.setdefault("instances", {})
    return result


def new_instance(*, standby: bool = False, zone: str = "", warm_at: float = 0.0) -> dict[str, Any]:
    return {"alive": True, "standby": standby, "busy": 0, "credits": {}, "zone": zone, "gen": 0, "warm_at": warm_at}


def working(instance: dict[str, Any]) -> int:
    """Slots doing work. `busy` also counts the slots offered to mailboxes as credits: a node
    that serves calls and consumes messages gives a call any slot not working, and a message
    that then arrives against its credit waits in the line like a call."""
    return int(instance["busy"]) - sum(instance["credits"].values())


def usable(instance: dict[str, Any] | None) -> bool:
    return bool(instance and instance["alive"] and not instance.get("retired") and not instance.get("retiring"))


def pick_instance(hop: Hop) -> str | None:
    """Without a load balancer in front, callers rotate over the active instances, dead or not."""
    names = [n for n, i in instances(hop).items() if not i.get("standby") and not i.get("retired")]
    if hop.node.kind == "function":
        free = [n for n in names if usable(instances(hop)[n]) and instances(hop)[n]["busy"] < concurrency(hop)]
        if free:
            return free[0]
        return add_function_instance(hop) or (names[0] if names else None)
    if not names:
        return None
    index = int(hop.state.get("rr", 0)) % len(names)
    hop.state["rr"] = index + 1
    return names[index]


def add_function_instance(hop: Hop) -> str | None:
    """A cold start, unless the function is at its limit: `max_instances`, less what a noisy
    neighbour took of it (another function of the account using its concurrency; one is left)."""
    live = [i for i in instances(hop).values() if not i.get("retired")]
    limit = max(1, int(hop.node.props["max_instances"]) - int(hop.state.get("stolen_slots", 0)))
    if len(live) >= limit:
        return None
    name = str(int(hop.state.get("next_instance", 0)))
    hop.state["next_instance"] = int(name) + 1
    instances(hop)[name] = new_instance(warm_at=hop.now + float(hop.node.props["cold_start_ms"]))
    instances(hop)[name]["idle_since"] = hop.now
    hop.count(f"node:{hop.node.id}:cold_starts")
    hop.audit("scale", instance=name, direction="out", reason="cold start")
    return name


def waiting_line(hop: Hop, instance: str) -> Line:
    return hop.line(keys.waiting(hop.run, hop.node.id, instance), f"wait:{hop.node.id}:{instance}")


# --- work -------------------------------------------------------------------------------


def receive_call(hop: Hop) -> None:
    event = hop.event
    frame: dict[str, Any] = {
        key: event.get(key, "") for key in ("call", "from", "ffid", "rid", "op", "opkind", "client", "corr")
    }
    frame.update(fid=event["call"], kind="call", arrived=hop.now, stage=0, name=event.get("op", ""))
    name = event.get("inst") or pick_instance(hop)
    instance = instances(hop).get(name or "")
    if not usable(instance):
        hop.count(f"node:{hop.node.id}:refused")
        hop.count(f"node:{hop.node.id}:errors")
        calls.reply_to_caller(hop, frame, False, "connection refused")
        return
    assert instance is not None and name is not None
    frame["inst"], frame["gen"] = name, instance["gen"]
    if errors.fails_fast(hop):
        fail_fast(hop, frame, name, instance)
        return
    admit(hop, frame, name, instance)


def fail_fast(hop: Hop, frame: dict[str, Any], name: str, instance: dict[str, Any]) -> None:
    """A broken server (fail_fast) fails the work at once, without doing it or taking a slot: a
    call is answered with an error (its requests in progress stay near zero, so a
    least-connections balancer keeps choosing it); a message is not acknowledged (delivered
    again, up to its limit) and its slot offered again."""
    hop.count(f"node:{hop.node.id}:processed")
    hop.count(f"node:{hop.node.id}:errors")
    hop.count(f"node:{hop.node.id}:failed_fast")
    hop.count(f"inst:{hop.node.id}/{name}:processed")
    hop.observe_latency(f"node:{hop.node.id}", 0.0)
    if frame["kind"] == "call":
        calls.reply_to_caller(hop, frame, False, "error (failed fast)")
        return
    ack(hop, frame, ok=False, requeue=False)
    refill(hop, name, instance)


def admit(hop: Hop, frame: dict[str, Any], name: str, instance: dict[str, Any]) -> None:
    if working(instance) < concurrency(hop):
        start(hop, frame, instance)
        return
    line = waiting_line(hop, name)
    if len(line) >= WAITING_LIMIT:
        hop.count(f"node:{hop.node.id}:rejected")
        finish_answer(hop, frame, False, "queue full")
        return
    hop.put_frame(frame)
    line.push(frame["fid"])


def service_time_ms(hop: Hop, instance: dict[str, Any]) -> float:
    latency = {"distribution": "exponential", "sigma": 0.5, **hop.node.props.get("latency", {})}
    value = sample_ms(hop.rng, latency) + float(hop.state.get("extra_latency_ms", 0)) + leaked_ms(hop, instance)
    if instance.get("warm_at", 0) > hop.now:
        value += instance["warm_at"] - hop.now  # still starting (a function's cold start)
    return value


def leaked_ms(hop: Hop, instance: dict[str, Any]) -> float:
    """A slow leak's toll: its rate times the seconds since the leak began or since the
    instance last (re)started, whichever is later; a restart clears it."""
    leak = hop.state.get("leak")
    if not leak:
        return 0.0
    since = max(float(leak["since"]), float(instance.get("started_at", 0.0)))
    return float(leak["ms_per_s"]) * max(0.0, hop.now - since) / 1000.0


def track_work(hop: Hop, change: int) -> None:
    """Keep the area under the node's busy-slots curve: utilisation over any window is the
    area added in it divided by (slots × window), exact rather than one noisy sample."""
    util = hop.state.setdefault("util", {"area": 0.0, "at": hop.now, "working": 0})
    util["area"] += util["working"] * max(0.0, hop.now - util["at"])
    util["at"] = hop.now
    util["working"] = max(0, util["working"] + change)


def start(hop: Hop, frame: dict[str, Any], instance: dict[str, Any]) -> None:
    instance.setdefault("first_at", round(hop.now, 1))
    track_work(hop, +1)
    instance["busy"] += 1
    instance.pop("idle_since", None)
    begins = max(hop.now, float(frame["arrived"]))  # never before the call arrived
    frame["started"] = begins
    hop.put_frame(frame)
    service_ms = max(service_time_ms(hop, instance), behaviour.projection_lag_ms(hop, frame, begins))
    hop.at(begins + service_ms, {"node": hop.node.id, "t": "done", "fid": frame["fid"]})
    if hop.plan.trace:
        record = {"node": hop.node.id, "inst": frame["inst"], "arrived": frame["arrived"], "service_ms": service_ms}
        hop.command("rpush", keys.trace(hop.run), json.dumps(record))


def current(hop: Hop, fid: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The frame and its instance, if the frame still belongs to a live incarnation."""
    frame = hop.frame(fid)
    if frame is None:
        return None, None
    instance = instances(hop).get(frame["inst"])
    if instance is None or not instance["alive"] or instance["gen"] != frame["gen"]:
        return None, None
    return frame, instance


def service_done(hop: Hop) -> None:
    frame, instance = current(hop, hop.event["fid"])
    if frame is None or instance is None:
        return
    if hop.rng.random() < errors.error_rate(hop):
        finish(hop, frame, instance, False, "error")
        return
    next_step(hop, frame, instance)


def _steps(hop: Hop, frame: dict[str, Any]) -> list[Any]:
    return calls.matching_call_edges(hop, frame["name"])


def next_step(hop: Hop, frame: dict[str, Any], instance: dict[str, Any]) -> None:
    steps = _steps(hop, frame)
    if frame["stage"] < len(steps):
        calls.call_downstream(hop, frame, steps[frame["stage"]])
        return
    if frame["kind"] == "msg" and handled_before(hop, frame) and hop.node.props.get("idempotent"):
        hop.count(f"node:{hop.node.id}:duplicates_ignored")
        hop.audit("duplicate_ignored", corr=frame.get("corr", ""), event=frame["name"], mid=frame["mid"])
        finish(hop, frame, instance, True, "")
        return
    outcome = behaviour.effect(hop, frame)
    if not outcome.declined:
        publish_events(hop, frame, outcome.events)
    finish(hop, frame, instance, True, outcome.declined)


def handled_before(hop: Hop, frame: dict[str, Any]) -> bool:
    """Whether this node already handled this message (a delivery again: the ack was lost, or
    an instance died after its work). An idempotent consumer ignores it; any other applies its
    work again, counted as a duplicate applied."""
    if hop.records(keys.handled(hop.run)).setnx(f"{hop.node.id}|{frame['mid']}", "1"):
        return False
    if not hop.node.props.get("idempotent"):
        hop.count(f"node:{hop.node.id}:duplicates_applied")
        hop.count("messages:duplicates_applied")
        hop.audit("duplicate_applied", corr=frame.get("corr", ""), event=frame["name"], mid=frame["mid"])
    return True


def downstream_reply(hop: Hop, fid: str, call_id: str, ok: bool, why: str, local: Any) -> None:
    frame, instance = current(hop, fid)
    if frame is None or instance is None:
        return
    if not local and frame.get("wait") != call_id:
        return
    if not local:
        calls.settle_downstream(hop, frame, ok)
    if not ok and not local and calls.should_retry(hop, frame):
        calls.call_downstream(hop, frame, hop.plan.edges[frame["edge"]])
        return
    if not ok:
        finish(hop, frame, instance, False, why)
        return
    frame["stage"] += 1
    frame["tries"] = 0
    next_step(hop, frame, instance)


def event_name(hop: Hop, frame: dict[str, Any]) -> str | None:
    """The event a successful command or message publishes: the first of `publishes`, or the
    one naming a cancellation for a Cancel… operation. Queries publish nothing."""
    names: list[str] = list(hop.node.props.get("publishes") or [])
    if not names or frame.get("opkind") == "query":
        return None
    cancelling = "cancel" in frame["name"].lower()
    for name in names:
        if ("cancel" in name.lower()) == cancelling:
            return name
    return names[0]


def publish_events(hop: Hop, frame: dict[str, Any], chosen: list[tuple[str, dict[str, Any]]] | None = None) -> None:
    """Publish along every publish edge that carries the event: the events a domain behaviour
    chose (with their data), else the node's own event for this work (`event_name`)."""
    if chosen is None:
        name = event_name(hop, frame)
        name = name if name is not None else (frame["name"] if hop.node.kind == "function" else None)
        chosen = [(name, {})] if name is not None else []
    for index, (message, data) in enumerate(chosen):
        for edge in hop.node.publishes_to():
            if not edge.carries(message):
                continue
            if edge.id in hop.state.get("cut_edges", []) or not messaging.accepts_publish(hop, edge.target):
                # the edge is cut, or the broker is down or cut off: the publish fails
                hop.count(f"node:{hop.node.id}:publish_failed")
                hop.audit("publish_failed", corr=frame.get("corr", ""), event=message, to=edge.target)
                continue
            suffix = f"|{index}" if index else ""
            mid = hashlib.blake2b(f"{frame['fid']}|{edge.id}{suffix}".encode(), digest_size=8).hexdigest()
            corr = frame.get("corr", "")
            event = {"node": edge.target, "t": "publish", "mid": mid, "name": message, "corr": corr, "data": data}
            network.send_delayed(hop, event, network.session_delay(hop, edge))  # a slow link, retransmissions
            hop.count(f"node:{hop.node.id}:published")
            hop.audit("publish", corr=corr, event=message, to=edge.target, mid=mid)


def finish_answer(hop: Hop, frame: dict[str, Any], ok: bool, why: str) -> None:
    if frame["kind"] == "call":
        calls.reply_to_caller(hop, frame, ok, why)
    else:
        ack(hop, frame, ok=ok, requeue=False)


def finish(hop: Hop, frame: dict[str, Any], instance: dict[str, Any], ok: bool, why: str) -> None:
    track_work(hop, -1)
    hop.drop_frame(frame["fid"])
    instance["busy"] = max(0, instance["busy"] - 1)
    hop.count(f"node:{hop.node.id}:processed")
    if not ok:
        hop.count(f"node:{hop.node.id}:errors")
    hop.count(f"inst:{hop.node.id}/{frame['inst']}:processed")
    hop.observe_latency(f"node:{hop.node.id}", hop.now - float(frame["arrived"]))
    arrived = float(frame["arrived"])
    timing = {
        "instance": frame["inst"], "ok": ok, "arrived": round(arrived, 2),
        "wait_ms": round(float(frame.get("started", arrived)) - arrived, 2), "total_ms": round(hop.now - arrived, 2),
    }  # fmt: skip
    if why:
        timing["why"] = why
    if frame["kind"] == "msg":
        hop.audit("handled", corr=frame.get("corr", ""), event=frame["name"], **timing)
    else:
        hop.audit("served", corr=frame.get("corr", ""), op=frame["name"], **timing)
    finish_answer(hop, frame, ok, why)
    refill(hop, frame["inst"], instance)


def refill(hop: Hop, name: str, instance: dict[str, Any]) -> None:
    """Serve the waiting line, then offer the free slots to the consumed mailboxes."""
    if not usable(instance):
        return
    line = waiting_line(hop, name)
    free = concurrency(hop) - working(instance)
    for _ in range(min(max(free, 0), len(line))):
        fid = line.pop()
        frame = hop.frame(fid) if fid is not None else None
        if frame is not None:
            start(hop, frame, instance)
    boxes = consumed_boxes(hop)
    if not boxes or hop.state.get("stopped"):
        if instance["busy"] == 0:
            instance["idle_since"] = hop.now
        return
    while instance["busy"] < concurrency(hop):
        rotation = int(hop.state.get("credit_rr", 0))
        box = boxes[rotation % len(boxes)]
        hop.state["credit_rr"] = rotation + 1
        instance["busy"] += 1
        instance["credits"][box] = instance["credits"].get(box, 0) + 1
        messaging_node = hop.plan.mailboxes()[box][0]
        hop.send(
            {
                "node": messaging_node,
                "t": "credit",
                "box": box,
                "consumer": hop.node.id,
                "inst": name,
                "gen": instance["gen"],
            }
        )


def consumed_boxes(hop: Hop) -> list[str]:
    return sorted(box for box, (_, consumers) in hop.plan.mailboxes().items() if hop.node.id in consumers)


# --- messages ---------------------------------------------------------------------------


def receive_message(hop: Hop) -> None:
    event = hop.event
    name, box = event["inst"], event["box"]
    instance = instances(hop).get(name)
    fid = f"{event['mid']}|{box}|{event['n']}"
    frame: dict[str, Any] = {
        "fid": fid, "kind": "msg", "mid": event["mid"], "box": box, "name": event["name"], "opkind": "event",
        "corr": event.get("corr", ""), "rid": event.get("corr", ""), "op": event["name"], "client": "",
        "arrived": hop.now, "stage": 0, "inst": name, "n": event["n"], "data": event.get("data") or {},
        "at": event.get("at", hop.now),
    }  # fmt: skip
    if instance is None or not usable(instance) or hop.state.get("stopped") or instance["gen"] != event.get("gen"):
        ack(hop, frame, ok=False, requeue=True)
        return
    instance["credits"][box] = max(0, instance["credits"].get(box, 0) - 1)
    instance["busy"] = max(0, instance["busy"] - 1)  # the reserved slot becomes a working one
    frame["gen"] = instance["gen"]
    if errors.fails_fast(hop):
        fail_fast(hop, frame, name, instance)
        return
    admit(hop, frame, name, instance)


def ack(hop: Hop, frame: dict[str, Any], *, ok: bool, requeue: bool) -> None:
    messaging_node = hop.plan.mailboxes()[frame["box"]][0]
    hop.send(
        {
            "node": messaging_node, "t": "ack", "box": frame["box"], "mid": frame["mid"], "ok": ok, "requeue": requeue,
            "consumer": hop.node.id, "inst": frame["inst"], "n": frame.get("n", 1),
        }
    )  # fmt: skip


def demand(hop: Hop) -> None:
    """A mailbox has work and no credits: a function scales out from zero."""
    if hop.node.kind != "function" or hop.state.get("stopped"):
        return
    name = add_function_instance(hop)
    if name is not None:
        refill(hop, name, instances(hop)[name])


# --- health, scaling, faults --------------------------------------------------------------


def probe(hop: Hop) -> None:
    event = hop.event
    if usable(instances(hop).get(event["inst"])) and not network.cut_apart(hop, event["lb"]):
        hop.send({"node": event["lb"], "t": "probe_ok", "key": event["key"], "seq": event["seq"]})


SCALE_EVERY_MS = 1000.0


def scale_tick(hop: Hop) -> None:
    """Once a run second while traffic lasts: retire idle functions, or follow the policy."""
    if hop.now + SCALE_EVERY_MS < hop.step.end_ms:
        hop.later(SCALE_EVERY_MS, {"node": hop.node.id, "t": "scale_tick"})
    if hop.node.kind == "function":
        retire_idle_functions(hop)
        return
    scaling = hop.node.props.get("autoscaling") or {}
    if not scaling.get("enabled"):
        return
    active = {n: i for n, i in instances(hop).items() if usable(i) and not i.get("standby")}
    track_work(hop, 0)
    util = hop.state["util"]
    window_ms = max(1.0, hop.now - util.get("tick_at", hop.now - 1000.0))
    busy = (util["area"] - util.get("tick_area", 0.0)) / window_ms  # mean busy slots over the window
    util["tick_at"], util["tick_area"] = hop.now, util["area"]
    waiting = sum(len(waiting_line(hop, n)) for n in active)
    metric = metric_from_counts(
        scaling["metric"],
        busy_slots=round(busy, 3),
        total_slots=max(1, len(active) * concurrency(hop)),
        waiting=waiting,
        instances=max(1, len(active)),
    )
    target = decide(hop.now / 1000.0, len(active), scaling, metric, hop.state.get("last_scale_s"))
    if target == len(active):
        return
    hop.state["last_scale_s"] = hop.now / 1000.0
    events = hop.state.setdefault("scale_events", [])
    events.append({"t": hop.now, "from": len(active), "to": target, "metric": round(metric, 3)})
    hop.audit("scale", direction="out" if target > len(active) else "in", replicas=target, metric=round(metric, 3))
    hop.count(f"node:{hop.node.id}:scale_events")
    if target > len(active):
        for _ in range(target - len(active)):
            name = str(int(hop.state.get("next_instance", len(instances(hop)))))
            hop.state["next_instance"] = int(name) + 1
            instances(hop)[name] = {**new_instance(zone=hop.node.zone), "started_at": round(hop.now, 3)}
            refill(hop, name, instances(hop)[name])
    else:
        for name in sorted(active, key=lambda n: int(n) if n.isdigit() else 0, reverse=True)[: len(active) - target]:
            retire(hop, name)


def retire(hop: Hop, name: str) -> None:
    """Scale in: the instance takes no new work; it is gone once idle (no request is dropped)."""
    instance = instances(hop)[name]
    instance["retiring"] = True
    if instance["busy"] - sum(instance["credits"].values()) <= 0 and len(waiting_line(hop, name)) == 0:
        instance["retired"] = True
    revoke_credits(hop, name, instance)


def revoke_credits(hop: Hop, name: str, instance: dict[str, Any]) -> None:
    """Take back the slots an instance offered to mailboxes (it stopped, died or is leaving)."""
    for box, count in instance["credits"].items():
        if count:
            messaging_node = hop.plan.mailboxes()[box][0]
            hop.send({"node": messaging_node, "t": "revoke", "box": box, "consumer": hop.node.id, "inst": name})
    instance["busy"] -= sum(instance["credits"].values())
    instance["credits"] = {}


def retire_idle_functions(hop: Hop) -> None:
    idle_ms = float(hop.node.props["idle_timeout_s"]) * 1000.0
    for name, instance in instances(hop).items():
        real_busy = instance["busy"] - sum(instance["credits"].values())
        if usable(instance) and real_busy == 0 and hop.now - instance.get("idle_since", hop.now) >= idle_ms:
            retire(hop, name)
            instance["retired"] = True
            hop.count(f"node:{hop.node.id}:scaled_to_zero")
            hop.audit("scale", instance=name, direction="in", reason="idle")


def kill(hop: Hop, name: str) -> None:
    instance = instances(hop).get(name)
    if instance is None or not instance["alive"]:
        return
    instance["alive"] = False
    instance["gen"] += 1
    working = instance["busy"] - sum(instance["credits"].values())
    track_work(hop, -max(0, working))
    revoke_credits(hop, name, instance)
    instance["busy"] = 0
    # In-flight calls die with the instance (their callers time out); messages go back.
    for fid, frame in list(hop.all_frames()):
        if frame.get("inst") != name:
            continue
        hop.drop_frame(fid)
        if frame["kind"] == "msg":
            ack(hop, frame, ok=False, requeue=True)
    waiting_line(hop, name).clear()
    hop.count(f"node:{hop.node.id}:kills")


def restore(hop: Hop, name: str) -> None:
    instance = instances(hop).get(name)
    if instance is None or instance["alive"]:
        return
    instance["alive"] = True
    instance["started_at"] = round(hop.now, 3)  # a fresh process: a slow leak starts again from nothing
    refill(hop, name, instance)


def apply_fault(hop: Hop) -> None:
    event = hop.event
    action = event["action"]
    names = sorted(instances(hop))
    if action in ("kill_instance", "restore_instance"):
        index = int(event.get("instance", 0))
        if index < len(names):
            (kill if action == "kill_instance" else restore)(hop, names[index])
    elif action in ("kill_zone", "restore_zone"):
        for name in names:
            (kill if action == "kill_zone" else restore)(hop, name)
    elif action == "stop_consumer":
        hop.state["stopped"] = True
        for name, instance in instances(hop).items():
            revoke_credits(hop, name, instance)
    elif action == "start_consumer":
        hop.state["stopped"] = False
        for name, instance in instances(hop).items():
            refill(hop, name, instance)
    elif impairments.apply_fault(hop) or network.apply_fault(hop):
        pass  # added latency, errors (impairments.py); a slow link, a cut edge, a partition (network.py)
    elif action == "fail_fast":
        hop.state["fast_error_rate"] = event.get("error_rate")
    elif action == "steal_slots":
        hop.state["stolen_slots"] = int(event.get("slots") or 0)
    elif action == "slow_leak":
        rate = float(event.get("leak_ms_per_s") or 0)
        hop.state["leak"] = {"ms_per_s": rate, "since": round(hop.now, 3)} if rate > 0 else None
    if not event.get("internal"):
        hop.audit("fault", action=action)
