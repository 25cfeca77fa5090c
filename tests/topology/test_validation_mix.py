"""A client's operation mix: each entry an operation name, a kind and a rate, every error
named at its path; a mix replaces the commands, queries and query share."""

from typing import Any

import pytest

from apps.topology.blank import blank_document
from apps.topology.lint import lint_document
from apps.topology.validation import validate_document
from tests.factories import edge, node
from tests.topology.test_validation import only_error, problems

READS = {"operation": "GetProduct", "kind": "query", "rate": 90}
WRITES = {"operation": "PlaceOrder", "kind": "command", "rate": 10}


def with_mix(mix: Any, **client: Any) -> dict[str, Any]:
    doc = blank_document(name="Mix")
    doc["nodes"] = [
        node("web", "service", 200, 0),
        node("db", "database", 400, 0),
        node("shop", "client", 0, 0, mix=mix, **client),
    ]
    doc["edges"] = [edge("e1", "shop", "web"), edge("e2", "web", "db")]
    return doc


def test_a_mix_of_commands_and_queries_is_valid() -> None:
    result = validate_document(with_mix([READS, WRITES]))
    assert result.ok and result.problems == []


def test_an_empty_mix_is_valid_and_leaves_the_old_props() -> None:
    assert validate_document(with_mix([])).ok
    assert only_error(with_mix([], query_ratio=0.5)) == (
        "$.nodes[2].props.queries",
        "query share is above 0 but no query names are given",
    )


def test_a_mix_replaces_commands_queries_and_query_share() -> None:
    """Without a mix, no commands at a query share of 0 is an error; with one it is not."""
    assert problems(with_mix([], commands=[])) != []
    assert validate_document(with_mix([READS], commands=[], query_ratio=0.3)).ok


@pytest.mark.parametrize(
    ("entry", "path", "message"),
    [
        ({**WRITES, "rate": 5001}, "$.nodes[2].props.mix[1].rate", "must be at most 5000 (got 5001)"),
        ({**WRITES, "rate": -1}, "$.nodes[2].props.mix[1].rate", "must be at least 0 (got -1)"),
        ({**WRITES, "rate": "10"}, "$.nodes[2].props.mix[1].rate", "must be of type number (got str)"),
        ({**WRITES, "kind": "event"}, "$.nodes[2].props.mix[1].kind", "must be one of command, query (got 'event')"),
        ({**WRITES, "operation": "9lives"}, "$.nodes[2].props.mix[1].operation", "'9lives' is not a valid id or name"),
        ({**WRITES, "operation": ""}, "$.nodes[2].props.mix[1].operation", "'' is not a valid id or name"),
        ({"operation": "PlaceOrder", "kind": "command"}, "$.nodes[2].props.mix[1].rate", "'rate' is required"),
        ({**WRITES, "weight": 2}, "$.nodes[2].props.mix[1]", "unknown property: 'weight'"),
        ("PlaceOrder", "$.nodes[2].props.mix[1]", "must be of type object (got str)"),
    ],
)
def test_a_bad_entry_is_named_at_its_path(entry: Any, path: str, message: str) -> None:
    found_path, found = only_error(with_mix([READS, entry]))
    assert found_path == path
    assert found.startswith(message), found


def test_at_most_twenty_operations() -> None:
    mix = [{"operation": f"Op{i}", "kind": "query", "rate": 1} for i in range(21)]
    assert only_error(with_mix(mix)) == ("$.nodes[2].props.mix", "must have at most 20 items (got 21)")
    assert validate_document(with_mix(mix[:20])).ok


def test_an_operation_appears_once() -> None:
    again = {**READS, "kind": "command", "rate": 5}
    assert only_error(with_mix([READS, WRITES, again])) == (
        "$.nodes[2].props.mix[2].operation",
        "'GetProduct' is already in the mix (at mix[0])",
    )


def test_a_mix_must_be_a_list() -> None:
    assert only_error(with_mix({"GetProduct": 90})) == ("$.nodes[2].props.mix", "must be of type array (got dict)")


def test_the_read_heavy_check_reads_a_mix_by_its_rates() -> None:
    def read_heavy(doc: dict[str, Any]) -> list[str]:
        return [w.target or "" for w in lint_document(doc) if w.rule == "read-heavy-without-read-model"]

    assert read_heavy(with_mix([READS, WRITES])) == ["db"]  # 90 % of the rate is queries
    assert read_heavy(with_mix([{**READS, "rate": 10}, {**WRITES, "rate": 90}])) == []
    # the old props say nothing once a mix is given
    assert read_heavy(with_mix([{**READS, "rate": 10}, {**WRITES, "rate": 90}], queries=["X"], query_ratio=1)) == []
