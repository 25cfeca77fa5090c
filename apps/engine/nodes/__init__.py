"""Node behaviour during a run: one module per family of kinds, each a `handle(hop)`.

client.py       traffic sources: requests, timeouts, retries, the request ledger
forwarder.py    load balancer, API gateway, CDN, cache: route a call and relay its reply
worker.py       service, function, database, read model: instances, slots, waiting lines
database.py     database roles on top of worker.py: routing, replication, failover
messaging.py    queue and event bus: mailboxes, credits, redelivery, dead letters
"""

from collections.abc import Callable

from apps.engine.nodes import client, database, forwarder, messaging, worker
from apps.engine.runtime.hop import Hop

HANDLERS: dict[str, Callable[[Hop], None]] = {
    "client": client.handle,
    "load_balancer": forwarder.handle,
    "api_gateway": forwarder.handle,
    "cdn": forwarder.handle,
    "cache": forwarder.handle,
    "service": worker.handle,
    "function": worker.handle,
    "database": database.handle,
    "read_model": worker.handle,
    "queue": messaging.handle,
    "event_bus": messaging.handle,
}
