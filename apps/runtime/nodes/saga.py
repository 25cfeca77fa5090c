"""A saga orchestrator: one command, run as a sequence of calls that are undone on failure.

Each call the saga receives starts a saga (a frame at the node). Its steps are its call edges,
in the order of its `steps` prop (target node ids) or, when that is empty, in the order the
edges were drawn. Step i calls its target with `operations[i]`, or with the saga's own
command when no operation is given for it.

- Forward. Before each call the orchestrator records its progress (`orchestration_ms` of run
  time), then makes the call: a real call along the edge, with the edge's retries and circuit
  breaker, waiting at most `step_timeout_ms` (the saga's, not the edge's timeout). When the
  last step has succeeded the caller gets its answer: completed.
- Compensation. When a step fails (an error, a timeout, an open breaker, a cut edge, after
  the edge's retries), every step that had completed is undone, newest first: a call to the
  same target with the step's operation prefixed "Undo" (ReserveStock → UndoReserveStock). The
  target handles it like any call, so it can fail or time out too; a failed compensation is
  tried again up to `compensation_retries` times. Then the caller is answered with an error:
  "compensated" when every completed step was undone, "stuck" when a compensation kept
  failing (the saga stops there: the data is left half done, for someone to repair).

An outage (its zone or region down) stops the orchestrator: a saga asked for meanwhile is
refused ("connection refused"), and the progress of the sagas under way (their replies, timers
and next steps) waits in its durable log until it is back, then goes on where it stopped.

The summary counts sagas started, completed, compensated and stuck, the compensation calls
made, and at which step the failed sagas failed.
"""

from typing import Any

from apps.runtime.hop import Hop
from apps.runtime.nodes import calls, network
from apps.runtime.plan import EdgePlan, NodePlan

UNDO = "Undo"


HELD_WHILE_DOWN = ("advance", "reply", "call_timeout")


def handle(hop: Hop) -> None:
    event = hop.event
    if hop.state.get("down") and event["t"] in HELD_WHILE_DOWN:
        hop.state.setdefault("held", []).append({k: v for k, v in event.items() if k not in ("id", "at")})
        return
    match event["t"]:
        case "call" if hop.state.get("down"):
            refuse(hop)
        case "call":
            start(hop)
        case "advance":
            advance(hop)
        case "reply":
            step_answered(hop, event["fid"], event["call"], bool(event["ok"]), event.get("why", ""), event.get("local"))
        case "call_timeout":
            step_answered(hop, event["fid"], event["call"], False, "timeout", False)
        case "fault":
            apply_fault(hop)


def saga_steps(node: NodePlan) -> list[tuple[EdgePlan, str | None]]:
    """The steps in order: (call edge, operation or None for the saga's own command)."""
    edges = node.calls()
    order: list[str] = list(node.props.get("steps") or []) or [edge.target for edge in edges]
    operations: list[str] = list(node.props.get("operations") or [])
    by_target = {edge.target: edge for edge in edges}
    steps: list[tuple[EdgePlan, str | None]] = []
    for index, target in enumerate(order):
        if target in by_target:  # validation refuses a step that is not a call edge's target
            steps.append((by_target[target], operations[index] if index < len(operations) else None))
    return steps


def undo_name(operation: str) -> str:
    return f"{UNDO}{operation}"


def count(hop: Hop, what: str, amount: int = 1) -> None:
    hop.count(f"saga:{hop.node.id}:{what}", amount)


def refuse(hop: Hop) -> None:
    event = hop.event
    frame = {key: event.get(key, "") for key in ("call", "from", "ffid", "rid", "op", "opkind", "client", "corr")}
    frame.update(fid=event["call"], arrived=hop.now)
    hop.count(f"node:{hop.node.id}:errors")
    calls.reply_to_caller(hop, frame, False, "connection refused")


def start(hop: Hop) -> None:
    event = hop.event
    frame: dict[str, Any] = {
        key: event.get(key, "") for key in ("call", "from", "ffid", "rid", "op", "opkind", "client", "corr")
    }
    frame.update(fid=event["call"], arrived=hop.now, command=event.get("op", ""), step=0, done=[], phase="forward")
    count(hop, "started")
    hop.audit("saga_started", corr=frame["corr"], command=frame["command"])
    hop.put_frame(frame)
    record_progress(hop, frame)


def record_progress(hop: Hop, frame: dict[str, Any]) -> None:
    """The orchestrator writes down where the saga is, then takes its next action."""
    hop.later(float(hop.node.props["orchestration_ms"]), {"node": hop.node.id, "t": "advance", "fid": frame["fid"]})


