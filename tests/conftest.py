import json
from typing import Any

import pytest
from django.test import Client

from tests.factories import small_document


@pytest.fixture
def document() -> dict[str, Any]:
    return small_document()


class Api:
    """A JSON client for /api/ with the edit-secret header when given."""

    def __init__(self, client: Client):
        self.client = client

    def _headers(self, secret: str | None) -> dict[str, str]:
        return {"HTTP_X_EDIT_SECRET": secret} if secret else {}

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: Any = None, secret: str | None = None) -> Any:
        body = data if isinstance(data, (bytes, str)) else json.dumps(data if data is not None else {})
        return self.client.post(url, body, content_type="application/json", **self._headers(secret))

    def put(self, url: str, data: Any, secret: str | None = None) -> Any:
        body = data if isinstance(data, (bytes, str)) else json.dumps(data)
        return self.client.put(url, body, content_type="application/json", **self._headers(secret))


@pytest.fixture
def api(client: Client) -> Api:
    return Api(client)


@pytest.fixture
def alice(client: Client) -> Client:
    """The owner: creates scenarios in her browser session."""
    return client


@pytest.fixture
def bob() -> Client:
    """A viewer with the share link."""
    return Client()


@pytest.fixture
def charlie() -> Client:
    """A stranger."""
    return Client(enforce_csrf_checks=True)


_MARK_BY_FOLDER = {
    "tests/scenarios/": "database",
    "tests/library/": "database",
    "tests/domain/": "database",
    "tests/live/": "engine",
    "tests/engine/live/": "engine",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that depend on the database (their folder, or a django_db mark) or the broker
    carry that marker, so CI can rerun them on PostgreSQL and a real Redis
    (`-m "database or engine"`)."""
    for item in items:
        path = str(item.fspath)
        for folder, mark in _MARK_BY_FOLDER.items():
            if folder in path:
                item.add_marker(getattr(pytest.mark, mark))
        if item.get_closest_marker("django_db") is not None:
            item.add_marker(pytest.mark.database)
