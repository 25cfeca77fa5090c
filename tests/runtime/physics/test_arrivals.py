import itertools
import math
import random
import statistics

import pytest

from apps.runtime.physics.arrivals import (
    DEFAULTS,
    PATTERNS,
    client_id,
    diurnal_level,
    next_arrival_s,
    peak_rate,
    pick_operation,
    rate_at,
)
from apps.topology.kinds import KINDS

SPIKE = {"rate": 20, "pattern": "spike", "pattern_factor": 5, "pattern_start_s": 10, "pattern_duration_s": 10}


def arrivals(props: dict[str, object], until_s: float, seed: int, multiplier: float = 1.0) -> list[float]:
    rng = random.Random(seed)
    times: list[float] = []
    t = next_arrival_s(rng, 0.0, props, multiplier, horizon_s=until_s)
    while t < until_s:
        times.append(t)
        t = next_arrival_s(rng, t, props, multiplier, horizon_s=until_s)
    return times


def assert_poisson_count(count: int, expected: float) -> None:
    """Within 4 standard deviations (sqrt(expected)) of a Poisson count."""
    assert abs(count - expected) <= 4 * math.sqrt(expected), (count, expected)


def test_defaults_are_the_declared_client_defaults() -> None:
    declared = KINDS["client"].defaults()
    assert {name: declared[name] for name in DEFAULTS} == DEFAULTS


def test_rate_at_for_each_pattern() -> None:
    window = {"rate": 10, "pattern_factor": 5, "pattern_start_s": 10, "pattern_duration_s": 20}
    assert rate_at(15, {**window, "pattern": "constant"}) == 10
    spike = {**window, "pattern": "spike"}
    assert [rate_at(t, spike) for t in (9.99, 10, 29.99, 30)] == [10, 50, 50, 10]
    ramp = {**window, "pattern": "ramp"}
    assert [rate_at(t, ramp) for t in (5, 10, 20, 30, 100)] == [10, 10, 30, 50, 50]
    wave = {**window, "pattern": "wave"}
    assert [rate_at(t, wave) for t in (5, 10, 20, 30)] == pytest.approx([10, 10, 50, 10])
    assert rate_at(15, wave) == pytest.approx(30)


def test_patterns_are_the_declared_choices() -> None:
    declared = next(prop for prop in KINDS["client"].props if prop.name == "pattern")
    assert declared.choices == PATTERNS


STEPS = {"rate": 10, "pattern": "steps", "pattern_factor": 5, "pattern_start_s": 10, "pattern_duration_s": 8}


def test_steps_climb_in_equal_steps_from_the_rate_to_the_peak_then_hold() -> None:
    # 4 steps (the default) of (50 − 10)/4 = 10 req/s over an 8 s window: a rise every 2 s
    assert [rate_at(t, STEPS) for t in (0, 9.99, 10, 11.99)] == [10, 10, 10, 10]
    assert [rate_at(t, STEPS) for t in (12, 13.99, 14, 15.99, 16, 17.99)] == [20, 20, 30, 30, 40, 40]
    assert [rate_at(t, STEPS) for t in (18, 30, 3600)] == [50, 50, 50]
    levels = {rate_at(10 + i / 100, STEPS) for i in range(1000)}
    assert levels == {10, 20, 30, 40, 50}
    assert rate_at(14, STEPS) <= rate_at(14, {**STEPS, "pattern": "ramp"})  # the ramp, rounded down


@pytest.mark.parametrize("steps", [2, 3, 7, 20])
def test_steps_edges_fall_at_each_nth_of_the_window(steps: int) -> None:
    props = {**STEPS, "pattern_steps": steps, "pattern_duration_s": 12}
    for k in range(1, steps + 1):
        edge = 10 + k * 12 / steps
        before, after = rate_at(edge - 1e-6, props), rate_at(edge + 1e-6, props)
        assert before == pytest.approx(10 + 40 * (k - 1) / steps)
        assert after == pytest.approx(10 + 40 * k / steps)
    assert peak_rate(props) == 50