def advance(hop: Hop) -> None:
    frame = hop.frame(hop.event["fid"])
    if frame is None or frame.get("wait"):
        return
    steps = saga_steps(hop.node)
    if frame["phase"] == "forward":
        if frame["step"] >= len(steps):
            finish(hop, frame, "completed")
            return
        edge, operation = steps[frame["step"]]
        frame["op"] = operation or frame["command"]
        frame["tries"] = 0
    else:
        pending: list[int] = frame["undo"]
        if frame["undone"] >= len(pending):
            finish(hop, frame, "compensated")
            return
        edge, operation = steps[pending[frame["undone"]]]
        frame["op"] = undo_name(operation or frame["command"])
        count(hop, "compensation_calls")
    frame["target"] = edge.target  # kept here: a call refused by an open breaker never sets `edge`
    calls.call_downstream(hop, frame, edge, timeout_ms=float(hop.node.props["step_timeout_ms"]))


def step_answered(hop: Hop, fid: str, call_id: str, ok: bool, why: str, local: Any) -> None:
    frame = hop.frame(fid)
    if frame is None:
        return
    if not local and frame.get("wait") != call_id:
        return  # a late reply or an expired timeout for a call already settled
    if not local:
        calls.settle_downstream(hop, frame, ok)
    frame["wait"] = None
    if frame["phase"] == "forward":
        forward_answered(hop, frame, ok, why, bool(local))
    else:
        compensation_answered(hop, frame, ok, why)


def forward_answered(hop: Hop, frame: dict[str, Any], ok: bool, why: str, local: bool) -> None:
    if ok:
        frame["done"].append(frame["step"])
        frame["step"] += 1
        hop.put_frame(frame)
        record_progress(hop, frame)
        return
    if not local and calls.should_retry(hop, frame):
        count(hop, "step_retries")
        edge = hop.plan.edges[frame["edge"]]
        calls.call_downstream(hop, frame, edge, timeout_ms=float(hop.node.props["step_timeout_ms"]))
        return
    target = frame["target"]
    count(hop, f"failed_at:{target}")
    hop.audit("saga_step_failed", corr=frame["corr"], step=target, op=frame["op"], why=why)
    frame.update(phase="compensate", failed=target, reason=why, undo=list(reversed(frame["done"])), undone=0, retried=0)
    hop.put_frame(frame)
    record_progress(hop, frame)


def compensation_answered(hop: Hop, frame: dict[str, Any], ok: bool, why: str) -> None:
    if ok:
        frame["undone"] += 1
        frame["retried"] = 0
    elif frame["retried"] < int(hop.node.props["compensation_retries"]):
        frame["retried"] += 1
        count(hop, "compensation_retries")
    else:
        hop.audit("saga_stuck", corr=frame["corr"], step=frame["target"], op=frame["op"], why=why)
        finish(hop, frame, "stuck")
        return
    hop.put_frame(frame)
    record_progress(hop, frame)


def finish(hop: Hop, frame: dict[str, Any], outcome: str) -> None:
    """Answer the caller: completed, or an error once compensated (or stuck)."""
    hop.drop_frame(frame["fid"])
    count(hop, outcome)
    hop.count(f"node:{hop.node.id}:processed")
    if outcome != "completed":
        hop.count(f"node:{hop.node.id}:errors")
    hop.observe_latency(f"node:{hop.node.id}", hop.now - float(frame["arrived"]))
    detail = {"failed_step": frame["failed"], "why": frame["reason"]} if outcome != "completed" else {}
    hop.audit("saga_ended", corr=frame["corr"], outcome=outcome, **detail)
    calls.reply_to_caller(hop, frame, outcome == "completed", "" if outcome == "completed" else outcome)


def apply_fault(hop: Hop) -> None:
    event = hop.event
    if event["action"] == "kill_zone":
        hop.state["down"] = True
    elif event["action"] == "restore_zone" and hop.state.get("down"):
        hop.state["down"] = False
        held = hop.state.pop("held", [])
        answered = {(e["fid"], e["call"]) for e in held if e["t"] == "reply"}
        for event_kept in held:  # the progress kept meanwhile goes on
            if event_kept["t"] == "call_timeout" and (event_kept["fid"], event_kept["call"]) in answered:
                continue  # its reply came in time (it waited in the log too)
            hop.later(0.0, event_kept)
    else:
        network.apply_fault(hop)  # a slow link, packet loss, a cut edge or a partition (network.py)
    hop.audit("fault", action=event["action"])
