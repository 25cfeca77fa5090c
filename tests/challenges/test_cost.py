"""The cost model (apps/challenges/cost.py): hourly prices per instance, slot, replica and
managed component; peaks priced for auto-scaling; overrides by key; the JSON API."""

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from apps.challenges.cost import DEFAULT_PRICES, PRICE_KEYS, PRICERS, billed_cost, design_cost, price_list
from apps.engine.simulation import load_topology
from apps.scenarios.services import scenario_create
from apps.topology.kinds import KINDS
from tests.factories import edge, node, small_document

DOCS = Path(__file__).resolve().parents[2] / "docs" / "cost-model.md"


def service_document(**props: Any) -> dict[str, Any]:
    """Clients calling one service with these props."""
    doc = small_document()
    doc["nodes"] = [node("users", "client", rate=10), node("web", "service", **props)]
    doc["edges"] = [edge("e1", "users", "web")]
    return doc


def lines_by_node(document: dict[str, Any], **overrides: float) -> dict[str, float]:
    return {line.node: line.per_hour for line in design_cost(document, overrides or None).lines}


# --- the price list -------------------------------------------------------------------------


def test_every_kind_has_a_pricing_rule() -> None:
    assert set(PRICERS) == set(KINDS)


def test_price_list_is_a_copy_of_the_defaults() -> None:
    prices = price_list()
    assert prices == dict(DEFAULT_PRICES) and set(prices) == PRICE_KEYS
    prices["queue"] = 99
    assert price_list()["queue"] == DEFAULT_PRICES["queue"]


def test_the_docs_state_every_default_price() -> None:
    text = DOCS.read_text()
    for key, value in DEFAULT_PRICES.items():
        assert f"| `{key}` | {value:g} |" in text, key


# --- a design's cost ------------------------------------------------------------------------


def test_a_template_costs_the_sum_of_its_hand_computed_lines() -> None:
    expected = {
        "cdn": 0.02,
        "lb": 0.025,
        "frontend": 6 * (0.05 + 4 * 0.01),  # auto-scaled 2-6 at its peak, 8 slots each
        "gateway": 0.03,
        "catalog": 0.05,
        "catalog-db": 0.10 + 0.10,  # primary + 1 replica
        "catalog-query": 2 * (0.05 + 4 * 0.01),
        "catalog-view": 0.05,
        "orders": 2 * (0.05 + 4 * 0.01),
        "orders-db": 0.10 + 0.10,
        "bus": 0.03,
        "payments": 2 * 0.05,
        "inventory": 0.05,
        "notification": 10 * 0.03,  # a function at its max instances
        "jobs": 0.02,
        "image-workers": 2 * 0.05,  # 2 slots: below the 4 included, no discount
        "report-workers": 0.05,
    }
    result = design_cost(load_topology("ecommerce-platform"))
    assert lines_by_node(load_topology("ecommerce-platform")) == pytest.approx(expected)
    assert sum(expected.values()) == pytest.approx(2.125)
    assert result.per_hour == 2.13  # half a cent rounds up


def test_clients_and_zones_get_no_line() -> None:
    result = design_cost(load_topology("multi-zone"))
    assert {line.kind for line in result.lines} == {"load_balancer", "service"}


def test_the_total_rounds_half_up_to_cents() -> None:
    # 0.025 + 2 × 0.05 + 2 × 0.05 = 0.225: binary floats would round it down to 0.22.
    assert design_cost(load_topology("multi-zone")).per_hour == 0.23


def test_a_line_says_what_it_prices() -> None:
    line = design_cost(service_document(replicas=3, concurrency=8, standby=1)).lines[0]
    assert line.as_dict() == {
        "node": "web",
        "label": "Web",
        "kind": "service",
        "quantity": "3 instances × 8 slots + 1 standby",
        "per_hour": pytest.approx(4 * (0.05 + 0.04)),
        "floor_per_hour": pytest.approx(4 * (0.05 + 0.04)),
    }


