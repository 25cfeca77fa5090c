"""Queueing theory and exact reference models, for judging the live engine's fidelity.

Theory (M/M/c: Poisson arrivals at λ, exponential service at rate μ, c servers sharing one
FIFO line; offered load a = λ/μ, utilisation ρ = a/c < 1):

- Erlang C, the probability an arrival waits: C(c, a) = B / (1 − ρ(1 − B)), with the Erlang
  B blocking probability computed by the stable recurrence B₀ = 1, Bₖ = a·Bₖ₋₁/(k + a·Bₖ₋₁).
- Mean wait W_q = C / (cμ − λ); mean response W = W_q + 1/μ (c = 4, λ = 28/s, 1/μ = 0.1 s:
  W = 0.1357 s).
- Above ρ = 1 no steady state exists: the line grows at λ − cμ per second.

Replays (the same sampled arrival and service times pushed through a textbook queue, so a
live run is compared with what its own trace should have given, without sampling luck):

- `fifo_replay`: c identical servers, one shared FIFO line, work-conserving. Requests start
  in arrival order, each at max(its arrival, the earliest time a server is free) — the
  Kiefer–Wolfowitz recursion, kept with a heap of server free times.
- `fifo_replay_per_instance`: a dispatcher (e.g. a load balancer) sends each request to a
  given instance, and each instance is its own c-slot FIFO queue as above. Round robin over
  4 one-slot instances is four separate queues, not M/M/4.
"""

import heapq
from collections.abc import Mapping, Sequence


def _check_stable(c: int, lam: float, mu: float) -> None:
    if c < 1 or lam < 0 or mu <= 0:
        raise ValueError("need c >= 1, lam >= 0 and mu > 0")
    if lam >= c * mu:
        raise ValueError(f"unstable: utilisation {lam / (c * mu):.3f} >= 1 has no steady state")


def erlang_c(c: int, lam: float, mu: float) -> float:
    """The probability that an arrival has to wait in an M/M/c queue (requires λ < cμ)."""
    _check_stable(c, lam, mu)
    a = lam / mu
    blocking = 1.0
    for k in range(1, c + 1):
        blocking = a * blocking / (k + a * blocking)
    rho = a / c
    return blocking / (1.0 - rho * (1.0 - blocking))


def mmc_mean_wait(c: int, lam: float, mu: float) -> float:
    """Mean time in the waiting line of an M/M/c queue, in the unit of 1/μ."""
    return erlang_c(c, lam, mu) / (c * mu - lam)


def mmc_mean_response(c: int, lam: float, mu: float) -> float:
    """Mean response time (wait + service) of an M/M/c queue, in the unit of 1/μ."""
    return mmc_mean_wait(c, lam, mu) + 1.0 / mu


def queue_growth_per_s(c: int, lam: float, mu: float) -> float:
    """How fast the waiting line grows when overloaded: λ − cμ, or 0 when ρ ≤ 1."""
    return max(0.0, lam - c * mu)


def fifo_replay(arrivals_s: Sequence[float], services_s: Sequence[float], servers: int) -> list[float]:
    """Exact response times (wait + service) of each request through a c-server FIFO queue,
    in the order given (arrivals need not be sorted; ties keep their given order)."""
    if len(arrivals_s) != len(services_s):
        raise ValueError("arrivals_s and services_s must have the same length")
    if servers < 1:
        raise ValueError(f"servers must be >= 1, got {servers}")
    free_at = [0.0] * servers  # a heap of the times each server becomes free
    responses = [0.0] * len(arrivals_s)
    for i in sorted(range(len(arrivals_s)), key=arrivals_s.__getitem__):
        arrival = arrivals_s[i]
        start = max(arrival, heapq.heappop(free_at))
        finish = start + services_s[i]
        heapq.heappush(free_at, finish)
        responses[i] = finish - arrival
    return responses


def fifo_replay_per_instance(
    arrivals_s: Sequence[float],
    services_s: Sequence[float],
    assignment: Sequence[str],
    slots: int | Mapping[str, int],
) -> list[float]:
    """Exact response times when request i goes to instance `assignment[i]`, each instance a
    FIFO queue with `slots` servers (one number for all, or per instance id)."""
    if not len(arrivals_s) == len(services_s) == len(assignment):
        raise ValueError("arrivals_s, services_s and assignment must have the same length")
    by_instance: dict[str, list[int]] = {}
    for i, instance in enumerate(assignment):
        by_instance.setdefault(instance, []).append(i)
    responses = [0.0] * len(arrivals_s)
    for instance, indexes in by_instance.items():
        servers = slots if isinstance(slots, int) else slots[instance]
        own = fifo_replay([arrivals_s[i] for i in indexes], [services_s[i] for i in indexes], servers)
        for i, response in zip(indexes, own, strict=True):
            responses[i] = response
    return responses
