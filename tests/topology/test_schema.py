import json

import pytest
from django.core.management import call_command

from apps.topology.kinds import KINDS
from apps.topology.management.commands.export_schema import schema_text
from apps.topology.schema import SCHEMA_PATH, build_schema


def test_committed_schema_file_matches_the_kind_declarations() -> None:
    assert SCHEMA_PATH.read_text() == schema_text(), "run `python manage.py export_schema`"


def test_export_schema_check_passes() -> None:
    call_command("export_schema", "--check")


def test_every_kind_has_its_props_in_the_schema() -> None:
    rules = build_schema()["properties"]["nodes"]["items"]["allOf"]
    kinds = {rule["if"]["properties"]["kind"]["const"] for rule in rules}
    assert kinds == set(KINDS)


@pytest.mark.django_db
def test_schema_is_served(client) -> None:
    response = client.get("/api/schema/topology.json")
    assert response.status_code == 200
    assert response.json() == json.loads(schema_text())


def test_every_kind_has_a_distinct_icon_and_colour() -> None:
    icons = [kind.icon for kind in KINDS.values()]
    assert len(set(icons)) == len(icons)
    assert all(kind.color.startswith("#") for kind in KINDS.values())


def test_kind_defaults_pass_the_schema() -> None:
    from apps.topology.validation import validate_document
    from tests.factories import small_document

    doc = small_document()
    for index, kind in enumerate(KINDS.values()):
        doc["nodes"].append({"id": f"k{index}", "kind": kind.name, "props": kind.defaults()})
    problems = [p for p in validate_document(doc).problems if p.severity == "error" and "props" in p.path]
    assert problems == []
