"""A challenge for the class: the instructor sets (and clears) it, participants take it and
their attempts are theirs and the session's, and the instructor's board ranks the class as the
challenge's leaderboard does (docs/api.md, "Training sessions"; docs/challenges.md).

Boards are built from Attempt rows made here: grading by real runs is tests/challenges' part.
"""

import copy
import json
from collections.abc import Iterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from apps.challenges.format import catalogue, solution
from apps.challenges.models import Attempt
from apps.challenges.services import attempt_advance
from apps.training.models import Participant, Session, SessionEvent
from playground.asgi import application
from tests.training.helpers import Member, join, queued_document, start_session

pytestmark = pytest.mark.django_db

SLUG = "buffer-a-burst"


def set_challenge(instructor: Member, code: str, slug: Any) -> Any:
    return instructor.post(f"/api/sessions/{code}/challenge/", {"slug": slug})


def lavish_design() -> dict[str, Any]:
    """The reference design with 20 replicas of each service: over the budget, failed unrun."""
    design = copy.deepcopy(solution(SLUG, "reference"))
    for node in design["nodes"]:
        if node["kind"] == "service":
            node["props"]["replicas"] = 20
    return design


def class_with_challenge(*names: str) -> tuple[Member, str, list[tuple[Member, dict[str, Any]]]]:
    instructor, session = start_session(queued_document())
    code = session["code"]
    assert set_challenge(instructor, code, SLUG).status_code == 200
    return instructor, code, [join(code, name) for name in names]


def test_the_instructor_sets_and_clears_the_class_challenge_and_everyone_sees_it() -> None:
    instructor, session = start_session(queued_document())
    code = session["code"]
    assert Member().get(f"/api/sessions/{code}/").json()["challenge"] is None

    answer = set_challenge(instructor, code, SLUG)
    assert answer.status_code == 200, answer.content
    challenge = answer.json()["state"]["challenge"]
    expected = catalogue()[SLUG]
    assert challenge["slug"] == SLUG and challenge["title"] == expected.title
    assert [goal["name"] for goal in challenge["goals"]] == [goal.name for goal in expected.goals]
    assert all(goal["rule"] for goal in challenge["goals"])
    assert challenge["budget"] == {"per_hour": expected.budget_per_hour, "currency": "USD"}
    assert challenge["seeds"] == len(expected.seeds) and challenge["take_url"] == f"/t/{code}/challenge/"
    assert challenge["attempts"] == {"made": 0, "running": 0, "passed": 0, "people": 0}
    assert Member().get(f"/api/sessions/{code}/").json()["challenge"]["slug"] == SLUG  # the public state

    cleared = set_challenge(instructor, code, None)
    assert cleared.status_code == 200 and cleared.json()["state"]["challenge"] is None
    assert Session.objects.get(code=code).challenge == ""
    board = instructor.get(f"/api/sessions/{code}/challenge/board/").json()
    assert board == {"challenge": None, "rows": []}
    events = SessionEvent.objects.filter(session__code=code, kind="challenge_set")
    assert [event.data["slug"] for event in events] == [SLUG, None]


def test_an_unknown_or_malformed_challenge_is_answered_400_naming_it() -> None:
    instructor, session = start_session(queued_document())
    code = session["code"]
    unknown = set_challenge(instructor, code, "build-a-rocket")
    assert unknown.status_code == 400
    problem = unknown.json()["errors"][0]
    assert problem["path"] == "$.slug" and "'build-a-rocket'" in problem["message"] and SLUG in problem["message"]
    for body in ({"slug": 5}, {"slug": ["x"]}, {}, [SLUG]):
        answer = instructor.post(f"/api/sessions/{code}/challenge/", body)
        assert answer.status_code == 400, body
    assert instructor.post(f"/api/sessions/{code}/challenge/", b"{not json").status_code == 400
    assert Session.objects.get(code=code).challenge == ""


