"""The run clock: how far a run may go, and how fast it went.

Run time is the time of the events the fleet has applied (`applied`, ms since the run
started), never a wall clock. The speed factor is a ceiling on how fast it advances:

- `Pace` turns wall time into the run's horizon, the run time up to which steps may apply
  events. At speed s the horizon runs at most s run seconds per wall second, a little ahead
  (LEAD_S of wall time, in quanta of QUANTUM_S so that a step applies a batch of events,
  not one). When the fleet falls behind, the paced clock waits for it (at most BEHIND_S
  ahead of what is applied): a slow fleet makes the run slower, it never makes it race to
  catch up or distorts what happens in it. With no speed (`max`) there is no ceiling.
- `SpeedMeter` measures the effective speed (run seconds per wall second) over the last
  second of wall time, and says when the workers, not the ceiling, set it. It is fed the run
  time applied, but no further than the paced clock: the lead is not speed.
"""

import math
from collections import deque
from dataclasses import dataclass, field

HORIZON_NONE = 1e15  # no ceiling: as fast as the workers can
LEAD_S = 0.1
QUANTUM_S = 0.05
BEHIND_S = 0.1
WINDOW_S = 1.0
LIMITED_BELOW = 0.9  # an effective speed below this share of the ceiling is "held back"


def parse_speed(value: object) -> float | None:
    """A run's speed setting: a number (the ceiling), or None for `max`."""
    if value is None or value == "max":
        return None
    speed = float(value)  # type: ignore[arg-type]
    if not math.isfinite(speed) or speed <= 0:
        raise ValueError(f"speed must be a positive number or 'max', got {value!r}")
    return speed


def speed_value(speed: float | None) -> float | str:
    """The speed as the API and the summary give it: a number, or "max"."""
    return "max" if speed is None else speed


def speed_label(speed: float | None) -> str:
    return "max" if speed is None else f"{speed:g}×"


@dataclass
class Pace:
    speed: float | None
    target: float = 0.0  # run ms the wall clock allows so far
    last_wall: float | None = None

    def horizon(self, wall: float, applied_ms: float) -> float:
        """The run time (ms) steps may apply events up to, at wall time `wall` (seconds)."""
        if self.speed is None:
            return HORIZON_NONE
        rate = self.speed * 1000.0  # run ms per wall second
        elapsed = 0.0 if self.last_wall is None else max(0.0, wall - self.last_wall)
        self.last_wall = wall
        self.target = max(self.target, min(self.target + rate * elapsed, applied_ms + rate * BEHIND_S))
        quantum = rate * QUANTUM_S
        return math.floor((self.target + rate * LEAD_S) / quantum) * quantum


@dataclass
class SpeedMeter:
    speed: float | None
    points: deque[tuple[float, float]] = field(default_factory=deque)  # (wall s, applied run s)
    series: list[dict[str, float]] = field(default_factory=list)
    held_back_s: float = 0.0
    _last_wall: float | None = None

    def observe(self, wall: float, applied_s: float) -> float | None:
        """Record a sample; the effective speed over the last second (None until a second
        of wall time has passed)."""
        self.points.append((wall, applied_s))
        while len(self.points) > 2 and self.points[1][0] <= wall - WINDOW_S:
            self.points.popleft()
        then_wall, then_applied = self.points[0]
        span = wall - then_wall
        effective = (applied_s - then_applied) / span if span >= WINDOW_S * 0.5 else None
        if effective is not None:
            if self.limited(effective) and self._last_wall is not None:
                self.held_back_s += wall - self._last_wall
            if not self.series or wall - self.series[-1]["wall_s"] >= 0.5:
                self.series.append({"t": round(applied_s, 3), "wall_s": round(wall, 3), "speed": round(effective, 3)})
        self._last_wall = wall
        return effective

    def limited(self, effective: float) -> bool:
        """The workers, not the speed ceiling, set the pace (never said of `max`)."""
        return self.speed is not None and effective < LIMITED_BELOW * self.speed


def describe(speed: float | None, effective: float | None) -> str:
    """What the effective speed means, in a sentence for people."""
    if effective is None:
        return ""
    if speed is None:
        return f"{effective:.1f}× — as fast as the workers go"
    if effective < LIMITED_BELOW * speed:
        return f"{effective:.2f}× of {speed:g}× — the workers are the limit: the run is slower, its figures the same"
    return f"{effective:.2f}× — at its {speed:g}× ceiling"
