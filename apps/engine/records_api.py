"""JSON API for what a run recorded (docs/api.md "Run records"): the audit log, one order's
trace, the CQRS models side by side, the outbox, and rebuilding a read model by replay."""

import re
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from apps.domain import projections
from apps.domain.selectors import cqrs_rows, outbox
from apps.engine import audit
from apps.engine.api import find_run, forbidden, owns_run
from apps.engine.models import Run
from apps.topology.http import api_methods, error, json_ok

CORR_RE = re.compile(r"[A-Za-z0-9_.:-]{1,80}")
EVENTS_LIMIT = 500


def _nodes(run: Run, kind: str) -> list[dict[str, Any]]:
    return [n for n in run.document.get("nodes", []) if n.get("kind") == kind]


@api_methods("GET")
def run_trace(request: HttpRequest, run_id: str, corr: str) -> JsonResponse:
    run = find_run(run_id)
    if isinstance(run, JsonResponse):
        return run
    if not CORR_RE.fullmatch(corr):
        return error("an order id is 1-80 letters, digits, '_', '.', ':' or '-'", status=400, path="corr")
    trace = audit.trace(run.id, corr)
    if not trace["steps"]:
        return error(f"no order {corr!r} in run {run.id}", status=404)
    return json_ok({"run_id": run.id, **trace})


@api_methods("GET")
def run_events(request: HttpRequest, run_id: str) -> JsonResponse:
    """The latest entries of the audit log (at most `limit`), optionally of one kind or order."""
    run = find_run(run_id)
    if isinstance(run, JsonResponse):
        return run
    kind, corr = request.GET.get("kind") or None, request.GET.get("corr") or None
    if corr is not None and not CORR_RE.fullmatch(corr):
        return error("corr: 1-80 letters, digits, '_', '.', ':' or '-'", status=400, path="corr")
    if kind is not None and not re.fullmatch(r"[a-z_]{1,32}", kind):
        return error("kind: lower-case letters and '_'", status=400, path="kind")
    try:
        limit = min(EVENTS_LIMIT, max(1, int(request.GET.get("limit", EVENTS_LIMIT))))
    except ValueError:
        return error("limit must be a whole number", status=400, path="limit")
    rows = audit.entries(run.id, corr=corr, kind=kind)
    return json_ok({"run_id": run.id, "total": len(rows), "events": rows[-limit:]})


@api_methods("GET")
def run_outbox(request: HttpRequest, run_id: str) -> JsonResponse:
    run = find_run(run_id)
    if isinstance(run, JsonResponse):
        return run
    return json_ok({"run_id": run.id, **outbox(run.id, limit=200)})


@api_methods("GET")
def run_cqrs(request: HttpRequest, run_id: str) -> JsonResponse:
    """The write model and each read model side by side, stale rows marked."""
    run = find_run(run_id)
    if isinstance(run, JsonResponse):
        return run
    models = [
        {"node": n["id"], "label": n.get("label") or n["id"], **cqrs_rows(run.id, n["id"])}
        for n in _nodes(run, "read_model")
    ]
    return json_ok({"run_id": run.id, "read_models": models})


@csrf_exempt  # authenticated by the X-Edit-Secret header, or by session + CSRF (ownership.is_owner)
@api_methods("POST")
def run_rebuild(request: HttpRequest, run_id: str, node_id: str) -> JsonResponse:
    """Throw a read model away and rebuild it by replaying the run's published events."""
    run = find_run(run_id)
    if isinstance(run, JsonResponse):
        return run
    if not owns_run(request, run):
        return forbidden("rebuilding a read model")
    node = next((n for n in _nodes(run, "read_model") if n["id"] == node_id), None)
    if node is None:
        return error(f"run {run.id} has no read model {node_id!r}", status=404)
    if not run.ended:
        return error("a read model is rebuilt once the run has ended", status=409)
    projection = str((node.get("props") or {}).get("projection") or "availability")
    result = projections.rebuild(run.id, node_id, projection, audit.published(run.id))
    return json_ok({"run_id": run.id, "node": node_id, **result})