def test_diurnal_day_night_midday_peak_and_evening_shoulder() -> None:
    day = {"rate": 10, "pattern": "diurnal", "pattern_factor": 5, "pattern_start_s": 0, "pattern_duration_s": 24}
    at = {hour: rate_at(hour, day) for hour in range(25)}  # one run second per hour
    assert [at[h] for h in (0, 3, 6)] == [10, 10, 10]  # night
    assert at[6] < at[8] < at[10] < at[12]  # the morning rise
    assert at[12] == 50  # the midday peak
    assert at[12] > at[14] > at[17]  # the afternoon fall
    assert [at[h] for h in (17, 18, 19, 20)] == pytest.approx([34] * 4)  # the shoulder: 60 %
    assert at[20] > at[22] > at[24] == 10  # back to night, and the next day begins
    samples = [rate_at(i / 1000, day) for i in range(48_001)]
    assert max(samples) == 50 and samples.index(50) == 12_000  # the peak is at noon only
    assert all(10 <= value <= 50 for value in samples)
    assert max(abs(b - a) for a, b in itertools.pairwise(samples)) < 0.02  # smooth: no jump
    assert samples[:24_000] == pytest.approx(samples[24_000:48_000])  # the day repeats
    assert statistics.fmean(samples[:24_000]) == pytest.approx(10 + 40 * 5 / 12, rel=1e-4)


def test_diurnal_starts_at_midnight_and_stretches_with_the_duration() -> None:
    day = {"rate": 4, "pattern": "diurnal", "pattern_factor": 10, "pattern_start_s": 30, "pattern_duration_s": 240}
    assert rate_at(29, day) == 4 and rate_at(30, day) == 4
    assert rate_at(30 + 120, day) == 40  # the peak half a period after the start
    assert rate_at(30 + 240 + 120, day) == 40
    assert rate_at(30 + 190, day) == pytest.approx(4 + 36 * 0.6)  # 19:00
    assert [diurnal_level(h) for h in (0, 6, 12, 17, 20, 23.999)] == pytest.approx([0, 0, 1, 0.6, 0.6, 0], abs=1e-6)
    assert peak_rate(day) == 40


def test_zero_duration_windows() -> None:
    props = {"rate": 10, "pattern_factor": 3, "pattern_start_s": 5, "pattern_duration_s": 0}
    assert rate_at(6, {**props, "pattern": "spike"}) == 10
    assert rate_at(6, {**props, "pattern": "ramp"}) == 30
    assert rate_at(6, {**props, "pattern": "wave"}) == 10
    assert rate_at(6, {**props, "pattern": "steps"}) == 30
    assert rate_at(6, {**props, "pattern": "diurnal"}) == 10


def test_multiplier_scales_the_rate_and_the_peak() -> None:
    assert rate_at(15, SPIKE, multiplier=2) == 200
    assert peak_rate(SPIKE, multiplier=2) == 200
    assert peak_rate({"rate": 20, "pattern": "constant", "pattern_factor": 5}) == 20


def test_constant_counts_are_poisson_and_inter_arrivals_have_cv_one() -> None:
    times = arrivals({"rate": 50, "pattern": "constant"}, until_s=400, seed=1)
    assert_poisson_count(len(times), 50 * 400)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert statistics.fmean(gaps) == pytest.approx(1 / 50, rel=0.03)
    assert statistics.stdev(gaps) / statistics.fmean(gaps) == pytest.approx(1.0, abs=0.03)


def test_spike_window_has_factor_times_the_rate() -> None:
    inside = outside = 0
    for seed in range(10):
        for t in arrivals(SPIKE, until_s=30, seed=seed):
            if 10 <= t < 20:
                inside += 1
            else:
                outside += 1
    assert_poisson_count(inside, 10 * 10 * 100)
    assert_poisson_count(outside, 10 * 20 * 20)


