from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from apps.topology.http import json_ok, read_document
from apps.topology.schema import build_schema


@require_GET
def schema(request: HttpRequest) -> JsonResponse:
    return JsonResponse(build_schema(), json_dumps_params={"indent": 2})


@csrf_exempt  # stores nothing: it only answers what is wrong with the posted document
@require_POST
def validate(request: HttpRequest) -> JsonResponse:
    """Always 200 for a readable document: the problems are the answer."""
    validation, failure = read_document(request)
    if failure is not None:
        return failure
    assert validation is not None
    return json_ok({"problems": [p.as_dict() for p in validation.problems]})
