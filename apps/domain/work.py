"""The contract between the engine and a domain behaviour.

When a service with a behaviour finishes a piece of work (a command or query it served, or
an event it consumed), the engine hands the behaviour a `Work` and gets back an `Effect`:
did the business rule accept it, and which events (with their data) does it publish. A
declined command is still a served request (the answer "that slot is taken" is a correct
answer, not an outage): it is counted and audited, never published. A
behaviour may touch the database; it must be idempotent, because a hop that crashed after
the behaviour ran but before the engine committed is applied again.
"""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Work:
    run: str
    node: str
    behaviour: str
    props: Mapping[str, Any]
    name: str  # the operation (command or query) or the event consumed
    opkind: str  # "command", "query" or "event"
    corr: str  # the correlation (order) id: the request that started it all
    client: str
    data: Mapping[str, Any]  # the consumed event's data (empty for calls)
    now_ms: float
    publishes: tuple[str, ...]  # the events this node declares it publishes

    def domain_prop(self, name: str, default: int) -> int:
        return int((self.props.get("domain") or {}).get(name, default))


@dataclass
class Effect:
    declined: str = ""  # a business refusal ("slot taken"): answered, nothing published
    events: list[tuple[str, dict[str, Any]]] | None = None  # None: the node's default event
    notes: list[dict[str, Any]] = field(default_factory=list)  # decisions for the audit log


def stable_index(text: str, size: int) -> int:
    """The same text always picks the same index in [0, size) (a product, a slot)."""
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % max(1, size)


def declared(work: Work, *names: str) -> list[str]:
    """Which of `names` the node declares in `publishes` (only those are published)."""
    return [name for name in names if name in work.publishes]
