"""One event at one node: the context a node handler works in.

A hop happens at its event's run time (`now`, in ms since the run started), never at a
worker's wall clock. What it causes is stamped with run times too: an event for another
node arrives after the network latency of the edge between them, a timer at its due time.
Reads and writes go to the step (step.py), which keeps them in memory and commits them
all at once; a handler never talks to Redis itself.
"""

import hashlib
import random
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from apps.runtime.physics.percentiles import bucket_index
from apps.runtime.plan import NodePlan, Plan
from apps.runtime.stores import Hash, Line

if TYPE_CHECKING:
    from apps.runtime.step import Step

Event = dict[str, Any]


def child_id(parent: str, index: int) -> str:
    return hashlib.blake2b(f"{parent}/{index}".encode(), digest_size=8).hexdigest()


class Hop:
    def __init__(self, step: "Step", node: NodePlan, event: Event):
        self.step = step
        self.run: str = step.run
        self.plan: Plan = step.plan
        self.node = node
        self.event = event
        self.id: str = event["id"]
        self.now: float = float(event["at"])
        self._rng: random.Random | None = None
        self._children = 0

    @property
    def rng(self) -> random.Random:
        """Randomness of this hop alone (seeded by its id): the same run draws the same numbers."""
        if self._rng is None:
            self._rng = random.Random(self.id)
        return self._rng

    # --- state --------------------------------------------------------------------------

    @property
    def state(self) -> dict[str, Any]:
        """This node's state (saved with the step)."""
        return self.step.state(self.node.id)

    def state_of(self, node_id: str) -> dict[str, Any]:
        """Another node's state, to read (a load balancer reads its targets' instances)."""
        return self.step.state(node_id, write=False)

    def frame(self, frame_id: str) -> dict[str, Any] | None:
        """A piece of work in progress at this node (a copy: `put_frame` to change it)."""
        value: dict[str, Any] | None = self.step.frames(self.node.id).get(frame_id)
        return value

    def put_frame(self, frame: dict[str, Any]) -> None:
        self.step.frames(self.node.id).set(frame["fid"], frame)

    def drop_frame(self, frame_id: str) -> None:
        self.step.frames(self.node.id).delete(frame_id)

    def all_frames(self) -> Iterator[tuple[str, dict[str, Any]]]:
        yield from self.step.frames(self.node.id).load_all().items()

    def line(self, key: str, depth_name: str = "") -> Line:
        """A waiting line or mailbox (a Redis list)."""
        return self.step.line(key, depth_name)

    def records(self, key: str, *, as_json: bool = False) -> Hash:
        """A run-wide record hash (the request ledger, messages, deliveries…)."""
        return self.step.hash(key, as_json=as_json)

    # --- events -------------------------------------------------------------------------

    def _child(self, event: Event) -> Event:
        self._children += 1
        return {**event, "id": child_id(self.id, self._children)}

    def send(self, event: Event) -> None:
        """An event for a node, arriving after the network latency between this node and it."""
        child = self._child(event)
        child["at"] = round(self.now + self.plan.network_ms(self.node.id, event["node"]), 3)
        self.step.schedule(child)

    def later(self, delay_ms: float, event: Event) -> str:
        """An event `delay_ms` of run time from now (a timer: no worker waits meanwhile).
        Returns a handle for `cancel`."""
        return self.at(self.now + max(delay_ms, 0.0), event)

    def at(self, due_ms: float, event: Event) -> str:
        """An event at run time `due_ms` (not before now)."""
        child = self._child(event)
        child["at"] = round(max(due_ms, self.now), 3)
        return self.step.schedule(child)

    def cancel(self, handle: str | None) -> None:
        """Drop a timer that is no longer needed (a timeout whose call was answered)."""
        if handle:
            self.step.cancel(handle)

    # --- records ------------------------------------------------------------------------

    def count(self, field: str, amount: int = 1) -> None:
        self.step.count(field, amount, self.now)

    def observe_latency(self, scope: str, value_ms: float) -> None:
        self.step.observe(scope, bucket_index(max(value_ms, 0.0)), value_ms, self.now)

    def audit(self, kind: str, *, corr: str = "", **detail: Any) -> None:
        self.step.audit({"t": round(self.now, 2), "node": self.node.id, "kind": kind, "corr": corr, **detail})

    def command(self, name: str, *args: Any) -> None:
        """A Redis write applied with the step's commit: `hop.command("rpush", key, value)`."""
        self.step.command(name, *args)
