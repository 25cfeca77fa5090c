"""Queueing theory beside the run (apps/engine/theory.py): textbook values, how the traffic is
followed through the drawing, the templates, the comparison with a summary, and the API.
Plain unit tests: no engine runs."""

import json
import math
import random
from typing import Any

import pytest
from django.test import RequestFactory

from apps.engine.theory import Prediction, compare, predict
from apps.engine.theory_api import theory
from apps.library.services import template_files
from apps.runtime.physics.queueing import fifo_replay, fifo_replay_per_instance
from apps.topology.blank import blank_document
from tests.engine.run_samples import sample_document, sample_summary
from tests.factories import edge, node


def one_service(rate: float, *, concurrency: int = 1, replicas: int = 1, mean_ms: float = 100, **latency: Any) -> Any:
    doc = blank_document(name="One service")
    doc["nodes"] = [
        node("users", "client", rate=rate),
        node(
            "svc",
            "service",
            replicas=replicas,
            concurrency=concurrency,
            latency={"distribution": "exponential", "mean_ms": mean_ms, **latency},
        ),
    ]
    doc["edges"] = [edge("e1", "users", "svc")]
    return doc


def replay_p95(lam: float, servers: int, draw: Any, n: int = 60_000, seed: int = 5) -> tuple[float, float]:
    """Mean and p95 response (ms) of a long textbook FIFO replay with Poisson arrivals."""
    rng = random.Random(seed)
    arrivals, t = [], 0.0
    for _ in range(n):
        t += rng.expovariate(lam / 1000.0)
        arrivals.append(t)
    responses = sorted(fifo_replay(arrivals, [draw(rng) for _ in range(n)], servers)[n // 10 :])
    return sum(responses) / len(responses), responses[int(0.95 * len(responses))]


# --- textbook values -------------------------------------------------------------------------


def test_m_m_1_at_half_load_waits_one_service_time() -> None:
    svc = predict(one_service(5, mean_ms=100))["svc"]
    assert svc.status == "stable" and svc.model == "M/M/1" and not svc.approximate
    assert svc.utilisation == pytest.approx(0.5)
    assert svc.p_wait == pytest.approx(0.5)
    assert svc.wait_ms == pytest.approx(100.0)  # Wq = S at ρ = 0.5
    assert svc.response_ms == pytest.approx(200.0)
    # M/M/1 response is exponential at rate μ − λ = 5/s: p95 = ln 20 / 5 s
    assert svc.p95_ms == pytest.approx(1000.0 * math.log(20) / 5, rel=1e-4)


def test_erlang_c_two_servers_one_erlang() -> None:
    svc = predict(one_service(10, concurrency=2, mean_ms=100))["svc"]
    assert svc.p_wait == pytest.approx(1 / 3)
    assert svc.wait_ms == pytest.approx(1000.0 * (1 / 3) / (20 - 10))  # C / (cμ − λ)


def test_m_m_4_table_value() -> None:
    """The fidelity reference: c = 4, λ = 28/s, S = 100 ms → C = 0.4287, W = 135.7 ms."""
    svc = predict(one_service(28, concurrency=4, mean_ms=100))["svc"]
    assert svc.model == "M/M/4"
    assert svc.p_wait == pytest.approx(0.4287, abs=1e-4)
    assert svc.response_ms == pytest.approx(135.7, abs=0.1)


def test_m_m_c_p95_matches_a_long_replay() -> None:
    svc = predict(one_service(28, concurrency=4, mean_ms=100))["svc"]
    mean, p95 = replay_p95(28, 4, lambda rng: rng.expovariate(1 / 100))
    assert mean == pytest.approx(svc.response_ms, rel=0.06)
    assert p95 == pytest.approx(svc.p95_ms, rel=0.06)


def test_lognormal_service_uses_allen_cunneen_and_is_close_to_a_replay() -> None:
    sigma = 1.0
    svc = predict(one_service(16, concurrency=2, mean_ms=100, distribution="lognormal", sigma=sigma))["svc"]
    assert svc.approximate and "Allen–Cunneen" in svc.model
    assert svc.lines[0].service_scv == pytest.approx(math.exp(sigma**2) - 1)
    mu = math.log(100) - sigma**2 / 2
    mean, p95 = replay_p95(16, 2, lambda rng: rng.lognormvariate(mu, sigma))
    assert mean == pytest.approx(svc.response_ms, rel=0.15)
    assert p95 == pytest.approx(svc.p95_ms, rel=0.15)


def test_round_robin_over_instances_is_separate_smoother_queues() -> None:
    """Every other call to each of 2 instances: Erlang-2 arrivals (ca² = 1/2), not M/M/8."""
    svc = predict(one_service(56, replicas=2, concurrency=4, mean_ms=100))["svc"]
    assert svc.lines[0].arrival_scv == pytest.approx(0.5) and svc.approximate
    rng = random.Random(3)
    arrivals, t = [], 0.0
    for _ in range(60_000):
        t += rng.expovariate(56 / 1000.0)
        arrivals.append(t)
    services = [rng.expovariate(1 / 100) for _ in arrivals]
    responses = fifo_replay_per_instance(arrivals, services, [str(i % 2) for i in range(len(arrivals))], slots=4)
    measured = sum(responses[6000:]) / len(responses[6000:])
    assert measured == pytest.approx(svc.response_ms, rel=0.06)


def test_fixed_service_waits_half_as_long_as_exponential() -> None:
    exp = predict(one_service(7, mean_ms=100))["svc"]
    fixed = predict(one_service(7, mean_ms=100, distribution="fixed"))["svc"]
    assert exp.wait_ms is not None
    assert fixed.wait_ms == pytest.approx(exp.wait_ms / 2)  # M/D/1 = (1 + 0)/2 of M/M/1


def test_overload_is_unstable_and_says_so() -> None:
    svc = predict(one_service(50, concurrency=2, mean_ms=100))["svc"]
    assert svc.status == "unstable"
    assert svc.utilisation == pytest.approx(2.5)
    assert "grows without bound" in svc.reason
    assert svc.wait_ms is None and svc.p95_ms is None
    assert svc.lines[0].growth_per_s == pytest.approx(30.0)  # λ − cμ = 50 − 20


def test_idle_service_answers_its_service_time() -> None:
    svc = predict(one_service(0, mean_ms=40))["svc"]
    assert svc.utilisation == 0 and svc.wait_ms == 0 and svc.response_ms == pytest.approx(40)


# --- following the traffic --------------------------------------------------------------------


def test_a_weighted_balancer_splits_by_weight_and_round_robin_smooths_arrivals() -> None:
    doc = blank_document(name="Balanced")
    doc["nodes"] = [
        node("users", "client", rate=40),
        node("lb", "load_balancer", strategy="weighted"),
        node("big", "service", replicas=1),
        node("small", "service", replicas=1),
    ]
    doc["edges"] = [edge("e1", "users", "lb"), edge("e2", "lb", "big", weight=3), edge("e3", "lb", "small", weight=1)]
    out = predict(doc)
    assert out["lb"].status == "pass_through" and out["lb"].arrival_rate == pytest.approx(40)
    assert out["big"].arrival_rate == pytest.approx(30)
    assert out["small"].arrival_rate == pytest.approx(10)

    doc["nodes"][1]["props"]["strategy"] = "round_robin"
    doc["nodes"][2]["props"]["replicas"] = 2
    out = predict(doc)
    assert out["big"].arrival_rate == pytest.approx(40 * 2 / 3)  # balanced over instances, not nodes
    assert out["small"].arrival_rate == pytest.approx(40 / 3)
    assert out["big"].lines[0].arrival_scv == pytest.approx(1 / 3)  # every third call of the stream
    assert out["big"].approximate


def test_instance_weights_shift_a_weighted_balancers_split_and_are_not_predicted() -> None:
    doc = blank_document(name="Weighed instances")
    doc["nodes"] = [
        node("users", "client", rate=60),
        node("lb", "load_balancer", strategy="weighted"),
        node("pair", "service", replicas=2, instance_weights=[5, 1]),
        node("solo", "service", replicas=1),
    ]
    doc["edges"] = [edge("e1", "users", "lb"), edge("e2", "lb", "pair", weight=1), edge("e3", "lb", "solo", weight=2)]
    out = predict(doc)
    assert out["pair"].arrival_rate == pytest.approx(60 * 6 / 8)  # (5 + 1) × 1 of (5 + 1) × 1 + 1 × 2
    assert out["solo"].arrival_rate == pytest.approx(60 * 2 / 8)
    assert out["pair"].status == "not_predicted" and "instance_weights" in out["pair"].reason
    assert out["solo"].status == "stable"

    doc["nodes"][2]["props"]["instance_weights"] = [3, 3]  # even: identical lines again
    out = predict(doc)
    assert out["pair"].arrival_rate == pytest.approx(60 * 6 / 8)
    assert out["pair"].status == "stable"


def test_a_queue_shares_messages_and_a_bus_copies_them() -> None:
    doc = blank_document(name="Fan out")
    doc["nodes"] = [
        node("users", "client", rate=20, commands=["PlaceOrder"]),
        node("orders", "service", replicas=2, concurrency=8, error_rate=0.1, publishes=["OrderPlaced"]),
        node("jobs", "queue"),
        node("w1", "service"),
        node("w2", "service"),
        node("bus", "event_bus", topics=["OrderPlaced", "Other"]),
        node("pay", "service"),
        node("other", "service"),
    ]
    doc["edges"] = [
        edge("e1", "users", "orders"),
        edge("e2", "orders", "jobs"),
        edge("e3", "jobs", "w1"),
        edge("e4", "jobs", "w2"),
        edge("e5", "orders", "bus"),
        edge("e6", "bus", "pay", filter=["OrderPlaced"]),
        edge("e7", "bus", "other", filter=["Other"]),
    ]
    out = predict(doc)
    published = 20 * 0.9  # failed work publishes nothing
    assert out["jobs"].arrival_rate == pytest.approx(published)
    assert out["w1"].arrival_rate == pytest.approx(published / 2)
    assert out["w2"].arrival_rate == pytest.approx(published / 2)
    assert out["pay"].arrival_rate == pytest.approx(published)
    assert out["other"].arrival_rate == 0
    # a consumer's wait is in the mailbox: its own latency is the service time
    assert out["w1"].waits_in == "mailbox" and out["w1"].latency_ms == pytest.approx(out["w1"].service_ms)
    assert out["w1"].lines[0].name == "mailbox" and out["w1"].lines[0].slots == 4


def test_a_gateway_routes_by_operation_and_the_slot_is_held_over_downstream_calls() -> None:
    doc = blank_document(name="Gateway")
    doc["nodes"] = [
        node("users", "client", rate=100, commands=["Buy"], queries=["Look", "Search"], query_ratio=0.8),
        node("gw", "api_gateway", rate_limit=50),
        node("write", "service", latency={"distribution": "fixed", "mean_ms": 10}),
        node("read", "service"),
        node("db", "database", replicas=2, latency={"mean_ms": 5}),
    ]
    doc["edges"] = [
        edge("e1", "users", "gw"),
        edge("e2", "gw", "write", filter=["Buy"]),
        edge("e3", "gw", "read", filter=["Look", "Search"]),
        edge("e4", "write", "db"),
    ]
    out = predict(doc)
    assert out["write"].arrival_rate == pytest.approx(10)  # 20% of the 50/s the rate limit admits
    assert out["read"].arrival_rate == pytest.approx(40)
    assert any("rate limit" in note for note in out["gw"].notes)
    # write holds its slot for 10 ms + a 1 ms round trip + the database's 5 ms
    assert out["write"].service_ms == pytest.approx(16.0, abs=0.01)
    assert [line.name for line in out["db"].lines] == ["primary"]  # commands are writes
    assert out["db"].servers == 3 * 64


def test_a_conditional_publication_is_not_predicted() -> None:
    doc = json.loads(template_files()["cqrs-reservations"].read_text())
    out = predict(doc)
    assert out["availability"].status == "not_predicted"
    assert "slot was still free" in out["availability"].reason
    assert out["availability-query"].status == "not_predicted"  # it calls the read model
    assert out["reservations"].status == "stable"


@pytest.mark.parametrize("slug", sorted(template_files()))
def test_every_template_predicts_finite_figures(slug: str) -> None:
    out = predict(json.loads(template_files()[slug].read_text()))
    for prediction in out.values():
        encoded = json.dumps(prediction.as_dict(), allow_nan=False)
        assert json.loads(encoded)["node"] == prediction.node
        if prediction.status == "stable":
            figures = (prediction.utilisation, prediction.wait_ms, prediction.response_ms, prediction.p95_ms)
            assert all(value is not None and math.isfinite(value) and value >= 0 for value in figures)
            assert prediction.p95_ms is not None and prediction.response_ms is not None
            assert prediction.p95_ms >= prediction.response_ms * 0.9


# --- beside a run -------------------------------------------------------------------------------


def test_compare_pairs_predictions_with_the_summary() -> None:
    rows = {row["node"]: row for row in compare(predict(sample_document()), sample_summary())}
    assert set(rows) == {"users", "lb", "web", "jobs", "email"}
    web = {figure["figure"]: figure for figure in rows["web"]["figures"]}
    assert web["arrival rate"]["predicted"] == pytest.approx(10.0)
    assert web["arrival rate"]["measured"] == pytest.approx(200 / 20)
    assert web["mean latency"]["measured"] == 22.0
    assert web["utilisation"]["measured_how"].startswith("derived")
    assert web["mean wait"]["measured"] == pytest.approx(0.0)  # 22 ms measured, 50 ms predicted
    assert web["mean latency"]["verdict"] == "off"
    email = {figure["figure"]: figure for figure in rows["email"]["figures"]}
    assert email["mean wait"]["measured"] is None  # waits in the queue, outside its latency
    assert any("faults" in note for note in rows["web"]["notes"])


def test_compare_prefers_measured_utilisation_and_wait_when_the_summary_has_them() -> None:
    summary = sample_summary()
    summary["nodes"]["web"]["utilisation"] = 0.07
    summary["nodes"]["web"]["wait_ms"] = {"mean": 1.5}
    rows = {row["node"]: row for row in compare(predict(sample_document()), summary)}
    web = {figure["figure"]: figure for figure in rows["web"]["figures"]}
    assert web["utilisation"]["measured"] == 0.07 and web["utilisation"]["measured_how"] == "measured busy slot time"
    assert web["mean wait"]["measured"] == 1.5


# --- the API ---------------------------------------------------------------------------------------


def post(body: Any) -> Any:
    raw = body if isinstance(body, str) else json.dumps(body)
    return theory(RequestFactory().post("/api/theory/", raw, content_type="application/json"))


def test_api_answers_the_predictions() -> None:
    response = post(one_service(5, mean_ms=100))
    assert response.status_code == 200
    nodes = json.loads(response.content)["nodes"]
    assert set(nodes) == {"users", "svc"}
    assert nodes["svc"]["utilisation"] == pytest.approx(0.5)
    assert nodes["svc"]["lines"][0]["model"] == "M/M/1"


def test_api_refuses_an_invalid_document_with_its_problems() -> None:
    doc = one_service(5)
    doc["nodes"][1]["props"]["replicas"] = 500
    response = post(doc)
    assert response.status_code == 400
    errors = json.loads(response.content)["errors"]
    assert any(error["path"].endswith("props.replicas") for error in errors)
    assert post("{not json").status_code == 400


def test_api_is_post_only() -> None:
    response = theory(RequestFactory().get("/api/theory/"))
    assert response.status_code == 405


def test_prediction_is_frozen() -> None:
    svc = predict(one_service(5))["svc"]
    assert isinstance(svc, Prediction)
    with pytest.raises(AttributeError):
        svc.utilisation = 0.1  # type: ignore[misc]
