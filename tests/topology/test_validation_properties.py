"""Property tests: whatever comes in, the validator answers with problems, never an exception.

Inputs are arbitrary JSON values, random bytes and text, corrupted JSON text, and mutations of
valid documents (the small test document and every built-in template). Every problem
names a JSON path starting with "$" and says what is wrong; valid documents survive a JSON
round trip unchanged and still valid.

The strategies here are also used by tests/scenarios/test_api_properties.py.
"""

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from apps.topology.edges import EDGE_PROPS, RUN_PROPS
from apps.topology.kinds import KINDS
from apps.topology.kinds.base import Prop
from apps.topology.validation import MAX_REPORTED, Validation, parse_and_validate, validate_document
from tests.factories import small_document

SCENARIOS = Path(__file__).resolve().parents[2] / "apps" / "library" / "scenarios"
BASE_DOCUMENTS: dict[str, dict[str, Any]] = {
    "small": small_document(),
    **{path.stem: json.loads(path.read_text()) for path in sorted(SCENARIOS.glob("*.json"))},
}

PROPERTY = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# For properties that validate whole templates (up to ~20 ms each for the largest) several times.
HEAVY = settings(PROPERTY, max_examples=120)

Path_ = tuple[str | int, ...]
Draw = Callable[[st.SearchStrategy[Any]], Any]

# --- strategies -----------------------------------------------------------------------------

# Any Unicode code point, NUL and lone surrogates included: JSON can carry both as \u escapes.
awkward_characters = st.sampled_from(["\x00", "\ud800", "\udfff", "\ufeff", "\u2028", "<", '"', "\\"])
any_text = st.text(st.characters(codec=None, exclude_categories=()) | awkward_characters, max_size=20)
json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | any_text
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(any_text, children, max_size=5),
    max_leaves=25,
)
# Finite values only: what a JSON text can hold (json.dumps writes inf as the invalid `Infinity`).
finite_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | any_text,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(any_text, children, max_size=5),
    max_leaves=25,
)
base_names = st.sampled_from(sorted(BASE_DOCUMENTS))
base_documents = base_names.map(lambda name: copy.deepcopy(BASE_DOCUMENTS[name]))


