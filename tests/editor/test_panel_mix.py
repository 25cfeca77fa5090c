"""The property panel's operation-mix table: rows shown from the props, edited, added and
removed, checked row by row, and applied as props the validator accepts."""

import json
import re
from typing import Any

import pytest
from django.test import Client

from apps.topology.blank import blank_document
from apps.topology.validation import validate_document
from tests.editor.test_panel import applied, post
from tests.factories import edge, node

MIX = [
    {"operation": "GetProduct", "kind": "query", "rate": 90},
    {"operation": "PlaceOrder", "kind": "command", "rate": 10.5},
]
CLIENT_FIELDS = {
    "rate": "20", "pattern": "constant", "pattern_factor": "5", "pattern_start_s": "10", "pattern_duration_s": "10",
    "pattern_steps": "4", "clients": "100", "commands": "PlaceOrder", "queries": "", "query_ratio": "0",
    "timeout_ms": "5000", "retries": "0", "retry_backoff_ms": "100",
}  # fmt: skip


def rows(mix: list[dict[str, Any]]) -> dict[str, str]:
    out = {"mix": str(len(mix))}
    for index, entry in enumerate(mix):
        out.update({f"mix-{index}-{key}": str(value) for key, value in entry.items()})
    return out


def submit(client: Client, **values: Any) -> Any:
    return post(
        client, "/editor/panel/node/", id="shop", kind="client", label="Shop", props=json.dumps({"mix": MIX}),
        submitted="1", mode="edit", **CLIENT_FIELDS, **values,
    )  # fmt: skip


def shown_rows(html: str) -> list[tuple[str, str]]:
    """(operation, rate) of each row the panel shows."""
    operations = re.findall(r'name="mix-\d+-operation" value="([^"]*)"', html)
    rates = re.findall(r'name="mix-\d+-rate" value="([^"]*)"', html)
    return list(zip(operations, rates, strict=True))


def test_the_panel_shows_the_mix_as_rows(client: Client) -> None:
    opened = post(
        client, "/editor/panel/node/", id="shop", kind="client", label="Shop", props=json.dumps({"mix": MIX}),
        mode="edit",
    )  # fmt: skip
    html = opened.content.decode()
    assert shown_rows(html) == [("GetProduct", "90"), ("PlaceOrder", "10.5")]
    assert '<option value="query" selected>' in html and 'name="mix" value="2"' in html
    assert 'class="mix-add"' in html and html.count('class="mix-remove"') == 2
    assert applied(opened) is None


def test_edited_rows_are_applied_and_round_trip(client: Client) -> None:
    edited = [{**MIX[0], "rate": "75"}, {**MIX[1], "operation": "CancelOrder"}]
    event = applied(submit(client, **rows(edited)))
    assert event is not None
    mix = event["props"]["mix"]
    assert mix == [
        {"operation": "GetProduct", "kind": "query", "rate": 75},
        {"operation": "CancelOrder", "kind": "command", "rate": 10.5},
    ]
    # what the panel applied is a valid document, and opening it again shows the same rows
    doc = blank_document(name="Round trip")
    doc["nodes"] = [node("shop", "client", **event["props"]), node("web", "service")]
    doc["edges"] = [edge("e1", "shop", "web")]
    assert validate_document(doc).ok
    again = post(
        client, "/editor/panel/node/", id="shop", kind="client", label="Shop", props=json.dumps(event["props"]),
        mode="edit",
    )  # fmt: skip
    assert shown_rows(again.content.decode()) == [("GetProduct", "75"), ("CancelOrder", "10.5")]
    assert applied(submit(client, **rows(mix)))["props"]["mix"] == mix  # type: ignore[index]


def test_add_gives_a_new_row_that_changes_nothing_until_named(client: Client) -> None:
    response = submit(client, **rows(MIX), **{"mix-add": "1"})
    assert shown_rows(response.content.decode()) == [("GetProduct", "90"), ("PlaceOrder", "10.5"), ("", "10")]
    event = applied(response)
    assert event is not None and event["props"]["mix"] == MIX
    named = submit(client, **rows([*MIX, {"operation": "ListOrders", "kind": "query", "rate": "3"}]))
    assert applied(named)["props"]["mix"][-1] == {"operation": "ListOrders", "kind": "query", "rate": 3}  # type: ignore[index]


def test_remove_drops_its_row(client: Client) -> None:
    response = submit(client, **rows(MIX), **{"mix-remove": "0"})
    assert shown_rows(response.content.decode()) == [("PlaceOrder", "10.5")]
    event = applied(response)
    assert event is not None and event["props"]["mix"] == [MIX[1]]
    emptied = submit(client, **rows([MIX[1]]), **{"mix-remove": "0"})
    assert applied(emptied)["props"]["mix"] == []  # type: ignore[index]
    assert "No operations" in emptied.content.decode()


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"operation": "9lives", "kind": "query", "rate": "1"}, "row 3: not a valid name: &#x27;9lives&#x27;"),
        ({"operation": "Browse", "kind": "query", "rate": "5001"}, "row 3: the rate must be from 0 to 5000 (got 5001)"),
        ({"operation": "Browse", "kind": "query", "rate": "-2"}, "row 3: the rate must be from 0 to 5000 (got -2)"),
        ({"operation": "Browse", "kind": "query", "rate": "fast"}, "row 3: the rate is not a number: &#x27;fast&#x27;"),
        ({"operation": "Browse", "kind": "query", "rate": ""}, "row 3: give a rate"),
        ({"operation": "Browse", "kind": "event", "rate": "1"}, "row 3: the kind must be command or query"),
        ({"operation": "GetProduct", "kind": "query", "rate": "1"}, "&#x27;GetProduct&#x27; is in the mix twice"),
    ],
)
def test_a_bad_row_shows_an_inline_error_and_applies_nothing(
    client: Client, entry: dict[str, str], message: str
) -> None:
    response = submit(client, **rows([*MIX, entry]))
    assert applied(response) is None
    html = response.content.decode()
    assert message in html and "has-error" in html
    assert len(shown_rows(html)) == 3  # the rows stay as typed, to be corrected


def test_at_most_twenty_operations(client: Client) -> None:
    many = [{"operation": f"Op{i}", "kind": "query", "rate": "1"} for i in range(21)]
    response = submit(client, **rows(many))
    assert applied(response) is None
    assert "at most 20 operations (got 21)" in response.content.decode()


def test_a_read_only_panel_shows_the_rows_without_buttons(client: Client) -> None:
    opened = post(
        client, "/editor/panel/node/", id="shop", kind="client", label="Shop", props=json.dumps({"mix": MIX}),
        mode="view",
    )  # fmt: skip
    html = opened.content.decode()
    assert len(shown_rows(html)) == 2
    assert "mix-add" not in html and "mix-remove" not in html
    assert re.search(r'name="mix-0-operation" value="GetProduct"[^>]* disabled', html)
