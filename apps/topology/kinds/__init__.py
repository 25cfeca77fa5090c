"""Node kinds: one module each, same shape (see base.py). Order here is palette order."""

from apps.topology.kinds import (
    api_gateway,
    cache,
    cdc,
    cdn,
    client,
    database,
    dns,
    event_bus,
    external_api,
    function,
    load_balancer,
    object_storage,
    queue,
    rate_limiter,
    read_model,
    saga,
    scheduler,
    search_index,
    service,
    stream,
    zone,
)
from apps.topology.kinds.base import NodeKind, Prop

_MODULES = (
    client,
    scheduler,
    cdn,
    load_balancer,
    dns,
    api_gateway,
    rate_limiter,
    service,
    function,
    saga,
    external_api,
    queue,
    event_bus,
    stream,
    cdc,
    database,
    read_model,
    search_index,
    object_storage,
    cache,
    zone,
)

KINDS: dict[str, NodeKind] = {module.KIND.name: module.KIND for module in _MODULES}

__all__ = ["KINDS", "NodeKind", "Prop"]
