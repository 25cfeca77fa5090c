"""/healthz, /metrics, and the page of a run deleted by retention."""

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.ops import metrics
from apps.ops.health import health
from apps.ops.selectors import pruned_run_get


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database, Redis and a worker on each queue answer; 503 naming what failed."""
    state = health()
    return JsonResponse(state, status=200 if state["ok"] else 503)


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text; behind `Authorization: Bearer <PLAYGROUND_METRICS_TOKEN>` when that is set."""
    token = str(settings.PLAYGROUND_METRICS_TOKEN)
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            return HttpResponse("metrics need the bearer token\n", status=401, content_type="text/plain")
    return HttpResponse(metrics.render(), content_type=metrics.CONTENT_TYPE)


def run_gone(request: HttpRequest, run_id: str) -> HttpResponse | None:
    """The 410 page of a run that retention deleted, or None when it never was (then 404)."""
    pruned = pruned_run_get(run_id=run_id)
    if pruned is None:
        return None
    return render(request, "ops/run_gone.html", {"pruned": pruned}, status=410)
