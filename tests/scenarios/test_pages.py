"""The pages: gallery, new, import, share link, edit access, fork, revisions, and escaping.

Actors (tests/conftest.py): alice owns what she creates (her session remembers the secret),
bob has the share link, charlie is a stranger whose browser enforces CSRF.
"""

import html
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from apps.library.models import Template
from apps.scenarios.markdown import render_markdown
from apps.scenarios.models import Scenario
from apps.scenarios.services import scenario_create
from apps.topology.blank import blank_document
from tests.factories import small_document, with_changes
from tests.library.test_templates_valid import SLUGS, load

pytestmark = pytest.mark.django_db

EDITOR_TEMPLATE = Path(settings.BASE_DIR) / "templates" / "editor" / "editor.html"
EDIT_LOCATION = re.compile(r"^/s/([A-Za-z0-9_-]{16,})/edit/$")


def needs_editor_page() -> None:
    if not EDITOR_TEMPLATE.exists():
        pytest.skip("templates/editor/editor.html does not exist yet (it is being written concurrently)")


@pytest.fixture
def templates_loaded() -> None:
    call_command("load_templates", stdout=io.StringIO())


def own(client: Client, document: dict[str, Any] | None = None) -> tuple[str, str]:
    """Create a scenario and claim it in this browser through its private edit link."""
    scenario, secret = scenario_create(document=document or small_document())
    response = client.get(f"/s/{scenario.slug}/edit/{secret}/")
    assert response.status_code == 302 and response["Location"] == f"/s/{scenario.slug}/edit/"
    return scenario.slug, secret


def edited_slug(response: Any) -> str:
    """The slug of the editor a response redirects to."""
    assert response.status_code == 302, response.content[:300]
    match = EDIT_LOCATION.match(response["Location"])
    assert match, response["Location"]
    return match.group(1)


def csrf_token(client: Client) -> str:
    assert client.get("/").status_code == 200
    return client.cookies["csrftoken"].value


def save(client: Client, slug: str, document: dict[str, Any], **headers: str) -> int:
    """Save as the editor does: PUT with the session (and a CSRF token where enforced)."""
    response = client.put(f"/api/scenarios/{slug}/", json.dumps(document), content_type="application/json", **headers)
    return int(response.status_code)


def json_scripts(body: str) -> dict[str, Any]:
    """The page's json_script blocks, by element id."""
    found = re.findall(r'<script id="([^"]+)" type="application/json">(.*?)</script>', body, re.DOTALL)
    return {element_id: json.loads(text) for element_id, text in found}


def editor_config(body: str) -> dict[str, Any]:
    scripts = json_scripts(body)
    if "editor-config" in scripts:
        config: dict[str, Any] = scripts["editor-config"]
        return config
    [config] = [value for value in scripts.values() if isinstance(value, dict) and "mode" in value]
    return config


def current(slug: str) -> dict[str, Any]:
    return Scenario.objects.get(slug=slug).document


# --- gallery and creating -------------------------------------------------------------------


def test_gallery_lists_every_template_with_a_preview(client: Client, templates_loaded: None) -> None:
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    cards = re.findall(r'<article class="card" data-template="([^"]+)">(.*?)</article>', body, re.DOTALL)
    assert [slug for slug, _ in cards] == list(SLUGS)
    for slug, card in cards:
        assert re.search(r"<svg[^>]*>.*<rect[^>]*pv-node.*</svg>", card, re.DOTALL), f"{slug} has a preview"
        assert html.escape(load(slug)["name"]) in card
        assert f'action="/templates/{slug}/use/"' in card
        assert 'name="csrfmiddlewaretoken"' in card


def test_use_this_template_makes_an_owned_copy(alice: Client, bob: Client, templates_loaded: None) -> None:
    slug = edited_slug(alice.post("/templates/ecommerce-platform/use/"))
    scenario = Scenario.objects.get(slug=slug)
    assert scenario.template_slug == "ecommerce-platform"
    assert scenario.document == load("ecommerce-platform")
    assert save(alice, slug, with_changes(load("ecommerce-platform"), name="My shop")) == 200
    assert Template.objects.get(slug="ecommerce-platform").document == load("ecommerce-platform")
    assert bob.get(f"/s/{slug}/edit/").status_code == 403
    assert save(bob, slug, small_document()) == 403


def test_use_template_refuses_get_unknown_and_forged(alice: Client, charlie: Client, templates_loaded: None) -> None:
    assert alice.get("/templates/lb-weighted/use/").status_code == 405
    assert alice.post("/templates/no-such-template/use/").status_code == 404
    assert charlie.post("/templates/lb-weighted/use/").status_code == 403, "CSRF token needed"
    assert not Scenario.objects.exists()


