"""Channels group names and the one place that publishes to them from sync code."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)


def scenario_group(slug: str) -> str:
    return f"scenario.{slug}"


def scenario_saved_notify(*, slug: str, revision: int, name: str) -> None:
    """Best effort: a save must not fail because the channel layer is unreachable."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            scenario_group(slug), {"type": "scenario.saved", "revision": revision, "name": name}
        )
    except Exception:
        log.warning("could not notify viewers of scenario %s", slug, exc_info=True)