def test_props_left_out_take_the_kinds_defaults() -> None:
    doc = small_document()
    doc["nodes"] = [
        {"id": "users", "kind": "client", "props": {"rate": 1}},
        {"id": "web", "kind": "service"},
        {"id": "db", "kind": "database"},
    ]
    doc["edges"] = [edge("e1", "users", "web"), edge("e2", "web", "db")]
    # A service: 1 replica of 4 slots; a database: a primary and 1 replica.
    assert lines_by_node(doc) == pytest.approx({"web": 0.05, "db": 0.20})
    assert design_cost(doc).lines[0].label == "web"


def test_slots_above_the_included_four_cost_extra() -> None:
    assert lines_by_node(service_document(concurrency=16)) == pytest.approx({"web": 0.05 + 12 * 0.01})
    assert lines_by_node(service_document(concurrency=1)) == pytest.approx({"web": 0.05})


def test_standby_instances_cost_like_active_ones() -> None:
    assert lines_by_node(service_document(replicas=2, standby=2)) == pytest.approx({"web": 4 * 0.05})
    cheap_standby = lines_by_node(service_document(replicas=2, standby=2), service_standby=0.01)
    assert cheap_standby == pytest.approx({"web": 2 * 0.05 + 2 * 0.01})


def test_an_autoscaling_service_costs_from_its_min_to_its_max_replicas() -> None:
    assert lines_by_node(load_topology("autoscaling"))["web"] == pytest.approx(6 * 0.05)
    scaled = service_document(replicas=2, autoscaling={"enabled": True, "min": 1, "max": 9})
    assert lines_by_node(scaled) == pytest.approx({"web": 9 * 0.05})
    cost = design_cost(scaled)
    assert cost.lines[0].quantity == "1–9 instances × 4 slots (auto-scaling: billed as used)"
    assert (cost.floor_per_hour, cost.per_hour) == (0.05, 0.45)
    assert cost.as_dict()["lines"][0]["floor_per_hour"] == pytest.approx(0.05)


def test_a_fixed_design_costs_the_same_at_its_floor_and_its_peak() -> None:
    cost = design_cost(load_topology("multi-zone"))
    assert cost.floor_per_hour == cost.per_hour == 0.23


def test_a_run_bills_the_instances_auto_scaling_used_on_average() -> None:
    scaled = service_document(replicas=2, concurrency=8, autoscaling={"enabled": True, "min": 1, "max": 9})
    # 2 instances for 4 s, 6 for 3 s, 1 for the last 3 s of a 10 s run: 2.9 on average
    run = {"nodes": {"web": {"scaling_events": [{"t": 4000, "from": 2, "to": 6}, {"t": 7000, "from": 6, "to": 1}]}}}
    idle = {"nodes": {"web": {}}}  # never scaled: 2 all along
    billed = billed_cost(scaled, [idle, run], duration_s=10)
    assert billed.lines[0].per_hour == pytest.approx(2.9 * (0.05 + 4 * 0.01))  # the most of the runs
    assert billed.lines[0].quantity == "2.90 instances on average × 8 slots (auto-scaled, as used)"
    assert billed.per_hour == billed.floor_per_hour == 0.26
    assert billed_cost(scaled, [idle], duration_s=10).per_hour == 0.18


def test_scaling_after_the_traffic_ended_is_not_billed() -> None:
    scaled = service_document(replicas=2, autoscaling={"enabled": True, "min": 1, "max": 9})
    late = {"nodes": {"web": {"scaling_events": [{"t": 12_000, "from": 2, "to": 9}]}}}
    assert billed_cost(scaled, [late], duration_s=10).per_hour == 0.10


def test_a_fixed_service_is_billed_as_drawn() -> None:
    document = load_topology("multi-zone")
    assert billed_cost(document, [{"nodes": {}}], duration_s=20).per_hour == design_cost(document).per_hour


def test_autoscaling_max_takes_its_default_when_left_out() -> None:
    scaled = service_document(replicas=2, autoscaling={"enabled": True})
    assert lines_by_node(scaled) == pytest.approx({"web": 5 * 0.05})  # autoscaling.max defaults to 5


def test_disabled_autoscaling_is_priced_at_replicas() -> None:
    fixed = service_document(replicas=2, autoscaling={"enabled": False, "max": 9})
    assert lines_by_node(fixed) == pytest.approx({"web": 2 * 0.05})


def test_adding_instances_is_not_free() -> None:
    small, large = design_cost(service_document(replicas=2)), design_cost(service_document(replicas=20))
    assert large.per_hour == pytest.approx(small.per_hour * 10)
    assert small.fits(0.10) and not large.fits(0.50)


