"""Two ways to admit at most a rate of calls, as pure functions of a small saved state.

Token bucket: a bucket holds up to `burst` tokens and fills at `rate_per_s`; a call takes a
token or is refused. After a quiet spell a burst of `burst` calls goes through at once, and in
the long run no more than the rate.

Sliding window (the sliding window counter, as Cloudflare and many gateways use it): time is
cut into windows of `window_s`; the calls in the last `window_s` are estimated as the current
window's count plus the previous window's count weighted by how much of it still lies within
the last `window_s`. A call is admitted while that estimate stays within `rate_per_s ×
window_s`. It needs two counters instead of a log of every call, and it does not let through
the double burst a fixed window allows at a window's edge.

Time is passed in (`now_ms`, run time), never read from a clock; each function returns the
verdict and the state to save.
"""

import math
from typing import Any

State = dict[str, Any]


def token_bucket(saved: State | None, now_ms: float, rate_per_s: float, burst: int) -> tuple[bool, State]:
    """Take a token if there is one. A new bucket starts full."""
    if saved is None:
        tokens = float(burst)
    else:
        refill = max(0.0, now_ms - float(saved["at"])) / 1000.0 * rate_per_s
        tokens = min(float(burst), float(saved["tokens"]) + refill)
    if tokens >= 1.0:
        return True, {"tokens": round(tokens - 1.0, 9), "at": now_ms}
    return False, {"tokens": round(tokens, 9), "at": now_ms}


def window_limit(rate_per_s: float, window_s: float) -> float:
    """The calls one sliding window admits."""
    return rate_per_s * window_s


def sliding_window(saved: State | None, now_ms: float, rate_per_s: float, window_s: float) -> tuple[bool, State]:
    """Admit the call if the estimated count of the last window, this call included, fits."""
    window_ms = window_s * 1000.0
    index = math.floor(now_ms / window_ms)
    state = {"w": index, "cur": 0, "prev": 0} if saved is None else dict(saved)
    if state["w"] != index:
        state["prev"] = state["cur"] if state["w"] == index - 1 else 0
        state["cur"] = 0
        state["w"] = index
    into = (now_ms - index * window_ms) / window_ms  # share of the current window gone by
    estimate = state["prev"] * (1.0 - into) + state["cur"]
    if estimate + 1.0 <= window_limit(rate_per_s, window_s) + 1e-9:
        state["cur"] += 1
        return True, state
    return False, state
