"""Apply one event (a hop) at its node, then publish what it caused."""

import json
import logging
from typing import Any

from apps.engine.runtime import broker, keys
from apps.engine.runtime.broker import ENGINE_QUEUE
from apps.engine.runtime.clock import Clock
from apps.engine.runtime.hop import Hop, begin
from apps.engine.runtime.plan import Plan, compile_plan
from apps.engine.runtime.redis import client

log = logging.getLogger(__name__)
_contexts: dict[str, tuple[Plan, Clock]] = {}


def run_context(run: str) -> tuple[Plan, Clock] | None:
    """The compiled topology and clock of a run, cached per process (None once it ended)."""
    if run in _contexts:
        return _contexts[run]
    meta = client().hgetall(keys.meta(run))
    if not meta:
        return None
    document = json.loads(meta[b"document"])
    plan = compile_plan(document)
    plan.trace = meta.get(b"trace") == b"1"
    context = (plan, Clock(float(meta[b"t0"]), float(meta[b"speed"])))
    if len(_contexts) > 32:
        _contexts.clear()
    _contexts[run] = context
    return context


def apply_event(run: str, event: dict[str, Any]) -> None:
    context = run_context(run)
    if context is None:
        return  # the run is over and its state gone
    plan, clock = context
    node = plan.nodes.get(event.get("node", ""))
    if node is None:
        log.warning("run %s: event for unknown node %r", run, event.get("node"))
        return
    from apps.engine.nodes import HANDLERS

    r = client()
    reads = [edge.target for edge in node.calls()] if node.kind == "load_balancer" else []
    frame_id = event.get("fid") or (event.get("call") if event.get("t") == "call" else "") or ""
    loaded = begin(r, run, node.id, event["id"], frame_id, reads)
    if loaded is None:
        return  # applied before (a redelivery); what it caused is in `pending`
    try:
        hop = Hop(r, run, plan, clock, node, event, loaded, reads)
        HANDLERS[node.kind](hop)
        published = hop.commit()
    except BaseException:
        r.delete(keys.lock(run, node.id))
        raise
    publish(run, published)


def publish(run: str, events: list[str], *, track: bool = True) -> None:
    """Hand events to the broker, then drop them from the run's `pending` set (`track`)."""
    if not events:
        return
    if broker.lean():
        pipe = client().pipeline(transaction=False)
        broker.push(pipe, run, events)
        if track:
            pipe.zrem(keys.pending(run), *events)
        pipe.execute()
        return
    from apps.engine.tasks import hop as hop_task

    for data in events:
        hop_task.apply_async((run, data), queue=ENGINE_QUEUE)
    if track:
        client().zrem(keys.pending(run), *events)
