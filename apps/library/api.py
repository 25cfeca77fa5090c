from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from apps.library.selectors import template_get, template_list
from apps.topology.http import error, json_ok


@require_GET
def templates(request: HttpRequest) -> JsonResponse:
    return json_ok([{"slug": t.slug, "name": t.name, "description": t.description} for t in template_list()])


@require_GET
def template_detail(request: HttpRequest, slug: str) -> JsonResponse:
    template = template_get(slug=slug)
    if template is None:
        return error(f"no template {slug!r}", status=404)
    return json_ok(template.document)
