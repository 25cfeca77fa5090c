"""Pages for runs: the report (`/runs/<id>/`) and its offline export (`/runs/<id>/export.html`).

The run id is the read link, as for the JSON API: anyone with it may read the report.
"""

import re
from pathlib import Path

from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from apps.engine.api import owns_run
from apps.engine.models import Run
from apps.engine.report import report_context
from apps.engine.selectors import run_example_order, run_get
from apps.ops.views import run_gone

# What the export inlines, as static file paths (uPlot is served from node_modules, see settings).
EXPORT_STYLES = ("css/app.css", "vendor/uplot/uPlot.min.css", "report/report.css")
EXPORT_SCRIPT_LIBRARY = "vendor/uplot/uPlot.iife.min.js"
EXPORT_SCRIPT_REPORT = "report/report.js"
EXPORT_LOGO = "img/logo.svg"


def _run_or_404(request: HttpRequest, run_id: str) -> Run | HttpResponse:
    """The run; or, for a run deleted by retention (apps/ops), its 410 page; else 404."""
    run = run_get(run_id=run_id)
    if run is None:
        gone = run_gone(request, run_id)
        if gone is None:
            raise Http404("No such run")
        return gone
    return run


def live_view_url(run: Run) -> str | None:
    """Where a run can be watched while it goes, or replayed once it has ended: its scenario's
    page, told the run (`?run=<id>`, which the page's live view honours)."""
    if run.scenario is None:
        return None
    return f"{reverse('scenario-view', args=[run.scenario.slug])}?run={run.id}"


@require_GET
def run_report(request: HttpRequest, run_id: str) -> HttpResponse:
    run = _run_or_404(request, run_id)
    if isinstance(run, HttpResponse):
        return run
    context = report_context(run=run)
    context.update(
        export=False,
        live_url=live_view_url(run),
        owner=run.ended and owns_run(request, run),  # may rebuild its read models by replay
        trace_url=reverse("api-run-trace", args=[run.id, "ORDER"]).replace("ORDER", "{corr}"),
        trace_example=run_example_order(run_id=run.id) if run.ended else None,
    )
    return render(request, "runs/report.html", context)


def _static_text(path: str) -> str:
    found = finders.find(path)
    if not found or isinstance(found, list):
        raise ImproperlyConfigured(f"static file {path} is missing (are the npm packages installed?)")
    return Path(found).read_text(encoding="utf-8")


_CLOSING_SCRIPT = re.compile(r"</(script)", re.IGNORECASE)
_CLOSING_STYLE = re.compile(r"</(style)", re.IGNORECASE)


def inline_script(source: str) -> SafeString:
    """JavaScript safe to place inside <script>: no `</script` can end the element early."""
    return mark_safe(_CLOSING_SCRIPT.sub(r"<\\/\1", source))  # noqa: S308 - our files and node_modules, escaped


def inline_style(source: str) -> SafeString:
    return mark_safe(_CLOSING_STYLE.sub(r"<\\/\1", source))  # noqa: S308 - our files and node_modules, escaped


def export_filename(run: Run, scenario_name: str) -> str:
    name = slugify(scenario_name)[:60] or "run"
    day = (run.started_at or run.created_at).strftime("%Y-%m-%d")
    return f"run-report-{name}-{day}-{run.id[:8]}.html"


@require_GET
def run_report_export(request: HttpRequest, run_id: str) -> HttpResponse:
    """The report as one self-contained HTML file: styles, uPlot, the report script and the
    run's data inlined, so it opens offline and can be archived or mailed."""
    run = _run_or_404(request, run_id)
    if isinstance(run, HttpResponse):
        return run
    context = report_context(run=run)
    context.update(
        export=True,
        live_url=None,
        online_url=request.build_absolute_uri(reverse("run-report", args=[run.id])),
        exported_at=timezone.now(),
        styles=inline_style("\n".join(_static_text(path) for path in EXPORT_STYLES)),
        script_library=inline_script(_static_text(EXPORT_SCRIPT_LIBRARY)),
        script_report=inline_script(_static_text(EXPORT_SCRIPT_REPORT)),
        logo=mark_safe(_static_text(EXPORT_LOGO)),  # noqa: S308 - our own SVG file
    )
    html = render_to_string("runs/export.html", context, request=request)
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(run, context["scenario_name"])}"'
    return response
