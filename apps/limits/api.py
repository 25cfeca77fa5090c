"""Find the limit's JSON API (docs/api.md, "Find the limit")."""

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from apps.limits.inputs import limit_request
from apps.limits.models import LimitSearch
from apps.limits.selectors import limit_latest, limit_state
from apps.limits.services import LimitConflict, limit_start, limit_stop
from apps.scenarios.ownership import is_owner
from apps.scenarios.selectors import scenario_get
from apps.topology.http import api_methods, error, error_response, json_ok, read_json
from apps.topology.validation import TopologyError


def _forbidden(what: str) -> JsonResponse:
    return error(f"{what} needs the scenario owner's edit secret (X-Edit-Secret header)", status=403)


def _optional_json(request: HttpRequest) -> tuple[Any, JsonResponse | None]:
    """The body as JSON, or {} when there is none (every setting has a default)."""
    if request.META.get("CONTENT_LENGTH") in (None, "", "0"):
        return {}, None
    return read_json(request)


def _conflict(exc: LimitConflict) -> JsonResponse:
    response = error(exc.message, status=409)
    if exc.search is not None:
        response["Location"] = limit_state(exc.search)["url"]
    return response


@csrf_exempt  # authenticated by the X-Edit-Secret header, or by session + CSRF (ownership.is_owner)
@api_methods("GET", "POST")
def scenario_limit(request: HttpRequest, slug: str) -> JsonResponse:
    scenario = scenario_get(slug=slug)
    if scenario is None:
        return error(f"no scenario {slug!r}", status=404)
    if request.method == "GET":
        latest = limit_latest(scenario=scenario)
        return json_ok({"latest": limit_state(latest) if latest else None})
    if not is_owner(request, scenario):
        return _forbidden("finding the limit")
    body, failure = _optional_json(request)
    if failure is not None:
        return failure
    try:
        search = limit_start(scenario=scenario, request=limit_request(body, document=scenario.document))
    except TopologyError as exc:
        return error_response(exc.problems)
    except LimitConflict as exc:
        return _conflict(exc)
    state = limit_state(search)
    return json_ok({"limit_id": search.id, "status": search.status, "url": state["url"]}, status=201)


@api_methods("GET")
def limit_detail(request: HttpRequest, limit_id: str) -> JsonResponse:
    search = LimitSearch.objects.select_related("scenario").filter(pk=limit_id).first()
    if search is None:
        return error(f"no limit search {limit_id!r}", status=404)
    return json_ok(limit_state(search))


@csrf_exempt
@api_methods("POST")
def limit_stop_view(request: HttpRequest, limit_id: str) -> JsonResponse:
    search = LimitSearch.objects.select_related("scenario").filter(pk=limit_id).first()
    if search is None:
        return error(f"no limit search {limit_id!r}", status=404)
    if not is_owner(request, search.scenario):
        return _forbidden("stopping a search")
    try:
        limit_stop(search=search)
    except LimitConflict as exc:
        return _conflict(exc)
    return json_ok({"limit_id": search.id, "status": search.status}, status=202)
