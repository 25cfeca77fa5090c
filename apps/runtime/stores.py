"""What a step reads and writes in Redis, kept in memory for the step's length.

A step applies many events in a row: each reads what the ones before it wrote. These small
overlays read Redis lazily (once per key or field), serve every later read from memory, and
turn what changed into the commands of the step's one commit. Nothing here writes to Redis.
"""

import json
from collections import deque
from collections.abc import Iterable
from typing import Any

CHUNK = 500  # values per variadic command (Lua's unpack takes a few thousand at most)
_MISSING = object()


def chunks(values: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class Hash:
    """A Redis hash read field by field. With `as_json` the values are dicts (get returns a
    copy, so a change counts only once `set`)."""

    def __init__(self, r: Any, key: str, *, as_json: bool = False):
        self.r = r
        self.key = key
        self.as_json = as_json
        self._values: dict[str, Any] = {}
        self._dirty: set[str] = set()
        self._deleted: set[str] = set()

    def _decode(self, raw: bytes | None) -> Any:
        if raw is None:
            return None
        return json.loads(raw) if self.as_json else raw.decode()

    def get(self, field: str) -> Any:
        value = self._values.get(field, _MISSING)
        if value is _MISSING:
            value = self._decode(self.r.hget(self.key, field))
            self._values[field] = value
        if value is not None and self.as_json:
            return dict(value)
        return value

    def exists(self, field: str) -> bool:
        return self.get(field) is not None

    def set(self, field: str, value: Any) -> None:
        self._values[field] = dict(value) if self.as_json else value
        self._dirty.add(field)
        self._deleted.discard(field)

    def setnx(self, field: str, value: Any) -> bool:
        if self.exists(field):
            return False
        self.set(field, value)
        return True

    def delete(self, field: str) -> None:
        self._values[field] = None
        self._dirty.discard(field)
        self._deleted.add(field)

    def incr(self, field: str, amount: int = 1) -> int:
        value = int(self.get(field) or 0) + amount
        self.set(field, str(value))
        return value

    def load_all(self) -> dict[str, Any]:
        """Every field (what Redis holds, with this step's changes)."""
        out = {field.decode(): self._decode(raw) for field, raw in self.r.hgetall(self.key).items()}
        out.update(self._values)
        return {field: value for field, value in out.items() if value is not None}

    @property
    def changed(self) -> bool:
        return bool(self._dirty or self._deleted)

    def commands(self) -> list[tuple[Any, ...]]:
        out: list[tuple[Any, ...]] = []
        pairs: list[Any] = []
        for field in self._dirty:
            value = self._values[field]
            pairs += [field, json.dumps(value) if self.as_json else value]
        for part in chunks(pairs, CHUNK * 2):
            out.append(("hset", self.key, *part))
        for part in chunks(sorted(self._deleted)):
            out.append(("hdel", self.key, *part))
        return out


class Line:
    """A Redis list used as a line: read and popped at the front, pushed at either end.

    Only what is needed is read: the length, and the front items as they are popped. The
    list at commit is `head + stored[consumed:] + tail`, written as LTRIM, LPUSH, RPUSH.
    `remove` (small lists only) loads the whole list and rewrites it."""

    def __init__(self, r: Any, key: str, depth_name: str = ""):
        self.r = r
        self.key = key
        self.depth_name = depth_name
        self._stored: int | None = None  # length in Redis when the step began
        self._consumed = 0  # stored items popped from the front
        self._front: deque[str] = deque()  # stored items read, from index `consumed`
        self._head: deque[str] = deque()  # pushed at the front, front first
        self._tail: deque[str] = deque()  # pushed at the back
        self._cleared = False
        self._rewrite = False
        self.touched = False
        self.max_length = 0

    def _stored_length(self) -> int:
        if self._stored is None:
            self._stored = int(self.r.llen(self.key))
        return self._stored

    def _stored_left(self) -> int:
        return self._stored_length() - self._consumed

    def __len__(self) -> int:
        return len(self._head) + self._stored_left() + len(self._tail)

    def _read_front(self, count: int) -> None:
        """Make sure `count` stored items (from `consumed`) are in memory."""
        missing = min(count, self._stored_left()) - len(self._front)
        if missing > 0:
            start = self._consumed + len(self._front)
            self._front.extend(raw.decode() for raw in self.r.lrange(self.key, start, start + max(missing, 32) - 1))

    def pop(self) -> str | None:
        self.touched = True
        if self._head:
            return self._head.popleft()
        if self._stored_left() > 0:
            self._read_front(1)
            self._consumed += 1
            return self._front.popleft()
        if self._tail:
            return self._tail.popleft()
        return None

    def push(self, item: str) -> None:
        self.touched = True
        self._tail.append(item)
        self._note_length()

    def push_front(self, item: str) -> None:
        self.touched = True
        self._head.appendleft(item)
        self._note_length()

    def clear(self) -> None:
        self.touched = True
        self._cleared = True
        self._stored, self._consumed = 0, 0
        self._front.clear()
        self._head.clear()
        self._tail.clear()

    def items(self) -> list[str]:
        self._read_front(self._stored_left())
        return [*self._head, *list(self._front)[: self._stored_left()], *self._tail]

    def remove(self, item: str) -> bool:
        """Remove the first occurrence of `item` (loads the whole list: for short lists)."""
        current = self.items()
        if item not in current:
            return False
        current.remove(item)
        self._rewrite = True
        self.touched = True
        self._stored, self._consumed = 0, 0
        self._front.clear()
        self._head.clear()
        self._tail = deque(current)
        return True

    def _note_length(self) -> None:
        self.max_length = max(self.max_length, len(self))

    def commands(self) -> list[tuple[Any, ...]]:
        if not self.touched:
            return []
        out: list[tuple[Any, ...]] = []
        if self._cleared or self._rewrite:
            out.append(("del", self.key))
        elif self._consumed:
            out.append(("ltrim", self.key, self._consumed, -1))
        for part in chunks(list(self._head)[::-1]):  # LPUSH leaves its last argument at the front
            out.append(("lpush", self.key, *part))
        for part in chunks(list(self._tail)):
            out.append(("rpush", self.key, *part))
        return out
