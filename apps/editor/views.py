"""The property panel, served by htmx.

The canvas posts the selected cell's current values; the panel answers a form. Each change
re-posts the form; when it is valid the answer carries an HX-Trigger `topology:apply` event
with the cleaned values, which the canvas applies at once. Errors are shown inline.
(The event names what it applies to in `cell`: htmx reads a `target` key as a selector.)
"""

import json
import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from apps.editor.forms import PropsForm, ScenarioForm
from apps.scenarios.markdown import render_markdown
from apps.topology.edges import EDGE_PROPS, RUN_PROPS
from apps.topology.kinds import KINDS
from apps.topology.kinds.base import Prop
from apps.topology.schema import ID_PATTERN

PANEL = "editor/_panel.html"


def _json_value(request: HttpRequest, key: str, default: Any) -> Any:
    try:
        value = json.loads(request.POST.get(key) or "null")
    except (ValueError, RecursionError):
        return default
    return value if isinstance(value, type(default)) else default


def _read_only(request: HttpRequest) -> bool:
    return request.POST.get("mode") != "edit"


def _answer(request: HttpRequest, context: dict[str, Any], apply: dict[str, Any] | None) -> HttpResponse:
    response = render(request, PANEL, context)
    if apply is not None:
        response["HX-Trigger"] = json.dumps({"topology:apply": apply})  # ASCII-only: safe in a header
    return response


def _bad(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, PANEL, {"panel_error": message}, status=400)


def edge_role(from_kind: str, to_kind: str) -> str:
    if to_kind in KINDS and KINDS[to_kind].messaging:
        return "publish"
    if from_kind in KINDS and KINDS[from_kind].messaging:
        return "deliver"
    return "call"


ROLE_TEXT = {
    "publish": "Publishes: every message sent along this edge is put on the queue or bus.",
    "deliver": "Delivers: the queue or bus hands messages to this consumer.",
    "call": "Synchronous call: the caller waits for the answer, with a timeout and retries.",
}


def _edge_props(from_kind: str, to_kind: str) -> tuple[Prop, ...]:
    role = edge_role(from_kind, to_kind)
    keep = {"filter", "network_ms"}
    if role == "call":
        keep |= {"timeout_ms", "retries", "circuit_breaker"}
    sender = KINDS.get(from_kind)
    if sender is not None and sender.edge_weights:
        keep.add("weight")
    return tuple(p for p in EDGE_PROPS if p.path[0] in keep)


def _cell_id(request: HttpRequest) -> str | None:
    value = request.POST.get("id", "")
    return value if re.match(ID_PATTERN, value) else None


@require_POST
def panel_node(request: HttpRequest) -> HttpResponse:
    kind = KINDS.get(request.POST.get("kind", ""))
    cell_id = _cell_id(request)
    if kind is None or cell_id is None:
        return _bad(request, "Unknown node: select a node on the canvas again.")
    current = _json_value(request, "props", {})
    zones_raw = _json_value(request, "zones", [])
    zones = [
        (z["id"], z.get("label") or z["id"]) for z in zones_raw if isinstance(z, dict) and isinstance(z.get("id"), str)
    ]
    submitted = request.POST.get("submitted") == "1"
    form = PropsForm(
        request.POST if submitted else None,
        props=kind.props,
        current=current,
        zones=zones if "zones" in request.POST else None,
        read_only=_read_only(request),
        initial={"label": request.POST.get("label", "")},
    )
    apply = None
    if submitted and not _read_only(request) and form.is_valid():
        apply = {"cell": "node", "id": cell_id, "label": form.cleaned_data["label"], "props": form.props()}
    context = {
        "form": form,
        "title": kind.label,
        "summary": kind.summary,
        "kind": kind,
        "cell_id": cell_id,
        "url_name": "panel-node",
        "hidden": {"id": cell_id, "kind": kind.name, "props": json.dumps(current), "zones": json.dumps(zones_raw)},
        "read_only": _read_only(request),
    }
    return _answer(request, context, apply)


@require_POST
def panel_edge(request: HttpRequest) -> HttpResponse:
    cell_id = _cell_id(request)
    if cell_id is None:
        return _bad(request, "Unknown edge: select an edge on the canvas again.")
    from_kind, to_kind = request.POST.get("from_kind", ""), request.POST.get("to_kind", "")
    current = _json_value(request, "props", {})
    submitted = request.POST.get("submitted") == "1"
    props = _edge_props(from_kind, to_kind)
    form = PropsForm(
        request.POST if submitted else None,
        props=props,
        current=current,
        initial={"label": request.POST.get("label", "")},
    )
    apply = None
    if submitted and not _read_only(request) and form.is_valid():
        merged = {k: v for k, v in current.items() if k not in {p.path[0] for p in props}}
        merged.update(form.props())
        apply = {"cell": "edge", "id": cell_id, "label": form.cleaned_data["label"], "props": merged}
    role = edge_role(from_kind, to_kind)
    context = {
        "form": form,
        "title": {"publish": "Publish edge", "deliver": "Delivery edge", "call": "Call edge"}[role],
        "summary": ROLE_TEXT[role],
        "cell_id": cell_id,
        "url_name": "panel-edge",
        "hidden": {"id": cell_id, "from_kind": from_kind, "to_kind": to_kind, "props": json.dumps(current)},
        "read_only": _read_only(request),
    }
    return _answer(request, context, apply)


@require_POST
def panel_scenario(request: HttpRequest) -> HttpResponse:
    current_run = _json_value(request, "run", {})
    submitted = request.POST.get("submitted") == "1"
    scenario_form = ScenarioForm(
        request.POST if submitted else None,
        initial={"name": request.POST.get("name", ""), "description": request.POST.get("description", "")},
        read_only=_read_only(request),
    )
    run_form = PropsForm(
        request.POST if submitted else None,
        props=RUN_PROPS,
        current=current_run,
        with_label=False,
        read_only=_read_only(request),
    )
    apply = None
    if submitted and not _read_only(request) and scenario_form.is_valid() and run_form.is_valid():
        apply = {
            "cell": "scenario",
            "name": scenario_form.cleaned_data["name"],
            "description": scenario_form.cleaned_data["description"],
            "description_html": str(render_markdown(scenario_form.cleaned_data["description"])),
            "run": run_form.props(),
        }
    context = {
        "scenario_form": scenario_form,
        "form": run_form,
        "title": "Scenario",
        "summary": "Name, description and run settings. Select a node or an edge to edit it.",
        "url_name": "panel-scenario",
        "hidden": {"run": json.dumps(current_run)},
        "read_only": _read_only(request),
    }
    return _answer(request, context, apply)
