from collections.abc import Iterator
from typing import Any

import pytest

from apps.ops.counters import COUNTERS
from apps.runtime.redis import client


def clear_ops_keys() -> None:
    r = client()
    keys = [*r.scan_iter("pg:quota:*"), COUNTERS]
    r.delete(*keys)


@pytest.fixture
def quota_settings(settings: Any) -> Iterator[Any]:
    """Quotas on (the suite runs with them off), with fresh counters; set rates on `settings`."""
    settings.PLAYGROUND_QUOTAS = True
    settings.PLAYGROUND_QUOTA_ADDRESS_FACTOR = 1  # the API clients have no browser session: their address counts
    clear_ops_keys()
    yield settings
    clear_ops_keys()
