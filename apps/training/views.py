"""Pages of a training session: enter a code, join, the participant's and the instructor's
view of the scenario, and the session report (with its offline export)."""

import io
from typing import Any
from urllib.parse import urlencode

import segno
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.challenges.format import catalogue
from apps.editor.context import editor_context
from apps.library.selectors import template_get
from apps.scenarios.ownership import remember_owner
from apps.scenarios.services import scenario_create
from apps.topology.validation import TopologyError
from apps.training import services
from apps.training.models import Session
from apps.training.ownership import (
    PARTICIPANT_KEY,
    current_participant,
    is_instructor,
    remember_instructor,
    remember_participant,
    remembered,
)
from apps.training.report import session_report
from apps.training.selectors import session_get
from apps.training.services import SessionRefused


def _session_or_404(code: str) -> Session:
    session = session_get(code=code)
    if session is None:
        raise Http404("No such session")
    return session


def qr_svg(url: str) -> str:
    """The join link as a QR code, an inline <svg> (made here from the URL alone)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=6, border=2, xmldecl=False, svgclass="session-qr")
    return out.getvalue().decode()


def _session_config(request: HttpRequest, session: Session, *, role: str, participant: Any = None) -> dict[str, Any]:
    code = session.code
    api = f"/api/sessions/{code}/"
    join_url = request.build_absolute_uri(reverse("session-page", args=[code]))
    document = session.scenario.document
    return {
        "code": code,
        "role": role,
        "solo": session.solo,
        "participant_id": participant.id if participant else None,
        "name": participant.name if participant else None,
        "stream_url": f"/ws/sessions/{code}/",
        "state_url": api,
        "join_url": join_url,
        "qr_svg": qr_svg(join_url) if role == "instructor" else None,
        "participants_url": f"{api}participants/",
        "playbook_url": f"{api}playbook/",
        "questions_url": f"{api}questions/",
        "answer_url": f"{api}questions/{{id}}/answers/",
        "reveal_url": f"{api}questions/{{id}}/reveal/",
        "spotlight_url": f"{api}spotlight/",
        "challenge_url": f"{api}challenge/",
        "challenge_board_url": f"{api}challenge/board/",
        "challenges": [{"slug": c.slug, "title": c.title} for c in catalogue().values() if role == "instructor"],
        "board_url": f"{api}board/",
        "fork_url": f"{api}fork/",
        "end_url": f"{api}end/",
        "report_url": reverse("session-report", args=[code]),
        "playbooks": document.get("playbooks") or [],
        "nodes": [
            {"id": node["id"], "label": node.get("label") or node["id"], "kind": node["kind"]}
            for node in document.get("nodes", [])
            if node.get("kind") != "zone"
        ],
    }


def _session_page(request: HttpRequest, session: Session, *, role: str, participant: Any = None) -> HttpResponse:
    context = editor_context(request, scenario=session.scenario, mode="view")
    context["session"] = session
    context["session_config"] = _session_config(request, session, role=role, participant=participant)
    if role == "instructor":  # the usual run controls drive the session's run
        live = context["editor_config"]["live"]
        base = f"/api/sessions/{session.code}/runs/"
        live.update(
            owner=True,
            runs_url=base,
            stop_url=f"{base}{{id}}/stop/",
            faults_url=f"{base}{{id}}/faults/",
        )
    return render(request, "training/session.html", context)


@require_GET
def enter_code(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("code", "").strip().upper()
    if code:
        if session_get(code=code) is not None:
            return redirect("session-page", code=code)
        return render(
            request, "training/enter_code.html", {"error": f"No session has the code {code[:12]}."}, status=404
        )
    return render(request, "training/enter_code.html", {"error": ""})


@require_GET
def session_page(request: HttpRequest, code: str) -> HttpResponse:
    session = _session_or_404(code)
    participant = current_participant(request, session)
    if participant is not None:
        return _session_page(request, session, role="participant", participant=participant)
    if is_instructor(request, session):
        return redirect("session-instructor", code=session.code)
    return render(request, "training/join.html", {"session": session, "scenario": session.scenario, "error": ""})


@require_POST
def session_join(request: HttpRequest, code: str) -> HttpResponse:
    session = _session_or_404(code)
    if remembered(request.session, PARTICIPANT_KEY, session.code) and current_participant(request, session):
        return redirect("session-page", code=session.code)
    try:
        _, token = services.participant_join(session=session, name=request.POST.get("name", ""))
    except TopologyError as exc:
        error = exc.problems[0].message
    except SessionRefused as exc:
        error = exc.message
    else:
        remember_participant(request, session, token)
        return redirect("session-page", code=session.code)
    context = {"session": session, "scenario": session.scenario, "error": error}
    return render(request, "training/join.html", context, status=400)


@require_POST
def session_challenge_take(request: HttpRequest, code: str) -> HttpResponse:
    """A participant takes the class's challenge: their own copy of its starting design, in the
    challenge's editor, whose attempts go to the class's board in their name. Anyone else, or
    with no challenge set, is sent back to the session's page."""
    session = _session_or_404(code)
    participant = current_participant(request, session)
    if participant is None:
        return redirect("session-page", code=session.code)
    try:
        challenge, scenario, secret = services.participant_challenge_design(session=session, participant=participant)
    except SessionRefused:
        return redirect("session-page", code=session.code)
    remember_owner(request, scenario, secret)
    design = reverse("challenge-design", args=[challenge.slug, scenario.slug])
    return redirect(f"{design}?{urlencode({'session': session.code})}")


