"""The JSON API contract (DESIGN.md "Contracts", docs/api.md).

Errors are always {"errors": [{"path", "message"}, ...]} with a 4xx status. Editing needs the
owner's secret: the X-Edit-Secret header, or the owner's session together with a CSRF token.
"""

import io
import json
import re
from datetime import datetime
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from apps.scenarios.models import Scenario
from tests.conftest import Api
from tests.factories import edge, small_document, with_changes
from tests.library.test_templates_valid import SLUGS, load

pytestmark = pytest.mark.django_db

SLUG = re.compile(r"^[A-Za-z0-9_-]{16,}$")


def assert_errors(response: Any, status: int) -> list[dict[str, Any]]:
    """A JSON error answer: the status, and a non-empty list of {path, message}."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/json"
    errors = response.json()["errors"]
    assert isinstance(errors, list) and errors
    for error in errors:
        assert error["path"].startswith("$") and error["message"].strip()
    return errors


def create(api: Api, document: dict[str, Any] | None = None) -> dict[str, Any]:
    response = api.post("/api/scenarios/", document or small_document())
    assert response.status_code == 201, response.content
    payload: dict[str, Any] = response.json()
    return payload


@pytest.fixture
def created(api: Api) -> dict[str, Any]:
    return create(api)


def detail(payload: dict[str, Any], suffix: str = "") -> str:
    return f"/api/scenarios/{payload['slug']}/{suffix}"


def renamed(name: str) -> dict[str, Any]:
    return with_changes(small_document(), name=name)


# --- create --------------------------------------------------------------------------------


def test_create_answers_slug_links_and_secret(api: Api) -> None:
    response = api.post("/api/scenarios/", small_document())
    assert response.status_code == 201
    payload = response.json()
    assert set(payload) == {"slug", "view_url", "edit_url", "edit_secret"}
    slug, secret = payload["slug"], payload["edit_secret"]
    assert SLUG.match(slug), "the share slug is long and URL-safe"
    assert len(secret) >= 24
    assert payload["view_url"] == f"http://testserver/s/{slug}/"
    assert payload["edit_url"] == f"http://testserver/s/{slug}/edit/{secret}/"
    scenario = Scenario.objects.get(slug=slug)
    assert scenario.name == "Small"
    assert secret not in scenario.edit_secret_hash, "the secret is stored hashed"


def test_two_creates_get_different_slugs_and_secrets(api: Api) -> None:
    first, second = create(api), create(api)
    assert first["slug"] != second["slug"]
    assert first["edit_secret"] != second["edit_secret"]


def test_create_refuses_an_invalid_document_naming_the_paths(api: Api) -> None:
    doc = small_document()
    doc["nodes"][2]["props"]["replicas"] = 50
    errors = assert_errors(api.post("/api/scenarios/", doc), 400)
    assert errors == [{"path": "$.nodes[2].props.replicas", "message": "must be at most 20 (got 50)", "target": "web1"}]
    assert not Scenario.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [(b"", "empty"), (b"{", "not valid JSON"), (b"[1, 2]", "must be a JSON object"), (b"\xff", "not UTF-8")],
)
def test_create_refuses_unreadable_bodies(api: Api, body: bytes, message: str) -> None:
    [error] = assert_errors(api.post("/api/scenarios/", body), 400)
    assert error["path"] == "$" and message in error["message"]


# --- read: the topology, never the secret ---------------------------------------------------


def test_get_answers_the_topology(api: Api, created: dict[str, Any]) -> None:
    response = api.get(detail(created))
    assert response.status_code == 200
    assert response.json() == small_document()


@pytest.mark.parametrize("suffix", ["", "export/", "revisions/", "revisions/1/"])
def test_no_read_answer_carries_the_secret(api: Api, created: dict[str, Any], suffix: str) -> None:
    response = Client().get(detail(created, suffix))
    assert response.status_code == 200
    body = response.content.decode()
    scenario = Scenario.objects.get(slug=created["slug"])
    assert created["edit_secret"] not in body
    assert scenario.edit_secret_hash not in body
    assert all(created["edit_secret"] not in value for _, value in response.items()), "nor in a header"
    assert "secret" not in body.lower()


@pytest.mark.parametrize("slug", ["nope", "%00", "%F0%9F%98%80", "x" * 40])
def test_unknown_scenario_is_a_json_404(api: Api, slug: str) -> None:
    for url in ("/api/scenarios/{}/", "/api/scenarios/{}/export/", "/api/scenarios/{}/revisions/"):
        assert_errors(api.get(url.format(slug)), 404)
    assert_errors(api.put(f"/api/scenarios/{slug}/", small_document(), secret="x"), 404)
    assert_errors(api.post(f"/api/scenarios/{slug}/fork/"), 404)
    assert_errors(api.post(f"/api/scenarios/{slug}/revisions/1/restore/", secret="x"), 404)


# --- update -------------------------------------------------------------------------------


def test_put_with_the_secret_saves_a_new_revision(api: Api, created: dict[str, Any]) -> None:
    response = api.put(detail(created), renamed("Renamed"), secret=created["edit_secret"])
    assert response.status_code == 200
    payload = response.json()
    assert set(payload) == {"slug", "revision", "saved_at"}
    assert payload["slug"] == created["slug"] and payload["revision"] == 2
    assert datetime.fromisoformat(payload["saved_at"]).tzinfo is not None
    assert api.get(detail(created)).json()["name"] == "Renamed"
    assert Scenario.objects.get(slug=created["slug"]).name == "Renamed"
    assert [r["number"] for r in api.get(detail(created, "revisions/")).json()] == [2, 1]


def test_saving_the_same_document_again_adds_no_revision(api: Api, created: dict[str, Any]) -> None:
    response = api.put(detail(created), small_document(), secret=created["edit_secret"])
    assert response.status_code == 200 and response.json()["revision"] == 1


@pytest.mark.parametrize("secret", [None, "wrong", "x" * 32])
def test_put_without_the_right_secret_is_refused(api: Api, created: dict[str, Any], secret: str | None) -> None:
    [error] = assert_errors(api.put(detail(created), renamed("Hijacked"), secret=secret), 403)
    assert "secret" in error["message"]
    assert api.get(detail(created)).json()["name"] == "Small"


def test_another_scenarios_secret_does_not_edit(api: Api, created: dict[str, Any]) -> None:
    other = create(api)
    assert_errors(api.put(detail(created), renamed("Hijacked"), secret=other["edit_secret"]), 403)


def test_put_of_an_invalid_document_names_the_paths(api: Api, created: dict[str, Any]) -> None:
    doc = small_document()
    doc["edges"].append(edge("e9", "lb", "ghost"))
    doc["nodes"][0]["label"] = "x" * 81
    errors = assert_errors(api.put(detail(created), doc, secret=created["edit_secret"]), 400)
    assert {e["path"] for e in errors} == {"$.nodes[0].label"}, "schema errors come first"
    doc["nodes"][0]["label"] = "Users"
    errors = assert_errors(api.put(detail(created), doc, secret=created["edit_secret"]), 400)
    assert errors == [{"path": "$.edges[3].to", "message": "no node has id 'ghost'", "target": "e9"}]
    assert [r["number"] for r in api.get(detail(created, "revisions/")).json()] == [1]


def test_put_of_unreadable_json_is_a_400_at_the_root(api: Api, created: dict[str, Any]) -> None:
    [error] = assert_errors(api.put(detail(created), b'{"name": NaN}', secret=created["edit_secret"]), 400)
    assert error == {"path": "$", "message": "not valid JSON: NaN is not valid JSON"}


# --- fork -----------------------------------------------------------------------------------


def test_fork_is_an_independent_copy(api: Api, created: dict[str, Any]) -> None:
    response = Client().post(detail(created, "fork/"))  # anyone with the link may fork
    assert response.status_code == 201
    fork = response.json()
    assert set(fork) == {"slug", "view_url", "edit_url", "edit_secret"}
    assert SLUG.match(fork["slug"]) and fork["slug"] != created["slug"]
    assert fork["edit_secret"] != created["edit_secret"]
    assert fork["view_url"] == f"http://testserver/s/{fork['slug']}/"
    forked = api.get(detail(fork)).json()
    assert forked == with_changes(small_document(), name="Fork of Small")
    assert Scenario.objects.get(slug=fork["slug"]).forked_from == Scenario.objects.get(slug=created["slug"])

    assert api.put(detail(fork), renamed("Mine now"), secret=fork["edit_secret"]).status_code == 200
    assert api.get(detail(created)).json() == small_document(), "editing the fork leaves the original alone"
    assert_errors(api.put(detail(fork), renamed("Hijacked"), secret=created["edit_secret"]), 403)
    assert_errors(api.put(detail(created), renamed("Hijacked"), secret=fork["edit_secret"]), 403)
    assert api.get(detail(fork)).json()["name"] == "Mine now"


def test_forking_a_fork_does_not_stack_prefixes(api: Api, created: dict[str, Any]) -> None:
    fork = api.post(detail(created, "fork/")).json()
    again = api.post(detail(fork, "fork/")).json()
    assert api.get(detail(again)).json()["name"] == "Fork of Small"


# --- export and revisions -------------------------------------------------------------------


def test_export_is_a_json_attachment(api: Api, created: dict[str, Any]) -> None:
    response = api.get(detail(created, "export/"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="{created["slug"]}.json"'
    assert json.loads(response.content) == small_document()


def test_revisions_list_and_detail(api: Api, created: dict[str, Any]) -> None:
    secret = created["edit_secret"]
    api.put(detail(created), renamed("Second"), secret=secret)
    api.put(detail(created), renamed("Third"), secret=secret)
    revisions = api.get(detail(created, "revisions/")).json()
    assert [(r["number"], r["name"], r["note"]) for r in revisions] == [
        (3, "Third", "Saved"),
        (2, "Second", "Saved"),
        (1, "Small", "Created"),
    ]
    for revision in revisions:
        assert set(revision) == {"number", "note", "created_at", "name"}
        datetime.fromisoformat(revision["created_at"])
    assert api.get(detail(created, "revisions/1/")).json() == small_document()
    assert api.get(detail(created, "revisions/2/")).json() == renamed("Second")
    [error] = assert_errors(api.get(detail(created, "revisions/9/")), 404)
    assert "revision 9" in error["message"]


def test_restore_saves_the_old_revision_as_the_newest(api: Api, created: dict[str, Any]) -> None:
    secret = created["edit_secret"]
    api.put(detail(created), renamed("Second"), secret=secret)
    response = api.post(detail(created, "revisions/1/restore/"), secret=secret)
    assert response.status_code == 200
    assert response.json()["revision"] == 3
    assert api.get(detail(created)).json() == api.get(detail(created, "revisions/1/")).json() == small_document()
    assert api.get(detail(created, "revisions/")).json()[0]["note"] == "Restored revision 1"
    assert Scenario.objects.get(slug=created["slug"]).name == "Small"


@pytest.mark.parametrize("secret", [None, "wrong"])
def test_restore_is_for_the_owner_only(api: Api, created: dict[str, Any], secret: str | None) -> None:
    api.put(detail(created), renamed("Second"), secret=created["edit_secret"])
    assert_errors(api.post(detail(created, "revisions/1/restore/"), secret=secret), 403)
    assert api.get(detail(created)).json()["name"] == "Second"


def test_restore_of_a_missing_revision_is_a_404(api: Api, created: dict[str, Any]) -> None:
    assert_errors(api.post(detail(created, "revisions/7/restore/"), secret=created["edit_secret"]), 404)


# --- templates, schema and validate --------------------------------------------------------


@pytest.fixture
def templates_loaded() -> None:
    call_command("load_templates", stdout=io.StringIO())


def test_template_list(api: Api, templates_loaded: None) -> None:
    response = api.get("/api/templates/")
    assert response.status_code == 200
    templates = response.json()
    assert len(templates) == len(SLUGS)
    assert [t["slug"] for t in templates] == list(SLUGS), "in gallery order"
    for template in templates:
        assert set(template) == {"slug", "name", "description"}
        assert template["name"] == load(template["slug"])["name"]
        assert template["description"] == load(template["slug"])["description"]


def test_template_detail_is_its_topology(api: Api, templates_loaded: None) -> None:
    for slug in SLUGS:
        response = api.get(f"/api/templates/{slug}/")
        assert response.status_code == 200
        assert response.json() == load(slug), slug


def test_unknown_template_is_a_json_404(api: Api, templates_loaded: None) -> None:
    [error] = assert_errors(api.get("/api/templates/no-such-thing/"), 404)
    assert "no-such-thing" in error["message"]


def test_schema_is_served(api: Api) -> None:
    response = api.get("/api/schema/topology.json")
    assert response.status_code == 200
    assert response.json()["$id"] == "/api/schema/topology.json"


def test_validate_answers_the_problems(api: Api) -> None:
    assert api.post("/api/validate/", small_document()).json() == {"problems": []}
    doc = small_document()
    doc["nodes"][2]["props"]["replicas"] = 0
    response = api.post("/api/validate/", doc)
    assert response.status_code == 200, "problems in a readable document are the answer, not an error"
    assert response.json() == {
        "problems": [{"path": "$.nodes[2].props.replicas", "message": "must be at least 1 (got 0)", "target": "web1"}]
    }
    doc = small_document()
    doc["nodes"].append({"id": "bus", "kind": "event_bus"})
    [warning, *_] = api.post("/api/validate/", doc).json()["problems"]
    assert warning["severity"] == "warning" and warning["path"] == "$.nodes[4]"
    [problem] = api.post("/api/validate/", b"{nope").json()["problems"]
    assert problem["path"] == "$" and problem["message"].startswith("not valid JSON")
    assert_errors(api.post("/api/validate/", b""), 400)


def test_validate_stores_nothing(api: Api) -> None:
    api.post("/api/validate/", small_document())
    assert not Scenario.objects.exists()


# --- methods, unknown paths, sizes, content types ------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "allow"),
    [
        ("get", "/api/scenarios/", "POST"),
        ("put", "/api/scenarios/", "POST"),
        ("delete", "/api/scenarios/{slug}/", "GET, PUT"),
        ("post", "/api/scenarios/{slug}/", "GET, PUT"),
        ("patch", "/api/scenarios/{slug}/", "GET, PUT"),
        ("get", "/api/scenarios/{slug}/fork/", "POST"),
        ("post", "/api/scenarios/{slug}/export/", "GET"),
        ("delete", "/api/scenarios/{slug}/revisions/", "GET"),
        ("put", "/api/scenarios/{slug}/revisions/1/", "GET"),
        ("get", "/api/scenarios/{slug}/revisions/1/restore/", "POST"),
        ("get", "/api/validate/", "POST"),
        ("post", "/api/templates/", "GET"),
        ("delete", "/api/templates/lb-weighted/", "GET"),
        ("post", "/api/schema/topology.json", "GET"),
    ],
)
def test_wrong_method_is_a_json_405_with_allow(created: dict[str, Any], method: str, url: str, allow: str) -> None:
    client = Client(enforce_csrf_checks=True)  # an API client without cookies or CSRF token
    response = client.generic(method.upper(), url.format(slug=created["slug"]), b"{}", "application/json")
    [error] = assert_errors(response, 405)
    assert response["Allow"] == allow
    assert method.upper() in error["message"]


@pytest.mark.parametrize("url", ["/api/", "/api/nothing/", "/api/scenarios/a/b/c/", "/api/templates/x/y/"])
def test_unknown_api_path_is_a_json_404(api: Api, url: str) -> None:
    [error] = assert_errors(api.get(url), 404)
    assert url in error["message"]


OVERSIZED = b'{"name": "' + b"x" * 1_000_000 + b'"}'


@pytest.mark.parametrize("url", ["/api/scenarios/", "/api/validate/"])
def test_oversized_post_is_a_json_413(api: Api, url: str) -> None:
    [error] = assert_errors(api.post(url, OVERSIZED), 413)
    assert "1,000,000" in error["message"]
    assert not Scenario.objects.exists()


def test_oversized_put_is_a_json_413(api: Api, created: dict[str, Any]) -> None:
    assert_errors(api.put(detail(created), OVERSIZED, secret=created["edit_secret"]), 413)


def test_a_body_at_the_limit_is_read(api: Api) -> None:
    body = json.dumps(small_document()).encode()
    body += b" " * (1_000_000 - len(body))
    assert api.post("/api/validate/", body).json() == {"problems": []}


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
def test_wrong_content_type_is_a_json_415(content_type: str, created: dict[str, Any]) -> None:
    body = json.dumps(small_document())
    client = Client()
    for response in (
        client.post("/api/scenarios/", body, content_type=content_type),
        client.post("/api/validate/", body, content_type=content_type),
        client.put(detail(created), body, content_type=content_type, HTTP_X_EDIT_SECRET=created["edit_secret"]),
    ):
        [error] = assert_errors(response, 415)
        assert "application/json" in error["message"]


def test_json_with_a_charset_is_accepted(created: dict[str, Any]) -> None:
    response = Client().put(
        detail(created),
        json.dumps(renamed("Charset")),
        content_type="application/json; charset=utf-8",
        HTTP_X_EDIT_SECRET=created["edit_secret"],
    )
    assert response.status_code == 200


# --- session ownership (the editor saves with the session, not the header) -----------------


def csrf_client() -> tuple[Client, str]:
    """A browser: CSRF enforced, with the csrftoken cookie a page gave it."""
    client = Client(enforce_csrf_checks=True)
    assert client.get("/").status_code == 200
    return client, client.cookies["csrftoken"].value


def new_scenario_in_session(client: Client, token: str) -> str:
    response = client.post("/scenarios/new/", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 302
    match = re.fullmatch(r"/s/([A-Za-z0-9_-]+)/edit/", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def test_the_owners_session_edits_with_a_csrf_token() -> None:
    alice, token = csrf_client()
    slug = new_scenario_in_session(alice, token)
    url = f"/api/scenarios/{slug}/"
    body = json.dumps(renamed("From the editor"))
    response = alice.put(url, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200, response.content
    assert response.json()["revision"] == 2
    response = alice.post(f"{url}revisions/1/restore/", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200 and response.json()["revision"] == 3


def test_the_owners_session_without_a_csrf_token_is_refused() -> None:
    alice, token = csrf_client()
    slug = new_scenario_in_session(alice, token)
    url = f"/api/scenarios/{slug}/"
    for headers in ({}, {"HTTP_X_CSRFTOKEN": "x" * 32}):
        response = alice.put(url, json.dumps(renamed("Forged")), content_type="application/json", **headers)
        assert_errors(response, 403)
        assert_errors(alice.post(f"{url}revisions/1/restore/", **headers), 403)
    assert Client().get(url).json()["name"] == "Untitled scenario"


def test_another_browser_with_a_token_but_no_claim_is_refused() -> None:
    alice, alice_token = csrf_client()
    slug = new_scenario_in_session(alice, alice_token)
    charlie, charlie_token = csrf_client()
    response = charlie.put(
        f"/api/scenarios/{slug}/",
        json.dumps(renamed("Hijacked")),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=charlie_token,
    )
    assert_errors(response, 403)


def test_the_header_needs_no_csrf_token(created: dict[str, Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.put(
        detail(created),
        json.dumps(renamed("Scripted")),
        content_type="application/json",
        HTTP_X_EDIT_SECRET=created["edit_secret"],
    )
    assert response.status_code == 200
    created = client.post("/api/scenarios/", json.dumps(small_document()), content_type="application/json")
    assert created.status_code == 201
