"""Theory and the demand estimate follow a client's mix: each operation at its own rate, the
pattern multiplying all of them. Plain unit tests: no engine runs."""

from typing import Any

import pytest

from apps.engine.theory import predict
from apps.runtime.demand import events_per_run_second
from apps.runtime.physics.arrivals import base_rate, operation_shares, rate_at
from apps.runtime.plan import compile_plan
from apps.topology.blank import blank_document
from apps.topology.validation import validate_document
from tests.factories import edge, node

MIX = [
    {"operation": "GetProduct", "kind": "query", "rate": 90},
    {"operation": "PlaceOrder", "kind": "command", "rate": 10},
]
OLD_STYLE = {"rate": 100, "commands": ["PlaceOrder"], "queries": ["GetProduct"], "query_ratio": 0.9}


def shop(**client: Any) -> dict[str, Any]:
    doc = blank_document(name="Shop")
    doc["nodes"] = [
        node("users", "client", **client),
        node("reads", "service", replicas=1, concurrency=8, latency={"mean_ms": 20}),
        node("orders", "service", replicas=1, concurrency=4, latency={"mean_ms": 50}),
    ]
    doc["edges"] = [
        edge("e1", "users", "reads", filter=["GetProduct"]),
        edge("e2", "users", "orders", filter=["PlaceOrder"]),
    ]
    assert validate_document(doc).ok
    return doc


def test_the_mix_is_the_base_rate_and_its_shares() -> None:
    props = {"mix": MIX, "rate": 7, "queries": ["Other"], "query_ratio": 1}
    assert base_rate(props) == 100
    assert operation_shares(props) == [("GetProduct", "query", 0.9), ("PlaceOrder", "command", 0.1)]
    spike = {**props, "pattern": "spike", "pattern_factor": 3, "pattern_start_s": 5, "pattern_duration_s": 5}
    assert rate_at(1, spike) == 100 and rate_at(6, spike) == 300 and rate_at(6, spike, multiplier=2) == 600


def test_each_operation_reaches_its_service_at_its_own_rate() -> None:
    predictions = predict(shop(mix=MIX))
    assert predictions["reads"].arrival_rate == pytest.approx(90)
    assert predictions["orders"].arrival_rate == pytest.approx(10)
    assert predictions["reads"].utilisation == pytest.approx(90 * 0.020 / 8)
    assert predictions["orders"].utilisation == pytest.approx(10 * 0.050 / 4)


def test_the_pattern_multiplies_every_entry() -> None:
    ramp = {"pattern": "ramp", "pattern_factor": 4, "pattern_start_s": 0, "pattern_duration_s": 0}
    predictions = predict(shop(mix=MIX, **ramp))  # a step to 4× from the start
    assert predictions["reads"].arrival_rate == pytest.approx(360)
    assert predictions["orders"].peak_arrival_rate == pytest.approx(40)


def test_a_mix_predicts_and_costs_what_the_same_shares_do_without_one() -> None:
    with_mix, old = shop(mix=MIX, rate=3), shop(**OLD_STYLE)
    for node_id in ("reads", "orders"):
        assert predict(with_mix)[node_id].arrival_rate == pytest.approx(predict(old)[node_id].arrival_rate)
        assert predict(with_mix)[node_id].p95_ms == pytest.approx(predict(old)[node_id].p95_ms)
    assert events_per_run_second(compile_plan(with_mix)) == pytest.approx(events_per_run_second(compile_plan(old)))
    # and the estimate does follow the rates: ten times the mix, ten times the events
    tenfold = shop(mix=[{**entry, "rate": entry["rate"] * 10} for entry in MIX])
    assert events_per_run_second(compile_plan(tenfold)) == pytest.approx(10 * events_per_run_second(compile_plan(old)))
