"""Runs going per client: one client (its browser session, else its address) may have at most
PLAYGROUND_MAX_RUNS_PER_CLIENT runs going or waiting at a time, whatever scenarios they are of
(docs/limits.md). The runs a client started are remembered in the engine's Redis; which of
them still go is read from the database, so a run that ended frees its place at once."""

import logging

import redis
from django.conf import settings

from apps.engine.models import Run
from apps.ops.clients import Client
from apps.ops.quotas import Refusal
from apps.ops.rates import Rate
from apps.runtime.redis import client as redis_client

log = logging.getLogger(__name__)

REMEMBER_S = 24 * 3600  # a run goes for at most hours; a day is plenty
RETRY_AFTER_S = 10


def _key(client: Client) -> str:
    who = f"s:{client.session}" if client.session else f"a:{client.address}"
    return f"pg:quota:runs-going:{who}"  # beside the quota counters


def refusal(client: Client) -> Refusal | None:
    """A Refusal when the client already has its most runs going (None: it may start one)."""
    if not settings.PLAYGROUND_QUOTAS:
        return None
    limit = int(settings.PLAYGROUND_MAX_RUNS_PER_CLIENT)
    try:
        started = [raw.decode() for raw in redis_client().smembers(_key(client))]
    except redis.RedisError:
        log.warning("runs going per client: Redis unreachable; not checked", exc_info=True)
        return None
    if len(started) < limit:
        return None
    going = set(Run.objects.active().filter(pk__in=started).values_list("pk", flat=True))
    ended = [run_id for run_id in started if run_id not in going]
    if ended:
        redis_client().srem(_key(client), *ended)
    if len(going) < limit:
        return None
    message = (
        f"you already have {len(going)} runs going or waiting; one person may have at most {limit} at a time. "
        "Stop one, or wait for one to end."
    )
    return Refusal(action="runs-going", rate=Rate(limit, RETRY_AFTER_S), retry_after=RETRY_AFTER_S, message=message)


def remember(client: Client, run_id: str) -> None:
    try:
        pipe = redis_client().pipeline()
        pipe.sadd(_key(client), run_id)
        pipe.expire(_key(client), REMEMBER_S)
        pipe.execute()
    except redis.RedisError:
        log.warning("runs going per client: could not remember run %s", run_id, exc_info=True)
