"""Numbers in validation messages: an integer too long to read names its path instead of
leaking Python's conversion limit, and bounds are written exactly (no 2.14748e+09)."""

import json

import pytest
from django.test import Client

from apps.topology.validation import MAX_INTEGER_DIGITS, _describe, number_text, parse_and_validate, parse_json
from tests.factories import small_document

HUGE = "9" * 5000


def test_a_5000_digit_integer_is_a_problem_at_its_path() -> None:
    text = json.dumps(small_document()).replace('"seed": ', f'"seed": {HUGE}, "was": ', 1)
    problems = [p.as_dict() for p in parse_and_validate(text).problems]
    assert problems == [
        {"path": "$.run.seed", "message": f"must be a number of at most {MAX_INTEGER_DIGITS} digits (got 5,000 digits)"}
    ]


def test_every_long_integer_is_named_and_short_ones_still_read() -> None:
    longest, longer = "1" * MAX_INTEGER_DIGITS, "1" * (MAX_INTEGER_DIGITS + 1)
    value, problems = parse_json(f'{{"a": [1, {{"b": -{HUGE}}}], "c": {longer}, "d": {longest}}}')
    assert value is None
    assert [p.path for p in problems] == ["$.a[1].b", "$.c"]
    assert parse_json(f'{{"d": {longest}, "e": 2.5}}') == ({"d": int(longest), "e": 2.5}, [])


@pytest.mark.django_db
def test_the_api_says_so_without_python_internals() -> None:
    body = json.dumps(small_document()).replace('"seed": ', f'"seed": {HUGE}, "was": ', 1)
    response = Client().post("/api/validate/", body, content_type="application/json")
    assert response.status_code == 200  # the problems are the answer
    text = response.content.decode()
    assert "$.run.seed" in text and "digits" in text
    assert "4300" not in text and "set_int_max_str_digits" not in text and "limit" not in text


def test_bounds_are_written_exactly() -> None:
    document = small_document()
    document["run"]["seed"] = 2**31
    [problem] = parse_and_validate(json.dumps(document)).problems
    assert problem.message == "must be at most 2147483647 (got 2147483648)"
    schema = {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
    assert _describe(schema) == "an integer from 0 to 2147483647"
    assert _describe({"minimum": 0.1, "maximum": 1e7}) == "a number from 0.1 to 10000000"


@pytest.mark.parametrize(
    ("value", "text"),
    [(2147483647, "2147483647"), (2147483647.0, "2147483647"), (0.1, "0.1"), (1e-05, "1e-05"), (10, "10")],
)
def test_number_text(value: float, text: str) -> None:
    assert number_text(value) == text
