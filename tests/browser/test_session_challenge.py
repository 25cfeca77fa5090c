"""A challenge for the class, in two browsers: the instructor's console shows the set challenge
and its board, ranked as the leaderboard (a passing design first, then those not passing, then
who has not tried), and it changes without a reload as a participant joins and submits; the
participant sees the challenge on their session page, and "Take the challenge" opens their own
copy of its starting design, whose Submit makes an attempt in their name, for the class. No run
is needed (a design over the budget fails unrun; the passing attempt is stored directly), so no
worker fleet.
Screenshots: docs/screenshots/training-challenge-{board,participant}.png.
"""

import copy
import re
import subprocess
import sys
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import ROOT
from tests.browser.test_editor import watch_errors
from tests.browser.test_live import SCREENSHOTS
from tests.browser.test_training import INSTRUCTOR_VIEWPORT, PARTICIPANT_VIEWPORT, api, start_session, wait_for_session

pytestmark = pytest.mark.browser

SLUG = "buffer-a-burst"

STORE_PASSED = """
from django.utils import timezone
from apps.challenges.models import Attempt
from apps.training.models import Participant
cy = Participant.objects.get(session__code="{code}", name="Cy")
Attempt.objects.create(challenge="{slug}", name="Cy", session=cy.session, participant=cy, document={{}},
    status="passed", cost_per_hour=0.2, result={{"goals": [], "p95_ms": 42.0}}, ended_at=timezone.now())
"""


def lavish(base_url: str) -> dict[str, Any]:
    """The challenge's start with 20 replicas of each service: over the budget, failed unrun."""
    design = copy.deepcopy(api(base_url, "GET", f"/api/challenges/{SLUG}/")["start"])
    for node in design["nodes"]:
        if node["kind"] == "service":
            node["props"]["replicas"] = 20
    return design


def submit_over_budget(base_url: str, code: str, name: str) -> None:
    token = api(base_url, "POST", f"/api/sessions/{code}/participants/", {"name": name})["token"]
    answer = api(
        base_url, "POST", f"/api/sessions/{code}/challenge/attempts/", lavish(base_url), {"X-Participant-Token": token}
    )
    assert answer["status"] == "failed", answer


def test_the_instructor_sets_a_challenge_and_watches_the_class_take_it(
    browser: Browser, live_server_url: str, live_server_env: dict[str, str]
) -> None:
    created = start_session(live_server_url)
    code = created["code"]
    secret = {"X-Instructor-Secret": created["instructor_secret"]}
    state = api(live_server_url, "POST", f"/api/sessions/{code}/challenge/", {"slug": SLUG}, secret)["state"]
    title = state["challenge"]["title"]
    submit_over_budget(live_server_url, code, "Bob")
    api(live_server_url, "POST", f"/api/sessions/{code}/participants/", {"name": "Cy"})
    store = STORE_PASSED.format(code=code, slug=SLUG)
    manage = [sys.executable, str(ROOT / "manage.py"), "shell", "-c", store]
    subprocess.run(manage, env=live_server_env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)

    # --- the instructor: the challenge and its board ----------------------------------------------
    teacher_context = browser.new_context(viewport=INSTRUCTOR_VIEWPORT)
    teacher = teacher_context.new_page()
    teacher_errors = watch_errors(teacher)
    teacher.goto(created["instructor_url"])
    wait_for_session(teacher)
    console = teacher.locator("#challenge-panel")
    expect(console.locator("#challenge-title")).to_have_text(title)
    rows = console.locator("#challenge-board tbody tr")
    names = rows.locator("td:nth-child(2)")
    expect(names).to_have_text(["Cy", "Bob"])
    expect(rows.nth(0).locator("td").first).to_have_text("1")
    expect(rows.nth(0)).to_contain_text("passed")
    expect(rows.nth(1)).to_contain_text("over budget")

    # --- a participant joins: the challenge on their page, "Take the challenge" -------------------
    student_context = browser.new_context(viewport=PARTICIPANT_VIEWPORT)
    student = student_context.new_page()
    student_errors = watch_errors(student)
    student.goto(f"{live_server_url}/t/{code}/")
    student.get_by_label("Your name, as the class will see it").fill("Ada")
    student.get_by_role("button", name="Join the class").click()
    wait_for_session(student)
    panel = student.locator("#challenge-panel")
    expect(panel.locator("#challenge-title")).to_have_text(title)
    expect(panel.locator(".challenge-goal-list li")).to_have_count(len(state["challenge"]["goals"]))
    panel.screenshot(path=str(SCREENSHOTS / "training-challenge-participant.png"))
    expect(names).to_have_text(["Cy", "Bob", "Ada"])  # pushed: she joined
    expect(rows.nth(2)).to_contain_text("not tried")

    with student.expect_popup() as popup:
        panel.get_by_role("button", name="Take the challenge").click()
    design = popup.value
    design.wait_for_url(re.compile(rf"/challenges/{SLUG}/design/[\w-]+/\?session={code}$"))
    expect(design.locator("#challenge-class")).to_contain_text(f"For class {code} as Ada")
    design.wait_for_function("() => window.playgroundEditor !== undefined")
    design.evaluate("(doc) => window.playgroundEditor.loadDocument(doc)", lavish(live_server_url))
    design.get_by_role("button", name="Submit for grading").click()
    design.wait_for_url(re.compile(r"/challenges/attempts/\w+/$"))
    expect(design.locator("#attempt-verdict")).to_contain_text("over the budget")
    expect(design.locator(".attempt-name")).to_have_text(f"by Ada in class {code}")
    expect(design.get_by_role("link", name="Back to the class")).to_have_attribute("href", f"/t/{code}/")

    expect(names).to_have_text(["Cy", "Ada", "Bob"])  # pushed: graded (unrun), failed like Bob's
    expect(rows.nth(1)).to_contain_text("over budget")
    console.screenshot(path=str(SCREENSHOTS / "training-challenge-board.png"))

    # Clearing it takes it off the participant's page.
    console.locator("summary", has_text="Another challenge").click()
    console.get_by_role("button", name="Clear the challenge").click()
    expect(panel).to_be_hidden()
    assert student_errors == [] and teacher_errors == []
    student_context.close()
    teacher_context.close()
