"""Node behaviour during a run: one module per family of kinds, each a `handle(hop)`.

client.py       traffic sources: requests, timeouts, retries, the request ledger
forwarder.py    load balancer, API gateway, CDN, cache: route a call and relay its reply
dns.py          DNS: a cached answer per client (TTL), health checks of whole targets, forward
worker.py       service, function, database, read model: instances, slots, waiting lines
database.py     database roles on top of worker.py: routing, replication, failover
messaging.py    queue and event bus: mailboxes, credits, redelivery, dead letters
saga.py         saga orchestrator: steps in order, compensation in reverse
cdc.py          CDC relay: tails a database's change log (changelog.py), publishes each change
external_api.py third-party API: rate limit (429), latency, errors, outages
rate_limiter.py rate limiter: token bucket or sliding window, 429 for the excess
object_storage.py managed blob store: first byte + size / throughput, 503 Slow Down
search.py       search index on top of worker.py: indexing, refresh, stale searches
scheduler.py    cron jobs: commands every interval, as requests in the ledger
log.py          event log (stream): partitions, offsets, consumer groups, rebalancing, replay
"""

from collections.abc import Callable

from apps.runtime.hop import Hop
from apps.runtime.nodes import (
    cdc,
    client,
    database,
    dns,
    external_api,
    forwarder,
    log,
    messaging,
    object_storage,
    rate_limiter,
    saga,
    scheduler,
    search,
    worker,
)

# A kind names its handler in its declaration (`Runtime.handler`, apps/topology/kinds/);
# tests/runtime/test_kind_registry.py checks every executed kind's handler is here.
HANDLERS: dict[str, Callable[[Hop], None]] = {
    "client": client.handle,
    "forwarder": forwarder.handle,
    "dns": dns.handle,
    "worker": worker.handle,
    "database": database.handle,
    "messaging": messaging.handle,
    "saga": saga.handle,
    "cdc": cdc.handle,
    "external_api": external_api.handle,
    "rate_limiter": rate_limiter.handle,
    "object_storage": object_storage.handle,
    "search_index": search.handle,
    "scheduler": scheduler.handle,
    "log": log.handle,
}
