"""What the editor page (edit and read-only view) needs from the server."""

from typing import Any, Literal

from django.http import HttpRequest
from django.urls import reverse

from apps.scenarios.markdown import render_markdown
from apps.scenarios.models import Scenario
from apps.scenarios.ownership import session_secret
from apps.topology.catalogue import kind_catalogue

Mode = Literal["edit", "view"]


def editor_config(request: HttpRequest, *, scenario: Scenario, mode: Mode) -> dict[str, Any]:
    slug = scenario.slug
    return {
        "mode": mode,
        "slug": slug,
        "save_url": reverse("api-scenario-detail", args=[slug]) if mode == "edit" else None,
        "validate_url": reverse("api-validate"),
        "panel_node_url": reverse("panel-node"),
        "panel_edge_url": reverse("panel-edge"),
        "panel_scenario_url": reverse("panel-scenario"),
        "view_url": reverse("scenario-view", args=[slug]),
        "fork_url": reverse("scenario-fork", args=[slug]),
        "export_url": reverse("api-scenario-export", args=[slug]),
        "revisions_url": reverse("scenario-revisions", args=[slug]),
        "share_url": request.build_absolute_uri(reverse("scenario-view", args=[slug])),
        "edit_url": _private_edit_url(request, scenario) if mode == "edit" else None,
    }


def _private_edit_url(request: HttpRequest, scenario: Scenario) -> str | None:
    """The owner's own edit link (from their session), so they can open it in another browser."""
    secret = session_secret(request, scenario)
    if not secret:
        return None
    return request.build_absolute_uri(reverse("scenario-claim", args=[scenario.slug, secret]))


def editor_context(request: HttpRequest, *, scenario: Scenario, mode: Mode) -> dict[str, Any]:
    document = scenario.document
    return {
        "scenario": scenario,
        "mode": mode,
        "document": document,
        "kinds": kind_catalogue(),
        "editor_config": editor_config(request, scenario=scenario, mode=mode),
        "description_html": render_markdown(document.get("description", "")),
        "revision": scenario.current.number,
    }
