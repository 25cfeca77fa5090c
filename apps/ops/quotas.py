"""Quotas: how often one client may do each costly thing (docs/limits.md).

Each action has a rate setting (`30/10m`). A client is counted twice, by its browser session
(when it has one) at the rate, and by its address at PLAYGROUND_QUOTA_ADDRESS_FACTOR times the
rate (a classroom shares one address). The counters are fixed windows in the engine's Redis;
when Redis cannot be reached the quotas fail open: the request goes ahead and a warning is logged.

Which requests are which action is declared once, in RULES, and applied by
apps/ops/middleware.py (HTTP) and apps/ops/asgi.py (websockets): the views know nothing of it.
"""

import logging
import re
import time
from dataclasses import dataclass
from typing import Any

import redis
from django.conf import settings

from apps.ops import counters
from apps.ops.clients import Client
from apps.ops.rates import Rate, parse_rate
from apps.runtime.redis import client as redis_client

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Action:
    name: str
    setting: str
    noun: str  # "too many <noun>"


ACTIONS = {
    action.name: action
    for action in (
        Action("scenario-create", "PLAYGROUND_QUOTA_SCENARIOS", "scenarios created, forked or imported"),
        Action("run-start", "PLAYGROUND_QUOTA_RUNS", "runs started"),
        Action("fault", "PLAYGROUND_QUOTA_FAULTS", "live faults fired"),
        Action("session", "PLAYGROUND_QUOTA_SESSIONS", "training sessions created or joined"),
        Action("websocket", "PLAYGROUND_QUOTA_SOCKETS", "live connections opened"),
    )
}

# (method, path) -> the actions the request counts towards.
RULES: list[tuple[str, re.Pattern[str], tuple[str, ...]]] = [
    (method, re.compile(pattern), actions)
    for method, pattern, actions in (
        ("POST", r"/api/scenarios/", ("scenario-create",)),
        ("POST", r"/api/scenarios/[^/]+/fork/", ("scenario-create",)),
        ("POST", r"/scenarios/(new|import)/", ("scenario-create",)),
        ("POST", r"/templates/[^/]+/use/", ("scenario-create",)),
        ("POST", r"/s/[^/]+/fork/", ("scenario-create",)),
        ("POST", r"/api/sessions/[^/]+/fork/", ("scenario-create",)),
        ("POST", r"/templates/[^/]+/lesson/", ("scenario-create", "session")),
        ("POST", r"/api/scenarios/[^/]+/runs/", ("run-start",)),
        ("POST", r"/api/sessions/[^/]+/runs/", ("run-start",)),
        ("POST", r"/api/challenges/[^/]+/attempts/", ("run-start",)),
        ("POST", r"/api/scenarios/[^/]+/limit/", ("run-start",)),
        ("POST", r"/api/runs/[^/]+/faults/", ("fault",)),
        ("POST", r"/api/sessions/[^/]+/runs/[^/]+/faults/", ("fault",)),
        ("POST", r"/api/scenarios/[^/]+/sessions/", ("session",)),
        ("POST", r"/api/sessions/[^/]+/participants/", ("session",)),
        ("POST", r"/t/[^/]+/join/", ("session",)),
    )
]


def actions_for(method: str, path: str) -> tuple[str, ...]:
    for rule_method, pattern, actions in RULES:
        if method == rule_method and pattern.fullmatch(path):
            return actions
    return ()


@dataclass(frozen=True)
class Refusal:
    action: str
    rate: Rate
    retry_after: int  # seconds
    message: str


def rate_of(action: str) -> Rate | None:
    setting = ACTIONS[action].setting
    return parse_rate(str(getattr(settings, setting)), name=setting)


def _key(action: str, kind: str, who: str, rate: Rate, now: float) -> str:
    return f"pg:quota:{action}:{kind}:{who}:{int(now // rate.window_s)}"


def check(action: str, *, client: Client, now: float | None = None) -> Refusal | None:
    """Count one `action` by `client`; a Refusal when that is one too many."""
    if not settings.PLAYGROUND_QUOTAS:
        return None
    rate = rate_of(action)
    if rate is None:
        return None
    now = time.time() if now is None else now
    factor = int(settings.PLAYGROUND_QUOTA_ADDRESS_FACTOR)
    counted: list[tuple[str, int]] = [(_key(action, "addr", client.address, rate, now), rate.count * factor)]
    if client.session:
        counted.append((_key(action, "session", client.session, rate, now), rate.count))
    try:
        pipe = redis_client().pipeline(transaction=True)
        for key, _ in counted:
            pipe.incr(key)
            pipe.expire(key, rate.window_s + 1)
        replies: list[Any] = pipe.execute()
    except redis.RedisError as exc:
        log.warning("quotas not applied (%s for %s): Redis unreachable: %s", action, client.address, exc)
        return None
    over = [limit for (_, limit), count in zip(counted, replies[::2], strict=True) if int(count) > limit]
    if not over:
        return None
    retry_after = max(1, int(rate.window_s - now % rate.window_s + 0.999))
    noun = ACTIONS[action].noun
    per_address = f" ({rate.count * factor} from one address)" if factor != 1 else ""
    message = (
        f"too many {noun}: at most {rate.count} per {rate.per()} from one browser{per_address}; "
        f"try again in {retry_after} s"
    )
    counters.add(f"quota:{action}")
    return Refusal(action, rate, retry_after, message)
