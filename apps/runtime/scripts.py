"""The three Lua scripts that make a run's clock and its steps atomic.

- BEGIN takes the run's step lock and, in the same round trip, reads the clock, the earliest
  events due (up to the horizon `t`), every node's state and the events to skip.
- COMMIT applies a step's writes only if the step still holds the lock, then clears `busy`
  and, when more events are due, sets it again and queues the next step: the step's effects
  and the hand-over to the next step happen together or not at all. When nothing more is due
  it wakes the run's driver (a one-item list the driver blocks on).
- ADVANCE (the driver) raises the horizon and queues a step when one is due and none is queued.

Both keep the clock's `applied`: every event at or before it has been applied (just short of
the earliest event left when one is due, else the horizon).

Writes travel as a flat list in ARGV: `argc, command, args…` repeated.
"""

from typing import Any

from apps.runtime import keys
from apps.runtime.redis import client

BEGIN = """
if redis.call('exists', KEYS[2]) == 0 then return {'gone'} end
if not redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {'locked'} end
local clock = redis.call('hmget', KEYS[2], 't', 'end', 'rids', 'last', 'poisoned')
local events = redis.call('zrangebyscore', KEYS[3], '-inf', clock[1], 'WITHSCORES', 'LIMIT', 0, ARGV[3])
local states = {}
for i = 5, #KEYS do states[#states + 1] = redis.call('get', KEYS[i]) or '' end
local poison = {}
if clock[5] then poison = redis.call('smembers', KEYS[4]) end
return {'go', clock[1], clock[2] or '', clock[3] or '0', clock[4] or '0', events, states, poison}
"""

COMMIT = """
if redis.call('get', KEYS[1]) ~= ARGV[1] then return -1 end
local i, n = 5, #ARGV
while i <= n do
  local argc = tonumber(ARGV[i])
  redis.call(unpack(ARGV, i + 1, i + argc))
  i = i + argc + 1
end
redis.call('del', KEYS[2])
local t = tonumber(redis.call('hget', KEYS[4], 't') or '0')
local head = redis.call('zrange', KEYS[3], 0, 0, 'WITHSCORES')
local again, applied = 0, t
if head[2] and tonumber(head[2]) <= t then
  applied = tonumber(head[2]) - 0.0005
  if redis.call('hget', KEYS[4], 'hold') ~= '1' then
    redis.call('set', KEYS[2], ARGV[3])
    if ARGV[2] ~= '' then redis.call('lpush', KEYS[5], ARGV[2]) end
    again = 1
  end
end
redis.call('hset', KEYS[4], 'applied', applied)
redis.call('del', KEYS[1])
if again == 0 then
  redis.call('lpush', KEYS[6], '1')
  redis.call('ltrim', KEYS[6], 0, 0)
end
return again
"""

ADVANCE = """
local t = tonumber(redis.call('hget', KEYS[1], 't') or '0')
if tonumber(ARGV[1]) > t then t = tonumber(ARGV[1]); redis.call('hset', KEYS[1], 't', ARGV[1]) end
if redis.call('exists', KEYS[2]) == 1 then return 0 end
local head = redis.call('zrange', KEYS[3], 0, 0, 'WITHSCORES')
if head[2] and tonumber(head[2]) <= t then
  redis.call('hset', KEYS[1], 'applied', tonumber(head[2]) - 0.0005)
  if redis.call('hget', KEYS[1], 'hold') == '1' then return 0 end
  redis.call('set', KEYS[2], ARGV[3])
  if ARGV[2] ~= '' then redis.call('lpush', KEYS[4], ARGV[2]) end
  return 1
end
redis.call('hset', KEYS[1], 'applied', t)
return 0
"""


def _script(source: str) -> Any:
    return client().register_script(source)


def begin(run: str, token: str, ttl_ms: int, limit: int, state_keys: list[str]) -> list[Any]:
    script_keys = [keys.step_lock(run), keys.clock(run), keys.inbox(run), keys.poison(run), *state_keys]
    return list(_script(BEGIN)(keys=script_keys, args=[token, ttl_ms, limit]))


def commit(run: str, token: str, message: str, now: float, queue: str, argv: list[Any]) -> int:
    """Apply `argv` (flattened writes) if the lock is still ours; 1 if the next step was queued,
    0 if none is due, -1 if the lock was lost (nothing written)."""
    script_keys = [keys.step_lock(run), keys.busy(run), keys.inbox(run), keys.clock(run), queue, keys.wake(run)]
    return int(_script(COMMIT)(keys=script_keys, args=[token, message, now, "", *argv]))


def advance(run: str, horizon_ms: float, message: str, now: float, queue: str) -> int:
    """Raise the horizon to `horizon_ms` (never lower it); queue a step if one is due."""
    script_keys = [keys.clock(run), keys.busy(run), keys.inbox(run), queue]
    return int(_script(ADVANCE)(keys=script_keys, args=[repr(float(horizon_ms)), message, now]))


def flatten(commands: list[tuple[Any, ...]]) -> list[Any]:
    """Commands as COMMIT's ARGV: `argc, name, args…` for each."""
    out: list[Any] = []
    for command in commands:
        out.append(len(command))
        out.extend(command)
    return out
