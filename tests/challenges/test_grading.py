"""Every built-in challenge, graded by real runs of the engine (`check_design`: one run a
seed, at speed `max`): its reference design passes, its naive design fails, and its starting
design fails. The verdicts and the time each took are printed by `manage.py challenge_check`."""

from collections.abc import Iterator

import pytest

from apps.challenges.checking import check_design
from apps.challenges.format import catalogue, solution
from apps.engine.runtime.fleet import Fleet, ensure_fleet

pytestmark = [pytest.mark.engine, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def fleet(django_db_setup: None) -> Iterator[Fleet]:
    running = ensure_fleet()
    yield running
    running.stop()


@pytest.mark.parametrize("slug", list(catalogue()))
def test_the_reference_passes_and_the_naive_and_starting_designs_fail(fleet: Fleet, slug: str) -> None:
    challenge = catalogue()[slug]
    reference = check_design(challenge, solution(slug, "reference"))
    assert reference["passed"], reference["goals"]
    naive = solution(slug, "naive")
    verdict = check_design(challenge, naive)
    assert not verdict["passed"], verdict["goals"]
    if naive != challenge.start:
        assert not check_design(challenge, challenge.start)["passed"]
