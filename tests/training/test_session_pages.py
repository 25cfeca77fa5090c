"""Session pages: the join form, the participant's and the instructor's pages, the report, and
a lesson taken alone."""

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client

from apps.training.models import Session
from tests.training.helpers import Member, join, queued_document, start_session

pytestmark = pytest.mark.django_db


def test_joining_through_the_form_opens_the_participants_page() -> None:
    _, session = start_session(queued_document())
    code = session["code"]
    browser = Client()
    form = browser.get(f"/t/{code}/")
    assert form.status_code == 200 and b'name="name"' in form.content
    empty = browser.post(f"/t/{code}/join/", {"name": "   "})
    assert empty.status_code == 400 and b"display name" in empty.content
    joined = browser.post(f"/t/{code}/join/", {"name": "Ada"})
    assert joined.status_code == 302 and joined["Location"] == f"/t/{code}/"
    page = browser.get(f"/t/{code}/")
    assert page.status_code == 200 and b'id="session-config"' in page.content
    assert b'"role": "participant"' in page.content and b"session-qr" not in page.content
    # lower-case codes and the code form find the session
    assert browser.get(f"/join/?code={code.lower()}")["Location"] == f"/t/{code}/"
    assert browser.get("/join/?code=QQQQQQ").status_code == 404


def test_the_instructor_link_opens_the_console_in_that_browser_only() -> None:
    _, session = start_session(queued_document())
    code = session["code"]
    stranger = Client()
    assert stranger.get(f"/t/{code}/instructor/").status_code == 403
    assert stranger.get(f"/t/{code}/report/").status_code == 403
    assert stranger.get(f"/t/{code}/instructor/wrong-secret/").status_code == 404
    teacher = Client()
    claimed = teacher.get(session["instructor_url"])
    assert claimed.status_code == 302 and claimed["Location"] == f"/t/{code}/instructor/"
    console = teacher.get(f"/t/{code}/instructor/")
    assert console.status_code == 200
    assert b"session-qr" in console.content  # the join link as a QR code
    assert f"/api/sessions/{code}/runs/".encode() in console.content  # Run drives the session's run
    assert teacher.get(f"/t/{code}/").status_code == 302  # the instructor is sent to the console


def test_the_report_tells_the_sessions_story() -> None:
    instructor, session = start_session(queued_document())
    code = session["code"]
    join(code, "Ada")
    instructor.post(f"/api/sessions/{code}/playbook/", {"action": "load", "name": "Worker outage"})
    instructor.post(f"/api/sessions/{code}/playbook/", {"action": "fire", "index": 0})
    teacher = Client()
    teacher.get(session["instructor_url"])
    report = teacher.get(f"/t/{code}/report/")
    assert report.status_code == 200
    text = report.content.decode()
    for line in ("Ada joined", "Playbook “Worker outage” loaded", "Step 1: Steady state"):
        assert line in text
    export = teacher.get(f"/t/{code}/report/export.html")
    assert export.status_code == 200 and "attachment" in export["Content-Disposition"]
    assert "Ada joined" in export.content.decode()
    assert not re.search(r'<(link|script)[^>]+(href|src)="/', export.content.decode())  # works offline


def test_a_lesson_taken_alone_makes_you_instructor_and_class() -> None:
    call_command("load_templates", stdout=io.StringIO())
    browser = Client()
    started = browser.post("/templates/queue-buffering/lesson/")
    assert started.status_code == 302
    code = started["Location"].split("/")[2]
    session = Session.objects.get(code=code)
    assert session.solo and session.scenario.template_slug == "queue-buffering"
    state = Member().get(f"/api/sessions/{code}/").json()
    assert [p["name"] for p in state["participants"]] == ["You"]
    assert state["playbook"]["name"] and state["playbook"]["index"] == 0
    assert browser.get(started["Location"]).status_code == 200
    assert browser.post("/templates/no-such/lesson/").status_code == 404
