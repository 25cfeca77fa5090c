"""Every built-in challenge, graded by real runs of the engine (`check_design`: one run a
seed, at speed `max`): its reference design passes, its naive design fails, and its starting
design fails. The verdicts and the time each took are printed by `manage.py challenge_check`."""

from collections.abc import Iterator

import pytest

from apps.challenges.checking import check_design
from apps.challenges.format import catalogue, solution
from apps.runtime.fleet import Fleet, ensure_fleet

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


def test_an_auto_scaler_that_keeps_too_many_instances_is_billed_over_the_budget(fleet: Fleet) -> None:
    """Within the budget at its min (so it runs), on target, but its runs used more instances
    on average than the budget pays for: the bill is what the runs used."""
    slug = "absorb-a-spike-within-budget"
    challenge = catalogue()[slug]
    lavish = solution(slug, "reference")
    web = next(node for node in lavish["nodes"] if node["id"] == "web")
    web["props"]["autoscaling"].update(min=3, target=0.4)
    verdict = check_design(challenge, lavish)
    assert all(goal["passed"] for goal in verdict["goals"]), verdict["goals"]
    assert verdict["over_budget"] and not verdict["passed"]
    assert verdict["cost_per_hour"] > challenge.budget_per_hour
