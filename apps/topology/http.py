"""JSON helpers shared by the API views: read a document from a request, answer errors."""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from apps.topology.validation import MAX_DOCUMENT_BYTES, Problem, Validation, parse_and_validate, parse_json

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def error_response(problems: Iterable[Problem], status: int = 400) -> JsonResponse:
    return JsonResponse({"errors": [p.as_dict() for p in problems]}, status=status)


def error(message: str, *, status: int, path: str = "$") -> JsonResponse:
    return error_response([Problem(path, message)], status=status)


def _read_body(request: HttpRequest) -> tuple[bytes, JsonResponse | None]:
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit():
        return b"", error("Content-Length is not a number", status=400)
    if int(length) > MAX_DOCUMENT_BYTES:
        return b"", error(f"request body is {int(length):,} bytes; the limit is {MAX_DOCUMENT_BYTES:,}", status=413)
    content_type = request.content_type or ""
    if content_type not in ("application/json", ""):
        return b"", error(f"send the topology as application/json, not {content_type}", status=415)
    try:
        body = request.body
    except RequestDataTooBig:
        return b"", error(f"request body is larger than {MAX_DOCUMENT_BYTES:,} bytes", status=413)
    if not body:
        return b"", error("request body is empty; send a topology document", status=400)
    return body, None


def read_json(request: HttpRequest) -> tuple[Any, JsonResponse | None]:
    """The body as JSON, not yet validated: (value, None) or (None, an error response)."""
    body, failure = _read_body(request)
    if failure is not None:
        return None, failure
    value, problems = parse_json(body)
    if problems:
        return None, error_response(problems)
    return value, None


def read_document(request: HttpRequest) -> tuple[Validation | None, JsonResponse | None]:
    """The body parsed and validated; unreadable JSON is a problem at `$` in the validation."""
    body, failure = _read_body(request)
    if failure is not None:
        return None, failure
    return parse_and_validate(body), None


def read_valid_document(request: HttpRequest) -> tuple[Any, JsonResponse | None]:
    """(the body's document, None), or (None, the answer: 400 with the validator's errors, or
    what reading the body refused). Warnings do not count against it."""
    validation, failure = read_document(request)
    if failure is not None:
        return None, failure
    assert validation is not None
    if not validation.ok:
        return None, error_response(validation.errors)
    return validation.document, None


def json_ok(data: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=not isinstance(data, list))


def api_methods(*methods: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Like require_http_methods, but the refusal is a JSON error naming the allowed methods.

    Wherever GET is allowed so is HEAD: the view answers it as a GET, and the answer keeps its
    headers (with the Content-Length of the body) without the body. OPTIONS is answered 204
    with `Allow` (the methods, plus HEAD where GET is, plus OPTIONS) without calling the view."""
    answered = [*methods, *(["HEAD"] if "GET" in methods else []), "OPTIONS"]

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if request.method == "OPTIONS":
                response = HttpResponse(status=204)
                response["Allow"] = ", ".join(answered)
                return response
            if request.method == "HEAD" and "GET" in methods:
                return _head(view, request, *args, **kwargs)
            if request.method not in methods:
                response = error(f"{request.method} is not allowed here; use {' or '.join(methods)}", status=405)
                response["Allow"] = ", ".join(methods)
                return response
            return view(request, *args, **kwargs)

        if SAFE_METHODS.issuperset(methods):
            # A read-only view changes nothing, so CSRF has nothing to protect; exempting it lets
            # an unsafe method reach the JSON 405 above instead of Django's HTML CSRF page.
            return csrf_exempt(wrapper)
        return wrapper

    return decorator


def _head(view: Callable[..., Any], request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
    """The view's answer to a GET, without its body (views tell GET from the others by method)."""
    request.method = "GET"
    try:
        response = view(request, *args, **kwargs)
    finally:
        request.method = "HEAD"
    if isinstance(response, HttpResponse) and not response.streaming:
        response["Content-Length"] = str(len(response.content))
        response.content = b""
    return response
