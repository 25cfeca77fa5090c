"""HEAD and OPTIONS on the JSON API (apps/topology/http.py `api_methods`): HEAD answers wherever
GET does, with the same headers and no body; OPTIONS answers 204 with `Allow`."""

import pytest
from django.test import Client

from apps.scenarios.services import scenario_create
from tests.factories import small_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def slug() -> str:
    scenario, _ = scenario_create(document=small_document())
    return scenario.slug


@pytest.mark.parametrize(
    "url",
    ["/api/templates/", "/api/scenarios/{slug}/", "/api/scenarios/{slug}/revisions/", "/api/schema/topology.json"],
)
def test_head_answers_like_get_without_a_body(slug: str, url: str) -> None:
    client = Client(enforce_csrf_checks=True)
    url = url.format(slug=slug)
    got, head = client.get(url), client.head(url)
    assert got.status_code == head.status_code == 200
    assert head.content == b""
    assert head["Content-Type"] == got["Content-Type"] == "application/json"
    assert int(head["Content-Length"]) == len(got.content) > 0


def test_head_of_something_missing_is_a_404_without_a_body() -> None:
    head = Client().head("/api/scenarios/no-such-slug/")
    assert head.status_code == 404 and head.content == b""


def test_head_where_get_is_not_allowed_is_a_405() -> None:
    head = Client().head("/api/validate/")
    assert head.status_code == 405 and head["Allow"] == "POST"


@pytest.mark.parametrize(
    ("url", "allow"),
    [
        ("/api/scenarios/", "POST, OPTIONS"),
        ("/api/scenarios/{slug}/", "GET, PUT, HEAD, OPTIONS"),
        ("/api/templates/", "GET, HEAD, OPTIONS"),
        ("/api/validate/", "POST, OPTIONS"),
    ],
)
def test_options_answers_204_with_allow(slug: str, url: str, allow: str) -> None:
    response = Client(enforce_csrf_checks=True).options(url.format(slug=slug))
    assert response.status_code == 204 and response.content == b""
    assert response["Allow"] == allow