@require_GET
def session_claim(request: HttpRequest, code: str, secret: str) -> HttpResponse:
    """The instructor's private link: remember the secret in this browser, then open the console."""
    session = _session_or_404(code)
    if not session.instructor_matches(secret):
        raise Http404("No such instructor link")
    remember_instructor(request, session, secret)
    return redirect("session-instructor", code=session.code)


def _instructor_or_403(request: HttpRequest, session: Session) -> HttpResponse | None:
    if is_instructor(request, session):
        return None
    context = {"session": session, "scenario": session.scenario}
    return render(request, "training/not_instructor.html", context, status=403)


@require_GET
def session_instructor(request: HttpRequest, code: str) -> HttpResponse:
    session = _session_or_404(code)
    refused = _instructor_or_403(request, session)
    return refused or _session_page(request, session, role="instructor")


@require_http_methods(["GET"])
def session_report_page(request: HttpRequest, code: str) -> HttpResponse:
    session = _session_or_404(code)
    refused = _instructor_or_403(request, session)
    if refused:
        return refused
    context = session_report(session=session)
    context["export_url"] = reverse("session-report-export", args=[session.code])
    return render(request, "training/report.html", context)


@require_GET
def session_report_export(request: HttpRequest, code: str) -> HttpResponse:
    session = _session_or_404(code)
    refused = _instructor_or_403(request, session)
    if refused:
        return refused
    response = render(request, "training/export.html", session_report(session=session))
    response["Content-Disposition"] = f'attachment; filename="session-{session.code}.html"'
    return response


@require_POST
def template_lesson(request: HttpRequest, slug: str) -> HttpResponse:
    """Take a template's guided lesson alone: a copy of the template that is yours, and a
    session where you are both the instructor and the one class member, its lesson loaded."""
    template = template_get(slug=slug)
    if template is None or not template.document.get("playbooks"):
        raise Http404("No such lesson")
    scenario, secret = scenario_create(document=template.document, template_slug=slug, note=f"Lesson from {slug}")
    remember_owner(request, scenario, secret)
    session, instructor_secret = services.session_start(scenario=scenario, solo=True)
    _, token = services.participant_join(session=session, name="You")
    remember_instructor(request, session, instructor_secret)
    remember_participant(request, session, token)
    services.playbook_load(session=session, name=template.document["playbooks"][0]["name"])
    return redirect("session-instructor", code=session.code)