def test_participants_and_strangers_may_neither_set_a_challenge_nor_read_its_board() -> None:
    instructor, session = start_session(queued_document())
    code = session["code"]
    participant, _ = join(code, "Eve")
    for member in (participant, Member(), Member({"X-Instructor-Secret": "wrong"})):
        answer = set_challenge(member, code, SLUG)
        assert answer.status_code == 403 and "instructor" in answer.json()["errors"][0]["message"]
        assert member.get(f"/api/sessions/{code}/challenge/board/").status_code == 403
    assert Session.objects.get(code=code).challenge == ""
    assert instructor.post(f"/api/sessions/{code}/end/").status_code == 200
    ended = set_challenge(instructor, code, SLUG)
    assert ended.status_code == 409 and "ended" in ended.json()["errors"][0]["message"]


def test_a_participants_attempt_is_theirs_and_the_sessions() -> None:
    _instructor, code, [(ada, joined)] = class_with_challenge("Ada")
    url = f"/api/sessions/{code}/challenge/attempts/"
    answer = ada.post(url, {"topology": lavish_design(), "challenge": SLUG, "name": "Mallory"})
    assert answer.status_code == 201, answer.content
    created = answer.json()
    assert created["name"] == "Ada" and created["url"] == f"/challenges/attempts/{created['attempt_id']}/"
    attempt = Attempt.objects.get(pk=created["attempt_id"])
    assert attempt.session is not None and attempt.session.code == code
    assert attempt.participant_id == joined["participant_id"] and attempt.name == "Ada"  # not the body's name
    assert attempt.status == Attempt.Status.FAILED and (attempt.result or {})["over_budget"] is True

    state = Member().get(f"/api/sessions/{code}/").json()
    assert state["challenge"]["attempts"] == {"made": 1, "running": 0, "passed": 0, "people": 1}
    kinds = list(SessionEvent.objects.filter(session__code=code).values_list("kind", flat=True))
    assert kinds[-2:] == ["attempted", "attempt_ended"]
    page = Member().get(created["url"]).content.decode()
    assert f"/t/{code}/" in page and "Back to the class" in page

    # a bare topology is taken too; attempts outside a session stay as they were
    assert ada.post(url, lavish_design()).status_code == 201
    outside = Member().post(f"/api/challenges/{SLUG}/attempts/", {"topology": lavish_design(), "name": "Ada"})
    assert outside.status_code == 201
    loose = Attempt.objects.get(pk=outside.json()["attempt_id"])
    assert loose.session is None and loose.participant is None and loose.name == "Ada"
    assert Attempt.objects.filter(session__code=code).count() == 2


