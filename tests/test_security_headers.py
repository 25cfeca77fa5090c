"""Every page carries a Content-Security-Policy the pages actually work with (issue 10)."""

import re
from pathlib import Path

import pytest
from django.test import Client

from playground.security import CONTENT_SECURITY_POLICY, INLINE_HANDLERS

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# The offline exports are downloads that carry their own scripts; no policy applies to them.
OFFLINE_EXPORTS = {"runs/export.html", "training/export.html"}


def _directives() -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in CONTENT_SECURITY_POLICY.split("; ")}


@pytest.mark.django_db
def test_pages_carry_the_policy(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_scripts_only_from_our_own_origin() -> None:
    directives = _directives()
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert directives["object-src"] == ["'none'"]
    assert directives["default-src"] == ["'self'"]


def test_templates_have_no_inline_script_and_only_allowed_inline_handlers() -> None:
    """An inline script or a new inline handler would be blocked by the browser: catch it here."""
    handlers: set[str] = set()
    for path in TEMPLATES.rglob("*.html"):
        name = path.relative_to(TEMPLATES).as_posix()
        if name in OFFLINE_EXPORTS:
            continue
        text = path.read_text()
        for attrs in re.findall(r"<script\b([^>]*)>", text):
            assert "src=" in attrs, f"{name}: an inline <script> (move it to a static module)"
        handlers.update(re.findall(r"\son[a-z]+=\"([^\"]*)\"", text))
    assert handlers == set(INLINE_HANDLERS)
