"""JSON API for scenarios (docs/api.md). Errors are {"errors": [{"path", "message"}]}."""

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from apps.scenarios.models import Scenario
from apps.scenarios.ownership import is_owner
from apps.scenarios.selectors import revision_list, scenario_get
from apps.scenarios.services import revision_restore, scenario_create, scenario_fork, scenario_update
from apps.topology.http import api_methods, error, error_response, json_ok, read_json
from apps.topology.validation import TopologyError


def created_payload(request: HttpRequest, scenario: Scenario, secret: str) -> dict[str, Any]:
    return {
        "slug": scenario.slug,
        "view_url": request.build_absolute_uri(reverse("scenario-view", args=[scenario.slug])),
        "edit_url": request.build_absolute_uri(reverse("scenario-claim", args=[scenario.slug, secret])),
        "edit_secret": secret,
    }


def _not_found(slug: str) -> JsonResponse:
    return error(f"no scenario {slug!r}", status=404)


def _forbidden() -> JsonResponse:
    return error("editing needs the owner's edit secret (X-Edit-Secret header)", status=403)


@csrf_exempt  # authenticated by the X-Edit-Secret header, or by session + CSRF (ownership.is_owner)
@api_methods("POST")
def scenario_list(request: HttpRequest) -> JsonResponse:
    document, failure = read_json(request)
    if failure is not None:
        return failure
    try:
        scenario, secret = scenario_create(document=document)
    except TopologyError as exc:
        return error_response(exc.problems)
    return json_ok(created_payload(request, scenario, secret), status=201)


@csrf_exempt
@api_methods("GET", "PUT")
def scenario_detail(request: HttpRequest, slug: str) -> JsonResponse:
    scenario = scenario_get(slug=slug)
    if scenario is None:
        return _not_found(slug)
    if request.method == "GET":
        return json_ok(scenario.document)
    if not is_owner(request, scenario):
        return _forbidden()
    document, failure = read_json(request)
    if failure is not None:
        return failure
    try:
        revision = scenario_update(scenario=scenario, document=document)
    except TopologyError as exc:
        return error_response(exc.problems)
    return json_ok({"slug": scenario.slug, "revision": revision.number, "saved_at": revision.created_at.isoformat()})


@csrf_exempt
@api_methods("POST")
def scenario_fork_view(request: HttpRequest, slug: str) -> JsonResponse:
    scenario = scenario_get(slug=slug)
    if scenario is None:
        return _not_found(slug)
    fork, secret = scenario_fork(scenario=scenario)
    return json_ok(created_payload(request, fork, secret), status=201)


@api_methods("GET")
def scenario_export(request: HttpRequest, slug: str) -> HttpResponse:
    scenario = scenario_get(slug=slug)
    if scenario is None:
        return _not_found(slug)
    response = JsonResponse(scenario.document, json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{scenario.slug}.json"'
    return response


@api_methods("GET")
def scenario_revisions(request: HttpRequest, slug: str) -> JsonResponse:
    scenario = scenario_get(slug=slug)
    if scenario is None:
        return _not_found(slug)
    return json_ok(
        [
            {
                "number": r.number,
                "note": r.note,
                "created_at": r.created_at.isoformat(),
                "name": r.document.get("name", ""),
            }
            for r in revision_list(scenario=scenario)
        ]
    )


@api_methods("GET")
def scenario_revision_detail(request: HttpRequest, slug: str, number: int) -> JsonResponse:
    scenario = scenario_get(slug=slug)
    if scenario is None:
        return _not_found(slug)
    revision = scenario.revisions.filter(number=number).first()
    if revision is None:
        return error(f"scenario {slug!r} has no revision {number}", status=404)
    return json_ok(revision.document)


@csrf_exempt
@api_methods("POST")
def scenario_revision_restore(request: HttpRequest, slug: str, number: int) -> JsonResponse:
    scenario = scenario_get(slug=slug)
    if scenario is None:
        return _not_found(slug)
    if not is_owner(request, scenario):
        return _forbidden()
    if not scenario.revisions.filter(number=number).exists():
        return error(f"scenario {slug!r} has no revision {number}", status=404)
    revision = revision_restore(scenario=scenario, number=number)
    return json_ok({"slug": scenario.slug, "revision": revision.number, "saved_at": revision.created_at.isoformat()})