def test_a_graded_run_of_a_class_attempt_tells_the_class(django_capture_on_commit_callbacks: Any) -> None:
    _instructor, code, [(ada, _)] = class_with_challenge("Ada")
    with mock.patch("apps.challenges.services.run_start", autospec=True) as run_start:
        run_start.return_value = SimpleNamespace(id="run-seed-1")
        answer = ada.post(f"/api/sessions/{code}/challenge/attempts/", solution(SLUG, "reference"))
    assert answer.status_code == 201, answer.content
    attempt = Attempt.objects.get(pk=answer.json()["attempt_id"])
    assert attempt.status == Attempt.Status.RUNNING and attempt.runs == ["run-seed-1"]
    assert Member().get(f"/api/sessions/{code}/").json()["challenge"]["attempts"]["running"] == 1

    with (
        mock.patch("apps.training.services.relay", autospec=True) as relay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        attempt_advance(run_id="run-seed-1", status="failed")  # its run could not be carried out
    relay.assert_called_with(code, "dirty", None)
    ended = SessionEvent.objects.filter(session__code=code, kind="attempt_ended").get()
    assert ended.data["status"] == "error" and ended.data["name"] == "Ada"


def test_only_a_participant_submits_for_the_class_and_only_its_challenge() -> None:
    instructor, code, [(ada, _)] = class_with_challenge("Ada")
    url = f"/api/sessions/{code}/challenge/attempts/"
    for member in (Member(), instructor):
        answer = member.post(url, lavish_design())
        assert answer.status_code == 403 and "participant" in answer.json()["errors"][0]["message"]
    _other_instructor, other = start_session(queued_document())
    elsewhere, _ = join(other["code"], "Ada")
    assert elsewhere.post(url, lavish_design()).status_code == 403  # a token of another session

    moved = ada.post(url, {"topology": lavish_design(), "challenge": "survive-an-instance-loss"})
    assert moved.status_code == 409 and "now" in moved.json()["errors"][0]["message"]
    no_traffic = lavish_design()
    no_traffic["nodes"] = [n for n in no_traffic["nodes"] if n["kind"] != "client"]
    no_traffic["edges"] = [e for e in no_traffic["edges"] if e["from"] != "users"]
    assert ada.post(url, no_traffic).status_code == 400
    set_challenge(instructor, code, None)
    unset = ada.post(url, lavish_design())
    assert unset.status_code == 409 and "no challenge" in unset.json()["errors"][0]["message"]
    assert not Attempt.objects.exists()


def attempt(code: str, name: str, status: str, cost: float, p95: float | None = None, **fields: Any) -> Attempt:
    """An attempt of the participant `name` in session `code` as the grader leaves it."""
    session = Session.objects.get(code=code) if code else None
    participant = Participant.objects.get(session=session, name=name) if session else None
    running = status == Attempt.Status.RUNNING
    values: dict[str, Any] = {
        "challenge": SLUG,
        "name": name,
        "session": session,
        "participant": participant,
        "document": {},
        "status": status,
        "cost_per_hour": cost,
        "result": None if running else {"goals": [{"passed": status == "passed"}], "p95_ms": p95, "explanation": []},
        "ended_at": None if running else timezone.now(),
    }
    values.update(fields)
    return Attempt.objects.create(**values)


def test_the_board_ranks_the_class_as_the_leaderboard_does() -> None:
    instructor, code, _members = class_with_challenge("Ada", "Bob", "Cy", "Dee", "Eve", "Fay")
    earlier = timezone.now() - timedelta(minutes=5)
    attempt(code, "Ada", "passed", 0.16, 40.0)
    attempt(code, "Ada", "passed", 0.20, 30.0)  # dearer: not her best
    attempt(code, "Bob", "passed", 0.16, 35.0)  # as cheap as Ada's, faster
    attempt(code, "Cy", "failed", 0.05, 20.0, ended_at=earlier)
    attempt(code, "Cy", "running", 0.10, runs=["r1", "r2"], current_run="r2")  # his latest, being graded
    attempt(code, "Dee", "failed", 9.0, result={"goals": [], "over_budget": True, "explanation": []})
    attempt(code, "Fay", "passed", 0.16, None)  # no p95 measured: after those with one
    attempt(code, "Ada", "passed", 0.01, 10.0, challenge="survive-an-instance-loss")  # another challenge
    attempt("", "Eve", "passed", 0.01, 10.0)  # outside the session

    answer = instructor.get(f"/api/sessions/{code}/challenge/board/")
    assert answer.status_code == 200
    board = answer.json()
    assert board["challenge"] == SLUG
    rows = board["rows"]
    assert [(row["rank"], row["name"]) for row in rows] == [
        (1, "Bob"),
        (2, "Ada"),
        (3, "Fay"),
        (None, "Cy"),
        (None, "Dee"),
        (None, "Eve"),
    ]
    bob, ada, _fay, cy, dee, eve = rows
    assert (bob["best"]["cost_per_hour"], bob["best"]["p95_ms"], bob["best"]["passed"]) == (0.16, 35.0, True)
    assert ada["attempts"] == 2 and ada["best"]["p95_ms"] == 40.0 and not ada["grading"]
    seeds = len(catalogue()[SLUG].seeds)
    assert cy["grading"] and cy["best"]["status"] == "running" and cy["best"]["passed"] is None
    assert cy["best"]["seeds"] == {"done": 1, "of": seeds}
    assert dee["best"]["over_budget"] is True and dee["best"]["passed"] is False
    assert eve["best"] is None and eve["attempts"] == 0
    assert bob["best"]["url"] == f"/challenges/attempts/{bob['best']['attempt_id']}/"

    state = Member().get(f"/api/sessions/{code}/").json()
    assert state["challenge"]["attempts"] == {"made": 7, "running": 1, "passed": 4, "people": 5}
    report = instructor.get(f"/t/{code}/report/").content.decode()
    board_html = report[report.index(f"Challenge: {catalogue()[SLUG].title}") : report.index("sr-questions-title")]
    assert board_html.index("Bob") < board_html.index("Ada") < board_html.index("Fay") < board_html.index("Cy")
    assert "over the budget" in board_html and "Eve" not in board_html  # who has not tried is left out


def test_a_participant_takes_the_challenge_in_their_own_copy_and_submits_for_the_class() -> None:
    _instructor, code, [(ada, _)] = class_with_challenge("Ada")
    taken = ada.client.post(f"/t/{code}/challenge/")  # the session page's form (the browser's cookie)
    assert taken.status_code == 302
    design_url = taken["Location"]
    assert design_url.startswith(f"/challenges/{SLUG}/design/") and design_url.endswith(f"?session={code}")
    page = ada.client.get(design_url).content.decode()
    assert "For class" in page and "<strong>Ada</strong>" in page
    assert f'data-attempts-url="/api/sessions/{code}/challenge/attempts/"' in page

    attempts_url = f"/api/sessions/{code}/challenge/attempts/"
    answer = ada.client.post(attempts_url, json.dumps(lavish_design()), content_type="application/json")
    assert answer.status_code == 201 and answer.json()["name"] == "Ada"

    # not in the class: the join page; the same design page without the session: as before
    assert Member().client.post(f"/t/{code}/challenge/")["Location"] == f"/t/{code}/"
    plain = ada.client.get(design_url.split("?")[0]).content.decode()
    assert "For class" not in plain and f'data-attempts-url="/api/challenges/{SLUG}/attempts/"' in plain


def test_with_no_challenge_set_taking_one_leads_back_to_the_session() -> None:
    instructor, session = start_session(queued_document())
    code = session["code"]
    ada, _ = join(code, "Ada")
    assert ada.client.post(f"/t/{code}/challenge/")["Location"] == f"/t/{code}/"
    owner = Member()
    started = owner.client.post(f"/challenges/{SLUG}/start/")
    set_challenge(instructor, code, SLUG)
    page = owner.client.get(f"{started['Location']}?session={code}").content.decode()  # not a participant
    assert "For class" not in page


@pytest.fixture
def fresh_channel_layer() -> Iterator[None]:
    channel_layers.backends = {}
    yield
    channel_layers.backends = {}


@pytest.mark.engine
@pytest.mark.django_db(transaction=True)
def test_setting_a_challenge_reaches_the_class_over_the_session_socket(fresh_channel_layer: None) -> None:
    instructor, session = start_session(queued_document())
    code = session["code"]
    _, ada = join(code, "Ada")

    async def body() -> dict[str, Any]:
        from channels.db import database_sync_to_async

        student = WebsocketCommunicator(
            application, f"/ws/sessions/{code}/?token={ada['token']}", headers=[(b"origin", b"http://localhost")]
        )
        assert (await student.connect())[0]
        while json.loads(await student.receive_from(timeout=5))["type"] != "hello":
            pass
        await database_sync_to_async(lambda: set_challenge(instructor, code, SLUG))()
        while True:
            message = json.loads(await student.receive_from(timeout=5))
            if message["type"] == "state" and message["state"]["challenge"]:
                await student.disconnect()
                return dict(message["state"]["challenge"])

    challenge = async_to_sync(body)()
    assert challenge["slug"] == SLUG and challenge["take_url"] == f"/t/{code}/challenge/"
