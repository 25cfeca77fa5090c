"""Load-balancing strategies: which healthy target gets the next request.

Every balancer has the same call, `choose(targets, *, client_id, in_flight, weights)`, where
`targets` are the ids of the targets currently in rotation (healthy, order irrelevant), and
keeps its state in a small dict (`to_dict` / `balancer_from_dict`) so it can live in Redis.

- round_robin: strict rotation in a fixed order of target ids (natural order: "api-2" before
  "api-10"); the state is the last id chosen and the next pick is the first id after it in
  that order, so a target leaving or rejoining does not reset or skew the rotation.
- least_connections: the target with the fewest requests in flight; ties are broken by the
  same rotation, so an idle pool behaves like round robin instead of piling on the first.
- ip_hash: rendezvous (highest-random-weight) hashing, Thaler & Ravishankar 1998: each
  (client, target) pair gets a stable pseudo-random score (BLAKE2b, never Python's salted
  `hash()`), and the client goes to its highest-scoring target. The same client keeps its
  target while the set is unchanged; when a target leaves only its clients move, and when
  it returns exactly those clients come back.
- weighted: smooth weighted round robin as nginx does it: every pick adds each target's
  weight to its running score, picks the highest score and subtracts the total weight from
  it. Deterministic, interleaved (3:2:1 gives a b a c b a) and exact over each cycle of
  sum(weights) picks for integer weights. A load balancer's targets are instances, and an
  instance's weight is its edge's `weight` × its own entry in the service's
  `instance_weights` (`instance_weight`; default 1 each); targets with weight 0 get nothing
  unless every weight is 0, when all count equally.
"""

import hashlib
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

STRATEGIES = ("round_robin", "least_connections", "ip_hash", "weighted")


def _natural_key(target: str) -> list[Any]:
    """Sort key putting "api-2" before "api-10": text and number parts alternate."""
    parts = re.split(r"(\d+)", target)
    return [int(part) if index % 2 else part for index, part in enumerate(parts)]


def _next_in_rotation(candidates: Sequence[str], last: str | None) -> str:
    """The first candidate after `last` in natural order, wrapping round to the smallest."""
    ordered = sorted(candidates, key=_natural_key)
    if last is not None:
        last_key = _natural_key(last)
        for target in ordered:
            if _natural_key(target) > last_key:
                return target
    return ordered[0]


def _require(targets: Sequence[str]) -> None:
    if not targets:
        raise ValueError("no target in rotation: the caller must reject the request itself")


class Balancer(ABC):
    """The common shape; subclasses implement `choose` and their state."""

    strategy: ClassVar[str]

    @abstractmethod
    def choose(
        self,
        targets: Sequence[str],
        *,
        client_id: str = "",
        in_flight: Mapping[str, int] | None = None,
        weights: Mapping[str, float] | None = None,
    ) -> str:
        """The target for the next request (raises ValueError when `targets` is empty)."""

    def to_dict(self) -> dict[str, Any]:
        """The state as a JSON-ready dict, including the strategy name."""
        return {"strategy": self.strategy}


class RoundRobin(Balancer):
    """Strict rotation in natural id order, resuming after the last id chosen."""

    strategy = "round_robin"

    def __init__(self, last: str | None = None) -> None:
        self.last = last

    def choose(
        self,
        targets: Sequence[str],
        *,
        client_id: str = "",
        in_flight: Mapping[str, int] | None = None,
        weights: Mapping[str, float] | None = None,
    ) -> str:
        """The next target after the last one chosen."""
        _require(targets)
        self.last = _next_in_rotation(targets, self.last)
        return self.last

    def to_dict(self) -> dict[str, Any]:
        """`{"strategy", "last"}`."""
        return {"strategy": self.strategy, "last": self.last}


