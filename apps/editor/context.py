"""What the editor page (edit and read-only view) needs from the server."""

from typing import Any, Literal

from django.http import HttpRequest
from django.urls import reverse

from apps.scenarios.markdown import render_markdown
from apps.scenarios.models import Scenario
from apps.scenarios.ownership import session_secret
from apps.topology.catalogue import kind_catalogue
from apps.topology.faults import FAULT_TYPES

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
        "live": live_config(slug=slug, owner=mode == "edit"),
    }


RUN_SPEEDS: tuple[float | str, ...] = (0.25, 0.5, 1, 2, "max")
RUN_ID_PLACEHOLDER = "RUNID"  # run ids are lower-case letters and digits, so this never clashes


def _run_url(name: str, *more: str) -> str:
    """A run endpoint with `{id}` for the run id and `{<name>}` for each further argument."""
    url = reverse(name, args=[RUN_ID_PLACEHOLDER, *(f"ARG{part.upper()}" for part in more)])
    for part in more:
        url = url.replace(f"ARG{part.upper()}", f"{{{part}}}")
    return url.replace(RUN_ID_PLACEHOLDER, "{id}")


def live_config(*, slug: str, owner: bool) -> dict[str, Any]:
    """What the run controls, the live canvas and the dock need: the run endpoints (with `{id}`
    for the run id), whether this viewer may start, stop and break runs, and the fault types."""
    return {
        "owner": owner,
        "runs_url": reverse("api-scenario-runs", args=[slug]),
        "run_url": _run_url("api-run-detail"),
        "series_url": _run_url("api-run-series"),
        "stop_url": _run_url("api-run-stop"),
        "faults_url": _run_url("api-run-faults"),
        "stream_url": "/ws/runs/{id}/",
        "scenario_stream_url": f"/ws/scenarios/{slug}/",
        "report_url": _run_url("run-report"),
        "cqrs_url": _run_url("api-run-cqrs"),
        "outbox_url": _run_url("api-run-outbox"),
        "trace_url": _run_url("api-run-trace", "corr"),
        "rebuild_url": _run_url("api-run-rebuild", "node"),
        "speeds": list(RUN_SPEEDS),
        "fault_types": [
            {
                "name": fault.name,
                "label": fault.label,
                "target": fault.target,
                "target_kinds": list(fault.target_kinds),
                "param": fault.param,
                "param_minimum": fault.param_minimum,
                "param_maximum": fault.param_maximum,
                "summary": fault.summary,
            }
            for fault in FAULT_TYPES.values()
        ],
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
