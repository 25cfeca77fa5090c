"""Rates such as `30/10m` (30 per 10 minutes), as the quota settings give them."""

import re
from dataclasses import dataclass
from functools import cache

from django.core.exceptions import ImproperlyConfigured

_RATE = re.compile(r"\s*(\d+)\s*/\s*(\d*)\s*([smhd]?)\s*")
_UNIT_S = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_UNIT_WORD = {1: "second", 60: "minute", 3600: "hour", 86400: "day"}
OFF = ("off", "none", "")


@dataclass(frozen=True)
class Rate:
    count: int
    window_s: int

    def per(self) -> str:
        """The window in words: "minute", "10 minutes", "90 seconds"."""
        for unit_s in sorted(_UNIT_WORD, reverse=True):
            if self.window_s % unit_s == 0:
                n, word = self.window_s // unit_s, _UNIT_WORD[unit_s]
                return word if n == 1 else f"{n} {word}s"
        return f"{self.window_s} seconds"  # pragma: no cover - every window is whole seconds


@cache
def parse_rate(text: str, *, name: str = "rate") -> Rate | None:
    """`30/10m` -> Rate(30, 600); `5/m`, `100/1h`, `2/30s`, `10/1d`; `off` -> None. Loud on anything else."""
    if text.strip().lower() in OFF:
        return None
    match = _RATE.fullmatch(text)
    if match is None:
        raise ImproperlyConfigured(f"{name} must look like 30/10m (a count per s, m, h or d) or off, got {text!r}")
    count, amount, unit = int(match[1]), int(match[2] or 1), match[3]
    window_s = amount * _UNIT_S[unit]
    if window_s < 1:
        raise ImproperlyConfigured(f"{name} needs a window of at least 1 s, got {text!r}")
    return Rate(count, window_s)
