"""Node kinds: one module each, same shape (see base.py). Order here is palette order."""

from apps.topology.kinds import (
    api_gateway,
    cache,
    cdn,
    client,
    database,
    event_bus,
    function,
    load_balancer,
    queue,
    read_model,
    service,
    zone,
)
from apps.topology.kinds.base import NodeKind, Prop

_MODULES = (
    client,
    cdn,
    load_balancer,
    api_gateway,
    service,
    function,
    queue,
    event_bus,
    database,
    read_model,
    cache,
    zone,
)

KINDS: dict[str, NodeKind] = {module.KIND.name: module.KIND for module in _MODULES}

__all__ = ["KINDS", "NodeKind", "Prop"]