def test_managed_components_and_functions() -> None:
    doc = small_document()
    doc["nodes"] = [
        node("users", "client", rate=10),
        node("cache", "cache"),
        node("db", "database", replicas=3),
        node("work", "queue"),
        node("fn", "function", max_instances=4),
    ]
    doc["edges"] = [
        edge("e1", "users", "cache"),
        edge("e2", "cache", "db"),
        edge("e3", "users", "work"),
        edge("e4", "work", "fn"),
    ]
    assert lines_by_node(doc) == pytest.approx({"cache": 0.04, "db": 0.10 + 3 * 0.10, "work": 0.02, "fn": 4 * 0.03})


# --- overrides ------------------------------------------------------------------------------


def test_overrides_change_the_cost() -> None:
    doc = load_topology("db-replication")  # orders: 2 instances × 8 slots; orders-db: primary + 2 replicas
    assert design_cost(doc).per_hour == pytest.approx(round(2 * (0.05 + 0.04) + 0.10 + 2 * 0.10, 2))
    cheaper = design_cost(doc, {"database_replica": 0.02, "service_slot": 0})
    assert cheaper.per_hour == pytest.approx(round(2 * 0.05 + 0.10 + 2 * 0.02, 2))


def test_an_unknown_price_key_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="'gpu_instance'"):
        design_cost(small_document(), {"gpu_instance": 1.0})


@pytest.mark.parametrize("value", [-0.01, float("nan"), float("inf"), True, "0.05"])
def test_a_price_that_is_not_a_number_at_least_zero_is_refused(value: Any) -> None:
    with pytest.raises(ValueError, match="'queue'"):
        design_cost(small_document(), {"queue": value})


# --- the API --------------------------------------------------------------------------------


def test_prices_api_answers_the_price_list(client: Client) -> None:
    response = client.get("/api/prices/")
    assert response.status_code == 200
    data = response.json()
    assert data["currency"] == "USD" and data["unit"] == "hour"
    assert data["prices"] == dict(DEFAULT_PRICES)
    assert "billed for the instances it runs" in data["assumptions"]


def test_cost_api_prices_a_posted_document(client: Client) -> None:
    document = load_topology("ecommerce-platform")
    response = client.post("/api/cost/", json.dumps(document), content_type="application/json")
    assert response.status_code == 200
    data = response.json()
    assert data["per_hour"] == 2.13 and data["currency"] == "USD"
    assert data["lines"][2] == {
        "node": "frontend",
        "label": "Frontend (auto-scaled)",
        "kind": "service",
        "quantity": "2–6 instances × 8 slots (auto-scaling: billed as used)",
        "per_hour": 0.54,
        "floor_per_hour": 0.18,
    }
    assert data["floor_per_hour"] == round(2.13 - 0.54 + 0.18, 2)


def test_cost_api_answers_400_with_the_problems_of_an_invalid_document(client: Client) -> None:
    document = service_document(replicas=50)
    response = client.post("/api/cost/", json.dumps(document), content_type="application/json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors[0]["path"] == "$.nodes[1].props.replicas" and "at most 20" in errors[0]["message"]


def test_cost_api_answers_400_to_a_body_that_is_not_json(client: Client) -> None:
    response = client.post("/api/cost/", "{nope", content_type="application/json")
    assert response.status_code == 400 and response.json()["errors"][0]["path"] == "$"


def test_cost_api_needs_no_csrf_token_and_only_answers_post() -> None:
    client = Client(enforce_csrf_checks=True)
    posted = client.post("/api/cost/", json.dumps(small_document()), content_type="application/json")
    assert posted.status_code == 200
    got = client.get("/api/cost/")
    assert got.status_code == 405 and got["Allow"] == "POST"


# --- the editor's badge ---------------------------------------------------------------------


def share_page(client: Client) -> str:
    scenario, _ = scenario_create(document=small_document())
    response = client.get(f"/s/{scenario.slug}/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_the_editor_shows_the_cost_badge(client: Client) -> None:
    page = share_page(client)
    assert 'id="cost-badge"' in page and 'data-url="/api/cost/"' in page
    assert "editor/cost-badge.js" in page
