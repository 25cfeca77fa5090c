"""The faults that impair a node without taking it down, kept in its state for its handler to
read: added latency (add_latency: `extra_latency_ms`; 0 ends it), an error rate
(set_error_rate: `error_rate`; None ends it) and error bursts (error_burst: errors.py), which
errors.error_rate turns into the share of requests failing now."""

from apps.runtime.hop import Hop
from apps.runtime.nodes import errors


def apply_fault(hop: Hop) -> bool:
    """Keep the event's impairment; False when the fault is not one."""
    event = hop.event
    action = event["action"]
    if action == "add_latency":
        hop.state["extra_latency_ms"] = float(event.get("latency_ms") or 0)
    elif action == "set_error_rate":
        hop.state["error_rate"] = event.get("error_rate")
    elif action == "error_burst":
        errors.apply_burst(hop)
    else:
        return False
    return True
