"""A run's settings are checked with messages that give their bounds exactly."""

import pytest

from apps.engine.services import run_document
from apps.topology.validation import TopologyError
from tests.factories import small_document


def test_an_out_of_range_seed_names_its_bounds_exactly() -> None:
    with pytest.raises(TopologyError) as refused:
        run_document(document=small_document(), seed=2**31, speed=None, duration=None)
    message = refused.value.problems[0].message
    assert message == "must be from 0 to 2147483647 (got 2147483648)"
    assert "e+" not in message
