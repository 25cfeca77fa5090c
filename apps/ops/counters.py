"""Counters for /metrics that every process adds to: refusals, kept in the engine's Redis.

Fields: `quota:<action>` (a quota refused a request), `runs:quota` and `runs:server` (a run
start refused by its quota, or by the server's run limits: the hard cap, the per-owner limit).
"""

import logging

import redis

from apps.runtime.redis import client

COUNTERS = "pg:ops:counters"
log = logging.getLogger(__name__)


def add(field: str, amount: int = 1) -> None:
    try:
        client().hincrby(COUNTERS, field, amount)
    except redis.RedisError as exc:
        log.debug("counter %s not counted: %s", field, exc)


def read() -> dict[str, int]:
    return {name.decode(): int(value) for name, value in client().hgetall(COUNTERS).items()}