def test_new_blank_scenario(alice: Client, bob: Client) -> None:
    assert alice.get("/scenarios/new/").status_code == 405
    slug = edited_slug(alice.post("/scenarios/new/"))
    assert current(slug) == blank_document()
    assert save(alice, slug, small_document()) == 200
    assert save(bob, slug, small_document("Bob's")) == 403
    gallery = alice.get("/").content.decode()
    assert f'href="/s/{slug}/edit/"' in gallery, "the gallery lists your scenarios"
    assert f"/s/{slug}/" not in bob.get("/").content.decode()


def test_new_needs_a_csrf_token(charlie: Client) -> None:
    assert charlie.post("/scenarios/new/").status_code == 403
    token = csrf_token(charlie)
    edited_slug(charlie.post("/scenarios/new/", {"csrfmiddlewaretoken": token}))


# --- share link and edit access -------------------------------------------------------------


def test_share_page_is_read_only_for_anyone_and_never_shows_the_secret(alice: Client, bob: Client) -> None:
    needs_editor_page()
    slug, secret = own(alice)
    for viewer in (bob, alice, Client()):  # the owner's own view of the share link too
        response = viewer.get(f"/s/{slug}/")
        assert response.status_code == 200
        body = response.content.decode()
        assert secret not in body
        assert Scenario.objects.get(slug=slug).edit_secret_hash not in body
        config = editor_config(body)
        assert config["mode"] == "view" and config["slug"] == slug
        assert not config.get("save_url")
        assert json_scripts(body)["topology-data"] == small_document()
        assert f'action="/s/{slug}/fork/"' in body


@pytest.mark.parametrize("slug", ["no-such-scenario-slug", "%00", "%F0%9F%98%80", "x" * 40])
def test_unknown_share_link_is_a_404_page(bob: Client, slug: str) -> None:
    for url in (f"/s/{slug}/", f"/s/{slug}/edit/", f"/s/{slug}/revisions/", f"/s/{slug}/edit/secret/"):
        response = bob.get(url)
        assert response.status_code == 404, url
        assert "text/html" in response["Content-Type"]
    assert bob.post(f"/s/{slug}/fork/").status_code == 404


@pytest.mark.parametrize("actor", ["bob", "charlie"])
def test_edit_page_refuses_others_and_offers_read_only_and_fork(
    alice: Client, actor: str, request: pytest.FixtureRequest
) -> None:
    slug, secret = own(alice)
    response = request.getfixturevalue(actor).get(f"/s/{slug}/edit/")
    assert response.status_code == 403
    body = response.content.decode()
    assert f'href="/s/{slug}/"' in body, "offers the read-only view"
    assert f'action="/s/{slug}/fork/"' in body, "offers a fork"
    assert secret not in body


def test_edit_page_opens_for_the_owner(alice: Client) -> None:
    needs_editor_page()
    slug, _ = own(alice)
    response = alice.get(f"/s/{slug}/edit/")
    assert response.status_code == 200
    config = editor_config(response.content.decode())
    assert config["mode"] == "edit"
    assert config["save_url"] == f"/api/scenarios/{slug}/"


def test_private_edit_link_lets_bob_edit(alice: Client, bob: Client) -> None:
    slug, secret = own(alice)
    assert save(bob, slug, small_document("Bob's")) == 403
    response = bob.get(f"/s/{slug}/edit/{secret}/")
    assert response.status_code == 302 and response["Location"] == f"/s/{slug}/edit/"
    assert save(bob, slug, small_document("Bob's")) == 200
    assert current(slug)["name"] == "Bob's"
    if EDITOR_TEMPLATE.exists():
        assert bob.get(f"/s/{slug}/edit/").status_code == 200


@pytest.mark.parametrize("secret", ["wrong", "x" * 32])
def test_wrong_edit_link_is_a_404(alice: Client, bob: Client, secret: str) -> None:
    slug, _ = own(alice)
    assert bob.get(f"/s/{slug}/edit/{secret}/").status_code == 404
    assert bob.get(f"/s/{slug}/edit/").status_code == 403
    assert bob.get(f"/s/nobody/edit/{secret}/").status_code == 404


def test_fork_from_the_share_page_gives_bob_his_own_copy(alice: Client, bob: Client) -> None:
    slug, _ = own(alice)
    fork = edited_slug(bob.post(f"/s/{slug}/fork/"))
    assert fork != slug
    assert current(fork) == small_document("Fork of Small")
    assert save(bob, fork, small_document("Bob's copy")) == 200
    assert save(bob, slug, small_document("Bob's copy")) == 403
    assert current(slug) == small_document(), "the original is untouched"
    assert save(alice, fork, small_document("Alice was here")) == 403, "the fork is not the original owner's"
    if EDITOR_TEMPLATE.exists():
        page = bob.get(f"/s/{fork}/edit/").content.decode()
        assert "yours to edit" in page


