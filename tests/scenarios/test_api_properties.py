"""Property tests against the JSON API: whatever is sent, the answer is a success or a clear 4xx.

Random bytes, random JSON, corrupted JSON text and mutated valid documents are POSTed to
/api/scenarios/ and /api/validate/ and PUT to an existing scenario with its secret. The status
is always 200/201 or a 4xx, never 5xx; every 4xx body is {"errors": [{"path", "message"}, ...]};
no body carries a traceback. Valid documents are stored and read back unchanged.

Each example runs in its own transaction (hypothesis.extra.django.TestCase), rolled back after.
"""

import json
from typing import Any, ClassVar
from urllib.parse import quote

from django.test import Client, override_settings
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from apps.scenarios.services import scenario_create
from tests.factories import small_document
from tests.topology.test_validation_properties import (
    any_text,
    corrupted_json,
    json_values,
    mutated_documents,
    valid_documents,
)

API = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
CONTENT_TYPES = ["application/json", "application/json; charset=utf-8", "", "text/plain", "multipart/form-data"]
TARGETS = ["create", "validate", "update"]
TRACEBACK_MARKERS = ("Traceback", 'File "', "Exception Value", "django/core/handlers")


def json_dumps_any(value: Any) -> bytes:
    """JSON text of any value; infinities become the invalid `Infinity` a careless client sends."""
    return json.dumps(value).encode()


@override_settings(DEBUG=False)
class ApiNeverFailsTests(TestCase):
    slug: ClassVar[str]
    secret: ClassVar[str]

    @classmethod
    def setUpTestData(cls) -> None:
        scenario, cls.secret = scenario_create(document=small_document())
        cls.slug = scenario.slug

    def setUp(self) -> None:
        self.api = Client(raise_request_exception=False)  # a 500 must show up as a status, not an exception

    def send(self, target: str, body: bytes, content_type: str = "application/json") -> Any:
        if target == "create":
            return self.api.post("/api/scenarios/", body, content_type=content_type)
        if target == "validate":
            return self.api.post("/api/validate/", body, content_type=content_type)
        return self.api.put(
            f"/api/scenarios/{self.slug}/", body, content_type=content_type, HTTP_X_EDIT_SECRET=self.secret
        )

    def assert_clean(self, response: Any) -> None:
        """200/201, or a 4xx whose body is a JSON list of {path, message}; never a 5xx or traceback."""
        status = response.status_code
        body = response.content.decode("utf-8")
        for marker in TRACEBACK_MARKERS:
            self.assertNotIn(marker, body)
        self.assertIn(status, {200, 201, 400, 403, 404, 405, 413, 415}, body[:500])
        self.assertEqual(response["Content-Type"], "application/json")
        payload = json.loads(body)
        if status < 400:
            return
        self.assertEqual(set(payload), {"errors"})
        self.assertIsInstance(payload["errors"], list)
        self.assertTrue(payload["errors"])
        for error in payload["errors"]:
            self.assertIsInstance(error["path"], str)
            self.assertTrue(error["path"].startswith("$"), error)
            self.assertIsInstance(error["message"], str)
            self.assertTrue(error["message"].strip(), error)

    def assert_all_targets_clean(self, body: bytes, content_type: str = "application/json") -> None:
        for target in TARGETS:
            self.assert_clean(self.send(target, body, content_type))

    @API
    @given(body=st.binary(max_size=400), content_type=st.sampled_from(CONTENT_TYPES))
    @example(body=b'{"name": "\\ud800"}', content_type="application/json")
    @example(body=b"\x00", content_type="multipart/form-data")
    def test_random_bytes(self, body: bytes, content_type: str) -> None:
        self.assert_all_targets_clean(body, content_type)

    @API
    @given(value=json_values)
    def test_random_json(self, value: Any) -> None:
        self.assert_all_targets_clean(json_dumps_any(value))

    @settings(API, max_examples=100)
    @given(body=corrupted_json())
    def test_corrupted_json_text(self, body: bytes) -> None:
        self.assert_all_targets_clean(body)

    @settings(API, max_examples=100)
    @given(doc=mutated_documents())
    @example(doc=small_document("\ud800 half a pair"))
    @example(doc=small_document("NUL\x00 PostgreSQL cannot store"))
    def test_mutated_documents(self, doc: dict[str, Any]) -> None:
        body = json.dumps(doc).encode()
        created = self.send("create", body)
        self.assert_clean(created)
        validated = self.send("validate", body)
        self.assert_clean(validated)
        updated = self.send("update", body)
        self.assert_clean(updated)
        errors = [p for p in validated.json().get("problems", []) if p.get("severity", "error") == "error"]
        self.assertEqual(created.status_code, 400 if errors else 201)
        self.assertEqual(updated.status_code, 400 if errors else 200)
        if not errors:
            self.assertEqual(self.api.get(f"/api/scenarios/{created.json()['slug']}/").json(), doc)

    @settings(API, max_examples=50)  # four writes and reads of up to the largest template each
    @given(doc=valid_documents())
    def test_valid_documents_are_stored_and_read_back_unchanged(self, doc: dict[str, Any]) -> None:
        body = json.dumps(doc, ensure_ascii=False).encode()
        created = self.send("create", body)
        self.assertEqual(created.status_code, 201, created.content[:500])
        slug = created.json()["slug"]
        self.assertEqual(self.api.get(f"/api/scenarios/{slug}/").json(), doc)
        self.assertEqual(json.loads(self.api.get(f"/api/scenarios/{slug}/export/").content), doc)
        updated = self.send("update", body)
        self.assertEqual(updated.status_code, 200, updated.content[:500])
        self.assertEqual(self.api.get(f"/api/scenarios/{self.slug}/").json(), doc)

    @API
    @given(slug=any_text.filter(bool), secret=any_text)
    @example(slug="\x00", secret="\x00")
    def test_any_slug_and_secret(self, slug: str, secret: str) -> None:
        path = quote(slug.encode("utf-8", "surrogatepass"), safe="")
        body = json.dumps(small_document()).encode()
        headers = {"HTTP_X_EDIT_SECRET": quote(secret.encode("utf-8", "surrogatepass"))} if secret else {}
        for response in (
            self.api.get(f"/api/scenarios/{path}/"),
            self.api.put(f"/api/scenarios/{path}/", body, content_type="application/json", **headers),
            self.api.post(f"/api/scenarios/{path}/fork/"),
            self.api.get(f"/api/scenarios/{path}/revisions/1/"),
            self.api.put(f"/api/scenarios/{self.slug}/", body, content_type="application/json", **headers),
        ):
            self.assert_clean(response)
            self.assertIn(response.status_code, {200, 403, 404, 405}, response.content[:300])
