"""Channels group names and the one place that publishes to them from sync code."""

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)


def scenario_group(slug: str) -> str:
    return f"scenario.{slug}"


def _notify_scenario(slug: str, message: dict[str, Any]) -> None:
    """Best effort: a save or a run start must not fail because the channel layer is unreachable."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(scenario_group(slug), message)
    except Exception:
        log.warning("could not notify viewers of scenario %s", slug, exc_info=True)


def scenario_saved_notify(*, slug: str, revision: int, name: str) -> None:
    _notify_scenario(slug, {"type": "scenario.saved", "revision": revision, "name": name})


def run_started_notify(*, slug: str, run_id: str, speed: float | str, duration_s: float) -> None:
    """Tell everyone looking at the scenario that its owner started a run they can watch."""
    _notify_scenario(
        slug,
        {
            "type": "run.started",
            "run_id": run_id,
            "stream": f"/ws/runs/{run_id}/",
            "speed": speed,
            "duration_s": duration_s,
        },
    )