def test_fork_needs_a_csrf_token(alice: Client, charlie: Client) -> None:
    slug, _ = own(alice)
    assert charlie.post(f"/s/{slug}/fork/").status_code == 403
    token = csrf_token(charlie)
    fork = edited_slug(charlie.post(f"/s/{slug}/fork/", HTTP_X_CSRFTOKEN=token))
    assert save(charlie, fork, small_document("Charlie's"), HTTP_X_CSRFTOKEN=token) == 200


# --- import ---------------------------------------------------------------------------------


def upload(name: str, content: bytes) -> dict[str, Any]:
    return {"file": SimpleUploadedFile(name, content, content_type="application/json")}


def flash_messages(client: Client) -> list[str]:
    body = client.get("/").content.decode()
    return [html.unescape(m) for m in re.findall(r'<li class="flash-[a-z]+">(.*?)</li>', body, re.DOTALL)]


def test_import_of_a_valid_file_creates_an_owned_scenario(alice: Client) -> None:
    slug = edited_slug(alice.post("/scenarios/import/", upload("mine.json", json.dumps(small_document()).encode())))
    scenario = Scenario.objects.get(slug=slug)
    assert scenario.document == small_document()
    assert scenario.current.note == "Imported from mine.json"
    assert save(alice, slug, small_document("Edited")) == 200


def test_import_of_an_invalid_file_names_the_paths(alice: Client) -> None:
    doc = small_document()
    doc["nodes"][2]["props"]["replicas"] = 50
    doc["nodes"][3]["props"]["replicaz"] = 1
    response = alice.post("/scenarios/import/", upload("broken.json", json.dumps(doc).encode()))
    assert response.status_code == 302 and response["Location"] == "/"
    assert flash_messages(alice) == [
        "broken.json: $.nodes[2].props.replicas: must be at most 20 (got 50)",
        "broken.json: $.nodes[3].props: unknown property: 'replicaz'",
    ]
    assert not Scenario.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "broken.json: $: not valid JSON"),
        (b"\xff\xfe{}", "broken.json: $: document is not UTF-8 text"),
        (b"[]", "broken.json: $: must be a JSON object"),
        (b" " * 1_000_001, "broken.json is larger than the 1 MB limit."),
    ],
)
def test_import_of_an_unreadable_file_says_why(alice: Client, content: bytes, message: str) -> None:
    response = alice.post("/scenarios/import/", upload("broken.json", content))
    assert response.status_code == 302 and response["Location"] == "/"
    [flash] = flash_messages(alice)
    assert flash.startswith(message)
    assert not Scenario.objects.exists()


def test_import_without_a_file(alice: Client) -> None:
    assert alice.post("/scenarios/import/").status_code == 302
    assert flash_messages(alice) == ["Choose a topology JSON file to import."]


def test_import_needs_a_csrf_token(charlie: Client) -> None:
    response = charlie.post("/scenarios/import/", upload("mine.json", json.dumps(small_document()).encode()))
    assert response.status_code == 403
    assert not Scenario.objects.exists()


# --- revisions ------------------------------------------------------------------------------


def with_three_revisions(client: Client) -> str:
    slug, _ = own(client)
    assert save(client, slug, small_document("Second")) == 200
    assert save(client, slug, small_document("Third")) == 200
    return slug