class LeastConnections(Balancer):
    """Fewest requests in flight; ties broken by rotation after the last id chosen."""

    strategy = "least_connections"

    def __init__(self, last: str | None = None) -> None:
        self.last = last

    def choose(
        self,
        targets: Sequence[str],
        *,
        client_id: str = "",
        in_flight: Mapping[str, int] | None = None,
        weights: Mapping[str, float] | None = None,
    ) -> str:
        """The least busy target (a target missing from `in_flight` counts as 0)."""
        _require(targets)
        counts = in_flight or {}
        fewest = min(counts.get(target, 0) for target in targets)
        tied = [target for target in targets if counts.get(target, 0) == fewest]
        self.last = _next_in_rotation(tied, self.last)
        return self.last

    def to_dict(self) -> dict[str, Any]:
        """`{"strategy", "last"}`."""
        return {"strategy": self.strategy, "last": self.last}


def rendezvous_score(client_id: str, target: str) -> int:
    """A stable 64-bit pseudo-random score of a (client, target) pair (BLAKE2b)."""
    digest = hashlib.blake2b(f"{client_id}\x00{target}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


class IpHash(Balancer):
    """Rendezvous hashing on the client id: stateless and sticky."""

    strategy = "ip_hash"

    def choose(
        self,
        targets: Sequence[str],
        *,
        client_id: str = "",
        in_flight: Mapping[str, int] | None = None,
        weights: Mapping[str, float] | None = None,
    ) -> str:
        """The target with the highest score for this client (ties, ~never, by id)."""
        _require(targets)
        return max(targets, key=lambda target: (rendezvous_score(client_id, target), target))


class Weighted(Balancer):
    """Smooth weighted round robin (nginx): running scores per target id."""

    strategy = "weighted"

    def __init__(self, current: Mapping[str, float] | None = None) -> None:
        self.current: dict[str, float] = dict(current or {})

    def choose(
        self,
        targets: Sequence[str],
        *,
        client_id: str = "",
        in_flight: Mapping[str, int] | None = None,
        weights: Mapping[str, float] | None = None,
    ) -> str:
        """Add each weight to its score, pick the highest (first in natural order on a tie),
        subtract the total from the winner. Scores of targets no longer given are dropped."""
        _require(targets)
        ordered = sorted(targets, key=_natural_key)
        given = weights or {}
        effective = {target: max(0.0, float(given.get(target, 1.0))) for target in ordered}
        if not any(effective.values()):
            effective = dict.fromkeys(ordered, 1.0)
        total = sum(effective.values())
        self.current = {target: self.current.get(target, 0.0) + effective[target] for target in ordered}
        best = max(ordered, key=lambda target: self.current[target])  # max keeps the first of equals
        self.current[best] -= total
        return best

    def to_dict(self) -> dict[str, Any]:
        """`{"strategy", "current": {target: score}}`."""
        return {"strategy": self.strategy, "current": dict(self.current)}


def instance_weight(instance_weights: Sequence[float], instance: str) -> float:
    """The weight of instance `instance` ("0", "1", …) from a service's `instance_weights`:
    its entry by index, 1 for an instance past the end of the list (or not numbered)."""
    index = int(instance) if instance.isdigit() else len(instance_weights)
    return float(instance_weights[index]) if index < len(instance_weights) else 1.0


def make_balancer(strategy: str) -> Balancer:
    """A fresh balancer for a load balancer's `strategy` prop."""
    return balancer_from_dict({"strategy": strategy})


def balancer_from_dict(data: Mapping[str, Any]) -> Balancer:
    """Rebuild a balancer from `to_dict()` output."""
    strategy = data.get("strategy")
    if strategy == "round_robin":
        return RoundRobin(last=data.get("last"))
    if strategy == "least_connections":
        return LeastConnections(last=data.get("last"))
    if strategy == "ip_hash":
        return IpHash()
    if strategy == "weighted":
        return Weighted(current=data.get("current"))
    raise ValueError(f"unknown balancing strategy {strategy!r}; expected one of {STRATEGIES}")
