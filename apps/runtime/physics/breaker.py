"""The circuit breaker on a synchronous call edge (Nygard, "Release It!", 2007).

- closed: calls go through; `failure_threshold` failures in a row (a success resets the
  count) open the breaker.
- open: calls fail fast without reaching the dependency, until `reset_timeout_s` has passed
  since it opened; from that moment it is half-open.
- half-open: exactly one call at a time goes through as a probe; every other call fails
  fast. The probe's success closes the breaker; its failure opens it again and restarts the
  timer.

Time is passed in (`now_s`), never read from a clock. `allow` tells the caller whether the
call is an ordinary one or the probe; the caller reports the outcome with the same `probe`
flag, so a late answer to a call admitted before the breaker opened cannot close it. The
engine must report every admitted probe (a timeout is a failure), or the breaker stays
half-open with its one probe slot taken.
"""

from collections.abc import Mapping
from typing import Any, Literal

State = Literal["closed", "open", "half_open"]
Admission = Literal["call", "probe", "reject"]
Transition = tuple[float, State, State]


class CircuitBreaker:
    """One breaker's state machine, with a log of `(t, from, to)` transitions."""

    def __init__(self, failure_threshold: int = 5, reset_timeout_s: float = 5.0) -> None:
        if failure_threshold < 1 or reset_timeout_s < 0:
            raise ValueError("failure_threshold must be >= 1 and reset_timeout_s >= 0")
        self.failure_threshold = failure_threshold
        self.reset_timeout_s = reset_timeout_s
        self.state: State = "closed"
        self.failures = 0  # consecutive failures while closed
        self.opened_at_s = 0.0
        self.probe_in_flight = False
        self.transitions: list[Transition] = []

    def state_at(self, now_s: float) -> State:
        """The state at `now_s`: an open breaker whose timer has run out is half-open."""
        if self.state == "open" and now_s >= self.opened_at_s + self.reset_timeout_s:
            self._move(self.opened_at_s + self.reset_timeout_s, "half_open")
        return self.state

    def allow(self, now_s: float) -> Admission:
        """May a call start now? "call" (closed), "probe" (the one half-open probe) or "reject"."""
        state = self.state_at(now_s)
        if state == "closed":
            return "call"
        if state == "half_open" and not self.probe_in_flight:
            self.probe_in_flight = True
            return "probe"
        return "reject"

    def record_success(self, now_s: float, *, probe: bool = False) -> None:
        """A call admitted by `allow` succeeded."""
        state = self.state_at(now_s)
        if probe and state == "half_open":
            self.probe_in_flight = False
            self._move(now_s, "closed")
        elif state == "closed":
            self.failures = 0

    def record_failure(self, now_s: float, *, probe: bool = False) -> None:
        """A call admitted by `allow` failed or timed out."""
        state = self.state_at(now_s)
        if probe and state == "half_open":
            self.probe_in_flight = False
            self._open(now_s)
        elif state == "closed":
            self.failures += 1
            if self.failures >= self.failure_threshold:
                self._open(now_s)

    def _open(self, now_s: float) -> None:
        self.opened_at_s = now_s
        self._move(now_s, "open")

    def _move(self, t_s: float, to: State) -> None:
        self.transitions.append((t_s, self.state, to))
        self.state = to
        self.failures = 0

    def to_dict(self) -> dict[str, Any]:
        """The whole state as a JSON-ready dict."""
        return {
            "failure_threshold": self.failure_threshold,
            "reset_timeout_s": self.reset_timeout_s,
            "state": self.state,
            "failures": self.failures,
            "opened_at_s": self.opened_at_s,
            "probe_in_flight": self.probe_in_flight,
            "transitions": [list(transition) for transition in self.transitions],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "CircuitBreaker":
        """Rebuild a breaker from `to_dict()` output."""
        breaker = cls(int(data["failure_threshold"]), float(data["reset_timeout_s"]))
        breaker.state = data["state"]
        breaker.failures = int(data["failures"])
        breaker.opened_at_s = float(data["opened_at_s"])
        breaker.probe_in_flight = bool(data["probe_in_flight"])
        breaker.transitions = [(float(t), old, new) for t, old, new in data["transitions"]]
        return breaker

    @classmethod
    def from_props(cls, props: Mapping[str, Any]) -> "CircuitBreaker":
        """A closed breaker from an edge's `circuit_breaker` props."""
        return cls(int(props.get("failure_threshold", 5)), float(props.get("reset_timeout_s", 5.0)))
