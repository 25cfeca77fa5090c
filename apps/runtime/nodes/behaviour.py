"""Where the engine meets the domain: the business step at the end of a piece of work.

A service with a `behaviour` runs its rule (apps/domain/behaviours) once its service time and
its downstream calls are done, and publishes the events the rule chose, with their data. A
read model applies each event it consumes to its projection, no sooner than `lag_ms` after
the event was published, and answers queries from the projection, counting the answers that
were stale (behind the write model). The database is touched inside the hop, before the
commit: every step here is idempotent, so a hop redelivered after a crash changes nothing.
"""

from typing import Any

from apps.domain import projections
from apps.domain.behaviours import perform
from apps.domain.work import Effect, Work
from apps.runtime.hop import Hop


def effect(hop: Hop, frame: dict[str, Any]) -> Effect:
    """The business outcome of the frame's work (an accept-all Effect for plain nodes)."""
    if hop.node.kind == "read_model":
        return read_model_step(hop, frame)
    behaviour = str(hop.node.props.get("behaviour") or "none")
    if hop.node.kind != "service" or behaviour == "none":
        return Effect()
    work = Work(
        run=hop.run, node=hop.node.id, behaviour=behaviour, props=hop.node.props, name=frame["name"],
        opkind=frame.get("opkind") or "command", corr=frame.get("corr") or frame.get("rid") or "",
        client=frame.get("client") or "", data=frame.get("data") or {}, now_ms=hop.now,
        publishes=tuple(hop.node.props.get("publishes") or ()),
    )  # fmt: skip
    result = perform(work)
    for note in result.notes:
        hop.audit("decision", corr=work.corr, behaviour=behaviour, op=work.name, **note)
    if result.declined:
        hop.count(f"node:{hop.node.id}:declined")
    elif work.opkind == "command":
        hop.count(f"node:{hop.node.id}:accepted")
    if result.notes and result.notes[-1].get("compensation"):
        hop.count(f"node:{hop.node.id}:compensations")
    return result


def projection_lag_ms(hop: Hop, frame: dict[str, Any], begins: float) -> float:
    """How long a read model waits before applying an event: until `lag_ms` after it was
    published (0 for calls and for events that are already that old)."""
    if hop.node.kind != "read_model" or frame.get("kind") != "msg":
        return 0.0
    return max(0.0, float(frame.get("at", begins)) + float(hop.node.props.get("lag_ms", 0)) - begins)


def read_model_step(hop: Hop, frame: dict[str, Any]) -> Effect:
    projection = str(hop.node.props.get("projection") or "availability")
    corr = frame.get("corr") or ""
    if frame.get("kind") == "msg":
        applied = projections.apply(
            hop.run, hop.node.id, projection, name=frame["name"], corr=corr, data=frame.get("data") or {},
            at_ms=float(frame.get("at", hop.now)), now_ms=hop.now,
        )  # fmt: skip
        if applied:
            hop.count(f"node:{hop.node.id}:projected")
            hop.observe_latency(f"lag:{hop.node.id}", hop.now - float(frame.get("at", hop.now)))
            hop.audit("projected", corr=corr, event=frame["name"], lag_ms=round(hop.now - float(frame.get("at", 0)), 1))
        return Effect(events=[])
    hop.count(f"node:{hop.node.id}:reads")
    if projections.staleness(hop.run, hop.node.id, projection).get("stale"):
        hop.count(f"node:{hop.node.id}:stale_reads")
    return Effect(events=[])
