"""Instances of a node as other nodes see them (load balancers read them to route)."""

from typing import Any

from apps.runtime.hop import Hop


def node_state(hop: Hop, node_id: str) -> dict[str, Any]:
    return hop.state if node_id == hop.node.id else hop.state_of(node_id)


def instances_of(hop: Hop, node_id: str) -> dict[str, dict[str, Any]]:
    """Instance name -> {alive, standby, retiring, zone, ...} of another node (a snapshot)."""
    instances: dict[str, dict[str, Any]] = node_state(hop, node_id).get("instances", {})
    return instances


def instance_key(node_id: str, instance: str) -> str:
    return f"{node_id}/{instance}"


def split_key(key: str) -> tuple[str, str]:
    node_id, instance = key.split("/", 1)
    return node_id, instance
