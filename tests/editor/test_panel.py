"""The htmx property panel: a form per kind, inline errors, and the apply event."""

import json
from typing import Any

import pytest
from django.test import Client

from apps.topology.kinds import KINDS


def post(client: Client, url: str, **values: Any) -> Any:
    return client.post(url, values, HTTP_HX_REQUEST="true")


def applied(response: Any) -> dict[str, Any] | None:
    header = response.headers.get("HX-Trigger")
    return json.loads(header)["topology:apply"] if header else None


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_gets_a_panel(client: Client, kind: str) -> None:
    response = post(client, "/editor/panel/node/", id="n1", kind=kind, label="N", props="{}", mode="edit")
    assert response.status_code == 200
    html = response.content.decode()
    assert KINDS[kind].label in html
    for prop in KINDS[kind].props:
        assert f'name="{prop.name.replace(".", "__")}"' in html
    assert applied(response) is None  # opening the panel changes nothing


def test_valid_change_is_applied_with_nested_props(client: Client) -> None:
    response = post(
        client,
        "/editor/panel/node/",
        id="web",
        kind="service",
        label="Web",
        props=json.dumps({"replicas": 1}),
        submitted="1",
        mode="edit",
        replicas="3",
        standby="1",
        concurrency="8",
        latency__distribution="lognormal",
        latency__mean_ms="25",
        latency__sigma="0.4",
        error_rate="0",
        zone="",
        behaviour="orders",
        publishes="OrderPlaced, OrderCancelled",
        domain__slots="20",
        domain__products="10",
        domain__stock="100",
        autoscaling__metric="utilisation",
        autoscaling__target="0.6",
        autoscaling__min="1",
        autoscaling__max="6",
        autoscaling__cooldown_s="5",
    )
    event = applied(response)
    assert event is not None
    assert event["cell"] == "node" and event["id"] == "web" and event["label"] == "Web"
    props = event["props"]
    assert props["replicas"] == 3 and props["latency"] == {"distribution": "lognormal", "mean_ms": 25.0, "sigma": 0.4}
    assert props["publishes"] == ["OrderPlaced", "OrderCancelled"]
    assert props["autoscaling"]["enabled"] is False  # unchecked box


def test_invalid_value_shows_an_inline_error_and_applies_nothing(client: Client) -> None:
    response = post(
        client, "/editor/panel/node/", id="lb", kind="load_balancer", label="LB", props="{}", submitted="1",
        mode="edit", strategy="round_robin", health_check__interval_s="1", health_check__threshold="99",
        latency__mean_ms="1",
    )  # fmt: skip
    assert applied(response) is None
    html = response.content.decode()
    assert "has-error" in html
    assert "Ensure this value is less than or equal to 20." in html


SERVICE_FIELDS = {
    "replicas": "2", "standby": "0", "concurrency": "4", "latency__distribution": "exponential",
    "latency__mean_ms": "50", "latency__sigma": "0.5", "error_rate": "0", "zone": "", "behaviour": "none",
    "domain__slots": "20", "domain__products": "10", "domain__stock": "100", "autoscaling__metric": "utilisation",
    "autoscaling__target": "0.7", "autoscaling__min": "1", "autoscaling__max": "5", "autoscaling__cooldown_s": "5",
}  # fmt: skip


def test_instance_weights_are_edited_as_a_list_of_numbers(client: Client) -> None:
    current = json.dumps({"replicas": 2, "instance_weights": [5, 1.5]})
    opened = post(client, "/editor/panel/node/", id="web", kind="service", label="Web", props=current, mode="edit")
    assert 'value="5, 1.5"' in opened.content.decode()
    response = post(
        client, "/editor/panel/node/", id="web", kind="service", label="Web", props=current, submitted="1",
        mode="edit", instance_weights=" 5, 1 ,", **SERVICE_FIELDS,
    )  # fmt: skip
    event = applied(response)
    assert event is not None and event["props"]["instance_weights"] == [5, 1]
    cleared = post(
        client, "/editor/panel/node/", id="web", kind="service", label="Web", props=current, submitted="1",
        mode="edit", instance_weights="", **SERVICE_FIELDS,
    )  # fmt: skip
    event = applied(cleared)
    assert event is not None and event["props"]["instance_weights"] == []


@pytest.mark.parametrize(
    ("text", "message"),
    [("5, x", "not a number: &#x27;x&#x27;"), ("5, 0", "each must be above 0 and at most 100 (got 0)"),
     ("500", "each must be above 0 and at most 100 (got 500)"), ("inf", "each must be above 0 and at most 100")],
)  # fmt: skip
def test_bad_instance_weights_show_an_inline_error(client: Client, text: str, message: str) -> None:
    response = post(
        client, "/editor/panel/node/", id="web", kind="service", label="Web", props="{}", submitted="1",
        mode="edit", instance_weights=text, **SERVICE_FIELDS,
    )  # fmt: skip
    assert applied(response) is None
    assert message in response.content.decode()


