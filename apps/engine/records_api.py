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
EVENTS_PARAMETERS = ("kind", "corr", "limit")


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
    """The latest entries of the audit log (at most `limit`), optionally of one kind or order.
    A parameter it does not know, or a `limit` that is not a whole number from 1 to
    EVENTS_LIMIT, is a 400 (rather than an answer that quietly ignores it)."""
    run = find_run(run_id)
    if isinstance(run, JsonResponse):
        return run
    unknown = sorted(set(request.GET) - set(EVENTS_PARAMETERS))
    if unknown:
        known = ", ".join(EVENTS_PARAMETERS)
        return error(f"unknown parameter {unknown[0]!r}; the parameters are {known}", status=400, path=unknown[0])
    kind, corr = request.GET.get("kind") or None, request.GET.get("corr") or None
    if corr is not None and not CORR_RE.fullmatch(corr):
        return error("corr: 1-80 letters, digits, '_', '.', ':' or '-'", status=400, path="corr")
    if kind is not None and not re.fullmatch(r"[a-z_]{1,32}", kind):
        return error("kind: lower-case letters and '_'", status=400, path="kind")
    text = request.GET.get("limit") or str(EVENTS_LIMIT)  # empty: the default
    limit = int(text) if re.fullmatch(r"[+-]?[0-9]{1,9}", text) else None
    if limit is None or not 1 <= limit <= EVENTS_LIMIT:
        message = f"limit must be a whole number from 1 to {EVENTS_LIMIT} (got {text[:20]!r})"
        return error(message, status=400, path="limit")
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
