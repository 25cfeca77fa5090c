"""A training session as a class lives it: an instructor and three participants, each in a
browser of their own, on the queue-buffering template with a short playbook.

The instructor starts the session through the API and opens its private link; the
participants type the code on /join/ and give their names. Then: everyone follows the
instructor's zoom, one participant looks around on their own and comes back, the laser
shows on a participant's screen where the instructor points, the playbook fires its steps
on the run's clock for all to see, a question is answered by the three and revealed with
the figure the run measured, a participant tries the scenario on their own copy and the
class board shows that run, which the instructor puts on everyone's screen. A participant
cannot act as the instructor. Runs against the real stack (daphne and a worker fleet).
Screenshots go to docs/screenshots/training-*.png.
"""

import json
import re
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from tests.browser.test_editor import centre, node_body, watch_errors
from tests.browser.test_live import SCREENSHOTS

pytestmark = pytest.mark.browser

INSTRUCTOR_VIEWPORT: ViewportSize = {"width": 1440, "height": 900}
PARTICIPANT_VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
NAMES = ["Ada", "Grace", "Linus"]
TIMEOUT_MS = 30_000

PLAYBOOK = {
    "name": "Test drive",
    "summary": "The email service goes away for a while; the queue holds the welcome emails.",
    "steps": [
        {
            "title": "Steady state",
            "at_s": 0,
            "say": "Each sign-up leaves a **welcome email** on the queue.",
            "watch": "The waiting line stays near zero.",
        },
        {
            "title": "Stop the email consumer",
            "at_s": 2,
            "faults": [{"action": "stop_consumer", "target": "email", "duration_s": 30}],
            "watch": "The waiting line grows.",
        },
        {"title": "Talk it through", "wait": True, "say": "Where do the messages go while Email is away?"},
    ],
}


