import json

from apps.runtime.physics.breaker import CircuitBreaker
from apps.topology.edges import EDGE_PROPS
from apps.topology.kinds.base import set_path


def tripped(at_s: float = 10.0) -> CircuitBreaker:
    """A breaker (threshold 3, reset 5 s) opened by three failures, the last at `at_s`."""
    breaker = CircuitBreaker(failure_threshold=3, reset_timeout_s=5.0)
    for _ in range(3):
        assert breaker.allow(at_s) == "call"
        breaker.record_failure(at_s)
    return breaker


def test_defaults_are_the_declared_edge_defaults() -> None:
    props: dict[str, object] = {}
    for prop in EDGE_PROPS:
        set_path(props, prop.path, prop.default)
    breaker = CircuitBreaker.from_props(props["circuit_breaker"])  # type: ignore[arg-type]
    assert (breaker.failure_threshold, breaker.reset_timeout_s) == (5, 5.0)
    assert (CircuitBreaker().failure_threshold, CircuitBreaker().reset_timeout_s) == (5, 5.0)


def test_closed_until_threshold_failures_in_a_row() -> None:
    breaker = CircuitBreaker(failure_threshold=3, reset_timeout_s=5.0)
    for t in (1.0, 2.0):
        breaker.record_failure(t)
    breaker.record_success(3.0)  # resets the count
    breaker.record_failure(4.0)
    breaker.record_failure(5.0)
    assert breaker.state_at(5.0) == "closed"
    assert breaker.allow(5.0) == "call"
    breaker.record_failure(6.0)
    assert breaker.state_at(6.0) == "open"
    assert breaker.transitions == [(6.0, "closed", "open")]


def test_open_fails_fast_until_the_reset_timeout() -> None:
    breaker = tripped(at_s=10.0)
    assert breaker.allow(10.0) == "reject"
    assert breaker.allow(14.999) == "reject"
    assert breaker.state_at(14.999) == "open"


def test_half_open_after_the_timeout_admits_exactly_one_probe() -> None:
    breaker = tripped(at_s=10.0)
    assert breaker.allow(16.0) == "probe"
    assert breaker.transitions[-1] == (15.0, "open", "half_open")  # when the timer ran out
    assert [breaker.allow(16.1), breaker.allow(17.0)] == ["reject", "reject"]  # concurrent calls
    assert breaker.state_at(17.0) == "half_open"


def test_probe_success_closes() -> None:
    breaker = tripped(at_s=10.0)
    assert breaker.allow(15.0) == "probe"
    breaker.record_success(15.2, probe=True)
    assert breaker.state_at(15.2) == "closed"
    assert breaker.allow(15.3) == "call"
    assert breaker.transitions == [(10.0, "closed", "open"), (15.0, "open", "half_open"), (15.2, "half_open", "closed")]
    breaker.record_failure(16.0)  # the count starts again from zero after closing
    breaker.record_failure(16.1)
    assert breaker.state_at(16.1) == "closed"


def test_probe_failure_reopens_and_restarts_the_timer() -> None:
    breaker = tripped(at_s=10.0)
    assert breaker.allow(15.0) == "probe"
    breaker.record_failure(15.5, probe=True)
    assert breaker.state_at(15.5) == "open"
    assert breaker.allow(20.4) == "reject"
    assert breaker.allow(20.5) == "probe"
    assert [(t, new) for t, _, new in breaker.transitions] == [
        (10.0, "open"),
        (15.0, "half_open"),
        (15.5, "open"),
        (20.5, "half_open"),
    ]


def test_late_outcomes_of_ordinary_calls_change_nothing_when_not_closed() -> None:
    breaker = tripped(at_s=10.0)
    breaker.record_success(11.0)  # admitted before it opened; answered while open
    breaker.record_failure(11.0)
    assert breaker.state_at(11.0) == "open"
    assert breaker.allow(15.0) == "probe"
    breaker.record_success(15.1)  # not the probe: must not close the breaker
    assert breaker.state_at(15.1) == "half_open"
    assert breaker.allow(15.2) == "reject"  # the probe is still out


def test_state_round_trips_through_json_mid_half_open() -> None:
    breaker = tripped(at_s=10.0)
    assert breaker.allow(15.0) == "probe"
    copy = CircuitBreaker.from_dict(json.loads(json.dumps(breaker.to_dict())))
    assert copy.to_dict() == breaker.to_dict()
    assert copy.transitions == breaker.transitions
    assert copy.allow(15.1) == "reject"
    copy.record_success(15.2, probe=True)
    assert copy.state_at(15.2) == "closed"
