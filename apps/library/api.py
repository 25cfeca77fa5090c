from django.http import HttpRequest, JsonResponse

from apps.library.selectors import template_get, template_list
from apps.topology.http import api_methods, error, json_ok


@api_methods("GET")
def templates(request: HttpRequest) -> JsonResponse:
    return json_ok([{"slug": t.slug, "name": t.name, "description": t.description} for t in template_list()])


@api_methods("GET")
def template_detail(request: HttpRequest, slug: str) -> JsonResponse:
    template = template_get(slug=slug)
    if template is None:
        return error(f"no template {slug!r}", status=404)
    return json_ok(template.document)
