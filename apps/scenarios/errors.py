"""Error pages: JSON under /api/, HTML elsewhere; never a traceback."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"errors": [{"path": "$", "message": f"nothing at {request.path}"}]}, status=404)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"errors": [{"path": "$", "message": "internal error; it has been logged"}]}, status=500)
    return render(request, "500.html", status=500)