def api(base_url: str, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
    request = urllib.request.Request(
        base_url + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json", **(headers or {})},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def start_session(base_url: str) -> dict[str, Any]:
    """The instructor's part through the API: a copy of a template with a playbook, a session."""
    template = api(base_url, "GET", "/api/templates/queue-buffering/")
    document = template.get("document", template)
    document["faults"] = []
    document["run"]["duration_s"] = 60
    document["playbooks"] = [*(document.get("playbooks") or []), PLAYBOOK]
    scenario = api(base_url, "POST", "/api/scenarios/", document)
    return api(
        base_url, "POST", f"/api/scenarios/{scenario['slug']}/sessions/", {}, {"X-Edit-Secret": scenario["edit_secret"]}
    )


def wait_for_session(page: Page) -> None:
    page.wait_for_function("() => window.playgroundSession && window.playgroundSession.connected()")
    page.wait_for_function("() => window.playgroundSession.state() !== null")


def visible_area(page: Page) -> dict[str, float]:
    area: dict[str, float] = page.evaluate("() => window.playgroundEditor.graph.getGraphArea().toJSON()")
    return area


def shows_area(page: Page, area: dict[str, float], tolerance: float = 0.03) -> bool:
    """Whether the page shows the area fitted: same centre, all of it inside, one side tight."""
    mine = visible_area(page)
    slack = tolerance * max(area["width"], area["height"])
    centred = (
        abs((mine["x"] + mine["width"] / 2) - (area["x"] + area["width"] / 2)) < slack
        and abs((mine["y"] + mine["height"] / 2) - (area["y"] + area["height"] / 2)) < slack
    )
    inside = mine["width"] >= area["width"] - slack and mine["height"] >= area["height"] - slack
    tight = abs(mine["width"] - area["width"]) < slack or abs(mine["height"] - area["height"]) < slack
    return centred and inside and tight


def wait_until_shown(page: Page, area: dict[str, float]) -> None:
    page.wait_for_function(
        """(area) => {
            const mine = window.playgroundEditor.graph.getGraphArea();
            const slack = 0.03 * Math.max(area.width, area.height);
            return Math.abs(mine.x + mine.width / 2 - (area.x + area.width / 2)) < slack
                && Math.abs(mine.y + mine.height / 2 - (area.y + area.height / 2)) < slack;
        }""",
        arg=area,
    )


def following(page: Page) -> bool:
    return bool(page.evaluate("() => window.playgroundSession.isFollowing()"))


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    """The instructor's browser, then one per participant (no shared cookies)."""
    opened = [browser.new_context(viewport=INSTRUCTOR_VIEWPORT)]
    opened += [browser.new_context(viewport=PARTICIPANT_VIEWPORT) for _ in NAMES]
    yield opened
    for context in opened:
        context.close()


def test_a_class_follows_answers_and_tries_it(
    contexts: list[BrowserContext], live_server_url: str, live_fleet: None
) -> None:
    created = start_session(live_server_url)
    code = created["code"]
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{6}", code)

    # --- the instructor opens the private link; the class joins by code -----------------------
    instructor_context, *participant_contexts = contexts
    teacher = instructor_context.new_page()
    teacher_errors = watch_errors(teacher)
    teacher.goto(created["instructor_url"])
    teacher.wait_for_url(re.compile(rf"/t/{code}/instructor/$"))
    wait_for_session(teacher)
    expect(teacher.locator("#session-code")).to_have_text(code)
    expect(teacher.locator("#session-qr svg")).to_be_visible()

    students: list[Page] = []
    student_errors: list[list[str]] = []
    for context, name in zip(participant_contexts, NAMES, strict=True):
        page = context.new_page()
        student_errors.append(watch_errors(page))
        page.goto(f"{live_server_url}/join/")
        page.get_by_label("Session code").fill(code.lower())
        page.get_by_role("button", name="Go").click()
        page.wait_for_url(re.compile(rf"/t/{code}/$"))
        expect(page.get_by_role("heading", name="Queue buffering")).to_be_visible()
        page.get_by_label("Your name, as the class will see it").fill(name)
        page.get_by_role("button", name="Join the class").click()
        wait_for_session(page)
        expect(page.locator("#follow-indicator")).to_be_visible()
        students.append(page)
    ada, grace, linus = students

    expect(teacher.locator("#session-count")).to_have_attribute("data-present", "3")
    teacher.locator(".session-people summary").click()
    expect(teacher.locator("#session-people-list li[data-present='true']")).to_have_count(3)
    teacher.locator(".session-people summary").click()

    # --- follow: the instructor zooms in, every participant shows the same area ---------------
    teacher.locator("#btn-zoom-in").click()
    teacher.locator("#btn-zoom-in").click()
    teacher.wait_for_timeout(300)  # the view goes out at most 10 times a second
    area = visible_area(teacher)
    for page in students:
        wait_until_shown(page, area)
        assert shows_area(page, area), (visible_area(page), area)

    # A participant who scrolls the canvas detaches; the others keep following.
    stage = ada.locator("#canvas-stage").bounding_box()
    assert stage is not None
    ada.mouse.move(stage["x"] + stage["width"] / 2, stage["y"] + stage["height"] / 2)
    ada.mouse.wheel(0, 240)
    expect(ada.locator("#btn-follow")).to_have_attribute("aria-pressed", "false")
    expect(ada.locator("#follow-indicator")).to_be_hidden()
    detached_area = visible_area(ada)
    teacher.locator("#btn-zoom-out").click()
    teacher.wait_for_timeout(300)
    area = visible_area(teacher)
    wait_until_shown(grace, area)
    assert visible_area(ada) == detached_area and not following(ada)
    # "Follow" brings them back to the instructor's view.
    ada.locator("#btn-follow").click()
    wait_until_shown(ada, area)
    assert following(ada)
    # "Bring everyone to me" re-attaches whoever detached.
    linus.locator("#btn-follow").click()
    assert not following(linus)
    teacher.locator("#btn-bring").click()
    linus.wait_for_function("() => window.playgroundSession.isFollowing()")
    wait_until_shown(linus, area)

    # --- the laser: where the instructor points, a participant sees the dot -------------------
    teacher.locator("#btn-laser").click()
    expect(teacher.locator("#btn-laser")).to_have_attribute("aria-pressed", "true")
    x, y = centre(node_body(teacher, "signup").bounding_box())
    for step in range(6):
        teacher.mouse.move(x - 30 + step * 6, y)
        teacher.wait_for_timeout(40)
    grace.wait_for_function("() => document.querySelector('.laser-layer').dataset.active === 'true'")
    dot = grace.evaluate(
        """() => {
            const dot = document.querySelector('.laser-dot');
            const box = document.querySelector('.laser-layer').getBoundingClientRect();
            const local = window.playgroundEditor.graph.clientToLocal(
                box.left + Number(dot.getAttribute('cx')), box.top + Number(dot.getAttribute('cy')));
            return {x: local.x, y: local.y};
        }"""
    )
    pointed = teacher.evaluate(f"() => window.playgroundEditor.graph.clientToLocal({x}, {y}).toJSON()")
    assert abs(dot["x"] - pointed["x"]) < 12 and abs(dot["y"] - pointed["y"]) < 12, (dot, pointed)
    grace.screenshot(path=str(SCREENSHOTS / "training-participant-laser.png"))
    teacher.locator("#btn-laser").click()
    grace.wait_for_function("() => document.querySelector('.laser-layer').dataset.active === 'false'")

    # --- the playbook: loaded, played; its steps fire on the run's clock, seen by all ---------
    teacher.locator("#playbook-select").select_option("Test drive")
    teacher.locator("#btn-playbook-load").click()
    expect(teacher.locator("#playbook-steps li")).to_have_count(3)
    teacher.locator("#run-speed").select_option("1")
    teacher.locator("#run-duration").fill("60")
    teacher.locator("#btn-playbook-play").click()  # no run yet: Play starts one
    expect(teacher.locator("#editor")).to_have_attribute("data-live", "true", timeout=TIMEOUT_MS)
    for page in [teacher, *students]:
        expect(page.locator('#session-timeline .timeline-marker[data-index="1"]')).to_have_attribute(
            "data-status", "fired", timeout=TIMEOUT_MS
        )
    expect(teacher.locator('#playbook-steps li[data-index="1"]')).to_have_attribute("data-status", "fired")
    expect(teacher.locator('#playbook-steps li[data-index="2"]')).to_have_attribute("data-status", "next")
    expect(ada.locator("#playbook-panel .playbook-now-title")).to_have_text("Stop the email consumer")
    expect(teacher.locator("#btn-playbook-continue")).to_be_enabled()
    teacher.locator("#btn-playbook-continue").click()  # the wait step
    expect(grace.locator('#session-timeline .timeline-marker[data-index="2"]')).to_have_attribute(
        "data-status", "fired"
    )
    expect(grace.locator("#playbook-panel .playbook-now-title")).to_have_text("Talk it through")

    # --- a question: three predictions, then the reveal with what the run measured ------------
    teacher.locator("#ask-box summary").click()
    teacher.locator("#ask-prompt").fill("How many welcome emails will be waiting at the reveal?")
    teacher.locator("#ask-node").select_option("welcome-emails")
    teacher.locator("#ask-metric").select_option("depth")
    expect(teacher.locator("#ask-unit")).to_have_value("messages")
    teacher.locator("#btn-ask").click()
    for page, guess in zip(students, ("40", "120", "400"), strict=True):
        page.locator("#answer-value").fill(guess)
        page.locator("#btn-answer").click()
        expect(page.locator(".question-status")).to_have_text(re.compile(r"^Answer sent — hidden until the reveal"))
    expect(teacher.locator("[data-testid=question-answered]")).to_have_text("3 answered of 3 present")
    ada.screenshot(path=str(SCREENSHOTS / "training-participant.png"))
    teacher.screenshot(path=str(SCREENSHOTS / "training-instructor.png"))
    teacher.locator("#btn-reveal").click()
    measured = None
    for page in [teacher, *students]:
        value = page.locator("#reveal-overlay:not([hidden]) [data-testid=reveal-value]")
        expect(value).to_have_text(re.compile(r"^\d[\d.,k]* messages$"))
        revealed = page.evaluate("() => window.playgroundSession.state().revealed[0]")
        assert isinstance(revealed["measured"], int | float)
        assert measured in (None, revealed["measured"])
        measured = revealed["measured"]
        expect(page.locator("#reveal-overlay .reveal-scores tbody tr")).to_have_count(3)
    expect(grace.locator("#reveal-overlay .reveal-scores tr.is-me td").first).to_have_text("Grace")
    expect(grace.locator("#reveal-overlay .reveal-mine")).to_contain_text("120 messages")
    grace.screenshot(path=str(SCREENSHOTS / "training-reveal.png"))
    for page in [teacher, *students]:
        page.locator("#reveal-overlay [data-reveal-close]").click()

    # --- try it yourself: Ada's own copy, run as fast as the workers go ------------------------
    with participant_contexts[0].expect_page() as opened:
        ada.locator("#btn-try").click()
    copy = opened.value
    copy.wait_for_url(re.compile(r"/s/[^/]+/edit/$"), timeout=TIMEOUT_MS)
    copy.wait_for_function("() => window.playgroundEditor !== undefined")
    expect(ada.locator("#try-link")).to_be_visible()
    expect(copy.locator("#btn-run")).to_be_enabled()
    copy.locator("#run-speed").select_option("max")
    copy.locator("#run-duration").fill("5")
    copy.locator("#btn-run").click()
    expect(copy.locator("#editor")).to_have_attribute("data-live", "true", timeout=TIMEOUT_MS)

    # The class board shows her copy and its run; the instructor shows it to everyone.
    teacher.locator("#btn-class-board").click()
    ada_id = ada.evaluate("() => window.playgroundSession.config.participant_id")
    row = teacher.locator(f'#class-board tr[data-participant="{ada_id}"]')
    expect(row.locator(".run-chip")).to_have_text("finished", timeout=TIMEOUT_MS)
    expect(row.get_by_role("link", name="their copy")).to_be_visible()
    teacher.screenshot(path=str(SCREENSHOTS / "training-class-board.png"))
    row.get_by_role("button", name="Show to everyone").click()
    for page in students:
        expect(page.locator("#spotlight")).to_be_visible()
        expect(page.locator("#spotlight [data-spotlight-name]")).to_have_text("Ada")
    expect(linus.locator("#spotlight iframe:not([hidden])")).to_have_attribute("src", re.compile(r"/s/[^/]+/$"))
    expect(linus.frame_locator("#spotlight iframe:not([hidden])").locator("#canvas .x6-node").first).to_be_visible()
    teacher.locator("#class-board [data-board-back]").click()
    for page in students:
        expect(page.locator("#spotlight")).to_be_hidden()
    teacher.locator("#class-board [data-board-close]").click()
    copy.close()

    # --- a participant cannot act as the instructor -------------------------------------------
    config = linus.evaluate("() => window.playgroundSession.config")
    token = linus.evaluate("() => document.querySelector('meta[name=csrf-token]').content")
    refused = linus.request.post(
        live_server_url + config["playbook_url"], data={"action": "pause"}, headers={"X-CSRFToken": token}
    )
    assert refused.status == 403 and "instructor" in refused.json()["errors"][0]["message"]
    view: dict[str, Any] = {
        "type": "view",
        "area": {"x": 0, "y": 0, "width": 10, "height": 10},
        "selection": [],
        "tab": None,
    }
    linus.evaluate("(view) => window.playgroundSession.send(view)", view)
    expect(linus.locator("#session-toast")).to_have_text(re.compile(r"only the instructor"))
    assert shows_area(ada, visible_area(teacher))  # nobody followed Linus

    # --- the end: the run stops, the session ends, the report has the class in it -------------
    teacher.locator("#btn-stop").click()
    expect(teacher.locator("#editor")).to_have_attribute("data-live", "false", timeout=TIMEOUT_MS)
    teacher.once("dialog", lambda dialog: dialog.accept())
    teacher.locator("#btn-end").click()
    for page in students:
        expect(page.locator("#session-ended")).to_be_visible()
    report = teacher.context.new_page()
    report.goto(f"{live_server_url}/t/{code}/report/")
    expect(report.locator(".sr-leaderboard li")).to_have_count(3)
    expect(report.locator(".sr-question h3")).to_have_text("How many welcome emails will be waiting at the reveal?")
    expect(report.locator(".sr-timeline")).to_contain_text("Step 2: Stop the email consumer")

    assert teacher_errors == []
    for errors in student_errors:
        assert errors == []