def test_ramp_and_wave_counts_match_the_integral_of_the_rate() -> None:
    window = {"rate": 20, "pattern_factor": 4, "pattern_start_s": 5, "pattern_duration_s": 10}
    ramp = arrivals({**window, "pattern": "ramp"}, until_s=25, seed=2)
    assert_poisson_count(len(ramp), 20 * 5 + (20 + 80) / 2 * 10 + 80 * 10)
    wave = arrivals({**window, "pattern": "wave"}, until_s=45, seed=3)  # 5 s flat + 4 periods
    assert_poisson_count(len(wave), 20 * 5 + (20 + 80) / 2 * 40)


def test_steps_and_diurnal_counts_match_the_integral_of_the_rate() -> None:
    window = {"rate": 20, "pattern_factor": 4, "pattern_start_s": 5, "pattern_duration_s": 10}
    steps = arrivals({**window, "pattern": "steps", "pattern_steps": 5}, until_s=25, seed=5)
    assert_poisson_count(len(steps), 20 * 5 + (20 + 32 + 44 + 56 + 68) * 2 + 80 * 10)
    diurnal = arrivals({**window, "pattern": "diurnal"}, until_s=45, seed=6)  # 5 s flat + 4 days
    assert_poisson_count(len(diurnal), 20 * 5 + (20 + 60 * 5 / 12) * 40)


def test_live_multiplier_raises_the_count() -> None:
    assert_poisson_count(len(arrivals({"rate": 20, "pattern": "constant"}, 100, seed=4, multiplier=3)), 6000)


def test_no_arrival_when_the_rate_is_zero_or_beyond_the_horizon() -> None:
    rng = random.Random(1)
    assert next_arrival_s(rng, 0, {"rate": 0, "pattern": "constant"}) == math.inf
    assert next_arrival_s(rng, 0, {"rate": 10, "pattern": "constant"}, multiplier=0) == math.inf
    assert next_arrival_s(rng, 0, {"rate": 0.001, "pattern": "constant"}, horizon_s=0.001) == math.inf


def test_a_thinning_bound_below_the_rate_is_refused() -> None:
    with pytest.raises(ValueError, match="thinning bound"):
        next_arrival_s(random.Random(1), 10, SPIKE, max_rate=20)


def test_same_seed_same_arrivals() -> None:
    assert arrivals(SPIKE, 30, seed=9) == arrivals(SPIKE, 30, seed=9)


def test_client_ids_are_uniform_over_n_distinct_ids() -> None:
    rng = random.Random(1)
    ids = [client_id(rng, 10) for _ in range(10_000)]
    assert set(ids) == {f"c{i}" for i in range(10)}
    assert all(abs(ids.count(f"c{i}") - 1000) < 4 * math.sqrt(900) for i in range(10))
    with pytest.raises(ValueError):
        client_id(rng, 0)


def test_operation_mix_follows_the_query_ratio() -> None:
    rng = random.Random(1)
    props = {"commands": ["Book", "Cancel"], "queries": ["Availability"], "query_ratio": 0.8}
    picks = [pick_operation(rng, props) for _ in range(10_000)]
    queries = sum(kind == "query" for _, kind in picks)
    assert abs(queries - 8000) < 4 * math.sqrt(10_000 * 0.8 * 0.2)
    assert {name for name, kind in picks if kind == "command"} == {"Book", "Cancel"}
    assert {name for name, kind in picks if kind == "query"} == {"Availability"}


def test_an_empty_list_falls_back_to_the_other() -> None:
    rng = random.Random(1)
    assert pick_operation(rng, {"commands": ["PlaceOrder"], "queries": [], "query_ratio": 1}) == (
        "PlaceOrder",
        "command",
    )
    assert pick_operation(rng, {"commands": [], "queries": ["Get"], "query_ratio": 0}) == ("Get", "query")
    assert pick_operation(rng, {}) == ("PlaceOrder", "command")
    with pytest.raises(ValueError):
        pick_operation(rng, {"commands": [], "queries": []})
