from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.library.preview import build_preview
from apps.library.selectors import template_list
from apps.scenarios.markdown import render_markdown
from apps.scenarios.ownership import owned_slugs
from apps.scenarios.selectors import scenarios_by_slugs


@require_GET
def gallery(request: HttpRequest) -> HttpResponse:
    cards = [
        {
            "template": template,
            "preview": build_preview(template.document),
            "summary": render_markdown(template.description.split("\n\n")[0]),
            "nodes": len(template.document.get("nodes", [])),
            "faults": len(template.document.get("faults", [])),
            "lesson": next((p.get("name", "") for p in template.document.get("playbooks") or []), ""),
        }
        for template in template_list()
    ]
    mine = scenarios_by_slugs(slugs=owned_slugs(request))[:20]
    return render(request, "library/gallery.html", {"cards": cards, "mine": mine})
