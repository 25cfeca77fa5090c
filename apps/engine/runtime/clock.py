"""Run time: simulated milliseconds since the run started, scaled by the speed factor."""

import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Clock:
    t0: float  # wall-clock epoch seconds when the run started
    speed: float

    def now_ms(self) -> float:
        return (time.time() - self.t0) * 1000.0 * self.speed

    def wall_at(self, run_ms: float) -> float:
        return self.t0 + run_ms / 1000.0 / self.speed
