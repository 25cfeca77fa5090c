"""The errors a node returns: its own error rate, a set_error_rate fault's, error bursts, and
the calls a fail_fast fault fails at once (worker.py).

An error burst (error_burst) makes the errors come in storms. From the moment it is set, the
node runs a fixed cycle: BURST_ON_MS (2 s) failing requests at the burst's error rate, then
BURST_OFF_MS (3 s) at its usual rate, then on again, until the burst is reset (error_rate
None). Over a cycle the burst's rate counts for 2 s in 5, so the average is far below it; but
inside a storm a circuit breaker sees a failure rate high enough to open, and retries land in
the same storm, which a steady rate of the same average would not do.
"""

from apps.runtime.hop import Hop

BURST_ON_MS = 2000.0
BURST_OFF_MS = 3000.0


def apply_burst(hop: Hop) -> None:
    """Start the cycle now at the event's error rate (None or absent: end it)."""
    rate = hop.event.get("error_rate")
    hop.state["burst"] = {"rate": float(rate), "since": round(hop.now, 3)} if rate is not None else None


def in_storm(since_ms: float, now_ms: float) -> bool:
    """Whether `now_ms` falls in an on-period of a cycle that began at `since_ms`."""
    return (now_ms - since_ms) % (BURST_ON_MS + BURST_OFF_MS) < BURST_ON_MS


def burst_rate(hop: Hop) -> float | None:
    """The burst's error rate while a storm is on, else None."""
    burst = hop.state.get("burst")
    if not burst or not in_storm(float(burst["since"]), hop.now):
        return None
    return float(burst["rate"])


def error_rate(hop: Hop) -> float:
    """The share of requests failing now: the burst's during a storm, else a set_error_rate
    fault's, else the node's own `error_rate`."""
    storm = burst_rate(hop)
    if storm is not None:
        return storm
    override = hop.state.get("error_rate")
    return float(override if override is not None else hop.node.props.get("error_rate", 0.0))


def fails_fast(hop: Hop) -> bool:
    """Whether this call fails at once (a fail_fast fault's share; no draw without one)."""
    rate = float(hop.state.get("fast_error_rate") or 0.0)
    return rate > 0 and hop.rng.random() < rate