def test_revisions_page_lists_every_revision(alice: Client, bob: Client) -> None:
    slug = with_three_revisions(alice)
    body = alice.get(f"/s/{slug}/revisions/").content.decode()
    assert re.findall(r'class="rev-number">#(\d+)<', body) == ["3", "2", "1"]
    assert 'data-testid="restore-1"' in body and 'data-testid="restore-2"' in body
    assert 'data-testid="restore-3"' not in body, "the current revision needs no restore"
    assert "<html" in body
    seen_by_bob = bob.get(f"/s/{slug}/revisions/")
    assert seen_by_bob.status_code == 200
    assert 'data-testid="restore-' not in seen_by_bob.content.decode()
    assert f"/s/{slug}/revisions/1/restore/" not in seen_by_bob.content.decode()
    partial = alice.get(f"/s/{slug}/revisions/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and 'id="revisions"' in partial


def test_the_owner_restores_an_old_revision(alice: Client) -> None:
    slug = with_three_revisions(alice)
    response = alice.post(f"/s/{slug}/revisions/1/restore/")
    assert response.status_code == 302 and response["Location"] == f"/s/{slug}/edit/"
    scenario = Scenario.objects.get(slug=slug)
    assert scenario.current.number == 4
    assert scenario.current.note == "Restored revision 1"
    assert scenario.document == scenario.revisions.get(number=1).document == small_document()
    assert alice.post(f"/s/{slug}/revisions/9/restore/").status_code == 404
    assert alice.get(f"/s/{slug}/revisions/1/restore/").status_code == 405


def test_others_cannot_restore(alice: Client, bob: Client) -> None:
    slug = with_three_revisions(alice)
    response = bob.post(f"/s/{slug}/revisions/1/restore/")
    assert response.status_code == 403
    assert f'action="/s/{slug}/fork/"' in response.content.decode()
    assert Scenario.objects.get(slug=slug).current.number == 3


def test_restore_by_session_needs_a_csrf_token(alice: Client, charlie: Client) -> None:
    slug, secret = own(alice)
    assert save(alice, slug, small_document("Second")) == 200
    url = f"/s/{slug}/revisions/1/restore/"
    token = csrf_token(charlie)
    assert charlie.post(url, {"csrfmiddlewaretoken": token}).status_code == 403, "a stranger is not the owner"
    assert charlie.get(f"/s/{slug}/edit/{secret}/").status_code == 302  # alice shares her private edit link
    assert charlie.post(url).status_code == 403, "the session alone is not enough without the CSRF token"
    assert charlie.post(url, {"csrfmiddlewaretoken": "x" * 32}).status_code == 403
    assert Scenario.objects.get(slug=slug).current.number == 2
    assert charlie.post(url, {"csrfmiddlewaretoken": token}).status_code == 302
    assert Scenario.objects.get(slug=slug).current.number == 3
    assert current(slug) == small_document()


# --- escaping -------------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
DESCRIPTION = (
    "**bold** words\n\n"
    "<img src=x onerror=alert(1)>\n\n"
    "[click me](javascript:alert(1)) and <a href='javascript:alert(2)'>raw</a>\n\n"
    "<script>alert(3)</script><iframe src=//evil.example></iframe>"
)


def hostile_document() -> dict[str, Any]:
    doc = small_document(SCRIPT)
    doc["nodes"][0]["label"] = SCRIPT
    doc["description"] = DESCRIPTION
    return doc


JSON_SCRIPT = re.compile(r'<script id="[^"]+" type="application/json">(.*?)</script>', re.DOTALL)


def assert_no_live_markup(page: str) -> None:
    """No hostile tag or link outside the JSON data blocks; inside them, no "<" at all."""
    for data in JSON_SCRIPT.findall(page):
        assert "<" not in data, "json_script escapes <, > and & so data cannot close its <script>"
    body = JSON_SCRIPT.sub("", page)
    assert "<script>alert" not in body
    assert "<img src=x" not in body and '<img src="x"' not in body
    assert "<iframe" not in body
    assert not re.search(r"""href\s*=\s*["']?\s*javascript:""", body, re.IGNORECASE)
    assert not re.search(r"<[a-z][^>]*\sonerror\s*=", body, re.IGNORECASE)


def test_markdown_descriptions_are_sanitised() -> None:
    rendered = str(render_markdown(DESCRIPTION))
    assert "<strong>bold</strong>" in rendered
    assert_no_live_markup(rendered)
    assert "onerror" not in rendered and "javascript:" not in rendered
    assert "<a" in rendered and 'rel="noopener noreferrer nofollow"' in rendered


def test_names_and_labels_are_escaped_on_the_pages_without_the_editor(alice: Client, bob: Client) -> None:
    slug, _ = own(alice, hostile_document())
    escaped = html.escape(SCRIPT)
    for client, url, status in (
        (bob, f"/s/{slug}/edit/", 403),
        (bob, f"/s/{slug}/revisions/", 200),
        (alice, f"/s/{slug}/revisions/", 200),
        (alice, "/", 200),
    ):
        response = client.get(url)
        assert response.status_code == status, url
        body = response.content.decode()
        assert escaped in body, url
        assert_no_live_markup(body)


@pytest.mark.parametrize("mode", ["view", "edit"])
def test_names_labels_and_descriptions_are_escaped_in_the_editor(alice: Client, mode: str) -> None:
    needs_editor_page()
    slug, _ = own(alice, hostile_document())
    response = alice.get(f"/s/{slug}/" if mode == "view" else f"/s/{slug}/edit/")
    assert response.status_code == 200
    body = response.content.decode()
    assert_no_live_markup(body)
    assert "<strong>bold</strong>" in body, "the description is rendered as markdown"
    assert html.escape(SCRIPT) in body, "the name is shown, escaped"
    assert json_scripts(body)["topology-data"] == hostile_document(), "the document reaches the canvas intact"
    assert editor_config(body)["mode"] == mode


def test_hostile_text_in_import_errors_is_escaped(alice: Client) -> None:
    doc = small_document()
    doc["nodes"][2]["props"][SCRIPT] = 1
    response = alice.post("/scenarios/import/", upload("<img src=x onerror=alert(1)>.json", json.dumps(doc).encode()))
    assert response.status_code == 302
    body = alice.get("/").content.decode()
    assert_no_live_markup(body)
    assert "unknown property" in body and "&lt;script&gt;" in body
