"""Pages for scenarios: share view, editor access, create, import, fork, revisions."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from apps.editor.context import editor_context
from apps.library.selectors import template_get
from apps.scenarios.models import Scenario
from apps.scenarios.ownership import is_owner, remember_owner
from apps.scenarios.selectors import revision_list, scenario_get
from apps.scenarios.services import revision_restore, scenario_create, scenario_create_blank, scenario_fork
from apps.topology.validation import MAX_DOCUMENT_BYTES, TopologyError, parse_and_validate


def _scenario_or_404(slug: str) -> Scenario:
    scenario = scenario_get(slug=slug)
    if scenario is None:
        raise Http404("No such scenario")
    return scenario


def _open_editor(request: HttpRequest, scenario: Scenario, secret: str) -> HttpResponseRedirect:
    remember_owner(request, scenario, secret)
    return redirect("scenario-edit", slug=scenario.slug)


@require_GET
@xframe_options_sameorigin  # a training session shows a participant's copy in a frame
def scenario_view(request: HttpRequest, slug: str) -> HttpResponse:
    scenario = _scenario_or_404(slug)
    context = editor_context(request, scenario=scenario, mode="view")
    return render(request, "editor/editor.html", context)


@require_GET
def scenario_edit(request: HttpRequest, slug: str) -> HttpResponse:
    scenario = _scenario_or_404(slug)
    if not is_owner(request, scenario):
        return render(request, "scenarios/not_owner.html", {"scenario": scenario}, status=403)
    context = editor_context(request, scenario=scenario, mode="edit")
    return render(request, "editor/editor.html", context)


@require_GET
def scenario_claim(request: HttpRequest, slug: str, secret: str) -> HttpResponse:
    """The private edit link: remember the secret in this browser's session, then edit."""
    scenario = _scenario_or_404(slug)
    if not scenario.secret_matches(secret):
        raise Http404("No such edit link")
    return _open_editor(request, scenario, secret)


@require_POST
def scenario_new(request: HttpRequest) -> HttpResponse:
    scenario, secret = scenario_create_blank()
    return _open_editor(request, scenario, secret)


@require_POST
def template_use(request: HttpRequest, slug: str) -> HttpResponse:
    template = template_get(slug=slug)
    if template is None:
        raise Http404("No such template")
    scenario, secret = scenario_create(
        document=template.document, template_slug=template.slug, note=f"From template {slug}"
    )
    return _open_editor(request, scenario, secret)


@require_POST
def scenario_import(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Choose a topology JSON file to import.")
        return redirect("gallery")
    if upload.size is not None and upload.size > MAX_DOCUMENT_BYTES:
        messages.error(request, f"{upload.name} is larger than the 1 MB limit.")
        return redirect("gallery")
    result = parse_and_validate(upload.read(MAX_DOCUMENT_BYTES + 1))
    if result.errors:
        for problem in result.errors[:10]:
            messages.error(request, f"{upload.name}: {problem.path}: {problem.message}")
        return redirect("gallery")
    scenario, secret = scenario_create(document=result.document, note=f"Imported from {upload.name}"[:120])
    return _open_editor(request, scenario, secret)


@require_POST
def scenario_fork_page(request: HttpRequest, slug: str) -> HttpResponse:
    scenario = _scenario_or_404(slug)
    fork, secret = scenario_fork(scenario=scenario)
    messages.success(request, f"Forked “{scenario.name}”. This copy is yours to edit.")
    return _open_editor(request, fork, secret)


@require_GET
def scenario_revisions_page(request: HttpRequest, slug: str) -> HttpResponse:
    scenario = _scenario_or_404(slug)
    context = {
        "scenario": scenario,
        "revisions": revision_list(scenario=scenario),
        "owner": is_owner(request, scenario),
    }
    template = "scenarios/_revisions.html" if request.htmx else "scenarios/revisions.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@require_POST
def scenario_revision_restore_page(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    scenario = _scenario_or_404(slug)
    if not is_owner(request, scenario):
        return render(request, "scenarios/not_owner.html", {"scenario": scenario}, status=403)
    if not scenario.revisions.filter(number=number).exists():
        raise Http404("No such revision")
    try:
        revision = revision_restore(scenario=scenario, number=number)
    except TopologyError:
        messages.error(request, f"Revision {number} no longer passes validation and cannot be restored.")
        return redirect("scenario-edit", slug=slug)
    messages.success(request, f"Restored revision {number} as revision {revision.number}.")
    return HttpResponseRedirect(reverse("scenario-edit", args=[slug]))
