"""The two rate-limiting algorithms as pure functions of their saved state and run time."""

from typing import Any

from apps.runtime.physics.rate_limits import sliding_window, token_bucket


def admitted(algorithm: Any, times_ms: list[float], *args: float) -> int:
    state = None
    count = 0
    for now in times_ms:
        ok, state = algorithm(state, now, *args)
        count += ok
    return count


def test_a_token_bucket_lets_a_burst_through_then_the_rate() -> None:
    assert admitted(token_bucket, [0.0] * 10, 5.0, 4) == 4  # a full bucket: the burst, no more
    # 100 calls from 0 to 1.98 s at 5/s with a bucket of 4: the burst, plus the 9.9 tokens refilled
    assert admitted(token_bucket, [i * 20.0 for i in range(100)], 5.0, 4) == 4 + 9


def test_a_token_bucket_refills_while_quiet_but_never_above_its_size() -> None:
    ok, state = token_bucket(None, 0.0, 10.0, 3)
    assert ok and state["tokens"] == 2
    ok, state = token_bucket(state, 10_000.0, 10.0, 3)  # 10 s quiet: full again, not 102 tokens
    assert ok and state["tokens"] == 2


def test_a_sliding_window_weighs_the_previous_window() -> None:
    # 10 calls late in window 0 fill it; at 1.5 s half of them still count (10 × 0.5 = 5)
    calls = [900.0 + i for i in range(10)] + [1500.0 + i for i in range(10)]
    assert admitted(sliding_window, calls, 10.0, 1.0) == 10 + 5
    # a fixed window would let 20 through around the edge at 1 s; the sliding one does not
    edge = [990.0 + i for i in range(10)] + [1000.0 + i for i in range(10)]
    assert admitted(sliding_window, edge, 10.0, 1.0) == 10


def test_a_sliding_window_forgets_windows_long_past() -> None:
    ok, state = sliding_window(None, 0.0, 1.0, 1.0)
    assert ok
    ok, state = sliding_window(state, 5_000.0, 1.0, 1.0)
    assert ok and state == {"w": 5, "cur": 1, "prev": 0}
