from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from apps.topology.http import api_methods, json_ok, read_document
from apps.topology.lint import lint_document
from apps.topology.schema import build_schema


@api_methods("GET")
def schema(request: HttpRequest) -> JsonResponse:
    return JsonResponse(build_schema(), json_dumps_params={"indent": 2})


def _availability_goals(request: HttpRequest) -> list[str] | None:
    """`?goals=a,b`: the paths that need availability (the ids of clients or nodes), as a
    challenge's goals name them; absent, every client's path does."""
    raw = request.GET.get("goals")
    return None if raw is None else [goal for goal in raw.split(",") if goal][:100]


@csrf_exempt  # stores nothing: it only answers what is wrong with the posted document
@api_methods("POST")
def validate(request: HttpRequest) -> JsonResponse:
    """Always 200 for a readable document: the problems are the answer. A document without
    errors is also design-checked: its `warnings` (present only when there are some) name the
    rule, the path, the node or edge, what to do, and the lesson that teaches it."""
    validation, failure = read_document(request)
    if failure is not None:
        return failure
    assert validation is not None
    answer: dict[str, Any] = {"problems": [p.as_dict() for p in validation.problems]}
    if validation.ok:
        warnings = lint_document(validation.document, goals=_availability_goals(request))
        if warnings:
            answer["warnings"] = [w.as_dict() for w in warnings]
    return json_ok(answer)
