"""One Redis client per process for the engine (the URL comes from settings.REDIS_URL)."""

from functools import cache
from typing import Any

import redis
from django.conf import settings


@cache
def client() -> Any:
    """The engine's Redis client. Typed `Any`: redis-py types each reply as a union of every
    shape a command can return, and the engine reads plain bytes from known commands."""
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=30, health_check_interval=30)
