"""Applies the quotas (apps/ops/quotas.py) to HTTP requests, before their views.

A refused request gets 429 with a Retry-After header: under /api/ the JSON error
`{"errors": [{"path": "$", "message": ...}]}`, elsewhere the "Slow down" page. Run starts that
the server itself refuses with 429 (its hard cap, the per-scenario limit) are counted too, and a
client with PLAYGROUND_MAX_RUNS_PER_CLIENT runs going is refused another (apps/ops/running.py).
"""

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.ops import counters, quotas, running
from apps.ops.clients import request_client
from apps.topology.http import error


def too_many(request: HttpRequest, refusal: quotas.Refusal) -> HttpResponse:
    if request.path.startswith("/api/"):
        response: HttpResponse = error(refusal.message, status=429)
    else:
        response = render(request, "ops/429.html", {"refusal": refusal}, status=429)
    response["Retry-After"] = str(refusal.retry_after)
    return response


class QuotaMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        actions = quotas.actions_for(request.method or "", request.path_info)
        if actions:
            client = request_client(request)
            for action in actions:
                refusal = quotas.check(action, client=client)
                if refusal is not None:
                    if action == "run-start":
                        counters.add("runs:quota")
                    return too_many(request, refusal)
            if "run-start" in actions:
                refusal = running.refusal(client)
                if refusal is not None:
                    counters.add("runs:quota")
                    return too_many(request, refusal)
        response = self.get_response(request)
        if "run-start" in actions and response.status_code == 429:
            counters.add("runs:server")
        if "run-start" in actions and response.status_code == 201:
            run_id = json.loads(response.content).get("run_id")
            if isinstance(run_id, str):
                running.remember(request_client(request), run_id)
        return response
