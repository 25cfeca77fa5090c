"""JSON helpers shared by the API views: read a document from a request, answer errors."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse

from apps.topology.validation import MAX_DOCUMENT_BYTES, Problem, Validation, parse_and_validate


def error_response(problems: Iterable[Problem], status: int = 400) -> JsonResponse:
    return JsonResponse({"errors": [p.as_dict() for p in problems]}, status=status)


def error(message: str, *, status: int, path: str = "$") -> JsonResponse:
    return error_response([Problem(path, message)], status=status)


def read_document(request: HttpRequest) -> tuple[Validation | None, JsonResponse | None]:
    """Parse and validate the request body. Returns (validation, None) or (None, error response)."""
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit():
        return None, error("Content-Length is not a number", status=400)
    if int(length) > MAX_DOCUMENT_BYTES:
        return None, error(f"request body is {int(length):,} bytes; the limit is {MAX_DOCUMENT_BYTES:,}", status=413)
    content_type = request.content_type or ""
    if content_type not in ("application/json", ""):
        return None, error(f"send the topology as application/json, not {content_type}", status=415)
    try:
        body = request.body
    except RequestDataTooBig:
        return None, error(f"request body is larger than {MAX_DOCUMENT_BYTES:,} bytes", status=413)
    if not body:
        return None, error("request body is empty; send a topology document", status=400)
    return parse_and_validate(body), None


def json_ok(data: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=not isinstance(data, list))
