from collections.abc import Iterator

import pytest
from channels.layers import channel_layers


@pytest.fixture(autouse=True)
def fresh_channel_layer() -> Iterator[None]:
    """A channel layer of its own for each test. Each test body runs on an event loop of its
    own (async_to_sync), and a channels-redis layer that received on one loop can keep a lock
    bound to it (a receive cancelled while waiting for its per-channel lock is never
    forgotten), which the next loop's receives then trip over."""
    channel_layers.backends = {}
    yield
    channel_layers.backends = {}
