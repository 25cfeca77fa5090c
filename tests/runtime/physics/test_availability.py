from datetime import timedelta

import pytest

from apps.runtime.physics.availability import (
    all_down,
    availability_from_downtime,
    availability_from_outcomes,
    downtime_per_year,
    format_downtime_per_year,
    in_parallel,
    in_series,
    merge_intervals,
    nines,
)


def test_nines() -> None:
    assert nines(0.9) == 1.0
    assert nines(0.999) == 3.0
    assert nines(0.9999) == 4.0
    assert nines(0.999999999) == 9.0
    assert nines(0.9995) == pytest.approx(3.30103, abs=1e-5)
    assert nines(1.0) == float("inf")


def test_downtime_per_year() -> None:
    assert downtime_per_year(0.999) == timedelta(hours=8.76)
    assert downtime_per_year(0.9999) == timedelta(minutes=52.56)
    assert downtime_per_year(1.0) == timedelta(0)


@pytest.mark.parametrize(
    ("availability", "text"),
    [
        (0.99, "3.65 days/year"),
        (0.999, "8.76 h/year"),
        (0.9999, "52.6 min/year"),
        (0.99999, "5.26 min/year"),
        (0.999999, "31.5 s/year"),
        (0.999999999, "31.5 ms/year"),
        (1.0, "0 s/year"),
    ],
)
def test_format_downtime_per_year(availability: float, text: str) -> None:
    assert format_downtime_per_year(availability) == text


def test_availability_from_outcomes() -> None:
    assert availability_from_outcomes(999, 1000) == 0.999
    assert availability_from_outcomes(0, 0) == 1.0


def test_merge_intervals() -> None:
    assert merge_intervals([(5, 7), (1, 3), (2, 4), (7, 8), (9, 9)]) == [(1, 4), (5, 8)]


def test_availability_from_downtime_merges_overlaps_and_clips_to_the_span() -> None:
    assert availability_from_downtime([(10, 20), (15, 25), (-5, 2)], 0, 100) == pytest.approx(0.83)
    assert availability_from_downtime([(90, 200)], 0, 100) == pytest.approx(0.9)
    assert availability_from_downtime([], 0, 100) == 1.0
    assert availability_from_downtime([(0, 10)], 5, 5) == 1.0


def test_a_redundant_group_is_down_only_while_all_members_are() -> None:
    zone_a = [(10, 30), (50, 60)]
    zone_b = [(20, 40), (55, 70)]
    assert all_down([zone_a, zone_b]) == [(20, 30), (55, 60)]
    assert all_down([zone_a, [(40, 45)]]) == []
    assert all_down([]) == []
    assert availability_from_downtime(all_down([zone_a, zone_b]), 0, 100) == pytest.approx(0.85)


def test_series_and_parallel_composition() -> None:
    assert in_series([0.99, 0.99]) == pytest.approx(0.9801)
    assert in_parallel([0.99, 0.99]) == pytest.approx(0.9999)
    assert nines(in_parallel([0.99, 0.99])) == pytest.approx(4.0)