def test_read_only_panel_never_applies(client: Client) -> None:
    response = post(
        client, "/editor/panel/node/", id="q", kind="queue", label="Q", props="{}", submitted="1", mode="view",
        max_depth="10", overflow="reject", max_deliveries="3",
    )  # fmt: skip
    assert applied(response) is None
    html = response.content.decode()
    assert "Read-only" in html and 'name="max_depth"' in html
    assert html.count(" disabled") >= len(KINDS["queue"].props)
    assert "hx-post" not in html


def test_zone_is_a_choice_of_the_drawn_zones(client: Client) -> None:
    zones = json.dumps([{"id": "zone-a", "label": "Zone A"}])
    response = post(
        client, "/editor/panel/node/", id="s", kind="service", label="S", props="{}", zones=zones, mode="edit"
    )
    html = response.content.decode()
    assert '<option value="zone-a">Zone A</option>' in html


def test_edge_panel_depends_on_what_the_edge_is(client: Client) -> None:
    call = post(client, "/editor/panel/edge/", id="e1", from_kind="load_balancer", to_kind="service", props="{}")
    publish = post(client, "/editor/panel/edge/", id="e2", from_kind="service", to_kind="event_bus", props="{}")
    assert "circuit_breaker__enabled" in call.content.decode() and 'name="weight"' in call.content.decode()
    assert "circuit_breaker__enabled" not in publish.content.decode()
    assert "Publishes" in publish.content.decode()


def test_edge_change_keeps_props_the_panel_does_not_show(client: Client) -> None:
    response = post(
        client, "/editor/panel/edge/", id="e2", from_kind="service", to_kind="event_bus", label="",
        props=json.dumps({"timeout_ms": 500}), submitted="1", mode="edit", filter="OrderPlaced",
    )  # fmt: skip
    event = applied(response)
    assert event is not None and event["props"] == {"timeout_ms": 500, "filter": ["OrderPlaced"]}


def test_an_edges_network_latency_may_be_left_to_the_default_or_set(client: Client) -> None:
    common = {
        "id": "e1", "from_kind": "service", "to_kind": "service", "label": "", "submitted": "1", "mode": "edit",
        "timeout_ms": "1000", "retries": "0", "circuit_breaker__failure_threshold": "5",
        "circuit_breaker__reset_timeout_s": "5",
    }  # fmt: skip
    left = post(client, "/editor/panel/edge/", **common, props="{}", network_ms="")
    assert 'name="network_ms"' in left.content.decode()
    event = applied(left)
    assert event is not None and "network_ms" not in event["props"]  # 0.5 ms within a zone, 1 ms across
    drawn = post(client, "/editor/panel/edge/", **common, props="{}", network_ms="2.5")
    event = applied(drawn)
    assert event is not None and event["props"]["network_ms"] == 2.5


def test_the_run_speed_takes_a_number_or_max(client: Client) -> None:
    common = {"name": "Mine", "description": "", "run": "{}", "submitted": "1", "mode": "edit"}
    fastest = applied(post(client, "/editor/panel/scenario/", **common, duration_s="45", seed="7", speed="max"))
    assert fastest is not None and fastest["run"]["speed"] == "max"
    wrong = post(client, "/editor/panel/scenario/", **common, duration_s="45", seed="7", speed="fast")
    assert applied(wrong) is None and "a number or max" in wrong.content.decode()


def test_scenario_panel_applies_name_description_and_run(client: Client) -> None:
    response = post(
        client, "/editor/panel/scenario/", name="Mine", description="**hi**", run="{}", submitted="1", mode="edit",
        duration_s="45", seed="7", speed="2",
    )  # fmt: skip
    event = applied(response)
    assert event == {
        "cell": "scenario",
        "name": "Mine",
        "description": "**hi**",
        "description_html": "<p><strong>hi</strong></p>",
        "run": {"duration_s": 45.0, "seed": 7, "speed": 2.0},
    }


@pytest.mark.parametrize("bad", [{"kind": "nope"}, {"kind": "service", "id": "1bad id"}])
def test_unknown_cells_get_a_clear_400(client: Client, bad: dict[str, str]) -> None:
    values = {"id": "n1", "props": "{}", **bad}
    response = post(client, "/editor/panel/node/", **values)
    assert response.status_code == 400
    assert "select" in response.content.decode()


def test_malformed_props_json_is_ignored_not_a_crash(client: Client) -> None:
    response = post(client, "/editor/panel/node/", id="n1", kind="service", props="{not json", mode="edit")
    assert response.status_code == 200


def test_panel_needs_csrf() -> None:
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/editor/panel/node/", {"id": "n1", "kind": "service", "props": "{}"})
    assert response.status_code == 403