def walk(value: Any, prefix: Path_ = ()) -> Iterator[Path_]:
    """Every path inside a JSON value, the root (empty path) first."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from walk(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from walk(child, (*prefix, index))


def get_at(document: Any, path: Path_) -> Any:
    for part in path:
        document = document[part]
    return document


def set_at(document: Any, path: Path_, value: Any) -> None:
    get_at(document, path[:-1])[path[-1]] = value


def json_path(path: Path_) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def delete_key(draw: Draw, doc: dict[str, Any]) -> None:
    keys = [p for p in walk(doc) if p and isinstance(get_at(doc, p[:-1]), dict)]
    if keys:
        path = draw(st.sampled_from(keys))
        del get_at(doc, path[:-1])[path[-1]]


def replace_value(draw: Draw, doc: dict[str, Any]) -> None:
    paths = [p for p in walk(doc) if p]
    if paths:
        set_at(doc, draw(st.sampled_from(paths)), draw(finite_json_values))


def replace_text(draw: Draw, doc: dict[str, Any]) -> None:
    texts = [p for p in walk(doc) if p and isinstance(get_at(doc, p), str)]
    if texts:
        set_at(doc, draw(st.sampled_from(texts)), draw(any_text))


def duplicate_node(draw: Draw, doc: dict[str, Any]) -> None:
    nodes = doc.get("nodes")
    if isinstance(nodes, list) and nodes:
        original = draw(st.sampled_from(nodes))
        nodes.insert(draw(st.integers(0, len(nodes))), copy.deepcopy(original))


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def number_out_of_range(draw: Draw, doc: dict[str, Any]) -> None:
    numbers = [p for p in walk(doc) if is_number(get_at(doc, p))]
    if numbers:
        far = st.sampled_from([-1, -(10**9), 10**9, 2**63, -(2**63), 1e300, -1e300, 10**40])
        set_at(doc, draw(st.sampled_from(numbers)), draw(far))


MUTATIONS = (delete_key, replace_value, replace_text, duplicate_node, number_out_of_range)


@st.composite
def mutated_documents(draw: Draw, max_mutations: int = 3) -> dict[str, Any]:
    """A valid document after one to three random mutations (valid or not)."""
    doc: dict[str, Any] = draw(base_documents)
    for _ in range(draw(st.integers(1, max_mutations))):
        draw(st.sampled_from(MUTATIONS))(draw, doc)
    return doc


# What a real editor sends: no NUL, no lone surrogates.
plain_characters = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
plain_text = st.text(plain_characters, max_size=80)
coordinates = st.integers(-1_000_000, 1_000_000) | st.floats(-1_000_000, 1_000_000, allow_nan=False)


@st.composite
def valid_documents(draw: Draw) -> dict[str, Any]:
    """A template or the small document with edits that keep it valid: names, labels, layout."""
    doc: dict[str, Any] = draw(base_documents)
    doc["name"] = draw(plain_text.filter(bool))
    doc["description"] = draw(st.text(plain_characters, max_size=300))
    for node in doc["nodes"]:
        if draw(st.booleans()):
            node["label"] = draw(plain_text)
        if draw(st.booleans()):
            node["position"] = {"x": draw(coordinates), "y": draw(coordinates)}
    doc["run"]["seed"] = draw(st.integers(0, 2**31 - 1))
    return doc


def corrupt(text: str, start: int, length: int, insert: str) -> str:
    start %= len(text) + 1
    return text[:start] + insert + text[start + length :]


@st.composite
def corrupted_json(draw: Draw) -> bytes:
    """The JSON text of a valid document with a slice cut out or replaced: almost JSON."""
    text = json.dumps(draw(base_documents))
    start, length = draw(st.integers(0, len(text))), draw(st.integers(0, 40))
    insert = draw(st.sampled_from(["", "{", "}", "[", "]", ",", ":", '"', "\\", "NaN", "\\ud800", "\x00", "\ufeff"]))
    return corrupt(text, start, length, insert).encode("utf-8", "surrogatepass")


# --- checks ---------------------------------------------------------------------------------


def assert_well_formed(result: Validation) -> None:
    """Each problem names a JSON path and a reason that a page and a JSON body can carry."""
    assert isinstance(result, Validation)
    assert len(result.problems) <= MAX_REPORTED
    for problem in result.problems:
        assert isinstance(problem.path, str) and problem.path.startswith("$"), problem
        assert isinstance(problem.message, str) and problem.message.strip(), problem
        assert problem.severity in ("error", "warning")
        json.dumps(problem.as_dict(), allow_nan=False).encode("utf-8")
        problem.message.encode("utf-8")  # shown on pages: must be encodable text
        problem.path.encode("utf-8")
    if result.ok:
        assert_storable(result.document)


def assert_storable(document: Any) -> None:
    """What the validator accepts can be stored (PostgreSQL refuses NUL) and put on a page (UTF-8)."""
    for path in walk(document):
        texts = [get_at(document, path)]
        if path:
            texts.append(path[-1])
        for text in texts:
            if isinstance(text, str):
                assert "\x00" not in text, json_path(path)
                text.encode("utf-8")


def summary(result: Validation) -> list[tuple[str, str, str]]:
    return [(p.path, p.message, p.severity) for p in result.problems]


# --- properties -----------------------------------------------------------------------------


@PROPERTY
@given(value=json_values)
def test_any_json_value_gets_problems_not_an_exception(value: Any) -> None:
    result = validate_document(value)
    assert_well_formed(result)
    if not isinstance(value, dict):
        assert [(p.path, p.severity) for p in result.problems] == [("$", "error")]


@PROPERTY
@given(raw=st.binary(max_size=500))
@example(b'{"format": "\\ud800", "name": "\\u0000"}')
@example(b"\xef\xbb\xbf{}")  # a UTF-8 byte order mark
def test_random_bytes_get_problems_not_an_exception(raw: bytes) -> None:
    result = parse_and_validate(raw)
    assert_well_formed(result)
    assert not result.ok  # random bytes are never a topology


@PROPERTY
@given(raw=any_text)
@example('{"name": "\ud800"}')
@example("\ud800")
def test_random_text_gets_problems_not_an_exception(raw: str) -> None:
    result = parse_and_validate(raw)
    assert_well_formed(result)
    assert not result.ok


@PROPERTY
@given(raw=corrupted_json())
def test_corrupted_json_text_gets_problems_not_an_exception(raw: bytes) -> None:
    assert_well_formed(parse_and_validate(raw))


@PROPERTY
@given(value=finite_json_values)
def test_parsing_the_json_text_agrees_with_validating_the_value(value: Any) -> None:
    text = json.dumps(value)
    parsed = parse_and_validate(text.encode())
    assert_well_formed(parsed)
    assert summary(parsed) == summary(validate_document(json.loads(text)))


@HEAVY
@given(doc=mutated_documents())
def test_mutated_documents_get_problems_not_an_exception(doc: dict[str, Any]) -> None:
    result = validate_document(doc)
    assert_well_formed(result)
    again = parse_and_validate(json.dumps(doc).encode())
    assert summary(again) == summary(result)
    if result.ok:
        assert again.ok and again.document == doc


@HEAVY
@given(doc=valid_documents())
def test_valid_documents_stay_valid_after_a_json_round_trip(doc: dict[str, Any]) -> None:
    result = validate_document(doc)
    assert result.ok, summary(result)
    for text in (json.dumps(doc), json.dumps(doc, ensure_ascii=False, indent=2)):
        again = parse_and_validate(text.encode("utf-8"))
        assert again.ok, summary(again)
        assert again.document == doc
        assert summary(again) == summary(result)


# --- mutations whose error we can predict ---------------------------------------------------

REQUIRED_TOP = ("format", "version", "name", "nodes", "edges")


@st.composite
def required_key_deletions(draw: Draw) -> tuple[dict[str, Any], Path_]:
    doc: dict[str, Any] = draw(base_documents)
    choices: list[Path_] = [(key,) for key in REQUIRED_TOP]
    choices += [("nodes", i, key) for i in range(len(doc["nodes"])) for key in ("id", "kind")]
    choices += [("edges", i, key) for i in range(len(doc["edges"])) for key in ("id", "from", "to")]
    choices += [("nodes", i, "position", axis) for i, n in enumerate(doc["nodes"]) if "position" in n for axis in "xy"]
    path = draw(st.sampled_from(choices))
    del get_at(doc, path[:-1])[path[-1]]
    return doc, path


@PROPERTY
@given(case=required_key_deletions())
def test_deleting_a_required_key_is_named_at_its_path(case: tuple[dict[str, Any], Path_]) -> None:
    doc, path = case
    result = validate_document(doc)
    assert_well_formed(result)
    messages = {p.path: p.message for p in result.errors}
    assert json_path(path) in messages, summary(result)
    assert "required" in messages[json_path(path)]


@HEAVY
@given(data=st.data())
def test_a_duplicated_node_is_reported_as_a_duplicate_id(data: st.DataObject) -> None:
    doc: dict[str, Any] = data.draw(base_documents)
    index = data.draw(st.integers(0, len(doc["nodes"]) - 1))
    at = data.draw(st.integers(index + 1, len(doc["nodes"])))
    doc["nodes"].insert(at, copy.deepcopy(doc["nodes"][index]))
    result = validate_document(doc)
    assert_well_formed(result)
    duplicate = f"$.nodes[{at}].id"
    assert any(p.path == duplicate and "duplicate id" in p.message for p in result.errors), summary(result)


def ranged(props: tuple[Prop, ...]) -> list[Prop]:
    return [p for p in props if p.type in ("integer", "number") and (p.minimum is not None or p.maximum is not None)]


@st.composite
def out_of_range_props(draw: Draw) -> tuple[dict[str, Any], str, str]:
    """Set one numeric property of a node, an edge or the run just beyond its range."""
    doc: dict[str, Any] = draw(base_documents)
    places: list[tuple[Path_, Prop]] = []
    for i, node in enumerate(doc["nodes"]):
        places += [(("nodes", i, "props"), prop) for prop in ranged(KINDS[node["kind"]].props)]
    places += [(("edges", i, "props"), prop) for i in range(len(doc["edges"])) for prop in ranged(EDGE_PROPS)]
    places += [(("run",), prop) for prop in ranged(RUN_PROPS)]
    container_path, prop = draw(st.sampled_from(places))
    sides = [side for side, limit in (("above", prop.maximum), ("below", prop.minimum)) if limit is not None]
    side = draw(st.sampled_from(sides))
    if prop.type == "integer":
        delta: float = draw(st.integers(1, 10**12))
    else:
        delta = draw(st.floats(0.001, 1e12))
    limit = prop.maximum if side == "above" else prop.minimum
    assert limit is not None
    value = limit + delta if side == "above" else limit - delta
    if prop.type == "integer":
        value = int(value)
    container = get_at(doc, container_path[:-1]).setdefault(container_path[-1], {})
    for key in prop.path[:-1]:
        container = container.setdefault(key, {})
    container[prop.path[-1]] = value
    message = "must be at most" if side == "above" else "must be at least"
    return doc, json_path((*container_path, *prop.path)), message


@PROPERTY
@given(case=out_of_range_props())
def test_a_number_out_of_range_is_named_at_its_path(case: tuple[dict[str, Any], str, str]) -> None:
    doc, path, message = case
    result = validate_document(doc)
    assert_well_formed(result)
    assert any(p.path == path and p.message.startswith(message) for p in result.errors), (path, summary(result))


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda doc: doc.update(name="Orders\x00"), "$.name"),
        (lambda doc: doc.update(description="\ud800 half an emoji"), "$.description"),
        (lambda doc: doc["nodes"][1].update(label="\udfff"), "$.nodes[1].label"),
        (lambda doc: doc["nodes"][2]["props"].update({"\x00": 1}), "$.nodes[2].props"),
    ],
)
def test_text_a_page_or_database_cannot_hold_is_refused_at_its_path(
    change: Callable[[dict[str, Any]], None], path: str
) -> None:
    doc = small_document()
    change(doc)
    result = validate_document(doc)
    assert [p.path for p in result.errors] == [path]
    assert "NUL" in result.errors[0].message and "surrogate" in result.errors[0].message
    assert_well_formed(result)
    assert summary(parse_and_validate(json.dumps(doc).encode())) == summary(result)
